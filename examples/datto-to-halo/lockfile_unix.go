//go:build unix

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
)

// lockRecord is what a lock file holds while a run has it.
type lockRecord struct {
	Holder string    `json:"holder"`
	Since  time.Time `json:"since"`
}

// lockFile takes an exclusive flock on path (created if missing) without
// waiting, and records who holds it since when. The kernel releases the
// lock when the process exits, however it exits; the file stays. Another
// holder gives a *busyError with its record.
func lockFile(path, who string) (release func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("lock file %s: %w", path, err)
		}
		busy := &busyError{Lock: path}
		var rec lockRecord
		if b, err := io.ReadAll(f); err == nil && json.Unmarshal(b, &rec) == nil {
			busy.Holder, busy.Since = rec.Holder, rec.Since
		}
		return nil, busy
	}
	b, _ := json.Marshal(lockRecord{Holder: who, Since: time.Now().UTC()})
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt(append(b, '\n'), 0)
	}
	return func() {
		_ = f.Truncate(0) // no stale record for the next reader
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}, nil
}
