package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mspsync/mspsync/alerting"
)

// Store is an alerting.Store on PostgreSQL. It is safe for concurrent use,
// and any number of Stores (in any number of processes) may share one
// database: every guarantee is held by the database.
type Store struct {
	pool   *pgxpool.Pool
	owned  bool // Close closes the pool
	schema string

	// This Store's row in mspsync_sessions, kept alive by heartbeat:
	// claims and group leases carry it, and read as released once it
	// lapses (see the package documentation).
	session   int64
	ttl       time.Duration
	pipe      *pipeline
	stopBeat  context.CancelFunc
	beatDone  chan struct{}
	closeOnce sync.Once

	requests requestTable // WithRequestLogSize (requestlog.go)
}

var _ alerting.Store = (*Store)(nil)

// Option configures Open and New.
type Option func(*options)

type options struct {
	schema         string
	ttl            time.Duration
	requestLogSize int
}

// DefaultSessionTTL is how long a Store's claims outlive its last
// heartbeat unless WithSessionTTL says otherwise.
const DefaultSessionTTL = 3 * time.Second

// WithSchema puts the tables in a schema of their own (created if
// missing). Default: the connection's search_path (usually public).
func WithSchema(name string) Option { return func(o *options) { o.schema = name } }

// WithSessionTTL sets how long the Store's claims and group leases stay
// valid after its last heartbeat (default DefaultSessionTTL; it beats
// every third of that). A replica that is killed or cut off loses its
// claims that long after its last heartbeat, whatever their leases say; a
// live replica whose heartbeats cannot reach the database for that long
// loses them too. Values below 300ms are raised to 300ms.
func WithSessionTTL(d time.Duration) Option {
	return func(o *options) { o.ttl = max(d, 300*time.Millisecond) }
}

func collect(opts []Option) options {
	o := options{ttl: DefaultSessionTTL}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// Open connects to the database at dsn (a PostgreSQL URL or key=value
// string), creates or migrates the schema, and returns the Store. Close
// closes its connections.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	o := collect(opts)
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("pgstore: bad DSN: %w", redact(err))
	}
	if o.schema != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = o.schema
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: connecting: %w", redact(err))
	}
	s := &Store{pool: pool, owned: true, schema: o.schema, ttl: o.ttl, requests: requestTable{size: o.requestLogSize}}
	if err := s.start(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// New uses an existing pool (its search_path decides the schema, unless
// WithSchema names one, which must then be on that search_path) and
// migrates the schema. Close leaves the pool open.
func New(ctx context.Context, pool *pgxpool.Pool, opts ...Option) (*Store, error) {
	o := collect(opts)
	s := &Store{pool: pool, schema: o.schema, ttl: o.ttl, requests: requestTable{size: o.requestLogSize}}
	if err := s.start(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// start migrates the schema, opens the Store's session and starts its
// heartbeat.
func (s *Store) start(ctx context.Context) error {
	if err := s.migrate(ctx); err != nil {
		return err
	}
	err := s.pool.QueryRow(ctx, `INSERT INTO mspsync_sessions (alive_until)
		VALUES (clock_timestamp() + make_interval(secs => $1)) RETURNING id`, s.ttl.Seconds()).Scan(&s.session)
	if err != nil {
		return wrap("opening a session", ctx, err)
	}
	bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.stopBeat, s.beatDone = cancel, make(chan struct{})
	go s.heartbeat(bctx)
	s.startPipeline()
	return nil
}

// heartbeat keeps the session alive until ctx ends. A beat that fails is
// retried at the next tick; the row is recreated if it was pruned.
func (s *Store) heartbeat(ctx context.Context) {
	defer close(s.beatDone)
	every := s.ttl / 3
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		bctx, cancel := context.WithTimeout(ctx, every)
		_, _ = s.pool.Exec(bctx, `INSERT INTO mspsync_sessions (id, alive_until)
			VALUES ($1, clock_timestamp() + make_interval(secs => $2))
			ON CONFLICT (id) DO UPDATE SET alive_until = EXCLUDED.alive_until`, s.session, s.ttl.Seconds())
		cancel()
	}
}

// Close ends the Store's session, which releases at once every claim and
// group lease it still holds, and closes the connections Open made.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.stopBeat()
		<-s.beatDone
		s.stopPipeline()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, _ = s.pool.Exec(ctx, `DELETE FROM mspsync_sessions WHERE id = $1`, s.session)
		cancel()
		if s.owned {
			s.pool.Close()
		}
	})
	return nil
}

// Schema returns the schema named with WithSchema ("" for the default).
func (s *Store) Schema() string { return s.schema }

// Pool returns the connection pool.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// redact keeps a DSN's password out of an error.
func redact(err error) error {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		return errors.New("cannot parse the connection string (it is not shown, as it may hold a password)")
	}
	return err
}

