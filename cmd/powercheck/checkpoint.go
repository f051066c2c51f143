// Audit checkpoints: the head of the audit log, appended to a file outside
// the database, so that removing the newest entries is seen.

package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"time"

	"powercheck/internal/compliance"
)

// defaultCheckpointEvery is how often the service appends a checkpoint
// when the log has grown.
const defaultCheckpointEvery = time.Minute

// checkCheckpointFlags refuses an interval that cannot work.
func checkCheckpointFlags(every time.Duration) error {
	if every < 10*time.Millisecond || every > 24*time.Hour {
		return fmt.Errorf("--audit-checkpoint-interval %s: want 10ms to 24h", every)
	}
	return nil
}

// readCheckpoint returns the newest checkpoint in the file at path (a
// checkpoint file, or the service's log); false when it holds none.
func readCheckpoint(path string) (compliance.Checkpoint, bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return compliance.Checkpoint{}, false, fmt.Errorf("audit checkpoint file: %w", err)
	}
	defer f.Close()
	cp, ok, err := compliance.NewestCheckpoint(f)
	if err != nil {
		return compliance.Checkpoint{}, false, fmt.Errorf("audit checkpoint file %s: %w", path, err)
	}
	return cp, ok, nil
}

// checkpointer appends the audit log's head to a file outside the database
// whenever the log has grown, and logs it (compliance.CheckpointMessage):
// at the start, on an interval and once more at shutdown, after every
// request and job has finished.
type checkpointer struct {
	svc  auditHead
	r    compliance.AuditReader
	path string
	log  *slog.Logger
	last int64 // the newest Seq the file holds
}

// auditHead is the audit log's head as the checkpointer sees it.
type auditHead interface {
	AuditCheckpoint(ctx context.Context) (compliance.Checkpoint, error)
}

// newCheckpointer returns the checkpointer of the file at path; open reads
// it.
func newCheckpointer(svc auditHead, r compliance.AuditReader, path string, log *slog.Logger) *checkpointer {
	return &checkpointer{svc: svc, r: r, path: path, log: log}
}

// open reads the file (it need not exist yet), checks that the log still
// reaches its newest checkpoint and appends the first checkpoint. A log
// that does not reach it was truncated or rewritten, which is logged as an
// error; the service starts all the same, and `audit verify` names it too.
// A file that cannot be read fails the start.
func (c *checkpointer) open(ctx context.Context) error {
	cp, ok, err := c.newest(ctx)
	if err != nil {
		return err
	}
	if ok {
		c.last = cp.Seq
		miss, err := compliance.CheckCheckpoint(ctx, c.r, cp)
		if err != nil {
			return fmt.Errorf("audit checkpoint: %w", err)
		}
		if miss != nil {
			c.log.Error("the audit log does not reach its last checkpoint: it was truncated or rewritten; run `powercheck audit verify`",
				"file", c.path, "problem", miss.Error())
		}
	}
	if err := c.run(ctx); err != nil {
		c.log.Warn("first audit checkpoint not written", "error", err)
	}
	return nil
}

// newest returns the newest checkpoint of the file; false when there is
// no file yet.
func (c *checkpointer) newest(ctx context.Context) (compliance.Checkpoint, bool, error) {
	return fileCheckpoints(c.path)(ctx)
}

// fileCheckpoints is the checkpoint source of the audit log's verification:
// the newest checkpoint of the file at path; false when there is no file yet.
func fileCheckpoints(path string) compliance.CheckpointSource {
	return func(context.Context) (compliance.Checkpoint, bool, error) {
		cp, ok, err := readCheckpoint(path)
		if errors.Is(err, fs.ErrNotExist) {
			return cp, false, nil
		}
		return cp, ok, err
	}
}

// run appends a checkpoint when the log has grown since the last one. A
// head that does not pass, or is behind the file, is evidence against the
// log, logged here as an error; a file it cannot write is its error.
func (c *checkpointer) run(ctx context.Context) error {
	cp, err := c.svc.AuditCheckpoint(ctx)
	switch {
	case errors.Is(err, compliance.ErrNotFound):
		return nil // nothing logged yet
	case err != nil:
		if ctx.Err() == nil {
			c.log.Error("audit checkpoint not written: the log's head does not pass", "error", err)
		}
		return nil
	case cp.Seq < c.last:
		c.log.Error("the audit log's head is behind its last checkpoint: entries were removed; run `powercheck audit verify`",
			"head", cp.Seq, "checkpoint", c.last, "file", c.path)
		return nil
	case cp.Seq == c.last:
		return nil
	}
	if err := appendCheckpoint(c.path, cp); err != nil {
		return fmt.Errorf("audit checkpoint %d not written: %w", cp.Seq, err)
	}
	c.last = cp.Seq
	c.log.Info(compliance.CheckpointMessage, "seq", cp.Seq, "hash", cp.Hash, "file", c.path)
	return nil
}

// appendCheckpoint appends cp to the file at path, creating it, and syncs
// it to disk.
func appendCheckpoint(path string, cp compliance.Checkpoint) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("audit checkpoint file: %w", err)
	}
	if _, err := f.Write(cp.Line()); err != nil {
		_ = f.Close()
		return fmt.Errorf("audit checkpoint file %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("audit checkpoint file %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("audit checkpoint file %s: %w", path, err)
	}
	return nil
}
