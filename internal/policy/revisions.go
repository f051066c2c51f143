package policy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"time"

	"powercheck/internal/compliance"
)

// Digest identifies the content of a module set, whatever its order.
func Digest(modules []Module) string {
	sorted := append([]Module(nil), modules...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	h := sha256.New()
	for _, m := range sorted {
		fmt.Fprintf(h, "%s\x00%d\x00%s\x00", m.Name, len(m.Source), m.Source)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// DigestWith identifies the content of a module set and its parameters. A
// revision without parameters has the digest of its modules alone.
func DigestWith(modules []Module, params []byte) string {
	if len(params) == 0 {
		return Digest(modules)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00params\x00%d\x00%s", Digest(modules), len(params), params)
	return hex.EncodeToString(h.Sum(nil))
}

// Sync makes the store's newest revision the active one. On an empty store it
// first checks the default modules (their tests must pass) and publishes them
// as the first revision.
func (e *Engine) Sync(ctx context.Context, store compliance.RevisionStore, defaults []Module) error {
	rev, err := store.LatestRevision(ctx)
	if errors.Is(err, compliance.ErrNotFound) {
		if err := e.mustPassTests(ctx, defaults); err != nil {
			return fmt.Errorf("default policies: %w", err)
		}
		params := DefaultParams()
		rev, err = store.CreateRevision(ctx, compliance.PolicyRevision{
			Digest: DigestWith(defaults, params), Modules: defaults, Params: params, CreatedBy: "system",
			Note: "默认策略（随系统发布）", CreatedAt: time.Now().UTC()})
		if errors.Is(err, compliance.ErrRevisionConflict) {
			// Another node installed the first revision meanwhile.
			rev, err = store.LatestRevision(ctx)
		}
	}
	if err != nil {
		return err
	}
	if cur := e.Active(); cur != nil && cur.Revision == rev.ID {
		return nil
	}
	c, err := e.CompileWith(ctx, rev.ID, rev.Modules, rev.Params)
	if err != nil {
		return fmt.Errorf("policy revision %d: %w", rev.ID, err)
	}
	e.Activate(c)
	return nil
}

func (e *Engine) mustPassTests(ctx context.Context, modules []Module) error {
	results, err := e.RunTests(ctx, modules) // kept when they all pass: see testsPassed
	if err != nil {
		return err
	}
	for _, r := range results {
		if !r.Passed {
			return fmt.Errorf("test %s.%s failed: %s", r.Module, r.Name, r.Error)
		}
	}
	return nil
}
