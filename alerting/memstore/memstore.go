package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/mspsync/mspsync/alerting"
)

// Store is an in-memory alerting.Store. The zero value is not usable; call
// New.
type Store struct {
	// One lock per kind of record, so queue, group and alert operations of
	// concurrent alerts do not wait for each other. Prune takes them all,
	// in this order.
	qmu       sync.Mutex
	seq       int64
	pending   map[string]pendingEntry
	processed map[string]time.Time

	gmu      sync.Mutex
	groups   map[string]alerting.GroupState
	byTicket map[string]string // ticket ID → group key

	amu    sync.Mutex
	alerts map[string]alerting.AlertRecord

	cmu     sync.Mutex
	cursors map[string]string
	secrets map[string]string // alerting.Secrets, under cmu

	requests requestLog // requestlog.go
}

type pendingEntry struct {
	seq  int64
	item alerting.PendingItem
}

var (
	_ alerting.Store       = (*Store)(nil)
	_ alerting.OpenTickets = (*Store)(nil)
)

// New returns an empty store.
func New(opts ...Option) *Store {
	s := &Store{
		pending:   map[string]pendingEntry{},
		processed: map[string]time.Time{},
		groups:    map[string]alerting.GroupState{},
		byTicket:  map[string]string{},
		alerts:    map[string]alerting.AlertRecord{},
		cursors:   map[string]string{},
		secrets:   map[string]string{},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Close does nothing; it exists so a Store can stand where an io.Closer is
// expected.
func (s *Store) Close() error { return nil }

// Enqueue implements alerting.Queue.
func (s *Store) Enqueue(ctx context.Context, item alerting.PendingItem) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.qmu.Lock()
	defer s.qmu.Unlock()
	if _, ok := s.pending[item.ID]; ok {
		return false, nil
	}
	if _, ok := s.processed[item.ID]; ok {
		return false, nil
	}
	s.seq++
	s.pending[item.ID] = pendingEntry{seq: s.seq, item: item.Clone()}
	return true, nil
}

// Claim implements alerting.Queue.
func (s *Store) Claim(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]alerting.PendingItem, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if owner == "" || limit <= 0 || lease <= 0 {
		return nil, fmt.Errorf("memstore: Claim: need an owner, lease > 0 and limit > 0")
	}
	s.qmu.Lock()
	defer s.qmu.Unlock()
	var due []pendingEntry
	for _, e := range s.pending {
		it := e.item
		if it.NotBefore.After(now) || (it.Owner != "" && now.Before(it.LeaseUntil)) {
			continue
		}
		due = append(due, e)
	}
	slices.SortFunc(due, func(a, b pendingEntry) int { return cmp.Compare(a.seq, b.seq) })
	if len(due) > limit {
		due = due[:limit]
	}
	out := make([]alerting.PendingItem, 0, len(due))
	for _, e := range due {
		e.item.Owner, e.item.LeaseUntil = owner, now.Add(lease)
		e.item.Attempts++
		s.pending[e.item.ID] = e
		out = append(out, e.item.Clone())
	}
	return out, nil
}

// held returns the entry of id if owner holds it. The caller holds qmu.
func (s *Store) held(id, owner string) (pendingEntry, error) {
	e, ok := s.pending[id]
	if !ok {
		return e, fmt.Errorf("memstore: item %s is not pending: %w", id, alerting.ErrLeaseLost)
	}
	if e.item.Owner != owner {
		return e, fmt.Errorf("memstore: item %s is leased to %q, not %q: %w", id, e.item.Owner, owner, alerting.ErrLeaseLost)
	}
	return e, nil
}

// Complete implements alerting.Queue.
func (s *Store) Complete(ctx context.Context, id, owner string, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.qmu.Lock()
	defer s.qmu.Unlock()
	if _, err := s.held(id, owner); err != nil {
		return err
	}
	delete(s.pending, id)
	s.processed[id] = now
	return nil
}

// Release implements alerting.Queue.
func (s *Store) Release(ctx context.Context, id, owner string, notBefore time.Time, lastErr string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.qmu.Lock()
	defer s.qmu.Unlock()
	e, err := s.held(id, owner)
	if err != nil {
		return err
	}
	e.item.Owner, e.item.LeaseUntil = "", time.Time{}
	e.item.NotBefore, e.item.LastError = notBefore, lastErr
	s.pending[id] = e
	return nil
}

// Pending implements alerting.Queue.
func (s *Store) Pending(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.qmu.Lock()
	defer s.qmu.Unlock()
	return len(s.pending), nil
}

// Group implements alerting.Groups.
func (s *Store) Group(ctx context.Context, key string) (alerting.GroupState, error) {
	if err := ctx.Err(); err != nil {
		return alerting.GroupState{}, err
	}
	s.gmu.Lock()
	defer s.gmu.Unlock()
	g, ok := s.groups[key]
	if !ok {
		return g, notFound{"group", key}
	}
	return g.Clone(), nil
}

// HasOpenTickets implements alerting.OpenTickets.
func (s *Store) HasOpenTickets(ctx context.Context) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.gmu.Lock()
	defer s.gmu.Unlock()
	for _, g := range s.groups {
		if g.AwaitsSync() {
			return true, nil
		}
	}
	return false, nil
}