func ns(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNS(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// tx runs fn in a transaction.
func (s *Store) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, s.pool, fn)
}

// Enqueue inserts the event; the primary key on the event ID, shared by
// pending and processed events, makes a second insert of the same ID a
// no-op whoever races it.
func (s *Store) Enqueue(ctx context.Context, item alerting.PendingItem) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	doc, err := json.Marshal(item.Alert)
	if err != nil {
		return false, fmt.Errorf("pgstore: encoding alert: %w", err)
	}
	var session int64
	if item.Owner != "" {
		session = s.session
	}
	tag, err := s.exec(ctx, `INSERT INTO mspsync_events
		(id, state, alert, accepted_at_ns, attempts, not_before_ns, last_error, owner, lease_until_ns, session)
		VALUES ($1, 'pending', $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
		item.ID, doc, ns(item.AcceptedAt), item.Attempts, ns(item.NotBefore), item.LastError, item.Owner, ns(item.LeaseUntil), session)
	if err != nil {
		return false, wrap("enqueue", ctx, err)
	}
	return tag.RowsAffected() == 1, nil
}

// Claim leases due items with FOR UPDATE SKIP LOCKED, so replicas claiming
// at once take different items and never wait for each other. An item
// whose lease is live but whose session has lapsed (its replica died) is
// due.
func (s *Store) Claim(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]alerting.PendingItem, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `UPDATE mspsync_events e SET owner = $1, lease_until_ns = $2, attempts = e.attempts + 1, session = $5
		WHERE e.id IN (
			SELECT id FROM mspsync_events p
			WHERE state = 'pending' AND not_before_ns <= $3
			AND (owner = '' OR lease_until_ns <= $3 OR `+sessionLapsed("p.session")+`)
			ORDER BY seq LIMIT $4 FOR UPDATE SKIP LOCKED)
		RETURNING e.seq, e.id, e.alert, e.accepted_at_ns, e.attempts, e.not_before_ns, e.last_error, e.owner, e.lease_until_ns`,
		owner, ns(now.Add(lease)), ns(now), limit, s.session)
	if err != nil {
		return nil, wrap("claim", ctx, err)
	}
	type seqItem struct {
		seq  int64
		item alerting.PendingItem
	}
	var got []seqItem
	for rows.Next() {
		var si seqItem
		var doc []byte
		var acc, nb, lu int64
		if err := rows.Scan(&si.seq, &si.item.ID, &doc, &acc, &si.item.Attempts, &nb, &si.item.LastError, &si.item.Owner, &lu); err != nil {
			rows.Close()
			return nil, wrap("claim", ctx, err)
		}
		if err := json.Unmarshal(doc, &si.item.Alert); err != nil {
			rows.Close()
			return nil, fmt.Errorf("pgstore: decoding pending item %s: %w", si.item.ID, err)
		}
		si.item.AcceptedAt, si.item.NotBefore, si.item.LeaseUntil = fromNS(acc), fromNS(nb), fromNS(lu)
		got = append(got, si)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("claim", ctx, err)
	}
	sort.Slice(got, func(i, j int) bool { return got[i].seq < got[j].seq })
	out := make([]alerting.PendingItem, len(got))
	for i := range got {
		out[i] = got[i].item
	}
	return out, nil
}

// sessionLapsed is an SQL condition: the session in column col is set
// (0 is a claim from before sessions, which only its lease ends) and no
// longer alive by the database's clock. The check is a primary-key lookup.
func sessionLapsed(col string) string {
	return `(` + col + ` <> 0 AND NOT EXISTS (SELECT 1 FROM mspsync_sessions ss WHERE ss.id = ` + col +
		` AND ss.alive_until > clock_timestamp()))`
}

func leaseLost(id, owner string) error {
	return fmt.Errorf("%w: %s is not pending or not held by %s", alerting.ErrLeaseLost, id, owner)
}

// Complete marks the event processed, if owner holds it.
func (s *Store) Complete(ctx context.Context, id, owner string, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tag, err := s.exec(ctx, `UPDATE mspsync_events SET state = 'processed', processed_at_ns = $3, alert = NULL,
		owner = '', lease_until_ns = 0, session = 0 WHERE id = $1 AND state = 'pending' AND owner = $2`, id, owner, ns(now))
	if err != nil {
		return wrap("complete", ctx, err)
	}
	if tag.RowsAffected() == 0 {
		return leaseLost(id, owner)
	}
	return nil
}

// Release hands the event back for a later attempt, if owner holds it.
func (s *Store) Release(ctx context.Context, id, owner string, notBefore time.Time, lastErr string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tag, err := s.exec(ctx, `UPDATE mspsync_events SET owner = '', lease_until_ns = 0, session = 0, not_before_ns = $3, last_error = $4
		WHERE id = $1 AND state = 'pending' AND owner = $2`, id, owner, ns(notBefore), lastErr)
	if err != nil {
		return wrap("release", ctx, err)
	}
	if tag.RowsAffected() == 0 {
		return leaseLost(id, owner)
	}
	return nil
}

// Pending counts pending events.
func (s *Store) Pending(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM mspsync_events WHERE state = 'pending'`).Scan(&n); err != nil {
		return 0, wrap("pending", ctx, err)
	}
	return n, nil
}

