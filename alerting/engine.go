package alerting

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"time"
)

// Engine turns alerts into tickets. It is safe for concurrent use; one
// Engine per process and store is the norm, and several engines (replicas)
// may share one store if each has its own owner name (WithOwner).
type Engine struct {
	route     routing
	store     Store
	sink      Sink
	finder    TicketFinder // nil if the sink does not implement it
	notes     NoteFinder   // nil if the sink does not implement it
	locator   AssetLocator // nil if the sink does not implement it
	contacts  ContactDirectory
	resolvers map[[2]string]Resolver // {source, account}
	enrichers map[[2]string]Enricher // {source, account}; WithEnricher; nil if none
	learned   SiteMappingsFunc       // WithSiteMappings; nil if none
	poll      pollConfig             // reconciliation poll (poll.go)
	maint     maintenance            // maintenance windows (windows.go)
	requests  RequestLog             // WithRequestLog; nil if none
	observer  func(Event)            // WithObserver; nil if none
	log       *slog.Logger
	owner     string
	now       func() time.Time

	retryMin, retryMax time.Duration
	leaseTTL           time.Duration
	pollInterval       time.Duration
	workers            int
	syncInterval       time.Duration
	syncLookback       time.Duration
	cacheTTL           time.Duration
	retention          time.Duration
	enrichTimeout      time.Duration

	locks keyLocks
	stats counters
	wake  chan struct{}

	cacheMu   sync.Mutex
	cache     map[string]cachedCustomer
	siteCache map[[2]string]cachedSites

	mu       sync.Mutex
	closed   bool
	inflight sync.WaitGroup
}

type cachedCustomer struct {
	c       Customer
	found   bool
	expires time.Time
}

// Option configures an Engine.
type Option func(*Engine) error

// WithLogger sets the logger for every decision (group key, event key,
// ticket ID; never payloads or secrets). The default discards.
func WithLogger(l *slog.Logger) Option {
	return func(e *Engine) error {
		if l == nil {
			return errors.New("alerting: WithLogger: nil logger")
		}
		e.log = l
		return nil
	}
}

// WithResolver sets the resolver that resolves alerts of source at the
// source when their ticket is closed in the PSA. Sources without a resolver
// (VSA X has no resolve) are left alone. It serves the alerts without an
// Account; alerts of an account use WithAccountResolver's.
func WithResolver(source string, r Resolver) Option {
	return WithAccountResolver(source, "", r)
}

// WithAccountResolver sets the resolver of one source account: it
// resolves, and is the only one that resolves, the alerts whose Source and
// Account are source and account (Alert.Account; "" is WithResolver). An
// alert of an account that has no resolver is not resolved at its source:
// the engine never hands an alert of one account to another account's
// resolver.
func WithAccountResolver(source, account string, r Resolver) Option {
	return func(e *Engine) error {
		if source == "" || r == nil {
			return errors.New("alerting: WithResolver: empty source or nil resolver")
		}
		if !validSource(account) {
			return fmt.Errorf("alerting: WithAccountResolver: account %q: use letters, digits, '.', '_' or '-'", account)
		}
		e.resolvers[[2]string{source, account}] = r
		return nil
	}
}

// resolver returns the resolver of a member's source and account, or nil.
func (e *Engine) resolver(m Member) Resolver { return e.resolvers[[2]string{m.Source, m.Account}] }

// WithOwner names this engine in leases. Engines sharing a store must use
// different names. The leases of an engine that died expire after the lease
// TTL, and then any engine takes its work over. The default is
// hostname-pid-random.
func WithOwner(name string) Option {
	return func(e *Engine) error {
		if strings.TrimSpace(name) == "" {
			return errors.New("alerting: WithOwner: empty name")
		}
		e.owner = name
		return nil
	}
}

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) Option {
	return func(e *Engine) error {
		if now == nil {
			return errors.New("alerting: WithClock: nil func")
		}
		e.now = now
		return nil
	}
}

