package boltstore

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/mspsync/mspsync/alerting"
)

// ErrLocked matches the error Open returns when another process (or another
// Open in this process) holds the file.
var ErrLocked = errors.New("boltstore: file is locked by another process")

// LockedError reports that the store file is held by someone else.
type LockedError struct {
	Path string        // the file
	Wait time.Duration // how long Open waited for the lock
}

// Error names the file and says that another process holds it.
func (e *LockedError) Error() string {
	return fmt.Sprintf("boltstore: %s is in use by another process (waited %s for its lock); only one process may open an alerting store file", e.Path, e.Wait)
}

// Is matches ErrLocked.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// Unwrap returns bbolt's timeout error.
func (e *LockedError) Unwrap() error { return berrors.ErrTimeout }

// schema is the layout version written to the meta bucket.
const schema = "1"

var (
	bucketPending    = []byte("pending")
	bucketPendingIDs = []byte("pending_ids")
	bucketProcessed  = []byte("processed")
	bucketGroups     = []byte("groups")
	bucketTickets    = []byte("tickets")
	bucketAlerts     = []byte("alerts")
	bucketCursors    = []byte("cursors")
	bucketMeta       = []byte("meta")
	bucketAwaiting   = []byte("awaiting_sync")
	bucketSecrets    = []byte("secrets") // alerting.Secrets
	allBuckets       = [][]byte{bucketPending, bucketPendingIDs, bucketProcessed, bucketGroups, bucketTickets, bucketAlerts, bucketCursors, bucketMeta, bucketAwaiting, bucketSecrets}
	keySchema        = []byte("schema")
)

// Store is a bbolt-backed alerting.Store. It is safe for concurrent use.
type Store struct {
	db   *bolt.DB
	path string

	// Group commit: writes queue here; one goroutine at a time (the
	// leader) commits everything queued in one transaction.
	wmu     sync.Mutex
	queue   []*write
	leading bool
	demand  int           // writes seen during the last commit: its batch and those queued meanwhile
	took    time.Duration // how long the last commit took
	arrived chan struct{} // a write was queued
	commits atomic.Int64  // transactions committed by update, for the benchmarks
	writes  atomic.Int64  // writes they held

	requestSize int // WithRequestLogSize (requestlog.go)
}

var (
	_ alerting.Store       = (*Store)(nil)
	_ alerting.OpenTickets = (*Store)(nil)
)

type options struct {
	timeout        time.Duration
	requestLogSize int
}

// Option configures Open.
type Option func(*options)

// WithTimeout sets how long Open waits for the file lock before returning
// *LockedError (default 1s). It must be positive: bbolt waits forever
// otherwise.
func WithTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.timeout = d
		}
	}
}

// Open opens (creating if needed, mode 0600) the store file at path.
func Open(path string, opts ...Option) (*Store, error) {
	o := options{timeout: time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: o.timeout, NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, &LockedError{Path: path, Wait: o.timeout}
	}
	if err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		switch v := meta.Get(keySchema); {
		case v == nil:
			return meta.Put(keySchema, []byte(schema))
		case string(v) != schema:
			return fmt.Errorf("layout version %q, this build reads %q", v, schema)
		}
		if err := releaseAll(tx); err != nil {
			return err
		}
		return indexAwaiting(tx)
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	return &Store{db: db, path: path, arrived: make(chan struct{}, 1), requestSize: o.requestLogSize}, nil
}

