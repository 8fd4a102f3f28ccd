package pgstore

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The statements of an alert's way through the engine (Enqueue, group and
// alert reads and writes, Complete) are single statements, sent through a
// pipeline: a few sender goroutines each take every statement queued by
// concurrent callers and send them in one round trip (a pgx batch), which
// PostgreSQL runs as one implicit transaction, committed at its end. One
// round trip, one commit (one WAL flush) covers many callers' statements,
// and each caller gets its result only after that commit.
//
// If the server refuses one statement, the transaction is rolled back and
// every statement of the batch runs again alone. If the connection fails,
// the callers get the error, as a lone statement's caller would: the
// outcome is unknown.

// senders is how many batches are in flight at once.
const senders = 2

// batchTimeout bounds one batch.
const batchTimeout = 30 * time.Second

// stmt is one caller's statement.
type stmt struct {
	sql  string
	args []any
	row  []any // scan targets for a statement returning one row; nil: exec
	// results, set afresh on every run
	tag    pgconn.CommandTag
	noRows bool
	err    error
	done   chan struct{}
}

// pipeline queues statements for the senders.
type pipeline struct {
	mu     sync.Mutex
	queue  []*stmt
	wake   chan struct{} // something was queued
	stop   chan struct{}
	wg     sync.WaitGroup
	closed bool
}

func (s *Store) startPipeline() {
	s.pipe = &pipeline{wake: make(chan struct{}, 1), stop: make(chan struct{})}
	for range senders {
		s.pipe.wg.Go(s.sender)
	}
}

// stopPipeline lets the senders finish what is queued and stops them.
func (s *Store) stopPipeline() {
	p := s.pipe
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	close(p.stop)
	p.wg.Wait()
}

var errClosed = errors.New("pgstore: store closed")

// exec runs sql through the pipeline and returns its command tag.
func (s *Store) exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	st := &stmt{sql: sql, args: args}
	err := s.send(ctx, st)
	return st.tag, err
}

// queryRow runs sql through the pipeline and scans its one row into dest;
// pgx.ErrNoRows if it returned none.
func (s *Store) queryRow(ctx context.Context, sql string, args []any, dest ...any) error {
	st := &stmt{sql: sql, args: args, row: dest}
	if err := s.send(ctx, st); err != nil {
		return err
	}
	if st.noRows {
		return pgx.ErrNoRows
	}
	return nil
}

func (s *Store) send(ctx context.Context, st *stmt) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	st.done = make(chan struct{})
	p := s.pipe
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return errClosed
	}
	p.queue = append(p.queue, st)
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
	<-st.done // not ctx: once queued, the statement runs; its caller learns how
	return st.err
}

// sender sends queued statements until the pipeline stops and is empty.
func (s *Store) sender() {
	p := s.pipe
	for {
		p.mu.Lock()
		batch := p.queue
		p.queue = nil
		p.mu.Unlock()
		if len(batch) > 0 {
			select { // more may come while this batch is out: another sender takes them
			case p.wake <- struct{}{}:
			default:
			}
			s.sendBatch(batch)
			continue
		}
		select {
		case <-p.wake:
		case <-p.stop:
			p.mu.Lock()
			empty := len(p.queue) == 0
			p.mu.Unlock()
			if empty {
				return
			}
		}
	}
}

// sendBatch runs batch in one round trip and transaction, or each
// statement alone if the server refused one.
func (s *Store) sendBatch(batch []*stmt) {
	defer func() {
		for _, st := range batch {
			close(st.done)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	if len(batch) == 1 {
		s.runAlone(ctx, batch[0])
		return
	}
	b := &pgx.Batch{}
	for _, st := range batch {
		st.err, st.noRows = nil, false
		qq := b.Queue(st.sql, st.args...)
		if st.row != nil {
			qq.QueryRow(func(row pgx.Row) error {
				st.err = row.Scan(st.row...)
				if errors.Is(st.err, pgx.ErrNoRows) {
					st.err, st.noRows = nil, true
				}
				if _, ok := errors.AsType[*pgconn.PgError](st.err); ok {
					return st.err // a server error ends the batch
				}
				return nil // a decoding error is this statement's alone
			})
		} else {
			qq.Exec(func(ct pgconn.CommandTag) error { st.tag = ct; return nil })
		}
	}
	err := s.pool.SendBatch(ctx, b).Close()
	if err == nil {
		return
	}
	if _, refused := errors.AsType[*pgconn.PgError](err); refused { // rolled back: each alone
		for _, st := range batch {
			s.runAlone(ctx, st)
		}
		return
	}
	for _, st := range batch {
		st.err = err
	}
}

func (s *Store) runAlone(ctx context.Context, st *stmt) {
	st.err, st.noRows = nil, false
	if st.row == nil {
		st.tag, st.err = s.pool.Exec(ctx, st.sql, st.args...)
		return
	}
	st.err = s.pool.QueryRow(ctx, st.sql, st.args...).Scan(st.row...)
	if errors.Is(st.err, pgx.ErrNoRows) {
		st.err, st.noRows = nil, true
	}
}
