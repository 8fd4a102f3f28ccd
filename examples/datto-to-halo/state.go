package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mspsync/mspsync/alerting/boltstore"
	"github.com/mspsync/mspsync/alerting/pgstore"
	"github.com/mspsync/mspsync/reconcile"
)

// defaultMappings is -mappings' default; -demo keeps its mappings in a
// temporary file instead, unless another -mappings is given.
const defaultMappings = "mspsync-mappings.json"

// lockName names the run lock in PostgreSQL.
const lockName = "examples/datto-to-halo"

// state is where the import keeps what it learns (-mappings) and how its
// runs exclude each other:
//
//   - a JSON file (reconcile.FileMappings) or a bbolt .db file (the alert
//     receiver's store format, alerting/boltstore), locked by a lock file
//     beside it (FILE.lock);
//   - a postgres:// or postgresql:// DSN (alerting/pgstore, the table
//     mspsync_mappings), locked by a PostgreSQL advisory lock.
//
// A bbolt file is one process's at a time: the import opens it for the
// length of a run only, and a run fails (and is retried at the next tick)
// while another process, such as an alert receiver started with the same
// -store file, holds it. To share state with a running receiver, use
// PostgreSQL.
type state struct {
	spec string // -mappings as given ("" for none)
	desc string // for logs: a DSN only with its password redacted

	mu sync.Mutex
	pg *pgstore.Store // opened by the first run that needs it, then kept
}

// newState describes the -mappings value; nothing is opened yet.
func newState(spec string) *state {
	s := &state{spec: spec, desc: spec}
	if s.isDSN() {
		s.desc = pgstore.RedactDSN(spec)
	}
	return s
}

// isDSN reports whether -mappings names a PostgreSQL database.
func (s *state) isDSN() bool {
	l := strings.ToLower(s.spec)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// isBolt reports whether -mappings names a bbolt file.
func (s *state) isBolt() bool { return !s.isDSN() && strings.EqualFold(filepath.Ext(s.spec), ".db") }

// postgres returns the PostgreSQL store, connecting on first use (a
// database that is down fails this run only).
func (s *state) postgres(ctx context.Context) (*pgstore.Store, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pg == nil {
		pg, err := pgstore.Open(ctx, s.spec)
		if err != nil {
			return nil, err
		}
		s.pg = pg
	}
	return s.pg, nil
}

// close releases the database connections.
func (s *state) close() {
	if s.pg != nil {
		s.pg.Close()
	}
}

// busyError says that another run holds the run lock.
type busyError struct {
	Lock   string    // the lock file, or the PostgreSQL lock's name
	Holder string    // what its holder recorded ("" if nothing)
	Since  time.Time // when it took the lock (zero if unknown)
}

func (e *busyError) Error() string {
	msg := "another run holds " + e.Lock
	if e.Holder != "" {
		msg += ": " + e.Holder
	}
	if !e.Since.IsZero() {
		msg += ", since " + e.Since.Format(time.RFC3339)
	}
	return msg + "; this run is not started"
}

// holder describes this process for the lock's record.
func holder() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("datto-to-halo pid %d on %s", os.Getpid(), host)
}

// acquire takes the run lock: the lock file beside a mappings file, or
// the advisory lock in PostgreSQL. It returns a *busyError when another
// run holds it, and release func() when there is no state to lock.
func (s *state) acquire(ctx context.Context) (release func(), err error) {
	switch {
	case s.spec == "":
		return func() {}, nil
	case s.isDSN():
		pg, err := s.postgres(ctx)
		if err != nil {
			return nil, err
		}
		l, err := pg.TryLock(ctx, lockName, holder())
		var held *pgstore.LockHeldError
		if errors.As(err, &held) {
			return nil, &busyError{Lock: "the PostgreSQL lock " + lockName, Holder: held.Holder, Since: held.Since}
		}
		if err != nil {
			return nil, err
		}
		return func() { _ = l.Release() }, nil
	default:
		return lockFile(s.spec+".lock", holder())
	}
}

// open returns the mapping store for one run and what closes it.
func (s *state) open(ctx context.Context) (reconcile.MappingStore, func(), error) {
	switch {
	case s.spec == "":
		return nil, func() {}, nil
	case s.isDSN():
		pg, err := s.postgres(ctx)
		return pg, func() {}, err
	case s.isBolt():
		b, err := boltstore.Open(s.spec)
		if err != nil {
			return nil, nil, fmt.Errorf("%w (a bbolt file is one process's at a time: stop the process holding it, or keep the mappings in PostgreSQL)", err)
		}
		return b, func() { _ = b.Close() }, nil
	default:
		return reconcile.NewFileMappings(s.spec), func() {}, nil
	}
}
