package alerting

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// SyncCursor is the Store cursor under which resolve sync keeps the close
// time of the newest ticket it has handled.
const SyncCursor = "alerting/resolve-sync"

// syncOverlap is how far before the cursor each pass starts, so a ticket
// the PSA reports late is still seen. Tickets handled before are skipped.
const syncOverlap = time.Minute

// SyncResult reports one resolve-sync pass.
type SyncResult struct {
	Tickets  int       // closed tickets the sink reported
	Resolved int       // alerts resolved at their source
	Skipped  int       // tickets not made by the engine, closed by the engine itself, or handled before
	Failed   int       // tickets that will be tried again on the next pass
	Cursor   time.Time // the stored cursor after the pass
}

// SyncResolved runs one resolve-sync pass (PSA → source): it asks the sink
// for tickets closed since the stored cursor (minus a minute of overlap),
// finds the group of each, and resolves the group's unresolved alerts at
// their source through the resolver registered for the source. Tickets the
// engine closed itself, tickets it did not create and tickets handled
// before are skipped, so a pass can be repeated safely. The cursor advances
// past handled tickets only; a ticket whose resolve failed is retried on
// the next pass. The first pass without a cursor looks back
// WithSyncLookback. A pass makes one list request to the PSA unless more
// tickets closed since the previous pass than fit on one page; when the
// store implements OpenTickets and no ticket of the engine's is open, it
// makes none.
func (e *Engine) SyncResolved(ctx context.Context) (SyncResult, error) {
	if !e.enter() {
		return SyncResult{}, ErrClosed
	}
	defer e.inflight.Done()
	var res SyncResult
	start := e.now()
	raw, err := e.store.Cursor(ctx, SyncCursor)
	if err != nil {
		return res, fmt.Errorf("alerting: load resolve-sync cursor: %w", err)
	}
	// A close the PSA reports is at most syncOverlap late, so once this
	// pass has run, closes before start-syncOverlap have been seen.
	floor := start.Add(-syncOverlap)
	if ot, ok := e.store.(OpenTickets); ok {
		open, err := ot.HasOpenTickets(ctx)
		if err != nil {
			return res, fmt.Errorf("alerting: look for open tickets: %w", err)
		}
		if !open { // nothing the PSA could close: no request
			res.Cursor = floor
			if err := e.store.SetCursor(ctx, SyncCursor, floor.UTC().Format(time.RFC3339Nano)); err != nil {
				return res, fmt.Errorf("alerting: store resolve-sync cursor: %w", err)
			}
			return res, nil
		}
	}
	cursor := start.Add(-e.syncLookback)
	if raw != "" {
		if c, err := time.Parse(time.RFC3339Nano, raw); err == nil {
			cursor = c
		} else {
			e.log.WarnContext(ctx, "alerting: unreadable resolve-sync cursor, looking back instead", "cursor", raw, "err", err)
		}
	}
	next := cursor
	var failedAt time.Time
	var firstErr error
	for ct, err := range e.sink.ClosedTicketsSince(ctx, cursor.Add(-syncOverlap)) {
		if err != nil {
			return res, fmt.Errorf("alerting: list closed tickets: %w", err)
		}
		res.Tickets++
		n, skipped, err := e.syncTicket(ctx, ct)
		res.Resolved += n
		switch {
		case err != nil:
			res.Failed++
			e.stats.syncErrors.Add(1)
			if firstErr == nil {
				firstErr = err
			}
			if failedAt.IsZero() || ct.ClosedAt.Before(failedAt) {
				failedAt = ct.ClosedAt
			}
			e.log.WarnContext(ctx, "alerting: resolve sync failed for a ticket, will retry", "ticket", ct.ID, "err", err)
		case skipped:
			res.Skipped++
		}
		if ct.ClosedAt.After(next) {
			next = ct.ClosedAt
		}
	}
	if failedAt.IsZero() && next.Before(floor) {
		// Nothing left to retry: the next pass need not list again the
		// closes this one has seen (a bulk close would be listed, page by
		// page, on every pass until a newer close moved the cursor).
		next = floor
	}
	if !failedAt.IsZero() && failedAt.Before(next) {
		next = failedAt
	}
	res.Cursor = next
	if v := next.UTC().Format(time.RFC3339Nano); v != raw {
		if err := e.store.SetCursor(ctx, SyncCursor, v); err != nil {
			return res, fmt.Errorf("alerting: store resolve-sync cursor: %w", err)
		}
	}
	if firstErr != nil {
		return res, fmt.Errorf("alerting: resolve sync: %d of %d closed tickets failed: %w", res.Failed, res.Tickets, firstErr)
	}
	return res, nil
}

