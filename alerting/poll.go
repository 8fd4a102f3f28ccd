package alerting

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
)

// PollStartCursor is the Store cursor under which the engine keeps the
// time it first started (Engine.FirstStart): the reconciliation poll
// tickets no alert raised before it, unless WithPollSince says otherwise.
const PollStartCursor = "alerting/first-start"

// defaultReconcileInterval is how often RunReconcilePoll polls by default.
const defaultReconcileInterval = 5 * time.Minute

// pollConfig is the reconciliation poll's configuration.
type pollConfig struct {
	listers  map[[2]string]OpenAlertLister // {source, account}
	interval time.Duration
	since    time.Time
}

// AwaitingGroups is an optional Store extension the reconciliation poll
// uses to find the tickets whose alerts are no longer open at the source.
// Without it the poll only tickets missed raises.
type AwaitingGroups interface {
	// AwaitingGroupKeys returns the keys of the groups for which
	// GroupState.AwaitsSync is true (every group with a ticket not
	// closed), in any order.
	AwaitingGroupKeys(ctx context.Context) ([]string, error)
}

// WithOpenAlertLister makes the reconciliation poll (PollOpenAlerts,
// RunReconcilePoll) compare the open alerts of one source account
// (account "" for the source's only one) with what the engine recorded.
// The lister lists that account only; its alerts must carry source and
// account. A lister implementing RaiseOnlyLister (RaiseOnly true) only
// fills missed raises; the poll resolves nothing from it.
func WithOpenAlertLister(source, account string, l OpenAlertLister) Option {
	return func(e *Engine) error {
		if source == "" || l == nil {
			return errors.New("alerting: WithOpenAlertLister: empty source or nil lister")
		}
		if !validSource(source) || !validSource(account) {
			return fmt.Errorf("alerting: WithOpenAlertLister: source %q, account %q: use letters, digits, '.', '_' or '-'", source, account)
		}
		if e.poll.listers == nil {
			e.poll.listers = map[[2]string]OpenAlertLister{}
		}
		e.poll.listers[[2]string{source, account}] = l
		return nil
	}
}

// WithReconcileInterval sets how often RunReconcilePoll polls the sources'
// open alerts (default 5m). Each pass costs the pages of each listing.
func WithReconcileInterval(d time.Duration) Option {
	return func(e *Engine) error {
		if d <= 0 {
			return fmt.Errorf("alerting: WithReconcileInterval(%s): want > 0", d)
		}
		e.poll.interval = d
		return nil
	}
}

// WithPollSince makes the reconciliation poll ticket only alerts raised at
// or after t, instead of after the engine first started (FirstStart).
// Older open alerts without a record are reported as pre-existing.
func WithPollSince(t time.Time) Option {
	return func(e *Engine) error {
		if t.IsZero() {
			return errors.New("alerting: WithPollSince: zero time")
		}
		e.poll.since = t
		return nil
	}
}

// FirstStart returns when the engine first started on its store: the time
// stored under PollStartCursor, which the first call stores (now). A
// receiver calls it at start-up so the reconciliation poll, enabled then
// or later, never tickets the alerts that were open before it was
// deployed.
func (e *Engine) FirstStart(ctx context.Context) (time.Time, error) {
	raw, err := e.store.Cursor(ctx, PollStartCursor)
	if err != nil {
		return time.Time{}, fmt.Errorf("alerting: load first start: %w", err)
	}
	if raw != "" {
		if t, err := time.Parse(time.RFC3339Nano, raw); err == nil {
			return t, nil
		}
		e.log.WarnContext(ctx, "alerting: unreadable first-start time, starting now", "cursor", raw)
	}
	now := e.now()
	if err := e.store.SetCursor(ctx, PollStartCursor, now.UTC().Format(time.RFC3339Nano)); err != nil {
		return time.Time{}, fmt.Errorf("alerting: store first start: %w", err)
	}
	return now, nil
}

// PollResult reports one reconciliation pass.
type PollResult struct {
	// Since is the time before which an alert with no record is
	// pre-existing (WithPollSince, else FirstStart).
	Since time.Time
	// Listed counts the open alerts the listers reported; Known those the
	// engine had recorded (or had pending).
	Listed, Known int
	// Raised counts the open alerts with no record that were ingested as
	// raises (FoundByPoll); Rejected those refused (unroutable, invalid).
	Raised, Rejected int
	// PreExisting counts the open alerts with no record raised before
	// Since (or at an unknown time): not ticketed. PreExistingKeys names
	// them (alert keys).
	PreExisting     int
	PreExistingKeys []string
	// Resolved counts the alerts whose resolves were ingested because
	// every alert of their ticket is no longer open at the source.
	Resolved int
	// Incomplete names the listings ("source" or "source:account") that
	// ended with an error: nothing was resolved from them.
	Incomplete []string
}