// releaseAll hands back every claim on pending items and every group lease
// in the file. Open calls it: the file can be open in one process only, so
// whatever is leased in it was leased by a process (or a Store) that has
// ended, possibly killed in the middle of its work, and nobody will
// complete it. Attempts, NotBefore and LastError stay as they are.
func releaseAll(tx *bolt.Tx) error {
	type kv struct{ k, v []byte }
	var writes []kv
	pending := tx.Bucket(bucketPending)
	err := pending.ForEach(func(k, v []byte) error {
		if len(v) < 16 || binary.BigEndian.Uint64(v[8:16]) == 0 {
			return nil // not leased
		}
		it, err := decodeItem(v)
		if err != nil {
			return err
		}
		it.Owner, it.LeaseUntil = "", time.Time{}
		nv, err := encodeItem(it)
		if err != nil {
			return err
		}
		writes = append(writes, kv{append([]byte(nil), k...), nv})
		return nil
	})
	if err != nil {
		return err
	}
	for _, w := range writes { // not while iterating
		if err := pending.Put(w.k, w.v); err != nil {
			return err
		}
	}
	writes = writes[:0]
	groups := tx.Bucket(bucketGroups)
	err = groups.ForEach(func(k, v []byte) error {
		var g alerting.GroupState
		if err := json.Unmarshal(v, &g); err != nil {
			return err
		}
		if g.LeaseOwner == "" && g.LeaseUntil.IsZero() {
			return nil
		}
		g.LeaseOwner, g.LeaseUntil = "", time.Time{}
		g.Version++ // every change moves the compare-and-swap token
		nv, err := json.Marshal(g)
		if err != nil {
			return err
		}
		writes = append(writes, kv{append([]byte(nil), k...), nv})
		return nil
	})
	if err != nil {
		return err
	}
	for _, w := range writes {
		if err := groups.Put(w.k, w.v); err != nil {
			return err
		}
	}
	return nil
}

// indexAwaiting rebuilds the awaiting_sync bucket from the groups: the
// keys of the groups for which GroupState.AwaitsSync is true, which
// PutGroup and Prune keep up to date and HasOpenTickets reads. Open calls
// it, so a file written by an older build (or by hand) is indexed right.
func indexAwaiting(tx *bolt.Tx) error {
	if err := tx.DeleteBucket(bucketAwaiting); err != nil {
		return err
	}
	awaiting, err := tx.CreateBucket(bucketAwaiting)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketGroups).ForEach(func(k, v []byte) error {
		var g alerting.GroupState
		if err := json.Unmarshal(v, &g); err != nil {
			return err
		}
		if !g.AwaitsSync() {
			return nil
		}
		return awaiting.Put(append([]byte(nil), k...), nil)
	})
}

// setAwaiting records in the awaiting_sync bucket whether g awaits sync.
func setAwaiting(tx *bolt.Tx, g alerting.GroupState) error {
	if g.AwaitsSync() {
		return tx.Bucket(bucketAwaiting).Put([]byte(g.Key), []byte{})
	}
	return tx.Bucket(bucketAwaiting).Delete([]byte(g.Key))
}

// HasOpenTickets implements alerting.OpenTickets: whether some group has a
// ticket for which GroupState.AwaitsSync is true. It reads one key of an
// index, however many groups the file holds.
func (s *Store) HasOpenTickets(ctx context.Context) (bool, error) {
	open := false
	err := s.view(ctx, func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bucketAwaiting).Cursor().First()
		open = k != nil
		return nil
	})
	return open, err
}

// Path returns the file the store uses.
func (s *Store) Path() string { return s.path }

// Close closes the file and releases its lock.
func (s *Store) Close() error { return s.db.Close() }

// write is one caller's change waiting for a group commit.
type write struct {
	fn   func(*bolt.Tx) error
	err  error
	done chan error    // the outcome, once committed (or failed)
	lead chan struct{} // this caller commits the next batch
}

// refused marks an error with which a write function turns its change
// down before it has written anything (a compare-and-swap conflict, a lost
// lease): the error goes to its caller and the rest of the batch commits.
type refused struct{ err error }

func (r refused) Error() string { return r.err.Error() }
func (r refused) Unwrap() error { return r.err }