// syncTicket resolves at the source the unresolved alerts of one ticket
// closed in the PSA.
func (e *Engine) syncTicket(ctx context.Context, ct ClosedTicket) (resolved int, skipped bool, err error) {
	g, err := e.store.GroupByTicket(ctx, ct.ID)
	if errors.Is(err, ErrNotFound) {
		return 0, true, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("alerting: find group of ticket %s: %w", ct.ID, err)
	}
	var keys []string
	_, err = e.withGroup(ctx, g.Key, "", func(tx *groupTx) (Result, error) {
		i := -1
		for k, t := range tx.g.Tickets {
			if t.ID == ct.ID {
				i = k
			}
		}
		if i < 0 {
			skipped = true
			return Result{}, nil
		}
		t := &tx.g.Tickets[i]
		if t.Synced || t.ClosedBy == ClosedByEngine {
			skipped = true
			return Result{}, nil
		}
		if err := tx.lease(ctx); err != nil {
			return Result{}, err
		}
		for j := range t.Members {
			m := &t.Members[j]
			r := e.resolver(*m)
			if m.Resolved || r == nil {
				continue
			}
			err := r.ResolveAlert(ctx, AlertRef{Source: m.Source, Account: m.Account, AlertID: m.AlertID, TicketID: t.ID, GroupKey: tx.g.Key})
			switch {
			case IsPermanent(err):
				e.log.ErrorContext(ctx, "alerting: source refused to resolve the alert", "group", tx.g.Key, "ticket", t.ID,
					"source", m.Source, "account", m.Account, "alert", m.AlertID, "err", err)
				continue
			case err != nil && !errors.Is(err, ErrNotFound):
				return Result{}, fmt.Errorf("alerting: resolve %s at the source: %w", m.Key(), err)
			}
			m.Resolved = true
			keys = append(keys, m.Key())
			resolved++
			e.stats.sourceResolves.Add(1)
			e.observe(Event{Kind: EventSourceResolved, Source: m.Source, Account: m.Account, AlertID: m.AlertID,
				Result: Result{GroupKey: tx.g.Key, TicketID: t.ID}})
			e.log.InfoContext(ctx, "alerting: alert resolved at the source", "group", tx.g.Key, "ticket", t.ID,
				"source", m.Source, "account", m.Account, "alert", m.AlertID)
		}
		if t.Phase != PhaseClosed {
			t.Phase, t.ClosedBy, t.ClosedAt = PhaseClosed, ClosedInPSA, ct.ClosedAt
			if t.ClosedAt.IsZero() {
				t.ClosedAt = e.now()
			}
		}
		t.Synced = true
		e.compact(t)
		return Result{}, nil
	})
	for _, k := range keys { // so that echoes and late raises are ignored
		if merr := e.markResolved(ctx, k, time.Time{}); merr != nil {
			e.log.ErrorContext(ctx, "alerting: record alert resolved", "alert", k, "err", merr)
		}
	}
	return resolved, skipped, err
}

// RunResolveSync runs SyncResolved now and then every WithSyncInterval
// until ctx ends, logging failed passes, and returns ctx's error.
func (e *Engine) RunResolveSync(ctx context.Context) error {
	t := time.NewTicker(e.syncInterval)
	defer t.Stop()
	for {
		if _, err := e.SyncResolved(ctx); err != nil {
			if errors.Is(err, ErrClosed) {
				return err
			}
			if ctx.Err() == nil {
				e.log.WarnContext(ctx, "alerting: resolve sync pass", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