// WithRetryBackoff sets the wait before retrying a failed item: first,
// doubled per attempt up to limit, with jitter (each wait is between half
// and all of that). Defaults 1s and 5m; tests use milliseconds.
func WithRetryBackoff(first, limit time.Duration) Option {
	return func(e *Engine) error {
		if first <= 0 || limit < first {
			return fmt.Errorf("alerting: WithRetryBackoff(%s, %s): want 0 < first <= limit", first, limit)
		}
		e.retryMin, e.retryMax = first, limit
		return nil
	}
}

// WithLeaseTTL sets how long a claimed item or a group is leased to this
// engine (default 2m). Processing one item is cut off at half of it, so a
// lease never expires under a live worker. Another replica takes over an
// item whose lease expired.
func WithLeaseTTL(d time.Duration) Option {
	return func(e *Engine) error {
		if d <= 0 {
			return fmt.Errorf("alerting: WithLeaseTTL(%s): want > 0", d)
		}
		e.leaseTTL = d
		return nil
	}
}

// WithPollInterval sets how often Run looks for due pending items when it
// is not woken by Accept (default 1s).
func WithPollInterval(d time.Duration) Option {
	return func(e *Engine) error {
		if d <= 0 {
			return fmt.Errorf("alerting: WithPollInterval(%s): want > 0", d)
		}
		e.pollInterval = d
		return nil
	}
}

// WithWorkers sets how many pending items are processed at once (default
// 4). Items of one group are serialised whatever the number.
func WithWorkers(n int) Option {
	return func(e *Engine) error {
		if n < 1 {
			return fmt.Errorf("alerting: WithWorkers(%d): want >= 1", n)
		}
		e.workers = n
		return nil
	}
}

// WithSyncInterval sets how often RunResolveSync polls the PSA for closed
// tickets (default 1m).
func WithSyncInterval(d time.Duration) Option {
	return func(e *Engine) error {
		if d <= 0 {
			return fmt.Errorf("alerting: WithSyncInterval(%s): want > 0", d)
		}
		e.syncInterval = d
		return nil
	}
}

// WithSyncLookback sets how far back the first resolve-sync pass looks when
// the store has no cursor yet (default 24h).
func WithSyncLookback(d time.Duration) Option {
	return func(e *Engine) error {
		if d <= 0 {
			return fmt.Errorf("alerting: WithSyncLookback(%s): want > 0", d)
		}
		e.syncLookback = d
		return nil
	}
}

// WithCustomerCacheTTL sets how long auto-match results (found or not) are
// cached (default 5m).
func WithCustomerCacheTTL(d time.Duration) Option {
	return func(e *Engine) error {
		if d < 0 {
			return fmt.Errorf("alerting: WithCustomerCacheTTL(%s): want >= 0", d)
		}
		e.cacheTTL = d
		return nil
	}
}

// WithRetention sets how long processed event IDs, alert records and
// closed groups are kept (default 30 days); Run prunes older ones hourly.
// A redelivery older than this is processed again.
func WithRetention(d time.Duration) Option {
	return func(e *Engine) error {
		if d <= 0 {
			return fmt.Errorf("alerting: WithRetention(%s): want > 0", d)
		}
		e.retention = d
		return nil
	}
}

// New validates cfg and returns an engine that keeps its state in store and
// writes tickets to sink.
func New(cfg Config, store Store, sink Sink, opts ...Option) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if store == nil || sink == nil {
		return nil, errors.New("alerting: New: nil store or sink")
	}
	e := &Engine{
		route:        compile(cfg),
		store:        store,
		sink:         sink,
		resolvers:    map[[2]string]Resolver{},
		log:          slog.New(slog.DiscardHandler),
		now:          time.Now,
		retryMin:     time.Second,
		retryMax:     5 * time.Minute,
		leaseTTL:     2 * time.Minute,
		pollInterval: time.Second,
		workers:      4,
		syncInterval: time.Minute,
		syncLookback: 24 * time.Hour,
		cacheTTL:     5 * time.Minute,
		retention:    30 * 24 * time.Hour,
		wake:         make(chan struct{}, 1),
		cache:        map[string]cachedCustomer{},
		siteCache:    map[[2]string]cachedSites{},
	}
	if f, ok := sink.(TicketFinder); ok {
		e.finder = f
	}
	if f, ok := sink.(NoteFinder); ok {
		e.notes = f
	}
	if l, ok := sink.(AssetLocator); ok {
		e.locator = l
	}
	if d, ok := sink.(ContactDirectory); ok {
		e.contacts = d
	}
	for _, o := range opts {
		if err := o(e); err != nil {
			return nil, err
		}
	}
	if e.owner == "" {
		e.owner = defaultOwner()
	}
	return e, nil
}