// Group reads a group.
func (s *Store) Group(ctx context.Context, key string) (alerting.GroupState, error) {
	return s.readGroup(ctx, `SELECT g.version, g.state, `+sessionLapsed("g.lease_session")+` FROM mspsync_groups g WHERE g.key = $1`, key)
}

// GroupByTicket reads the group a ticket belongs to.
func (s *Store) GroupByTicket(ctx context.Context, ticketID string) (alerting.GroupState, error) {
	return s.readGroup(ctx, `SELECT g.version, g.state, `+sessionLapsed("g.lease_session")+`
		FROM mspsync_group_tickets t JOIN mspsync_groups g ON g.key = t.group_key WHERE t.ticket_id = $1`, ticketID)
}

func (s *Store) readGroup(ctx context.Context, q, arg string) (alerting.GroupState, error) {
	if err := ctx.Err(); err != nil {
		return alerting.GroupState{}, err
	}
	var v int64
	var doc []byte
	var lapsed bool
	err := s.queryRow(ctx, q, []any{arg}, &v, &doc, &lapsed)
	if errors.Is(err, pgx.ErrNoRows) {
		return alerting.GroupState{}, fmt.Errorf("%w: group %s", alerting.ErrNotFound, arg)
	}
	if err != nil {
		return alerting.GroupState{}, wrap("group", ctx, err)
	}
	var g alerting.GroupState
	if err := json.Unmarshal(doc, &g); err != nil {
		return alerting.GroupState{}, fmt.Errorf("pgstore: decoding group %s: %w", arg, err)
	}
	g.Version = v
	if lapsed { // its holder died: the lease is free (same version, so a compare-and-swap can take it)
		g.LeaseOwner, g.LeaseUntil = "", time.Time{}
	}
	return g, nil
}

// PutGroup writes a group if its version is still g.Version, in one
// statement: an INSERT that the primary key refuses for an existing group,
// or an UPDATE guarded by the version column, and the ticket index moved
// along in the same statement (data-modifying CTEs), so a put is one round
// trip.
func (s *Store) PutGroup(ctx context.Context, g alerting.GroupState) (alerting.GroupState, error) {
	if err := ctx.Err(); err != nil {
		return alerting.GroupState{}, err
	}
	if g.Key == "" {
		return alerting.GroupState{}, errors.New("pgstore: PutGroup: empty key")
	}
	out := g.Clone()
	out.Version = g.Version + 1
	doc, err := json.Marshal(out)
	if err != nil {
		return alerting.GroupState{}, fmt.Errorf("pgstore: encoding group: %w", err)
	}
	tickets := out.TicketIDs()
	if tickets == nil {
		tickets = []string{} // NULL would match no row in the DELETE below
	}
	var session int64
	if out.LeaseOwner != "" {
		session = s.session
	}
	var put string
	if g.Version == 0 {
		put = `INSERT INTO mspsync_groups (key, version, state, updated_at_ns, live_until_ns, has_open, lease_session)
			VALUES ($1, $2::bigint + 1, $3, $4, $5, $6, $7) ON CONFLICT (key) DO NOTHING RETURNING key`
	} else {
		put = `UPDATE mspsync_groups SET version = version + 1, state = $3, updated_at_ns = $4, live_until_ns = $5,
			has_open = $6, lease_session = $7 WHERE key = $1 AND version = $2 RETURNING key`
	}
	var n int
	err = s.queryRow(ctx, `WITH g AS (`+put+`),
		d AS (DELETE FROM mspsync_group_tickets t USING g WHERE t.group_key = g.key AND NOT (t.ticket_id = ANY ($8::text[]))),
		i AS (INSERT INTO mspsync_group_tickets (ticket_id, group_key) SELECT u.id, g.key FROM g, unnest($8::text[]) AS u (id)
			ON CONFLICT (ticket_id) DO UPDATE SET group_key = EXCLUDED.group_key
			WHERE mspsync_group_tickets.group_key <> EXCLUDED.group_key)
		SELECT count(*) FROM g`,
		[]any{g.Key, g.Version, doc, ns(g.UpdatedAt), liveUntil(out), hasOpen(out), session, tickets}, &n)
	if err != nil {
		return alerting.GroupState{}, wrap("put group", ctx, err)
	}
	if n == 0 {
		return alerting.GroupState{}, fmt.Errorf("%w: group %s is not at version %d", alerting.ErrConflict, g.Key, g.Version)
	}
	return out, nil
}