// update runs fn in a read-write transaction and returns once that
// transaction is committed to disk (or failed): fn's change is durable
// when update returns nil.
//
// Writes of concurrent callers share transactions (group commit): while
// one transaction commits, the writes that arrive queue up, and the next
// commit takes all of them, in arrival order, so one fsync covers many
// changes. A caller that finds no commit under way commits at once, alone:
// no write waits for a timer. fn may run more than once (if another write
// of its batch fails, the batch is rolled back and each write is run
// again in a transaction of its own), so it must set its results afresh on
// every run and must not change what it captured. fn returns refused{err}
// to decline its change before writing anything; any other error rolls
// the transaction back.
func (s *Store) update(ctx context.Context, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w := &write{fn: fn, done: make(chan error, 1), lead: make(chan struct{}, 1)}
	s.wmu.Lock()
	s.queue = append(s.queue, w)
	if !s.leading {
		s.leading = true
		w.lead <- struct{}{}
	}
	s.wmu.Unlock()
	select {
	case s.arrived <- struct{}{}:
	default:
	}
	for {
		select {
		case err := <-w.done:
			return err
		case <-w.lead:
			s.commitQueued()
		}
	}
}

// maxGather bounds how long a commit waits for more writes.
const maxGather = 2 * time.Millisecond

// gather lets a commit wait briefly for the writes it can expect: as many
// as were seen during the previous commit (the callers whose writes it
// committed come back with their next write while the writes queued
// meanwhile wait), for at most half a commit's duration and maxGather.
// Without it, concurrent writers split into two alternating batches and
// every write waits for two commits. A lone writer never waits.
func (s *Store) gather() {
	s.wmu.Lock()
	want, wait := s.demand, min(s.took/2, maxGather)
	s.wmu.Unlock()
	if want <= 1 || wait <= 0 {
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		s.wmu.Lock()
		n := len(s.queue)
		s.wmu.Unlock()
		if n >= want {
			return
		}
		select {
		case <-s.arrived:
		case <-t.C:
			return
		}
	}
}

// commitQueued commits every queued write in one transaction, then hands
// the lead to the first write queued meanwhile (or gives it up).
func (s *Store) commitQueued() {
	s.gather()
	start := time.Now()
	s.wmu.Lock()
	batch := s.queue
	s.queue = nil
	s.wmu.Unlock()
	s.commits.Add(1)
	s.writes.Add(int64(len(batch)))

	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, w := range batch {
			w.err = w.fn(tx)
			var r refused
			if errors.As(w.err, &r) {
				w.err = r.err
			} else if w.err != nil {
				return w.err
			}
		}
		return nil
	})
	switch {
	case err == nil:
		for _, w := range batch {
			w.done <- w.err
		}
	case len(batch) == 1:
		batch[0].done <- err
	default: // one write failed (or the commit did): each on its own
		for _, w := range batch {
			err := s.db.Update(w.fn)
			var r refused
			if errors.As(err, &r) {
				err = r.err
			}
			w.done <- err
		}
	}

	s.wmu.Lock()
	s.demand, s.took = len(batch)+len(s.queue), time.Since(start)
	if len(s.queue) > 0 {
		s.queue[0].lead <- struct{}{}
	} else {
		s.leading = false
	}
	s.wmu.Unlock()
}

func (s *Store) view(ctx context.Context, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(fn)
}

// nanos encodes a time as Unix nanoseconds, the zero time as 0.
func nanos(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	return uint64(t.UnixNano())
}

func u64(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return b[:]
}

// encodeItem prefixes an item's JSON with NotBefore and LeaseUntil.
func encodeItem(it alerting.PendingItem) ([]byte, error) {
	js, err := json.Marshal(it)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 16, 16+len(js))
	binary.BigEndian.PutUint64(b[0:8], nanos(it.NotBefore))
	binary.BigEndian.PutUint64(b[8:16], nanos(it.LeaseUntil))
	return append(b, js...), nil
}

func decodeItem(v []byte) (alerting.PendingItem, error) {
	var it alerting.PendingItem
	if len(v) < 16 {
		return it, errors.New("boltstore: pending item too short")
	}
	err := json.Unmarshal(v[16:], &it)
	return it, err
}

// due reports from an encoded item's prefix whether it can be claimed.
func due(v []byte, now uint64) bool {
	if len(v) < 16 {
		return false
	}
	notBefore := binary.BigEndian.Uint64(v[0:8])
	lease := binary.BigEndian.Uint64(v[8:16])
	return notBefore <= now && lease <= now
}