func defaultOwner() string {
	host, _ := os.Hostname()
	if host == "" {
		host = "engine"
	}
	return fmt.Sprintf("%s-%d-%08x", host, os.Getpid(), rand.Uint32())
}

// Owner returns the name this engine uses in leases.
func (e *Engine) Owner() string { return e.owner }

// Config returns a copy of the engine's configuration with the defaults
// filled in.
func (e *Engine) Config() Config { return e.route.cfg.clone() }

// GroupKey returns the key of the group a raise would join if routed to the
// PSA customer customerID, under the engine's grouping mode.
func (e *Engine) GroupKey(customerID string, a Alert) string {
	return GroupKey(customerID, e.route.cfg.Grouping, a)
}

// Outcome is what happened to an alert event.
type Outcome string

// Outcomes.
const (
	OutcomeQueued    Outcome = "queued"    // Accept: durably recorded, processed later
	OutcomeCreated   Outcome = "created"   // a ticket was created
	OutcomeNoted     Outcome = "noted"     // a note was added
	OutcomeClosed    Outcome = "closed"    // the ticket was closed
	OutcomeReopened  Outcome = "reopened"  // a recurring alert reopened its closed ticket (Config.ReopenWithin)
	OutcomeDuplicate Outcome = "duplicate" // the event was already pending or processed
	OutcomeIgnored   Outcome = "ignored"   // nothing to do; see Reason
	OutcomePending   Outcome = "pending"   // recorded; processing failed and will be retried
	OutcomeRejected  Outcome = "rejected"  // see the error
)

// Result reports what Submit, Accept or processing did with one event.
type Result struct {
	EventKey string
	Outcome  Outcome
	Reason   Reason // for OutcomeIgnored and OutcomeRejected
	GroupKey string // when known
	TicketID string // the ticket written to, when any
	// Routing is where a raise was routed and why, once it was (also kept
	// in the alert's AlertRecord).
	Routing Routing
	// Err is the transient error behind OutcomePending.
	Err error
}

// enter registers an in-flight call; false once the engine is closed.
func (e *Engine) enter() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return false
	}
	e.inflight.Add(1)
	return true
}

// Close stops accepting alerts and waits for calls in flight. It does not
// close the store. Run and RunResolveSync stop with their context.
func (e *Engine) Close() error {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	e.inflight.Wait()
	return nil
}

// Submit records an alert event durably and then processes it at once.
//
// The error is non-nil only when the alert was not accepted: it is invalid
// or its customer cannot be routed (*RejectedError), the sink rejected it
// for good, or the store failed. If the PSA is down the alert stays pending,
// the Result says OutcomePending with the cause in Result.Err, and Run or
// ProcessPending retries it; the sender can be told it was received.
func (e *Engine) Submit(ctx context.Context, a Alert) (Result, error) {
	if !e.enter() {
		return Result{}, ErrClosed
	}
	defer e.inflight.Done()
	res, item, queued, err := e.accept(ctx, a, true)
	e.logIntake(ctx, a, e.now(), res, err)
	if err != nil || !queued {
		return res, err
	}
	return e.process(ctx, item)
}

