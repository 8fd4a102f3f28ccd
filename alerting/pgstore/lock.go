package pgstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrLockHeld matches the error TryLock returns when another session holds
// the lock.
var ErrLockHeld = errors.New("pgstore: lock held by another process")

// LockHeldError reports who holds a run lock, as its holder recorded when
// it took it.
type LockHeldError struct {
	Name   string    // the lock
	Holder string    // what the holder said about itself ("" if unrecorded)
	Since  time.Time // when it took the lock (zero if unrecorded)
}

// Error names the lock, its holder and since when.
func (e *LockHeldError) Error() string {
	if e.Holder == "" {
		return fmt.Sprintf("pgstore: lock %q is held by another process", e.Name)
	}
	return fmt.Sprintf("pgstore: lock %q is held by %s since %s", e.Name, e.Holder, e.Since.Format(time.RFC3339))
}

// Is matches ErrLockHeld.
func (e *LockHeldError) Is(target error) bool { return target == ErrLockHeld }

// Lock is a run lock TryLock took: a PostgreSQL session-level advisory
// lock on a connection of its own (outside the Store's pool, so Close
// never waits for it). If the process dies, the connection closes and the
// database frees the lock.
type Lock struct {
	conn *pgx.Conn
	once sync.Once
	err  error
}

// lockKey scopes a lock name to the Store's schema: stores in different
// schemas of one database lock independently.
func (s *Store) lockKey(name string) string {
	return fmt.Sprintf("mspsync_run_lock:%d:%s:%s", len(s.schema), s.schema, name)
}

// TryLock takes the run lock name for a job that must run alone across
// processes (a reconcile import), without waiting: when another session
// holds it, it returns a *LockHeldError (matching ErrLockHeld) saying who
// and since when. holder describes the caller for that message ("host
// pid 42"). Release the lock when the job ends.
func (s *Store) TryLock(ctx context.Context, name, holder string) (*Lock, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return nil, wrap("lock", ctx, redact(err))
	}
	// Take the lock and record the holder in one statement.
	var got bool
	err = conn.QueryRow(ctx, `WITH l AS (SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok),
		w AS (INSERT INTO mspsync_run_locks (name, holder, since_ns) SELECT $2, $3, $4 FROM l WHERE l.ok
			ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, since_ns = EXCLUDED.since_ns)
		SELECT ok FROM l`, s.lockKey(name), name, holder, time.Now().UnixNano()).Scan(&got)
	if err == nil && got {
		return &Lock{conn: conn}, nil
	}
	closeConn(conn)
	if err != nil {
		return nil, wrap("lock", ctx, err)
	}
	held := &LockHeldError{Name: name}
	var at int64
	err = s.pool.QueryRow(ctx, `SELECT holder, since_ns FROM mspsync_run_locks WHERE name = $1`, name).Scan(&held.Holder, &at)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, wrap("lock", ctx, err)
	}
	held.Since = fromNS(at)
	return nil, held
}

// Release frees the lock by ending its session. It is safe to call more
// than once.
func (l *Lock) Release() error {
	l.once.Do(func() { l.err = closeConn(l.conn) })
	return l.err
}

// closeConn ends a connection's session, which frees its advisory locks.
func closeConn(c *pgx.Conn) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Close(ctx); err != nil {
		return fmt.Errorf("pgstore: unlock: %w", err)
	}
	return nil
}