// PollOpenAlerts runs one reconciliation pass: it lists each registered
// source account's open alerts (WithOpenAlertLister) and compares them
// with the store.
//
//   - An open alert with no record, raised at or after Since, is accepted
//     as a raise through the same exactly-once path as a webhook (same
//     event key, so a late or pending webhook is a duplicate), marked
//     FoundByPoll. One raised before Since is pre-existing: counted,
//     logged, not ticketed.
//   - A ticket whose unresolved alerts all belong to complete listings
//     that are not raise-only (RaiseOnlyLister), none of them open, and
//     none recorded after the listing began, gets a resolve event
//     (FoundByPoll) for each of them. When the store does not implement
//     AwaitingGroups this half is skipped.
//
// A listing that ends with an error resolves nothing; its raises are
// still taken. The events are processed by Run (or ProcessPending), with
// the source's enricher (which may confirm a resolve with the source). The
// error is non-nil when the store failed or a listing was incomplete.
func (e *Engine) PollOpenAlerts(ctx context.Context) (PollResult, error) {
	if !e.enter() {
		return PollResult{}, ErrClosed
	}
	defer e.inflight.Done()
	var res PollResult
	since := e.poll.since
	if since.IsZero() {
		t, err := e.FirstStart(ctx)
		if err != nil {
			return res, err
		}
		since = t
	}
	res.Since = since
	listStart := e.now()
	open := map[string]bool{}
	complete := map[[2]string]bool{}
	var listErrs []error
	queued := false
	for _, sa := range e.pollAccounts() {
		l := e.poll.listers[sa]
		err := e.pollListing(ctx, sa, l, since, open, &res, &queued)
		if err == nil {
			if !raiseOnly(l) {
				complete[sa] = true // a raise-only listing never resolves
			}
			continue
		}
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		var se storeError
		if errors.As(err, &se) {
			e.countPoll(res)
			return res, se.err
		}
		name := ScopedSource(sa[0], sa[1])
		res.Incomplete = append(res.Incomplete, name)
		e.stats.pollIncomplete.Add(1)
		listErrs = append(listErrs, fmt.Errorf("%s: %w", name, err))
		e.log.WarnContext(ctx, "alerting: open-alert listing incomplete; resolving nothing from it", "source", sa[0], "account", sa[1], "err", err)
	}
	if len(complete) > 0 {
		if err := e.pollResolves(ctx, complete, open, listStart, &res, &queued); err != nil {
			e.countPoll(res)
			return res, err
		}
	}
	e.countPoll(res)
	if queued {
		select {
		case e.wake <- struct{}{}:
		default:
		}
	}
	if res.PreExisting > 0 {
		e.log.InfoContext(ctx, "alerting: open alerts raised before the receiver started, not ticketed",
			"pre_existing", res.PreExisting, "since", since)
	}
	e.log.InfoContext(ctx, "alerting: reconciliation poll", "listed", res.Listed, "known", res.Known,
		"raised", res.Raised, "pre_existing", res.PreExisting, "resolved", res.Resolved, "rejected", res.Rejected,
		"incomplete", strings.Join(res.Incomplete, ","))
	if len(listErrs) > 0 {
		return res, fmt.Errorf("alerting: reconciliation poll: %w", errors.Join(listErrs...))
	}
	return res, nil
}

// raiseOnly reports whether l only fills missed raises (RaiseOnlyLister).
func raiseOnly(l OpenAlertLister) bool {
	r, ok := l.(RaiseOnlyLister)
	return ok && r.RaiseOnly()
}

// countPoll adds a pass's raises and resolves to the engine's counters
// and sets the pre-existing gauge.
func (e *Engine) countPoll(res PollResult) {
	e.stats.pollPasses.Add(1)
	e.stats.pollRaised.Add(int64(res.Raised))
	e.stats.pollResolved.Add(int64(res.Resolved))
	e.stats.pollPreExisting.Store(int64(res.PreExisting))
}

// PollIntake is the intake channel (Request.Intake) of the events the
// reconciliation poll ingests.
const PollIntake = "poll"

// pollAccept accepts an event the poll found, recording it in the request
// log under the PollIntake channel.
func (e *Engine) pollAccept(ctx context.Context, a Alert) (Result, bool, error) {
	ctx = ContextWithIntake(ctx, PollIntake)
	r, _, added, err := e.accept(ctx, a, false)
	if added || r.Outcome == OutcomeRejected {
		e.logIntake(ctx, a, e.now(), r, err)
	}
	return r, added, err
}

// storeError marks a store failure inside a listing walk: it ends the pass.
type storeError struct{ err error }

func (s storeError) Error() string { return s.err.Error() }

// pollAccounts returns the registered {source, account} pairs, sorted.
func (e *Engine) pollAccounts() [][2]string {
	var out [][2]string
	for k := range e.poll.listers {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b [2]string) int {
		if c := strings.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return strings.Compare(a[1], b[1])
	})
	return out
}