// Accept records an alert event durably and returns; Run (or
// ProcessPending) processes it. A webhook receiver answers 2xx once Accept
// returns nil. Errors are as for Submit, except that routing decided only
// by a PSA lookup (the device's linked asset, a learned mapping,
// auto-match) is reported later, in the logs and the rejected counter.
func (e *Engine) Accept(ctx context.Context, a Alert) (Result, error) {
	if !e.enter() {
		return Result{}, ErrClosed
	}
	defer e.inflight.Done()
	res, _, queued, err := e.accept(ctx, a, false)
	e.logIntake(ctx, a, e.now(), res, err)
	if queued {
		select {
		case e.wake <- struct{}{}:
		default:
		}
	}
	return res, err
}

// accept validates, applies the routing decisions that need no PSA call,
// and enqueues. queued reports that item was newly recorded.
func (e *Engine) accept(ctx context.Context, a Alert, lease bool) (res Result, item PendingItem, queued bool, err error) {
	e.stats.received.Add(1)
	now := e.now()
	if a.Time.IsZero() {
		a.Time = now
	}
	res = Result{EventKey: a.EventKey()}
	if err := a.Validate(); err != nil {
		res, err = e.rejected(ctx, res, &RejectedError{Reason: ReasonInvalidAlert, EventKey: res.EventKey, Err: err})
		return res, item, false, err
	}
	if a.Kind == Raise && !e.enriched(a) { // else decided after enrichment, in the worker
		if reason, ok := e.staticIgnore(a); ok {
			return e.ignored(ctx, res, reason, a), item, false, nil
		}
		if e.unroutable(a) {
			res, err = e.rejected(ctx, res, &RejectedError{Reason: ReasonUnmappedCustomer, EventKey: res.EventKey, Customer: a.Customer})
			return res, item, false, err
		}
	}
	item = PendingItem{ID: res.EventKey, Alert: a, AcceptedAt: now}
	if lease {
		item.Owner, item.LeaseUntil, item.Attempts = e.owner, now.Add(e.leaseTTL), 1
	}
	added, err := e.store.Enqueue(ctx, item)
	if err != nil {
		return res, item, false, fmt.Errorf("alerting: record %s: %w", res.EventKey, err)
	}
	if !added {
		e.stats.deduplicated.Add(1)
		e.log.LogAttrs(ctx, slog.LevelInfo, "alerting: duplicate event", slog.String("event", res.EventKey))
		res.Outcome = OutcomeDuplicate
		return res, item, false, nil
	}
	res.Outcome = OutcomeQueued
	e.log.LogAttrs(ctx, slog.LevelDebug, "alerting: event recorded", slog.String("event", res.EventKey), slog.String("kind", string(a.Kind)))
	return res, item, true, nil
}

// RejectPayload counts and logs a payload a webhook receiver refused before
// it became an Alert (bad signature, undecodable body), so that bad input
// shows in the rejected counter next to everything else. Use a short
// reason from a fixed set (ReasonBadSignature, ReasonMalformedPayload); err
// explains it in the log and must not carry the payload or a secret.
func (e *Engine) RejectPayload(ctx context.Context, source string, reason Reason, err error) {
	e.stats.reject(reason)
	e.log.LogAttrs(ctx, slog.LevelWarn, "alerting: payload rejected", slog.String("source", source),
		slog.String("reason", string(reason)), slog.Any("err", err))
	e.logPayload(ctx, source, reason, err)
	e.observe(Event{Kind: EventPayloadRejected, Source: source, Result: Result{Outcome: OutcomeRejected, Reason: reason}, Err: err})
}

// staticIgnore applies the configuration that switches tickets off.
func (e *Engine) staticIgnore(a Alert) (Reason, bool) {
	if m, ok := e.route.mapping(a); ok && m.Disabled {
		return ReasonCustomerDisabled, true
	}
	rule, ok := e.route.typeRule(a)
	switch {
	case ok && rule.Disabled:
		return ReasonAlertTypeDisabled, true
	case !ok && e.route.cfg.OnlyMappedAlertTypes:
		return ReasonAlertTypeNotMapped, true
	}
	return "", false
}

