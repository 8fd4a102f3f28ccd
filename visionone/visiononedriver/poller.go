package visiononedriver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/visionone"
)

// CursorPrefix starts the names of the Store cursors the pollers keep:
// "visionone/<customer ref>/<kind>".
const CursorPrefix = "visionone/"

// Overlap is how far before the end of the previous poll the next one
// starts reading workbench alerts and discovered assets, so that an item
// Vision One records late is still seen; the items of that stretch already
// handled are remembered in the cursor and skipped.
const Overlap = 10 * time.Minute

// forgetAfter is how long a high-risk entry that left the list is
// remembered (its entry count keeps a re-entry a new event).
const forgetAfter = 30 * 24 * time.Hour

// Poller polls one Vision One customer for the alert kinds switched on for
// it and hands the alerts to an alerting.Acceptor (the Engine). Its
// positions live in the engine's Store (alerting.Cursors), written only
// after the alerts before them were accepted, so a restart neither raises
// an alert again (the engine also deduplicates by event ID) nor misses
// one. Safe for use by one goroutine at a time (Run).
type Poller struct {
	c      *visionone.Client
	cust   CustomerConfig
	acc    alerting.Acceptor
	cur    alerting.Cursors
	o      pollerOptions
	states map[AlertKind]string // cursor names
}

type pollerOptions struct {
	interval, window time.Duration
	minScore         int
	watchlist        string
	timeFields       []string
	now              func() time.Time
	log              *slog.Logger
}

// PollerOption configures a Poller.
type PollerOption func(*pollerOptions) error

// WithInterval sets how often Run polls (default DefaultPollInterval).
func WithInterval(d time.Duration) PollerOption {
	return func(o *pollerOptions) error {
		if d <= 0 {
			return fmt.Errorf("visiononedriver: poll interval %s: want > 0", d)
		}
		o.interval = d
		return nil
	}
}

// WithFirstRunWindow sets how far back the first poll of a kind looks
// (default DefaultFirstRunWindow, 4 hours).
func WithFirstRunWindow(d time.Duration) PollerOption {
	return func(o *pollerOptions) error {
		if d <= 0 {
			return fmt.Errorf("visiononedriver: first-run window %s: want > 0", d)
		}
		o.window = d
		return nil
	}
}

// WithHighRiskMinScore lists high-risk users and devices with "riskScore
// ge n" (0: all of them).
func WithHighRiskMinScore(n int) PollerOption {
	return func(o *pollerOptions) error { o.minScore = n; return nil }
}

// WithWatchlistFilter sets the TMV1-Filter expression that selects the
// watchlisted attack-surface devices (default DefaultWatchlistFilter).
func WithWatchlistFilter(expr string) PollerOption {
	return func(o *pollerOptions) error { o.watchlist = expr; return nil }
}

// WithHighRiskTimeFields names the fields of a high-risk user or device
// that may say when it became high-risk (default "updatedDateTime"; the
// vendor's schema is not confirmed). The first poll raises the entries
// with such a time inside the first-run window and takes the others as
// the starting point.
func WithHighRiskTimeFields(fields ...string) PollerOption {
	return func(o *pollerOptions) error { o.timeFields = fields; return nil }
}

// WithClock sets the poller's clock (tests).
func WithClock(now func() time.Time) PollerOption {
	return func(o *pollerOptions) error { o.now = now; return nil }
}

// WithPollerLogger sets the logger.
func WithPollerLogger(l *slog.Logger) PollerOption {
	return func(o *pollerOptions) error { o.log = l; return nil }
}

// NewPoller returns the poller of one customer: client c is that
// customer's, acc receives the alerts, cur keeps the positions (the
// engine's Store).
func NewPoller(c *visionone.Client, cust CustomerConfig, acc alerting.Acceptor, cur alerting.Cursors, opts ...PollerOption) (*Poller, error) {
	if c == nil || acc == nil || cur == nil {
		return nil, errors.New("visiononedriver: NewPoller needs a client, an acceptor and a cursor store")
	}
	if !validRef(cust.Ref()) {
		return nil, fmt.Errorf("visiononedriver: customer %q has no valid reference", cust.Name)
	}
	o := pollerOptions{interval: DefaultPollInterval, window: DefaultFirstRunWindow, watchlist: DefaultWatchlistFilter,
		timeFields: []string{"updatedDateTime"}, now: time.Now}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	p := &Poller{c: c, cust: cust, acc: acc, cur: cur, o: o, states: map[AlertKind]string{}}
	for _, k := range Kinds {
		p.states[k] = CursorPrefix + cust.Ref() + "/" + string(k)
	}
	return p, nil
}

