package compliance

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Checkpoint is the head of the audit log at a moment, kept outside the
// database (a file the service appends to, and the service's log): the log
// must always reach it. Someone who can write to the database can remove
// the newest entries and move the head back so that the chain, even sealed
// with a key, still verifies; the entry a checkpoint names cannot be
// removed or rewritten so unnoticed.
type Checkpoint struct {
	Seq  int64     `json:"seq"`
	Hash string    `json:"hash"`
	At   time.Time `json:"at"`
}

// CheckpointMessage is the message of the service's log line that records
// a checkpoint, with the attributes seq and hash.
const CheckpointMessage = "audit checkpoint"

// Line is cp as one line of a checkpoint file: JSON, then a newline.
func (cp Checkpoint) Line() []byte {
	b, _ := json.Marshal(cp) // a struct of plain fields always encodes
	return append(b, '\n')
}

// CheckpointSource returns the newest checkpoint kept; false when none has
// been kept yet.
type CheckpointSource func(ctx context.Context) (Checkpoint, bool, error)

// AuditCheckpoint returns the head of the audit log as a checkpoint stamped
// now, after checking that the newest entry is the one the head names and
// that its hash is its content's (sealed with the service's key, when there
// is one): a head that does not pass is not a checkpoint. It returns
// ErrNotFound when the log is empty.
func (s *Audit) AuditCheckpoint(ctx context.Context) (Checkpoint, error) {
	as := s.store
	if err := s.SettleAudit(ctx); err != nil {
		return Checkpoint{}, err
	}
	head, err := as.AuditHead(ctx)
	if err != nil {
		return Checkpoint{}, err
	}
	es, err := as.AuditEntries(ctx, head.Seq-1, 1)
	if err != nil {
		return Checkpoint{}, err
	}
	switch {
	case len(es) == 0 || es[0].Seq != head.Seq:
		return Checkpoint{}, fmt.Errorf("audit head names entry %d, which is not stored", head.Seq)
	case es[0].Hash != head.Hash:
		return Checkpoint{}, fmt.Errorf("audit head's hash is not entry %d's", head.Seq)
	}
	if p := sealProblem(es[0], s.auditKey, false); p != "" {
		return Checkpoint{}, fmt.Errorf("audit entry %d: %s", head.Seq, p)
	}
	return Checkpoint{Seq: head.Seq, Hash: head.Hash, At: s.now().UTC()}, nil
}

// CheckpointMiss is how the audit log departs from a checkpoint: the entry
// it names is gone (the log was truncated) or has another hash (rewritten).
type CheckpointMiss struct {
	Checkpoint Checkpoint
	Last       int64  // the newest entry the log holds, when the entry is gone
	Hash       string // the entry's hash now; "" when it is gone
}

func (m *CheckpointMiss) Error() string {
	cp := m.Checkpoint
	at := cp.At.UTC().Format(time.RFC3339)
	if m.Hash == "" {
		return fmt.Sprintf("the checkpoint of %s names entry %d (hash %s), but the log ends at entry %d: entries %d to %d were removed (truncated)",
			at, cp.Seq, cp.Hash, m.Last, m.Last+1, cp.Seq)
	}
	return fmt.Sprintf("the checkpoint of %s names entry %d with hash %s, but entry %d now has hash %s (the log was rewritten up to it)",
		at, cp.Seq, cp.Hash, cp.Seq, m.Hash)
}

// CheckCheckpoint checks that the log still holds the entry cp names, with
// the hash cp recorded; nil when it does. With the chain verified
// (VerifyAudit), every entry before it is then as it was too.
func CheckCheckpoint(ctx context.Context, r AuditReader, cp Checkpoint) (*CheckpointMiss, error) {
	es, err := r.AuditEntries(ctx, cp.Seq-1, 1)
	if err != nil {
		return nil, err
	}
	if len(es) == 1 && es[0].Seq == cp.Seq {
		if es[0].Hash == cp.Hash {
			return nil, nil
		}
		return &CheckpointMiss{Checkpoint: cp, Hash: es[0].Hash}, nil
	}
	miss := &CheckpointMiss{Checkpoint: cp}
	head, err := r.AuditHead(ctx)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return nil, err
	default:
		miss.Last = min(head.Seq, cp.Seq-1)
	}
	return miss, nil
}

// NewestCheckpoint reads checkpoints, one a line, and returns the one with
// the highest Seq; false when there is none. It reads the lines of a
// checkpoint file (Checkpoint.Line) and the service's log lines that record
// a checkpoint (CheckpointMessage, as text or JSON), and skips any other
// line, so that either the file or the service's log can be given.
func NewestCheckpoint(r io.Reader) (Checkpoint, bool, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var newest Checkpoint
	found := false
	for n := 1; sc.Scan(); n++ {
		cp, ok, err := parseCheckpointLine(sc.Bytes())
		if err != nil {
			return Checkpoint{}, false, fmt.Errorf("line %d: %w", n, err)
		}
		if ok && (!found || cp.Seq > newest.Seq) {
			newest, found = cp, true
		}
	}
	if err := sc.Err(); err != nil {
		return Checkpoint{}, false, fmt.Errorf("read checkpoints: %w", err)
	}
	return newest, found, nil
}

// parseCheckpointLine reads one line; false when it records no checkpoint.
func parseCheckpointLine(line []byte) (Checkpoint, bool, error) {
	line = bytes.TrimSpace(line)
	var cp Checkpoint
	switch {
	case len(line) == 0:
		return cp, false, nil
	case line[0] == '{':
		var l struct {
			Msg  string    `json:"msg"`
			Seq  int64     `json:"seq"`
			Hash string    `json:"hash"`
			At   time.Time `json:"at"`
			Time time.Time `json:"time"`
		}
		if err := json.Unmarshal(line, &l); err != nil {
			return cp, false, fmt.Errorf("not a checkpoint: %w", err)
		}
		if l.Msg != "" && l.Msg != CheckpointMessage {
			return cp, false, nil // another log line
		}
		cp = Checkpoint{Seq: l.Seq, Hash: l.Hash, At: l.At}
		if cp.At.IsZero() {
			cp.At = l.Time
		}
	case bytes.Contains(line, []byte(`msg="`+CheckpointMessage+`"`)):
		for _, f := range strings.Fields(string(line)) {
			k, v, _ := strings.Cut(f, "=")
			switch k {
			case "time":
				cp.At, _ = time.Parse(time.RFC3339Nano, v)
			case "seq":
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return cp, false, fmt.Errorf("checkpoint seq %q: %w", v, err)
				}
				cp.Seq = n
			case "hash":
				cp.Hash = v
			}
		}
	default:
		return cp, false, nil
	}
	if b, err := hex.DecodeString(cp.Hash); cp.Seq <= 0 || err != nil || len(b) != 32 {
		return cp, false, fmt.Errorf("checkpoint seq %d hash %q: want a positive seq and a 64-hex hash", cp.Seq, cp.Hash)
	}
	return cp, true, nil
}
