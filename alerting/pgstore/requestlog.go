package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/mspsync/mspsync/alerting"
)

var _ alerting.RequestLog = (*Store)(nil)

// WithRequestLogSize sets how many entries the request log keeps (default
// alerting.DefaultRequestLogSize); n < 1 keeps the default. Every insert
// deletes the entries that fell out of the window, so the table stays at
// about that size whatever the number of replicas.
func WithRequestLogSize(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.requestLogSize = n
		}
	}
}

// requestTable is the state of the request log table: its size, and
// whether this Store has made sure the table exists.
//
// The table is created by the first request log call rather than by a
// schema migration (under the same advisory lock as migrations), so a
// database that is never given a request log does not get the table.
type requestTable struct {
	size  int
	mu    sync.Mutex
	ready bool
}

const requestTableDDL = `CREATE TABLE IF NOT EXISTS mspsync_requests (
		seq       bigserial PRIMARY KEY,
		event_key text NOT NULL DEFAULT '',
		source    text NOT NULL DEFAULT '',
		status    text NOT NULL DEFAULT '',
		doc       jsonb NOT NULL
	);
	CREATE INDEX IF NOT EXISTS mspsync_requests_accepted ON mspsync_requests (event_key, seq) WHERE status = 'accepted';
	CREATE INDEX IF NOT EXISTS mspsync_requests_source ON mspsync_requests (source, seq);`

// ensureRequests creates the request log table once per Store.
func (s *Store) ensureRequests(ctx context.Context) error {
	t := &s.requests
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ready {
		return nil
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('mspsync_alerting_schema'))`); err != nil {
			return err
		}
		if s.schema != "" {
			if _, err := tx.Exec(ctx, `SET LOCAL search_path TO `+pgx.Identifier{s.schema}.Sanitize()); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, requestTableDDL)
		return err
	})
	if err != nil {
		return wrap("creating the request log table", ctx, err)
	}
	t.ready = true
	return nil
}

func (s *Store) requestLogSize() int64 {
	if s.requests.size > 0 {
		return int64(s.requests.size)
	}
	return alerting.DefaultRequestLogSize
}

// AddRequest implements alerting.RequestLog: one statement inserts the
// entry and deletes those that fell out of the log's window.
func (s *Store) AddRequest(ctx context.Context, r alerting.Request) (alerting.Request, error) {
	if err := ctx.Err(); err != nil {
		return alerting.Request{}, err
	}
	if err := s.ensureRequests(ctx); err != nil {
		return alerting.Request{}, err
	}
	r.Seq = 0
	doc, err := json.Marshal(r)
	if err != nil {
		return alerting.Request{}, fmt.Errorf("pgstore: encoding request: %w", err)
	}
	// Adds take turns (a transaction lock), so each sees every earlier add
	// committed and its trim keeps exactly the newest entries; a trim that
	// ran beside an uncommitted add would leave that add's row behind.
	var seq int64
	err = s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('mspsync_requests'))`); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `WITH ins AS (
			INSERT INTO mspsync_requests (event_key, source, status, doc) VALUES ($1, $2, $3, $4) RETURNING seq
		), trim AS (
			DELETE FROM mspsync_requests WHERE seq <= (SELECT seq FROM ins) - $5
		)
		SELECT seq FROM ins`, r.EventKey, r.Source, string(r.Status), doc, s.requestLogSize()).Scan(&seq)
	})
	if err != nil {
		return alerting.Request{}, wrap("add request", ctx, err)
	}
	r.Seq = seq
	return r, nil
}

// ApplyRequest implements alerting.RequestLog: one statement merges the
// applied fields (and the routed alert) into the newest accepted entry of
// the event, as Request.WithApplied does.
func (s *Store) ApplyRequest(ctx context.Context, eventKey string, a alerting.Applied) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.ensureRequests(ctx); err != nil {
		return err
	}
	patch := map[string]any{}
	if a.Alert != nil {
		patch["alert"] = a.Alert
		a.Alert = nil
	}
	patch["applied"] = a
	doc, err := json.Marshal(patch)
	if err != nil {
		return fmt.Errorf("pgstore: encoding request: %w", err)
	}
	tag, err := s.exec(ctx, `UPDATE mspsync_requests SET doc = doc || $2::jsonb
		WHERE seq = (SELECT max(seq) FROM mspsync_requests WHERE event_key = $1 AND status = 'accepted')`, eventKey, doc)
	if err != nil {
		return wrap("apply request", ctx, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: no accepted request for event %s", alerting.ErrNotFound, eventKey)
	}
	return nil
}

// Requests implements alerting.RequestLog.
func (s *Store) Requests(ctx context.Context, q alerting.RequestQuery) ([]alerting.Request, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := s.ensureRequests(ctx); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT seq, doc FROM mspsync_requests WHERE ($1 = '' OR source = $1)
		ORDER BY seq DESC LIMIT $2`, q.Source, q.Max())
	if err != nil {
		return nil, wrap("requests", ctx, err)
	}
	defer rows.Close()
	var out []alerting.Request
	for rows.Next() {
		var seq int64
		var doc []byte
		if err := rows.Scan(&seq, &doc); err != nil {
			return nil, wrap("requests", ctx, err)
		}
		var r alerting.Request
		if err := json.Unmarshal(doc, &r); err != nil {
			return nil, fmt.Errorf("pgstore: decoding request %d: %w", seq, err)
		}
		r.Seq = seq
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("requests", ctx, err)
	}
	return out, nil
}