// PollResult reports one pass of a poller.
type PollResult struct {
	// Raised counts the alerts accepted per kind; Duplicates those the
	// engine already had; Rejected those it refused (unroutable).
	Raised     map[AlertKind]int
	Duplicates int
	Rejected   int
	// Ignored counts the alerts the engine recorded and ignored by
	// configuration (an alert type switched off).
	Ignored int
	// Off is set when the customer's ticket creation is off: nothing was
	// polled.
	Off bool
	// Baseline counts the high-risk entries the first poll found without
	// a time inside the first-run window: taken as the starting point,
	// not raised.
	Baseline int
	// Forbidden lists the kinds the key may not read (403: not licensed,
	// or the key's role lacks access); they are skipped.
	Forbidden []AlertKind
}

// Poll runs one pass over the kinds enabled for the customer that have an
// API — none while the customer's ticket creation is off (workbench alerts, high-risk users and devices, new assets; risk
// events come from notifications only). A kind that fails keeps its
// position and is tried again on the next pass; the error joins them.
func (p *Poller) Poll(ctx context.Context) (PollResult, error) {
	res := PollResult{Raised: map[AlertKind]int{}}
	if !p.cust.TicketsOn() {
		res.Off = true
		return res, nil
	}
	var errs []error
	for _, k := range []AlertKind{KindWorkbench, KindHighRiskUser, KindHighRiskDevice, KindNewAsset} {
		if !p.cust.Enabled(k) {
			continue
		}
		var err error
		switch k {
		case KindWorkbench:
			err = p.pollWorkbench(ctx, &res)
		case KindHighRiskUser, KindHighRiskDevice:
			err = p.pollHighRisk(ctx, k, &res)
		case KindNewAsset:
			err = p.pollAssets(ctx, &res)
		}
		switch {
		case err == nil:
		case errors.Is(err, visionone.ErrForbidden):
			res.Forbidden = append(res.Forbidden, k)
			p.o.log.WarnContext(ctx, "visionone: kind skipped: not licensed or the key's role lacks access", "customer", p.cust.Name, "kind", k, "err", err)
		default:
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			errs = append(errs, fmt.Errorf("%s: %w", k, err))
		}
	}
	if len(errs) > 0 {
		return res, fmt.Errorf("visiononedriver: poll %s: %w", p.cust.Name, errors.Join(errs...))
	}
	return res, nil
}