// Enqueue implements alerting.Queue.
func (s *Store) Enqueue(ctx context.Context, item alerting.PendingItem) (bool, error) {
	if item.ID == "" {
		return false, errors.New("boltstore: Enqueue: empty ID")
	}
	added := false
	err := s.update(ctx, func(tx *bolt.Tx) error {
		added = false
		id := []byte(item.ID)
		if tx.Bucket(bucketPendingIDs).Get(id) != nil || tx.Bucket(bucketProcessed).Get(id) != nil {
			return nil
		}
		pending := tx.Bucket(bucketPending)
		seq, err := pending.NextSequence()
		if err != nil {
			return err
		}
		v, err := encodeItem(item)
		if err != nil {
			return err
		}
		if err := pending.Put(u64(seq), v); err != nil {
			return err
		}
		added = true
		return tx.Bucket(bucketPendingIDs).Put(id, u64(seq))
	})
	if err != nil {
		return false, fmt.Errorf("boltstore: enqueue %s: %w", item.ID, err)
	}
	return added, nil
}

// Claim implements alerting.Queue.
func (s *Store) Claim(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]alerting.PendingItem, error) {
	if owner == "" || limit <= 0 || lease <= 0 {
		return nil, errors.New("boltstore: Claim: need an owner, lease > 0 and limit > 0")
	}
	var out []alerting.PendingItem
	err := s.update(ctx, func(tx *bolt.Tx) error {
		out = out[:0]
		pending := tx.Bucket(bucketPending)
		n := nanos(now)
		type claimed struct {
			k []byte
			v []byte
		}
		var writes []claimed
		c := pending.Cursor()
		for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
			if !due(v, n) {
				continue
			}
			it, err := decodeItem(v)
			if err != nil {
				return err
			}
			it.Owner, it.LeaseUntil = owner, now.Add(lease)
			it.Attempts++
			nv, err := encodeItem(it)
			if err != nil {
				return err
			}
			writes = append(writes, claimed{append([]byte(nil), k...), nv})
			out = append(out, it)
		}
		for _, w := range writes { // not while iterating
			if err := pending.Put(w.k, w.v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: claim: %w", err)
	}
	return out, nil
}

// held returns the queue key and item of id if owner holds it.
func held(tx *bolt.Tx, id, owner string) ([]byte, alerting.PendingItem, error) {
	seq := tx.Bucket(bucketPendingIDs).Get([]byte(id))
	if seq == nil {
		return nil, alerting.PendingItem{}, refused{fmt.Errorf("item %s is not pending: %w", id, alerting.ErrLeaseLost)}
	}
	v := tx.Bucket(bucketPending).Get(seq)
	if v == nil {
		return nil, alerting.PendingItem{}, fmt.Errorf("item %s is indexed but missing", id)
	}
	it, err := decodeItem(v)
	if err != nil {
		return nil, it, err
	}
	if it.Owner != owner {
		return nil, it, refused{fmt.Errorf("item %s is leased to %q, not %q: %w", id, it.Owner, owner, alerting.ErrLeaseLost)}
	}
	return append([]byte(nil), seq...), it, nil
}

// Complete implements alerting.Queue.
func (s *Store) Complete(ctx context.Context, id, owner string, now time.Time) error {
	err := s.update(ctx, func(tx *bolt.Tx) error {
		seq, _, err := held(tx, id, owner)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketPending).Delete(seq); err != nil {
			return err
		}
		if err := tx.Bucket(bucketPendingIDs).Delete([]byte(id)); err != nil {
			return err
		}
		return tx.Bucket(bucketProcessed).Put([]byte(id), u64(uint64(now.UnixNano())))
	})
	if err != nil {
		return fmt.Errorf("boltstore: complete: %w", err)
	}
	return nil
}

// Release implements alerting.Queue.
func (s *Store) Release(ctx context.Context, id, owner string, notBefore time.Time, lastErr string) error {
	err := s.update(ctx, func(tx *bolt.Tx) error {
		seq, it, err := held(tx, id, owner)
		if err != nil {
			return err
		}
		it.Owner, it.LeaseUntil = "", time.Time{}
		it.NotBefore, it.LastError = notBefore, lastErr
		v, err := encodeItem(it)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketPending).Put(seq, v)
	})
	if err != nil {
		return fmt.Errorf("boltstore: release: %w", err)
	}
	return nil
}