func liveUntil(g alerting.GroupState) int64 {
	if g.LeaseOwner == "" {
		return 0
	}
	return ns(g.LeaseUntil)
}

func hasOpen(g alerting.GroupState) bool {
	for _, t := range g.Tickets {
		if t.Phase != alerting.PhaseClosed {
			return true
		}
	}
	return false
}

// Alert reads an alert record.
func (s *Store) Alert(ctx context.Context, key string) (alerting.AlertRecord, error) {
	if err := ctx.Err(); err != nil {
		return alerting.AlertRecord{}, err
	}
	var v int64
	var doc []byte
	err := s.queryRow(ctx, `SELECT version, record FROM mspsync_alerts WHERE key = $1`, []any{key}, &v, &doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return alerting.AlertRecord{}, fmt.Errorf("%w: alert %s", alerting.ErrNotFound, key)
	}
	if err != nil {
		return alerting.AlertRecord{}, wrap("alert", ctx, err)
	}
	var r alerting.AlertRecord
	if err := json.Unmarshal(doc, &r); err != nil {
		return alerting.AlertRecord{}, fmt.Errorf("pgstore: decoding alert %s: %w", key, err)
	}
	r.Version = v
	return r, nil
}

// PutAlert writes an alert record if its version is still r.Version.
func (s *Store) PutAlert(ctx context.Context, r alerting.AlertRecord) (alerting.AlertRecord, error) {
	if err := ctx.Err(); err != nil {
		return alerting.AlertRecord{}, err
	}
	out := r
	out.Version = r.Version + 1
	doc, err := json.Marshal(out)
	if err != nil {
		return alerting.AlertRecord{}, fmt.Errorf("pgstore: encoding alert: %w", err)
	}
	var tag pgconn.CommandTag
	if r.Version == 0 {
		tag, err = s.exec(ctx, `INSERT INTO mspsync_alerts (key, version, record, updated_at_ns) VALUES ($1, 1, $2, $3)
			ON CONFLICT (key) DO NOTHING`, r.Key, doc, ns(r.UpdatedAt))
	} else {
		tag, err = s.exec(ctx, `UPDATE mspsync_alerts SET version = version + 1, record = $3, updated_at_ns = $4
			WHERE key = $1 AND version = $2`, r.Key, r.Version, doc, ns(r.UpdatedAt))
	}
	if err != nil {
		return alerting.AlertRecord{}, wrap("put alert", ctx, err)
	}
	if tag.RowsAffected() == 0 {
		return alerting.AlertRecord{}, fmt.Errorf("%w: alert %s is not at version %d", alerting.ErrConflict, r.Key, r.Version)
	}
	return out, nil
}

// Cursor reads a cursor ("" when unset).
func (s *Store) Cursor(ctx context.Context, name string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	var v string
	err := s.pool.QueryRow(ctx, `SELECT value FROM mspsync_cursors WHERE name = $1`, name).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", wrap("cursor", ctx, err)
	}
	return v, nil
}

// SetCursor writes a cursor.
func (s *Store) SetCursor(ctx context.Context, name, value string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO mspsync_cursors (name, value) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value`, name, value)
	return wrap("set cursor", ctx, err)
}

// Prune deletes processed event IDs, alert records and dead groups last
// touched before before.
func (s *Store) Prune(ctx context.Context, before time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	cut := ns(before)
	n := 0
	err := s.tx(ctx, func(tx pgx.Tx) error {
		for _, q := range []string{
			`DELETE FROM mspsync_events WHERE state = 'processed' AND processed_at_ns < $1`,
			`DELETE FROM mspsync_alerts WHERE updated_at_ns < $1`,
			`DELETE FROM mspsync_groups WHERE updated_at_ns < $1 AND NOT has_open AND live_until_ns <= $1`,
		} {
			tag, err := tx.Exec(ctx, q, cut)
			if err != nil {
				return err
			}
			n += int(tag.RowsAffected())
		}
		// Sessions lapsed long ago: their claims are free either way. Not
		// counted: they are bookkeeping, not state.
		_, err := tx.Exec(ctx, `DELETE FROM mspsync_sessions WHERE alive_until < clock_timestamp() - interval '1 hour'`)
		return err
	})
	if err != nil {
		return 0, wrap("prune", ctx, err)
	}
	return n, nil
}

// wrap names the operation and keeps context errors recognisable.
func wrap(op string, ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		return fmt.Errorf("pgstore: %s: %w (%v)", op, ctx.Err(), err)
	}
	return fmt.Errorf("pgstore: %s: %w", op, err)
}
