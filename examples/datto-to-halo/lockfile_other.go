//go:build !unix

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// lockRecord is what a lock file holds while a run has it.
type lockRecord struct {
	Holder string    `json:"holder"`
	Since  time.Time `json:"since"`
}

// lockFile creates path exclusively and records who holds it since when;
// release removes it. Without flock, a process that is killed leaves the
// file behind: remove it by hand once no run is going on (the busyError
// says whose it is).
func lockFile(path, who string) (release func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		busy := &busyError{Lock: path + " (remove it if no run is going on)"}
		var rec lockRecord
		if b, err := os.ReadFile(path); err == nil && json.Unmarshal(b, &rec) == nil {
			busy.Holder, busy.Since = rec.Holder, rec.Since
		}
		return nil, busy
	}
	if err != nil {
		return nil, fmt.Errorf("lock file: %w", err)
	}
	b, _ := json.Marshal(lockRecord{Holder: who, Since: time.Now().UTC()})
	_, _ = f.Write(b)
	_ = f.Close()
	return func() { _ = os.Remove(path) }, nil
}