// Pending implements alerting.Queue.
func (s *Store) Pending(ctx context.Context) (int, error) {
	n := 0
	err := s.view(ctx, func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketPendingIDs).Stats().KeyN
		return nil
	})
	return n, err
}

func getJSON[T any](b *bolt.Bucket, key string, what string) (T, error) {
	var v T
	raw := b.Get([]byte(key))
	if raw == nil {
		return v, fmt.Errorf("boltstore: %s %s: %w", what, key, alerting.ErrNotFound)
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("boltstore: decode %s %s: %w", what, key, err)
	}
	return v, nil
}

// Group implements alerting.Groups.
func (s *Store) Group(ctx context.Context, key string) (alerting.GroupState, error) {
	var g alerting.GroupState
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		g, err = getJSON[alerting.GroupState](tx.Bucket(bucketGroups), key, "group")
		return err
	})
	return g, err
}

// GroupByTicket implements alerting.Groups.
func (s *Store) GroupByTicket(ctx context.Context, ticketID string) (alerting.GroupState, error) {
	var g alerting.GroupState
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		key := tx.Bucket(bucketTickets).Get([]byte(ticketID))
		if key == nil {
			return fmt.Errorf("boltstore: group of ticket %s: %w", ticketID, alerting.ErrNotFound)
		}
		g, err = getJSON[alerting.GroupState](tx.Bucket(bucketGroups), string(key), "group")
		return err
	})
	return g, err
}

// PutGroup implements alerting.Groups.
func (s *Store) PutGroup(ctx context.Context, g alerting.GroupState) (alerting.GroupState, error) {
	if g.Key == "" {
		return alerting.GroupState{}, errors.New("boltstore: PutGroup: empty key")
	}
	var out alerting.GroupState
	err := s.update(ctx, func(tx *bolt.Tx) error {
		groups, tickets := tx.Bucket(bucketGroups), tx.Bucket(bucketTickets)
		old, err := getJSON[alerting.GroupState](groups, g.Key, "group")
		switch {
		case errors.Is(err, alerting.ErrNotFound):
		case err != nil:
			return err
		}
		if old.Version != g.Version {
			return refused{fmt.Errorf("boltstore: group %s is at version %d, not %d: %w", g.Key, old.Version, g.Version, alerting.ErrConflict)}
		}
		for _, id := range old.TicketIDs() {
			if string(tickets.Get([]byte(id))) == g.Key {
				if err := tickets.Delete([]byte(id)); err != nil {
					return err
				}
			}
		}
		out = g
		out.Version++
		v, err := json.Marshal(out)
		if err != nil {
			return err
		}
		if err := groups.Put([]byte(g.Key), v); err != nil {
			return err
		}
		for _, id := range g.TicketIDs() {
			if err := tickets.Put([]byte(id), []byte(g.Key)); err != nil {
				return err
			}
		}
		return setAwaiting(tx, out)
	})
	if err != nil {
		return alerting.GroupState{}, err
	}
	return out.Clone(), nil
}

// Alert implements alerting.Alerts.
func (s *Store) Alert(ctx context.Context, key string) (alerting.AlertRecord, error) {
	var r alerting.AlertRecord
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		r, err = getJSON[alerting.AlertRecord](tx.Bucket(bucketAlerts), key, "alert")
		return err
	})
	return r, err
}