func (e *Engine) ignored(ctx context.Context, res Result, r Reason, a Alert) Result {
	e.stats.ignore(r)
	e.log.LogAttrs(ctx, slog.LevelInfo, "alerting: alert ignored", slog.String("event", res.EventKey),
		slog.String("reason", string(r)), slog.String("group", res.GroupKey), slog.String("ticket", res.TicketID),
		slog.String("type", a.Type))
	res.Outcome, res.Reason = OutcomeIgnored, r
	return res
}

func (e *Engine) rejected(ctx context.Context, res Result, err *RejectedError) (Result, error) {
	e.stats.reject(err.Reason)
	e.log.WarnContext(ctx, "alerting: alert rejected", "event", res.EventKey, "reason", err.Reason,
		"group", res.GroupKey, "err", err)
	res.Outcome, res.Reason = OutcomeRejected, err.Reason
	return res, err
}

// backoff returns the wait before attempt+1.
func (e *Engine) backoff(attempts int) time.Duration {
	d := e.retryMin
	for i := 1; i < attempts && d < e.retryMax; i++ {
		d *= 2
	}
	d = min(d, e.retryMax)
	return d/2 + rand.N(d/2+1)
}

// ProcessPending claims every due pending item and processes it, up to
// WithWorkers at a time, and returns how many it processed (whatever the
// outcome). Events of one alert are processed in the order they were
// accepted. Use it from a cron job or a test; Run calls it in a loop.
func (e *Engine) ProcessPending(ctx context.Context) (int, error) {
	if !e.enter() {
		return 0, ErrClosed
	}
	defer e.inflight.Done()
	total := 0
	for {
		items, err := e.store.Claim(ctx, e.owner, e.now(), e.leaseTTL, claimBatch)
		if err != nil {
			return total, fmt.Errorf("alerting: claim pending: %w", err)
		}
		if len(items) == 0 {
			return total, nil
		}
		e.processBatch(ctx, items)
		total += len(items)
		if len(items) < claimBatch {
			return total, nil
		}
	}
}

const claimBatch = 100

// processBatch processes items with bounded concurrency, keeping the
// events of one alert in order.
func (e *Engine) processBatch(ctx context.Context, items []PendingItem) {
	var order []string
	byAlert := map[string][]PendingItem{}
	for _, it := range items {
		k := it.Alert.Key()
		if _, ok := byAlert[k]; !ok {
			order = append(order, k)
		}
		byAlert[k] = append(byAlert[k], it)
	}
	sem := make(chan struct{}, e.workers)
	var wg sync.WaitGroup
	for _, k := range order {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			for _, it := range byAlert[k] {
				_, _ = e.process(ctx, it)
			}
		})
	}
	wg.Wait()
}

// Run processes pending items until ctx ends: at once when Accept records
// one, every poll interval otherwise (retries come due then), and prunes
// old state hourly. It returns ctx's error.
//
// Unlike ProcessPending, Run does not wait for a batch to finish before it
// claims more: it keeps up to WithWorkers items claimed and claims the next
// as soon as one is done, so an event accepted while the PSA is slow to
// answer another one starts at once. Events of one alert still run one
// after the other, in the order they were claimed.
func (e *Engine) Run(ctx context.Context) error {
	t := time.NewTicker(e.pollInterval)
	defer t.Stop()
	d := &dispatcher{e: e, chains: map[string][]PendingItem{}, freed: make(chan struct{}, 1)}
	defer d.wg.Wait()
	lastPrune := time.Time{}
	for {
		if err := d.fill(ctx); err != nil {
			if errors.Is(err, ErrClosed) {
				return err
			}
			if ctx.Err() == nil {
				e.log.ErrorContext(ctx, "alerting: processing pending items", "err", err)
			}
		}
		if now := e.now(); now.Sub(lastPrune) >= time.Hour {
			lastPrune = now
			if n, err := e.store.Prune(ctx, now.Add(-e.retention)); err != nil {
				if ctx.Err() == nil {
					e.log.ErrorContext(ctx, "alerting: prune", "err", err)
				}
			} else if n > 0 {
				e.log.InfoContext(ctx, "alerting: pruned old state", "records", n)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		case <-e.wake:
		case <-d.freed:
		}
	}
}
