package memstore

import (
	"context"
	"fmt"
	"sync"

	"github.com/mspsync/mspsync/alerting"
)

var _ alerting.RequestLog = (*Store)(nil)

// Option configures New.
type Option func(*Store)

// WithRequestLogSize sets how many entries the request log keeps (default
// alerting.DefaultRequestLogSize); n < 1 keeps the default.
func WithRequestLogSize(n int) Option {
	return func(s *Store) {
		if n > 0 {
			s.requests.size = n
		}
	}
}

// requestLog is the store's alerting.RequestLog: a ring of the last size
// entries.
type requestLog struct {
	mu      sync.Mutex
	size    int
	seq     int64
	entries []alerting.Request // oldest first
}

// AddRequest implements alerting.RequestLog.
func (s *Store) AddRequest(ctx context.Context, r alerting.Request) (alerting.Request, error) {
	if err := ctx.Err(); err != nil {
		return alerting.Request{}, err
	}
	l := &s.requests
	l.mu.Lock()
	defer l.mu.Unlock()
	size := l.size
	if size <= 0 {
		size = alerting.DefaultRequestLogSize
	}
	l.seq++
	r.Seq = l.seq
	r = cloneRequest(r)
	l.entries = append(l.entries, r)
	if over := len(l.entries) - size; over > 0 {
		clear(l.entries[:over])
		l.entries = append(l.entries[:0], l.entries[over:]...)
	}
	return cloneRequest(r), nil
}

// ApplyRequest implements alerting.RequestLog.
func (s *Store) ApplyRequest(ctx context.Context, eventKey string, a alerting.Applied) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l := &s.requests
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.entries) - 1; i >= 0; i-- {
		if r := l.entries[i]; r.EventKey == eventKey && r.Status == alerting.RequestAccepted {
			l.entries[i] = cloneRequest(r.WithApplied(a))
			return nil
		}
	}
	return fmt.Errorf("%w: no accepted request for event %s", alerting.ErrNotFound, eventKey)
}

// Requests implements alerting.RequestLog.
func (s *Store) Requests(ctx context.Context, q alerting.RequestQuery) ([]alerting.Request, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l := &s.requests
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []alerting.Request
	for i := len(l.entries) - 1; i >= 0 && len(out) < q.Max(); i-- {
		if q.Match(l.entries[i]) {
			out = append(out, cloneRequest(l.entries[i]))
		}
	}
	return out, nil
}

// cloneRequest copies the pointed-to parts of r.
func cloneRequest(r alerting.Request) alerting.Request {
	if r.Alert != nil {
		a := *r.Alert
		r.Alert = &a
	}
	if r.Applied != nil {
		a := *r.Applied
		if a.Alert != nil {
			al := *a.Alert
			a.Alert = &al
		}
		r.Applied = &a
	}
	return r
}
