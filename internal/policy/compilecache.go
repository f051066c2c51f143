package policy

import (
	"crypto/sha256"
	"encoding/binary"
	"sort"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
)

// A compiled module set does not depend on the engine that asked for it: the
// calendar and the rule parameters reach the policies at preparation, through
// the built-ins and the data store. Parsing and compiling are ~98 % of
// preparing a revision (≈150 ms for the shipped policies), and a process
// compiles the same set many times: every store opened on the shipped
// policies, a revision re-read by the sync, a dry run of the active revision.
// So the last few successfully compiled sets are kept and shared; a compiler
// is only read once compiled, as OPA's server shares one between queries.
// Failures are not kept: they are cheap to find again and carry no state.
var compiled = setCache[*ast.Compiler]{max: 8}

// testsPassed keeps the results of the last few module sets whose tests all
// passed. The tests run with the shipped calendar and parameters, so their
// outcome depends on the modules alone; saving a draft and publishing it run
// the same set's tests twice, and the tests are most of a publish's time.
// Failures are not kept, for the same reason as with compiling.
var testsPassed = setCache[[]TestResult]{max: 8}

// setCache keeps what was made of the last few module sets, most recently
// used last.
type setCache[V any] struct {
	mu      sync.Mutex
	max     int
	entries []setEntry[V]
}

type setEntry[V any] struct {
	key   [sha256.Size]byte
	value V
}

// compileModules parses and strictly compiles modules (none of them a test
// module), or returns the compiler of the same set compiled before.
func compileModules(modules []Module) (*ast.Compiler, error) {
	key := moduleSetKey(modules)
	if c, ok := compiled.get(key); ok {
		return c, nil
	}
	_, c, err := parseAndCompile(modules)
	if err != nil {
		return nil, err
	}
	compiled.put(key, c)
	return c, nil
}

// moduleSetKey identifies a set of modules by their names and sources, in
// name order: the same set in another order compiles to the same thing.
func moduleSetKey(modules []Module) [sha256.Size]byte {
	sorted := append([]Module(nil), modules...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	h := sha256.New()
	for _, m := range sorted {
		// Length-prefixed, so that no two sets run together into one text.
		for _, s := range []string{m.Name, m.Source} {
			h.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(s))))
			h.Write([]byte(s))
		}
	}
	var key [sha256.Size]byte
	copy(key[:], h.Sum(nil))
	return key
}

func (cc *setCache[V]) get(key [sha256.Size]byte) (V, bool) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	for i, e := range cc.entries {
		if e.key == key {
			cc.entries = append(append(cc.entries[:i:i], cc.entries[i+1:]...), e)
			return e.value, true
		}
	}
	var zero V
	return zero, false
}

func (cc *setCache[V]) put(key [sha256.Size]byte, v V) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	for _, e := range cc.entries {
		if e.key == key {
			return
		}
	}
	if len(cc.entries) == cc.max {
		cc.entries = append(cc.entries[:0:0], cc.entries[1:]...)
	}
	cc.entries = append(cc.entries, setEntry[V]{key: key, value: v})
}
