package receiver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mspsync/mspsync/alerting"
)

// DefaultMaxMailBytes caps a message Maildir reads (2 MiB).
const DefaultMaxMailBytes = 2 << 20

// Maildir watches a Maildir (Dir with new/, cur/ and tmp/, as Postfix,
// Dovecot, getmail or fetchmail deliver) and hands every message that
// arrives in new/ to Handler, once:
//
//   - handled (HandleMail returned nil): the message moves to
//     cur/<name>:2,S (seen), as a mail client would move it;
//   - refused for good (not an alert, a rejected alert, unreadable,
//     larger than MaxMessageBytes): it moves to FailedDir and the reason
//     is logged;
//   - not recorded (any other error, the store is down): it stays in
//     new/, the pass stops, and the next poll tries again.
//
// A restart does not process a message twice: what was handled is no
// longer in new/. The one window — a crash after HandleMail and before
// the move — is closed by the engine's deduplication (the message's event
// is recorded once). Several watchers on one directory are safe the same
// way: a message another one moved is skipped.
//
// A Maildir is written by the local mail system only: its protection is
// the directory's permissions (0700, owned by the receiver's user).
type Maildir struct {
	// Dir is the Maildir; new/, cur/, tmp/ and FailedDir are created if
	// missing (0700).
	Dir     string
	Handler MailHandler
	// Interval between polls of Run (default 5s).
	Interval time.Duration
	// MaxMessageBytes caps a message (default DefaultMaxMailBytes).
	MaxMessageBytes int64
	// FailedDir receives the refused messages (default Dir/failed).
	FailedDir string
	Logger    *slog.Logger
}

// MaildirStats counts what one Poll did.
type MaildirStats struct {
	Handled  int // moved to cur/
	Failed   int // moved to FailedDir
	Deferred int // left in new/ for the next poll
}

// Run polls until ctx ends, then returns nil. A poll that fails is logged
// and tried again at the next interval.
func (m *Maildir) Run(ctx context.Context) error {
	if err := m.init(); err != nil {
		return err
	}
	every := m.Interval
	if every <= 0 {
		every = 5 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		st, err := m.Poll(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			m.log().Warn("maildir poll stopped early; retrying at the next poll", "dir", m.Dir, "err", err, "handled", st.Handled, "failed", st.Failed)
		case st != MaildirStats{}:
			m.log().Info("maildir poll", "dir", m.Dir, "handled", st.Handled, "failed", st.Failed, "deferred", st.Deferred)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (m *Maildir) log() *slog.Logger {
	if m.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return m.Logger
}

func (m *Maildir) failedDir() string {
	if m.FailedDir != "" {
		return m.FailedDir
	}
	return filepath.Join(m.Dir, "failed")
}

func (m *Maildir) init() error {
	if m.Dir == "" || m.Handler == nil {
		return errors.New("receiver: Maildir needs Dir and Handler")
	}
	for _, d := range []string{filepath.Join(m.Dir, "new"), filepath.Join(m.Dir, "cur"), filepath.Join(m.Dir, "tmp"), m.failedDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("receiver: maildir: %w", err)
		}
	}
	return nil
}

// Poll handles every message now in new/, oldest name first, and reports
// what it did. It stops at the first message that could not be recorded
// (returning that error; the message stays in new/) or when ctx ends.
func (m *Maildir) Poll(ctx context.Context) (MaildirStats, error) {
	var st MaildirStats
	if err := m.init(); err != nil {
		return st, err
	}
	newDir := filepath.Join(m.Dir, "new")
	entries, err := os.ReadDir(newDir)
	if err != nil {
		return st, fmt.Errorf("receiver: maildir: %w", err)
	}
	for i, e := range entries {
		if ctx.Err() != nil {
			return st, ctx.Err()
		}
		name := e.Name()
		if strings.HasPrefix(name, ".") || !e.Type().IsRegular() {
			continue
		}
		err := m.handle(ctx, filepath.Join(newDir, name))
		switch {
		case err == nil:
			if moved, err := m.move(newDir, name, filepath.Join(m.Dir, "cur"), baseName(name)+":2,S"); err != nil {
				return st, err
			} else if moved {
				st.Handled++
			}
		case mailFinal(err):
			m.log().Warn("maildir: message refused; moved to the failed folder", "file", name, "failed_dir", m.failedDir(), "reason", err)
			if moved, err := m.move(newDir, name, m.failedDir(), baseName(name)); err != nil {
				return st, err
			} else if moved {
				st.Failed++
			}
		case errors.Is(err, fs.ErrNotExist):
			// another watcher took it
		default:
			st.Deferred = len(entries) - i
			return st, fmt.Errorf("receiver: maildir: %s not recorded (left in new/): %w", name, err)
		}
	}
	return st, nil
}

// handle reads and hands over one message; refusals before HandleMail are
// counted with RejectMail and returned as final.
func (m *Maildir) handle(ctx context.Context, path string) error {
	limit := m.MaxMessageBytes
	if limit <= 0 {
		limit = DefaultMaxMailBytes
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	raw, err := io.ReadAll(io.LimitReader(f, limit+1))
	f.Close()
	if err != nil {
		return fmt.Errorf("reading %s: %w", filepath.Base(path), err)
	}
	refuse := func(err error) error {
		m.Handler.RejectMail(ctx, alerting.ReasonMalformedPayload, err)
		return alerting.Permanent(err)
	}
	if int64(len(raw)) > limit {
		return refuse(fmt.Errorf("message larger than %d bytes", limit))
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return refuse(fmt.Errorf("not an RFC 5322 message: %v", err))
	}
	return m.Handler.HandleMail(ctx, msg)
}

// move renames dir/name to toDir/to (made unique if taken); false when
// the file is gone (another watcher moved it).
func (m *Maildir) move(dir, name, toDir, to string) (bool, error) {
	dst := filepath.Join(toDir, to)
	if _, err := os.Lstat(dst); err == nil {
		dst = filepath.Join(toDir, fmt.Sprintf("%d.%s", time.Now().UnixNano(), to))
	}
	if err := os.Rename(filepath.Join(dir, name), dst); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, fmt.Errorf("receiver: maildir: moving %s: %w", name, err)
	}
	return true, nil
}

// baseName strips a Maildir info suffix (":2,flags").
func baseName(name string) string {
	if i := strings.Index(name, ":2,"); i >= 0 {
		return name[:i]
	}
	return name
}