// pollListing walks one listing, recording the open alert keys and
// accepting the missed raises. A non-nil error means the listing is not
// complete (storeError: the store failed).
func (e *Engine) pollListing(ctx context.Context, sa [2]string, l OpenAlertLister, since time.Time, open map[string]bool, res *PollResult, queued *bool) error {
	for a, err := range l.OpenAlerts(ctx) {
		if err != nil {
			return err
		}
		if a.Source != sa[0] || a.Account != sa[1] || a.Kind != Raise {
			return fmt.Errorf("lister yielded %s alert %q of source %q account %q; want raises of %q account %q",
				a.Kind, a.ID(), a.Source, a.Account, sa[0], sa[1])
		}
		if err := a.Validate(); err != nil {
			return fmt.Errorf("lister yielded an invalid alert: %w", err)
		}
		res.Listed++
		key := a.Key()
		open[key] = true
		if _, err := e.store.Alert(ctx, key); err == nil {
			res.Known++
			continue
		} else if !errors.Is(err, ErrNotFound) {
			return storeError{fmt.Errorf("alerting: read alert record %s: %w", key, err)}
		}
		if a.Time.IsZero() || a.Time.Before(since) {
			res.PreExisting++
			res.PreExistingKeys = append(res.PreExistingKeys, key)
			e.log.LogAttrs(ctx, slog.LevelDebug, "alerting: pre-existing open alert not ticketed",
				slog.String("alert", key), slog.Time("raised", a.Time))
			continue
		}
		a.FoundByPoll = true
		r, added, err := e.pollAccept(ctx, a)
		switch {
		case r.Outcome == OutcomeRejected:
			res.Rejected++
		case err != nil:
			return storeError{err}
		case added:
			res.Raised++
			*queued = true
			e.log.LogAttrs(ctx, slog.LevelInfo, "alerting: open alert found by the poll, raising",
				slog.String("event", r.EventKey), slog.Time("raised", a.Time))
		default: // a webhook's raise is pending, or it was ignored by configuration
			res.Known++
		}
	}
	return nil
}

// pollResolves ingests the resolves of the tickets whose alerts are all
// gone from complete listings.
func (e *Engine) pollResolves(ctx context.Context, complete map[[2]string]bool, open map[string]bool, listStart time.Time, res *PollResult, queued *bool) error {
	ag, ok := e.store.(AwaitingGroups)
	if !ok {
		e.log.WarnContext(ctx, "alerting: the store cannot list open tickets (AwaitingGroups); the poll resolves nothing")
		return nil
	}
	keys, err := ag.AwaitingGroupKeys(ctx)
	if err != nil {
		return fmt.Errorf("alerting: list open groups: %w", err)
	}
	for _, k := range keys {
		g, err := e.store.Group(ctx, k)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("alerting: read group %s: %w", k, err)
		}
		for _, t := range g.Tickets {
			if t.Phase != PhaseOpen || t.ID == "" || !t.CreatedAt.Before(listStart) {
				continue
			}
			gone, err := e.goneMembers(ctx, t, complete, open, listStart)
			if err != nil {
				return err
			}
			for _, m := range gone {
				a := Alert{Source: m.Source, Account: m.Account, EventID: m.AlertID, AlertID: m.AlertID, Kind: Resolve,
					Time: listStart, FoundByPoll: true, Title: "No longer open at the source"}
				r, added, err := e.pollAccept(ctx, a)
				if err != nil && r.Outcome != OutcomeRejected {
					return err
				}
				if added {
					res.Resolved++
					*queued = true
					e.log.LogAttrs(ctx, slog.LevelInfo, "alerting: alert no longer open at the source, resolving",
						slog.String("event", r.EventKey), slog.String("group", g.Key), slog.String("ticket", t.ID))
				}
			}
		}
	}
	return nil
}

// goneMembers returns the unresolved members of t when every one of them
// is of a complete listing, absent from it, and recorded before the
// listing began; otherwise none.
func (e *Engine) goneMembers(ctx context.Context, t TicketRecord, complete map[[2]string]bool, open map[string]bool, listStart time.Time) ([]Member, error) {
	var gone []Member
	for _, m := range t.Members {
		if m.Resolved {
			continue
		}
		if !complete[[2]string{m.Source, m.Account}] || open[m.Key()] {
			return nil, nil
		}
		rec, err := e.store.Alert(ctx, m.Key())
		if errors.Is(err, ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("alerting: read alert record %s: %w", m.Key(), err)
		}
		if rec.Resolved || !rec.UpdatedAt.Before(listStart) {
			return nil, nil // resolving already, or raised while the listing ran
		}
		gone = append(gone, m)
	}
	return gone, nil
}

// RunReconcilePoll runs PollOpenAlerts now and then every
// WithReconcileInterval until ctx ends, logging failed passes, and returns
// ctx's error. It stores the first-start time (FirstStart) before the
// first pass. Without a lister (WithOpenAlertLister) it returns an error
// at once.
func (e *Engine) RunReconcilePoll(ctx context.Context) error {
	if len(e.poll.listers) == 0 {
		return errors.New("alerting: RunReconcilePoll: no open-alert lister (WithOpenAlertLister)")
	}
	d := e.poll.interval
	if d <= 0 {
		d = defaultReconcileInterval
	}
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		if _, err := e.PollOpenAlerts(ctx); err != nil {
			if errors.Is(err, ErrClosed) {
				return err
			}
			if ctx.Err() == nil {
				e.log.WarnContext(ctx, "alerting: reconciliation poll pass", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