// GroupByTicket implements alerting.Groups.
func (s *Store) GroupByTicket(ctx context.Context, ticketID string) (alerting.GroupState, error) {
	if err := ctx.Err(); err != nil {
		return alerting.GroupState{}, err
	}
	s.gmu.Lock()
	defer s.gmu.Unlock()
	key, ok := s.byTicket[ticketID]
	if !ok {
		return alerting.GroupState{}, notFound{"group of ticket", ticketID}
	}
	return s.groups[key].Clone(), nil
}

// PutGroup implements alerting.Groups.
func (s *Store) PutGroup(ctx context.Context, g alerting.GroupState) (alerting.GroupState, error) {
	if err := ctx.Err(); err != nil {
		return alerting.GroupState{}, err
	}
	if g.Key == "" {
		return alerting.GroupState{}, fmt.Errorf("memstore: PutGroup: empty key")
	}
	s.gmu.Lock()
	defer s.gmu.Unlock()
	old, ok := s.groups[g.Key]
	if old.Version != g.Version || (!ok && g.Version != 0) {
		return alerting.GroupState{}, fmt.Errorf("memstore: group %s is at version %d, not %d: %w", g.Key, old.Version, g.Version, alerting.ErrConflict)
	}
	for _, t := range old.Tickets {
		if t.ID != "" && s.byTicket[t.ID] == g.Key {
			delete(s.byTicket, t.ID)
		}
	}
	g.Version++
	s.groups[g.Key] = g.Clone() // the caller keeps g; the store keeps its own copy
	for _, t := range g.Tickets {
		if t.ID != "" {
			s.byTicket[t.ID] = g.Key
		}
	}
	return g, nil
}

// Alert implements alerting.Alerts.
func (s *Store) Alert(ctx context.Context, key string) (alerting.AlertRecord, error) {
	if err := ctx.Err(); err != nil {
		return alerting.AlertRecord{}, err
	}
	s.amu.Lock()
	defer s.amu.Unlock()
	r, ok := s.alerts[key]
	if !ok {
		return r, notFound{"alert", key}
	}
	return r, nil
}

// PutAlert implements alerting.Alerts.
func (s *Store) PutAlert(ctx context.Context, r alerting.AlertRecord) (alerting.AlertRecord, error) {
	if err := ctx.Err(); err != nil {
		return alerting.AlertRecord{}, err
	}
	if r.Key == "" {
		return alerting.AlertRecord{}, fmt.Errorf("memstore: PutAlert: empty key")
	}
	s.amu.Lock()
	defer s.amu.Unlock()
	old, ok := s.alerts[r.Key]
	if old.Version != r.Version || (!ok && r.Version != 0) {
		return alerting.AlertRecord{}, fmt.Errorf("memstore: alert %s is at version %d, not %d: %w", r.Key, old.Version, r.Version, alerting.ErrConflict)
	}
	r.Version++
	s.alerts[r.Key] = r
	return r, nil
}

// Cursor implements alerting.Cursors.
func (s *Store) Cursor(ctx context.Context, name string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	s.cmu.Lock()
	defer s.cmu.Unlock()
	return s.cursors[name], nil
}

// SetCursor implements alerting.Cursors.
func (s *Store) SetCursor(ctx context.Context, name, value string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.cmu.Lock()
	defer s.cmu.Unlock()
	s.cursors[name] = value
	return nil
}

// Prune implements alerting.Store.
func (s *Store) Prune(ctx context.Context, before time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.qmu.Lock()
	defer s.qmu.Unlock()
	s.gmu.Lock()
	defer s.gmu.Unlock()
	s.amu.Lock()
	defer s.amu.Unlock()
	n := 0
	for id, at := range s.processed {
		if at.Before(before) {
			delete(s.processed, id)
			n++
		}
	}
	for k, r := range s.alerts {
		if r.UpdatedAt.Before(before) {
			delete(s.alerts, k)
			n++
		}
	}
	for k, g := range s.groups {
		if g.UpdatedAt.Before(before) && !g.Live(before) {
			for _, id := range g.TicketIDs() {
				if s.byTicket[id] == k {
					delete(s.byTicket, id)
				}
			}
			delete(s.groups, k)
			n++
		}
	}
	return n, nil
}

// notFound is ErrNotFound with the record named; cheaper than fmt.Errorf on
// the engine's hot path, where most lookups of new groups miss.
type notFound struct{ what, key string }

func (e notFound) Error() string {
	return "memstore: " + e.what + " " + e.key + ": " + alerting.ErrNotFound.Error()
}

func (e notFound) Unwrap() error { return alerting.ErrNotFound }

var _ alerting.Secrets = (*Store)(nil)

// Secret implements alerting.Secrets.
func (s *Store) Secret(ctx context.Context, name string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	s.cmu.Lock()
	defer s.cmu.Unlock()
	return s.secrets[name], nil
}

// SetSecret implements alerting.Secrets.
func (s *Store) SetSecret(ctx context.Context, name, value string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if name == "" {
		return alerting.ErrEmptySecretName
	}
	s.cmu.Lock()
	defer s.cmu.Unlock()
	if value == "" {
		delete(s.secrets, name)
	} else {
		s.secrets[name] = value
	}
	return nil
}