// PutAlert implements alerting.Alerts.
func (s *Store) PutAlert(ctx context.Context, r alerting.AlertRecord) (alerting.AlertRecord, error) {
	if r.Key == "" {
		return alerting.AlertRecord{}, errors.New("boltstore: PutAlert: empty key")
	}
	var out alerting.AlertRecord
	err := s.update(ctx, func(tx *bolt.Tx) error {
		alerts := tx.Bucket(bucketAlerts)
		old, err := getJSON[alerting.AlertRecord](alerts, r.Key, "alert")
		if err != nil && !errors.Is(err, alerting.ErrNotFound) {
			return err
		}
		if old.Version != r.Version {
			return refused{fmt.Errorf("boltstore: alert %s is at version %d, not %d: %w", r.Key, old.Version, r.Version, alerting.ErrConflict)}
		}
		out = r
		out.Version++
		v, err := json.Marshal(out)
		if err != nil {
			return err
		}
		return alerts.Put([]byte(r.Key), v)
	})
	if err != nil {
		return alerting.AlertRecord{}, err
	}
	return out, nil
}

// Cursor implements alerting.Cursors.
func (s *Store) Cursor(ctx context.Context, name string) (string, error) {
	var v string
	err := s.view(ctx, func(tx *bolt.Tx) error {
		v = string(tx.Bucket(bucketCursors).Get([]byte(name)))
		return nil
	})
	return v, err
}

// SetCursor implements alerting.Cursors.
func (s *Store) SetCursor(ctx context.Context, name, value string) error {
	if name == "" {
		return errors.New("boltstore: SetCursor: empty name")
	}
	return s.update(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCursors).Put([]byte(name), []byte(value))
	})
}

var _ alerting.Secrets = (*Store)(nil)

// Secret implements alerting.Secrets.
func (s *Store) Secret(ctx context.Context, name string) (string, error) {
	var v string
	err := s.view(ctx, func(tx *bolt.Tx) error {
		v = string(tx.Bucket(bucketSecrets).Get([]byte(name)))
		return nil
	})
	return v, err
}

// SetSecret implements alerting.Secrets.
func (s *Store) SetSecret(ctx context.Context, name, value string) error {
	if name == "" {
		return alerting.ErrEmptySecretName
	}
	return s.update(ctx, func(tx *bolt.Tx) error {
		if value == "" {
			return tx.Bucket(bucketSecrets).Delete([]byte(name))
		}
		return tx.Bucket(bucketSecrets).Put([]byte(name), []byte(value))
	})
}

// Prune implements alerting.Store.
func (s *Store) Prune(ctx context.Context, before time.Time) (int, error) {
	n := 0
	cut := before.UnixNano()
	err := s.update(ctx, func(tx *bolt.Tx) error {
		n = 0
		var dead [][]byte
		collect := func(b *bolt.Bucket, old func(v []byte) (bool, error)) error {
			dead = dead[:0]
			err := b.ForEach(func(k, v []byte) error {
				ok, err := old(v)
				if ok {
					dead = append(dead, append([]byte(nil), k...))
				}
				return err
			})
			if err != nil {
				return err
			}
			for _, k := range dead {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			n += len(dead)
			return nil
		}
		if err := collect(tx.Bucket(bucketProcessed), func(v []byte) (bool, error) {
			return len(v) == 8 && int64(binary.BigEndian.Uint64(v)) < cut, nil
		}); err != nil {
			return err
		}
		if err := collect(tx.Bucket(bucketAlerts), func(v []byte) (bool, error) {
			var r alerting.AlertRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return false, err
			}
			return r.UpdatedAt.Before(before), nil
		}); err != nil {
			return err
		}
		tickets, awaiting := tx.Bucket(bucketTickets), tx.Bucket(bucketAwaiting)
		return collect(tx.Bucket(bucketGroups), func(v []byte) (bool, error) {
			var g alerting.GroupState
			if err := json.Unmarshal(v, &g); err != nil {
				return false, err
			}
			if !g.UpdatedAt.Before(before) || g.Live(before) {
				return false, nil
			}
			if err := awaiting.Delete([]byte(g.Key)); err != nil {
				return false, err
			}
			for _, id := range g.TicketIDs() {
				if string(tickets.Get([]byte(id))) == g.Key {
					if err := tickets.Delete([]byte(id)); err != nil {
						return false, err
					}
				}
			}
			return true, nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("boltstore: prune: %w", err)
	}
	return n, nil
}