// Run polls now and then every interval until ctx ends, logging failed
// passes, and returns ctx's error.
func (p *Poller) Run(ctx context.Context) error {
	t := time.NewTicker(p.o.interval)
	defer t.Stop()
	for {
		res, err := p.Poll(ctx)
		if err != nil && ctx.Err() == nil {
			p.o.log.WarnContext(ctx, "visionone: poll failed; positions kept for the next pass", "customer", p.cust.Name, "err", err)
		} else if err == nil {
			p.o.log.DebugContext(ctx, "visionone: polled", "customer", p.cust.Name, "raised", res.Raised, "duplicates", res.Duplicates)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// accept hands one alert to the acceptor: false with an error when it was
// not recorded (the pass stops there).
func (p *Poller) accept(ctx context.Context, a alerting.Alert, k AlertKind, res *PollResult) error {
	r, err := p.acc.Accept(ctx, a)
	switch {
	case errors.Is(err, alerting.ErrRejected):
		res.Rejected++
		return nil
	case err != nil:
		return fmt.Errorf("recording %s: %w", a.EventID, err)
	case r.Outcome == alerting.OutcomeDuplicate:
		res.Duplicates++
	case r.Outcome == alerting.OutcomeIgnored:
		res.Ignored++
	default:
		res.Raised[k]++
	}
	return nil
}

// windowState is the cursor of a time-windowed kind: where the next read
// starts and the items already handled from there on.
type windowState struct {
	Since time.Time            `json:"since"`
	Seen  map[string]time.Time `json:"seen,omitempty"`
}

func (p *Poller) load(ctx context.Context, k AlertKind, v any) (bool, error) {
	raw, err := p.cur.Cursor(ctx, p.states[k])
	if err != nil {
		return false, fmt.Errorf("reading cursor: %w", err)
	}
	if raw == "" {
		return false, nil
	}
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		p.o.log.WarnContext(ctx, "visionone: unreadable poller cursor, starting over", "cursor", p.states[k], "err", err)
		return false, nil
	}
	return true, nil
}

func (p *Poller) save(ctx context.Context, k AlertKind, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := p.cur.SetCursor(ctx, p.states[k], string(raw)); err != nil {
		return fmt.Errorf("storing cursor: %w", err)
	}
	return nil
}

// windowed reads a kind whose items have a time (workbench alerts by
// createdDateTime, devices by firstSeenDateTime): from the cursor's Since
// (now minus the first-run window on the first poll) to now, skipping what
// the cursor has seen; then Since moves to now minus Overlap.
func (p *Poller) windowed(ctx context.Context, k AlertKind, walk func(since, now time.Time, each func(id string, at time.Time, a alerting.Alert) error) error, res *PollResult) error {
	now := p.o.now().UTC().Truncate(time.Second)
	var st windowState
	if ok, err := p.load(ctx, k, &st); err != nil {
		return err
	} else if !ok || st.Since.IsZero() {
		st = windowState{Since: now.Add(-p.o.window)}
	}
	if st.Seen == nil {
		st.Seen = map[string]time.Time{}
	}
	err := walk(st.Since, now, func(id string, at time.Time, a alerting.Alert) error {
		if _, done := st.Seen[id]; done {
			return nil
		}
		if err := p.accept(ctx, a, k, res); err != nil {
			return err
		}
		st.Seen[id] = at
		return nil
	})
	if err != nil {
		// Keep Since; remember what was accepted so far.
		_ = p.save(ctx, k, st)
		return err
	}
	if next := now.Add(-Overlap); next.After(st.Since) {
		st.Since = next
	}
	for id, at := range st.Seen {
		if at.Before(st.Since) {
			delete(st.Seen, id)
		}
	}
	return p.save(ctx, k, st)
}

func (p *Poller) pollWorkbench(ctx context.Context, res *PollResult) error {
	return p.windowed(ctx, KindWorkbench, func(since, now time.Time, each func(string, time.Time, alerting.Alert) error) error {
		opts := &visionone.AlertListOptions{Start: since, End: now, DateTimeTarget: visionone.TargetCreated, OrderBy: "createdDateTime asc"}
		for w, err := range p.c.Workbench.Alerts(ctx, opts) {
			if err != nil {
				return err
			}
			at := now
			if w.CreatedDateTime != nil {
				at = *w.CreatedDateTime
			}
			if err := each(w.ID, at, WorkbenchAlert(p.cust, &w)); err != nil {
				return err
			}
		}
		return nil
	}, res)
}

func (p *Poller) pollAssets(ctx context.Context, res *PollResult) error {
	return p.windowed(ctx, KindNewAsset, func(since, now time.Time, each func(string, time.Time, alerting.Alert) error) error {
		opts := &visionone.AssetListOptions{FirstSeenStart: since, FirstSeenEnd: now, Filter: p.o.watchlist}
		for d, err := range p.c.AttackSurface.Devices(ctx, opts) {
			if err != nil {
				return err
			}
			at := now
			if d.FirstSeenDateTime != nil {
				at = *d.FirstSeenDateTime
			}
			if err := each(d.ID, at, NewAssetAlert(p.cust, &d)); err != nil {
				return err
			}
		}
		return nil
	}, res)
}

// riskEntry is what the cursor of a high-risk list remembers of an ID.
type riskEntry struct {
	N     int       `json:"n"`              // times it entered the list (its event number)
	In    bool      `json:"in"`             // on the list at the last poll
	Since time.Time `json:"since"`          // when it last entered (or left)
	Base  bool      `json:"base,omitempty"` // taken as the starting point, not raised
}

type riskState struct {
	IDs map[string]*riskEntry `json:"ids"`
}

// riskItem is one high-risk user or device, as the poller needs it.
type riskItem struct {
	id    string
	extra visionone.Extra
	alert func(n int, at time.Time) alerting.Alert
}

// pollHighRisk lists the whole high-risk list, raises an alert for each
// ID that was not on it at the last poll, and remembers the list. The
// first poll raises only the entries whose time (WithHighRiskTimeFields)
// lies in the first-run window.
func (p *Poller) pollHighRisk(ctx context.Context, k AlertKind, res *PollResult) error {
	now := p.o.now().UTC().Truncate(time.Second)
	var st riskState
	first := false
	if ok, err := p.load(ctx, k, &st); err != nil {
		return err
	} else if !ok || st.IDs == nil {
		first, st.IDs = true, map[string]*riskEntry{}
	}
	opts := &visionone.ListOptions{}
	if p.o.minScore > 0 {
		opts.Filter = "riskScore ge " + strconv.Itoa(p.o.minScore)
	}
	var items []riskItem
	var err error
	if k == KindHighRiskUser {
		for u, e := range p.c.AttackSurface.HighRiskUsers(ctx, opts) {
			if err = e; err != nil {
				break
			}
			items = append(items, riskItem{id: u.ID, extra: u.Extra, alert: func(n int, at time.Time) alerting.Alert { return HighRiskUserAlert(p.cust, &u, n, at) }})
		}
	} else {
		for d, e := range p.c.AttackSurface.HighRiskDevices(ctx, opts) {
			if err = e; err != nil {
				break
			}
			items = append(items, riskItem{id: d.ID, extra: d.Extra, alert: func(n int, at time.Time) alerting.Alert { return HighRiskDeviceAlert(p.cust, &d, n, at) }})
		}
	}
	if err != nil {
		return err // a partial list says nothing about who left it
	}
	current := map[string]bool{}
	for _, it := range items {
		if it.id == "" || current[it.id] {
			continue
		}
		current[it.id] = true
		e := st.IDs[it.id]
		if e != nil && e.In {
			continue
		}
		if e == nil {
			e = &riskEntry{}
		}
		at := now
		if first {
			t, ok := p.entryTime(it.extra)
			if !ok || t.Before(now.Add(-p.o.window)) {
				st.IDs[it.id] = &riskEntry{N: e.N + 1, In: true, Since: now, Base: true}
				res.Baseline++
				continue
			}
			at = t
		}
		a := it.alert(e.N+1, at)
		if err := p.accept(ctx, a, k, res); err != nil {
			_ = p.save(ctx, k, st) // keep what was accepted
			return err
		}
		st.IDs[it.id] = &riskEntry{N: e.N + 1, In: true, Since: at}
	}
	for id, e := range st.IDs {
		switch {
		case current[id]:
		case e.In:
			e.In, e.Since = false, now
		case now.Sub(e.Since) > forgetAfter:
			delete(st.IDs, id)
		}
	}
	return p.save(ctx, k, st)
}

// entryTime reads the first of the configured time fields an item has.
func (p *Poller) entryTime(extra visionone.Extra) (time.Time, bool) {
	for _, f := range p.o.timeFields {
		raw, ok := extra[f]
		if !ok {
			continue
		}
		var t time.Time
		if json.Unmarshal(raw, &t) == nil && !t.IsZero() {
			return t, true
		}
	}
	return time.Time{}, false
}

// Kinds returns the kinds the poller polls for its customer (none while
// its ticket creation is off).
func (p *Poller) Kinds() []AlertKind {
	if !p.cust.TicketsOn() {
		return nil
	}
	return slices.DeleteFunc([]AlertKind{KindWorkbench, KindHighRiskUser, KindHighRiskDevice, KindNewAsset}, func(k AlertKind) bool { return !p.cust.Enabled(k) })
}
