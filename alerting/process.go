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

// maxTickets bounds the closed tickets a group remembers.
const maxTickets = 16

// bookkeepingTimeout bounds the store writes that finish an item after its
// caller's context ended.
const bookkeepingTimeout = 10 * time.Second

// process applies one claimed item and completes or releases it.
func (e *Engine) process(ctx context.Context, item PendingItem) (Result, error) {
	pctx, cancel := context.WithTimeout(ctx, e.leaseTTL/2)
	defer cancel()
	var res Result
	var err error
	if r, done := e.enrich(pctx, &item); done {
		res = r
	} else {
		ev := event{Alert: item.Alert, key: item.ID, accepted: item.AcceptedAt, retry: item.Attempts > 1}
		if item.Alert.Kind == Raise {
			res, err = e.applyRaise(pctx, ev)
		} else {
			res, err = e.applyResolve(pctx, ev)
		}
	}
	res.EventKey = item.ID

	// Finishing the item must not depend on a caller that went away.
	bctx, bcancel := detach(ctx)
	defer bcancel()
	var rej *RejectedError
	if err != nil && !errors.As(err, &rej) && IsPermanent(err) {
		rej = &RejectedError{Reason: ReasonSinkRejected, EventKey: item.ID, Err: err}
	}
	switch {
	case err == nil:
		e.complete(bctx, item, res)
		e.logApplied(bctx, item, res, nil)
		return res, nil
	case rej != nil:
		res, err = e.rejected(ctx, res, rej)
		e.complete(bctx, item, res)
		e.logApplied(bctx, item, res, err)
		return res, err
	}
	wait := e.backoff(max(item.Attempts, 1))
	if rerr := e.store.Release(bctx, item.ID, e.owner, e.now().Add(wait), err.Error()); rerr != nil {
		e.log.ErrorContext(ctx, "alerting: release pending item", "event", item.ID, "err", rerr)
	}
	e.stats.retries.Add(1)
	e.log.WarnContext(ctx, "alerting: processing failed, will retry", "event", item.ID, "group", res.GroupKey,
		"ticket", res.TicketID, "attempt", item.Attempts, "retry_in", wait, "err", err)
	res.Outcome, res.Err = OutcomePending, err
	e.logApplied(bctx, item, res, nil)
	return res, nil
}

func (e *Engine) complete(ctx context.Context, item PendingItem, res Result) {
	if err := e.store.Complete(ctx, item.ID, e.owner, e.now()); err != nil {
		// The effect is done and recorded in the group; if another engine
		// processes the item again, membership makes that a no-op.
		e.log.ErrorContext(ctx, "alerting: complete pending item", "event", item.ID, "group", res.GroupKey, "err", err)
	}
}

// detach returns ctx while it is live, and otherwise a context that is not
// cancelled with it but ends after bookkeepingTimeout, for the store writes
// that record work already done. (If ctx ends during such a write, the item
// is processed again after its lease expires, which changes nothing.)
func detach(ctx context.Context) (context.Context, context.CancelFunc) {
	if ctx.Err() == nil {
		return ctx, func() {}
	}
	return context.WithTimeout(context.WithoutCancel(ctx), bookkeepingTimeout)
}

// event is a pending item being applied.
type event struct {
	Alert
	key      string    // the event key (PendingItem.ID)
	accepted time.Time // when it was accepted
	// retry: an earlier attempt may have written to the PSA without
	// recording it (its reply was lost, or the process died), so notes are
	// looked for (NoteFinder) before they are written again.
	retry bool
}

// note builds a note for the write key, ending with its marker.
func (e *Engine) note(kind NoteKind, text, key string, a Alert) Note {
	return Note{Kind: kind, Text: text + "\n\n" + NoteMarker(key), Key: key, Alert: a, Time: e.now()}
}

// written reports whether the note for key is already on ticket id. It asks
// the sink only when an earlier attempt's outcome is unknown (ev.retry) and
// the sink can tell (NoteFinder); a missing ticket counts as not written.
func (e *Engine) written(ctx context.Context, ev event, ticketID, key string) (bool, error) {
	if !ev.retry || e.notes == nil {
		return false, nil
	}
	ok, err := e.notes.HasNote(ctx, ticketID, key)
	switch {
	case closedErr(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("alerting: look for note of %s on ticket %s: %w", key, ticketID, err)
	}
	if ok {
		e.log.InfoContext(ctx, "alerting: note of an earlier attempt found on the ticket, not writing it again",
			"event", ev.key, "ticket", ticketID)
	}
	return ok, nil
}

// errRestart: the group changed in the store between reading it and
// leasing it; withGroup runs the step again on the new state.
var errRestart = errors.New("alerting: group changed, start again")

// groupTx is one step on a group: the state read from the store and, once
// lease has been called, this engine's lease on it.
//
// A step decides from the state it read (and from PSA reads), but calls
// lease before its first side effect (a write to the PSA or the source)
// and before any change it wants stored. The lease write is a
// compare-and-swap on the version read, so nothing the step decided can
// have changed underneath it; if it did, the step starts again. Steps that
// only ignore an alert never write the group.
type groupTx struct {
	e      *Engine
	g      GroupState
	leased bool
}

// lease stores the group leased to this engine, with the changes made so
// far. It returns errRestart if the group changed since it was read.
func (tx *groupTx) lease(ctx context.Context) error {
	if tx.leased {
		return nil
	}
	now := tx.e.now()
	tx.g.LeaseOwner, tx.g.LeaseUntil, tx.g.UpdatedAt = tx.e.owner, now.Add(tx.e.leaseTTL), now
	s, err := tx.e.store.PutGroup(ctx, tx.g)
	if errors.Is(err, ErrConflict) {
		return errRestart
	}
	if err != nil {
		return fmt.Errorf("alerting: lease group %s: %w", tx.g.Key, err)
	}
	tx.g.Version, tx.leased = s.Version, true // s is tx.g as stored; pointers into tx.g stay valid
	return nil
}

// save stores the group, keeping (or taking) the lease.
func (tx *groupTx) save(ctx context.Context) error {
	if !tx.leased {
		return tx.lease(ctx)
	}
	s, err := tx.e.store.PutGroup(ctx, tx.g)
	if err != nil {
		return fmt.Errorf("alerting: save group %s: %w", tx.g.Key, err)
	}
	tx.g.Version = s.Version
	return nil
}

// withGroup runs step on a group: serialised in this process by key, and
// across engines by the store lease the step takes (groupTx). If the step
// leased the group, the final state is stored with the lease released,
// also when the step failed, because it records what the step did.
func (e *Engine) withGroup(ctx context.Context, key, customer string, step func(*groupTx) (Result, error)) (Result, error) {
	unlock, err := e.locks.lock(ctx, key)
	if err != nil {
		return Result{GroupKey: key}, err
	}
	defer unlock()
	for {
		g, err := e.loadGroup(ctx, key)
		if err != nil {
			return Result{GroupKey: key}, err
		}
		if g.Customer == "" {
			g.Customer = customer
		}
		tx := &groupTx{e: e, g: g}
		res, serr := step(tx)
		res.GroupKey = key
		if errors.Is(serr, errRestart) {
			continue
		}
		if !tx.leased {
			return res, serr
		}
		tx.g.LeaseOwner, tx.g.LeaseUntil, tx.g.UpdatedAt = "", time.Time{}, e.now()
		for len(tx.g.Tickets) > maxTickets && tx.g.Tickets[0].Phase == PhaseClosed {
			tx.g.Tickets = tx.g.Tickets[1:]
		}
		bctx, cancel := detach(ctx)
		err = tx.save(bctx)
		cancel()
		if err != nil {
			if serr == nil {
				return res, err
			}
			e.log.ErrorContext(ctx, "alerting: save group after failure", "group", key, "err", err)
		}
		return res, serr
	}
}

// loadGroup reads a group (a new one if it does not exist), waiting while
// another engine holds a live lease on it.
func (e *Engine) loadGroup(ctx context.Context, key string) (GroupState, error) {
	wait := time.Millisecond
	for {
		g, err := e.store.Group(ctx, key)
		switch {
		case errors.Is(err, ErrNotFound):
			return GroupState{Key: key}, nil
		case err != nil:
			return g, fmt.Errorf("alerting: load group %s: %w", key, err)
		}
		if g.LeaseOwner == "" || g.LeaseOwner == e.owner || !e.now().Before(g.LeaseUntil) {
			return g, nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return g, fmt.Errorf("alerting: group %s is leased to %s: %w", key, g.LeaseOwner, ctx.Err())
		case <-t.C:
		}
		wait = min(wait*2, 100*time.Millisecond)
	}
}

// current returns the index of the group's ticket that is not closed (the
// last one), or -1.
func current(g *GroupState) int {
	if n := len(g.Tickets); n > 0 && g.Tickets[n-1].Phase != PhaseClosed {
		return n - 1
	}
	return -1
}

// findMember returns the newest ticket and member index of an alert, or -1.
func findMember(g *GroupState, a Alert) (int, int) {
	for i := len(g.Tickets) - 1; i >= 0; i-- {
		if j := memberIndex(g.Tickets[i].Members, a); j >= 0 {
			return i, j
		}
	}
	return -1, -1
}

func memberIndex(ms []Member, a Alert) int {
	id := a.ID()
	for j, m := range ms {
		if m.AlertID == id && m.Source == a.Source && m.Account == a.Account {
			return j
		}
	}
	return -1
}

func closedErr(err error) bool {
	return errors.Is(err, ErrTicketClosed) || errors.Is(err, ErrNotFound)
}

func (e *Engine) markClosed(t *TicketRecord, by Closer) {
	if t.Phase != PhaseClosed {
		t.Phase, t.ClosedBy, t.ClosedAt = PhaseClosed, by, e.now()
	}
	e.compact(t)
}

// compact drops the members a closed ticket no longer needs, so groups do
// not grow with their history: all of them once the engine closed it or
// resolve sync handled it, otherwise the resolved ones and those whose
// source has no resolver. Resolve sync needs the rest.
func (e *Engine) compact(t *TicketRecord) {
	switch {
	case t.Phase != PhaseClosed:
	case t.ClosedBy == ClosedByEngine || t.Synced:
		t.Members = nil
	default:
		t.Members = slices.DeleteFunc(t.Members, func(m Member) bool { return m.Resolved || e.resolver(m) == nil })
	}
}

// recoverCreating settles a ticket creation that was started and never
// recorded: it adopts the ticket the sink can find by group key, or drops
// the record so the ticket is created again.
func (e *Engine) recoverCreating(ctx context.Context, tx *groupTx, i int) error {
	if err := tx.lease(ctx); err != nil {
		return err
	}
	if e.finder != nil {
		id, err := e.finder.FindOpenTicket(ctx, tx.g.Customer, tx.g.Key)
		switch {
		case err == nil:
			tx.g.Tickets[i].ID, tx.g.Tickets[i].Phase = id, PhaseOpen
			e.log.InfoContext(ctx, "alerting: adopted ticket of an interrupted creation", "group", tx.g.Key, "ticket", id)
			return nil
		case !errors.Is(err, ErrNotFound):
			return fmt.Errorf("alerting: find ticket of group %s: %w", tx.g.Key, err)
		}
	}
	e.log.WarnContext(ctx, "alerting: interrupted ticket creation left no ticket that can be found; creating again",
		"group", tx.g.Key, "finder", e.finder != nil)
	tx.g.Tickets = slices.Delete(tx.g.Tickets, i, i+1)
	return nil
}

// applyRaise routes a raise to its customer and applies it to the alert's
// group.
func (e *Engine) applyRaise(ctx context.Context, ev event) (Result, error) {
	res := Result{EventKey: ev.key}
	rt, err := e.routeAlert(ctx, ev.Alert)
	if err != nil {
		return res, err
	}
	if e.route.customerOff(rt.cust.ID) { // ticket-defaults: the PSA customer's "auto-create tickets" switch is off
		res.Routing = rt.rec
		return e.ignored(ctx, res, ReasonCustomerDisabled, ev.Alert), nil
	}
	if r, done, err := e.windowRaise(ctx, ev, &rt); done { // maintenance windows (windows.go)
		return r, err
	}
	gk := e.GroupKey(rt.cust.ID, ev.Alert)
	gk, err = e.recurrenceGroup(ctx, rt.cust.ID, ev.Alert, gk)
	if err != nil {
		return res, err
	}
	return e.withGroup(ctx, gk, rt.cust.ID, func(tx *groupTx) (Result, error) {
		r := rt // fresh on every (re)start
		return e.raiseInGroup(ctx, tx, ev, &r, gk)
	})
}

// raiseInGroup is applyRaise's step on group gk: ignore a raise the group
// already has or that came after its resolve, else note it on the open
// ticket, else open a new ticket.
func (e *Engine) raiseInGroup(ctx context.Context, tx *groupTx, ev event, rt *route, gk string) (Result, error) {
	a := ev.Alert
	res := Result{EventKey: ev.key, GroupKey: gk, Routing: rt.rec} // fresh on every (re)start
	g := &tx.g
	if i := current(g); i >= 0 && g.Tickets[i].Phase == PhaseCreating {
		if err := e.recoverCreating(ctx, tx, i); err != nil {
			return res, err
		}
	}
	cur := current(g)
	if cur >= 0 {
		if j := memberIndex(g.Tickets[cur].Members, a); j >= 0 {
			res.TicketID = g.Tickets[cur].ID
			if g.Tickets[cur].Members[j].Resolved {
				return e.ignored(ctx, res, ReasonLateRaise, a), nil
			}
			// An earlier attempt applied this raise after its resolve
			// but did not get to resolve it.
			if rec, err := e.store.Alert(ctx, a.Key()); err == nil && rec.Resolved && !rec.ResolvedAt.IsZero() && rec.GroupKey == gk {
				if err := tx.lease(ctx); err != nil {
					return res, err
				}
				return e.resolveEarly(ctx, res, &g.Tickets[cur], j, ev, gk)
			}
			return e.ignored(ctx, res, ReasonAlreadyOpen, a), nil
		}
	}
	// The ticket is built before the alert is claimed when no ticket is
	// open, so that the alert's record holds the whole routing (user
	// included) from one write.
	var nt *NewTicket
	if cur < 0 {
		t, err := e.newTicket(ctx, rt, gk, a, e.previousTicket(g))
		if err != nil {
			return res, err
		}
		nt, res.Routing = &t, rt.rec
	}
	late, resolvedFirst, err := e.claimAlert(ctx, ev, gk, rt.rec)
	if err != nil {
		return res, err
	}
	if late {
		return e.ignored(ctx, res, ReasonLateRaise, a), nil
	}
	if cur >= 0 {
		res, done, err := e.noteOnCurrent(ctx, tx, res, &g.Tickets[cur], ev, gk)
		if done {
			if err != nil || !resolvedFirst {
				return res, err
			}
			t := &g.Tickets[cur]
			return e.resolveEarly(ctx, res, t, len(t.Members)-1, ev, gk)
		}
		t, err := e.newTicket(ctx, rt, gk, a, e.previousTicket(g))
		if err != nil {
			return res, err
		}
		nt, res.Routing = &t, rt.rec
		if err := e.recordRouting(ctx, a.Key(), rt.rec); err != nil {
			return res, err
		}
	}
	if e.reopenable(g) {
		r, done, err := e.reopenLast(ctx, tx, res, ev, gk)
		if done {
			if err != nil || !resolvedFirst {
				return r, err
			}
			t := &g.Tickets[len(g.Tickets)-1]
			return e.resolveEarly(ctx, r, t, len(t.Members)-1, ev, gk)
		}
	}
	res, err = e.openTicket(ctx, tx, res, *nt, gk, a)
	if err != nil || !resolvedFirst {
		return res, err
	}
	return e.resolveEarly(ctx, res, &g.Tickets[len(g.Tickets)-1], 0, ev, gk)
}

// resolveEarly applies the resolve of a raise that was accepted before it
// but applied after it (see AlertRecord.ResolvedAt): it resolves member j of
// ticket t, which the raise has just joined, and then clears ResolvedAt so
// that a later raise of the alert is late again.
func (e *Engine) resolveEarly(ctx context.Context, res Result, t *TicketRecord, j int, ev event, gk string) (Result, error) {
	e.log.InfoContext(ctx, "alerting: raise applied after its resolve; resolving it now", "event", ev.key,
		"group", gk, "ticket", t.ID)
	ticket := res.TicketID
	res, err := e.resolveMember(ctx, res, t, j, ev, ev.key+"#resolve", gk)
	if err != nil {
		return res, err
	}
	if res.TicketID == "" {
		res.TicketID = ticket
	}
	key := ev.Key()
	for {
		rec, err := e.store.Alert(ctx, key)
		if err != nil {
			return res, fmt.Errorf("alerting: load alert %s: %w", key, err)
		}
		if rec.ResolvedAt.IsZero() {
			return res, nil
		}
		rec.ResolvedAt, rec.UpdatedAt = time.Time{}, e.now()
		if _, err := e.store.PutAlert(ctx, rec); errors.Is(err, ErrConflict) {
			continue
		} else if err != nil {
			return res, fmt.Errorf("alerting: store alert %s: %w", key, err)
		}
		return res, nil
	}
}

// noteOnCurrent adds a's raise note to the group's current ticket t if it
// is still open in the PSA (done, with the result). Otherwise it records t
// as closed in the PSA and returns done false: a new ticket is needed.
func (e *Engine) noteOnCurrent(ctx context.Context, tx *groupTx, res Result, t *TicketRecord, ev event, gk string) (_ Result, done bool, _ error) {
	a := ev.Alert
	state, err := e.sink.TicketState(ctx, t.ID)
	if err != nil {
		return res, true, fmt.Errorf("alerting: state of ticket %s: %w", t.ID, err)
	}
	if state == TicketOpen {
		if err := tx.lease(ctx); err != nil {
			return res, true, err
		}
		found, err := e.written(ctx, ev, t.ID, ev.key)
		if err != nil {
			return res, true, err
		}
		if !found {
			err = e.sink.AddNote(ctx, t.ID, e.note(NoteAlertRaised, raiseNote(a, gk), ev.key, a))
		}
		if err == nil {
			t.Members = append(t.Members, Member{Source: a.Source, Account: a.Account, AlertID: a.ID()})
			t.LastWriteAt = e.now()
			e.stats.notes.Add(1)
			res.Outcome, res.TicketID = OutcomeNoted, t.ID
			e.log.LogAttrs(ctx, slog.LevelInfo, "alerting: note added", slog.String("event", res.EventKey),
				slog.String("group", gk), slog.String("ticket", t.ID), slog.String("type", a.Type),
				slog.String("route", string(res.Routing.By)), slog.String("route_reason", res.Routing.Reason))
			return res, true, nil
		}
		if !closedErr(err) {
			return res, true, fmt.Errorf("alerting: add note to ticket %s: %w", t.ID, err)
		}
		state = TicketClosed
	}
	e.markClosed(t, ClosedInPSA)
	e.log.InfoContext(ctx, "alerting: ticket closed in the PSA, opening a new one", "event", res.EventKey,
		"group", gk, "ticket", t.ID, "state", state)
	return res, false, nil
}

// openTicket creates the group's new ticket nt for a, storing the intent
// (PhaseCreating, see recoverCreating) before the sink creates it.
func (e *Engine) openTicket(ctx context.Context, tx *groupTx, res Result, nt NewTicket, gk string, a Alert) (Result, error) {
	g := &tx.g
	g.Tickets = append(g.Tickets, TicketRecord{
		Phase: PhaseCreating, Members: []Member{{Source: a.Source, Account: a.Account, AlertID: a.ID()}}, CreatedAt: e.now(),
	})
	i := len(g.Tickets) - 1
	if err := tx.save(ctx); err != nil { // the lease and the intent, for recoverCreating
		return res, err
	}
	id, err := e.sink.CreateTicket(ctx, nt)
	if err != nil {
		if IsPermanent(err) { // nothing was created
			g.Tickets = slices.Delete(g.Tickets, i, i+1)
		}
		return res, fmt.Errorf("alerting: create ticket: %w", err)
	}
	g.Tickets[i].ID, g.Tickets[i].Phase, g.Tickets[i].LastWriteAt = id, PhaseOpen, e.now()
	e.stats.created.Add(1)
	e.recordRecurrence(ctx, nt.Customer, a, gk)
	res.Outcome, res.TicketID = OutcomeCreated, id
	r := res.Routing
	e.log.LogAttrs(ctx, slog.LevelInfo, "alerting: ticket created", slog.String("event", res.EventKey),
		slog.String("group", gk), slog.String("ticket", id), slog.String("customer", nt.Customer),
		slog.String("site", nt.Site), slog.String("asset", r.Asset), slog.String("contact", nt.Contact),
		slog.String("type", a.Type), slog.String("previous", nt.PreviousTicket),
		slog.String("route", string(r.By)), slog.String("route_reason", r.Reason),
		slog.String("contact_by", string(r.ContactBy)), slog.String("contact_problem", r.ContactProblem))
	return res, nil
}

// previousTicket is the ticket a new one links to: with reopen
// new_linked_ticket, the newest of g's tickets that has an ID; otherwise "".
func (e *Engine) previousTicket(g *GroupState) string {
	if e.route.cfg.Reopen == ReopenNewLinkedTicket {
		for _, t := range slices.Backward(g.Tickets) {
			if t.ID != "" {
				return t.ID
			}
		}
	}
	return ""
}

// claimAlert records that the alert of raise ev joined group gk, routed
// as r. late
// reports that the alert is already resolved; resolvedFirst that its
// resolve was accepted after ev but applied before it (a raise that was
// retried, or held by a process that died), so ev is applied and then
// resolved at once.
func (e *Engine) claimAlert(ctx context.Context, ev event, gk string, r Routing) (late, resolvedFirst bool, err error) {
	key := ev.Key()
	for {
		rec, err := e.store.Alert(ctx, key)
		switch {
		case errors.Is(err, ErrNotFound):
			rec = AlertRecord{Key: key}
		case err != nil:
			return false, false, fmt.Errorf("alerting: load alert %s: %w", key, err)
		}
		if rec.Resolved {
			if rec.ResolvedAt.IsZero() || !ev.accepted.Before(rec.ResolvedAt) || (rec.GroupKey != "" && rec.GroupKey != gk) {
				return true, false, nil
			}
			resolvedFirst = true
		}
		if rec.GroupKey == gk && rec.Version > 0 && rec.Routing == r {
			return false, resolvedFirst, nil
		}
		rec.GroupKey, rec.Routing, rec.UpdatedAt = gk, r, e.now()
		if _, err := e.store.PutAlert(ctx, rec); errors.Is(err, ErrConflict) {
			continue
		} else if err != nil {
			return false, false, fmt.Errorf("alerting: store alert %s: %w", key, err)
		}
		return false, resolvedFirst, nil
	}
}

// recordRouting stores r as the routing of the alert with key.
func (e *Engine) recordRouting(ctx context.Context, key string, r Routing) error {
	for {
		rec, err := e.store.Alert(ctx, key)
		if err != nil {
			return fmt.Errorf("alerting: load alert %s: %w", key, err)
		}
		if rec.Routing == r {
			return nil
		}
		rec.Routing, rec.UpdatedAt = r, e.now()
		if _, err := e.store.PutAlert(ctx, rec); errors.Is(err, ErrConflict) {
			continue
		} else if err != nil {
			return fmt.Errorf("alerting: store alert %s: %w", key, err)
		}
		return nil
	}
}

// markResolved records that an alert is resolved. A non-zero unraised is
// when the resolve was accepted, for an alert that was never raised (see
// AlertRecord.ResolvedAt).
func (e *Engine) markResolved(ctx context.Context, key string, unraised time.Time) error {
	for {
		rec, err := e.store.Alert(ctx, key)
		switch {
		case errors.Is(err, ErrNotFound):
			rec = AlertRecord{Key: key}
		case err != nil:
			return fmt.Errorf("alerting: load alert %s: %w", key, err)
		}
		if rec.Resolved {
			return nil
		}
		rec.Resolved, rec.UpdatedAt, rec.ResolvedAt = true, e.now(), unraised
		if _, err := e.store.PutAlert(ctx, rec); errors.Is(err, ErrConflict) {
			continue
		} else if err != nil {
			return fmt.Errorf("alerting: store alert %s: %w", key, err)
		}
		return nil
	}
}

// applyResolve applies a resolve to the group its alert joined, and records
// the alert resolved.
func (e *Engine) applyResolve(ctx context.Context, ev event) (Result, error) {
	a := ev.Alert
	res := Result{EventKey: ev.key}
	key := a.Key()
	rec, err := e.store.Alert(ctx, key)
	switch {
	case err == nil && suppressedRecord(rec): // raised in a maintenance window: end it quietly
		return e.windowResolve(ctx, res, a)
	case errors.Is(err, ErrNotFound) || (err == nil && rec.GroupKey == "" && !rec.Resolved):
		// Nothing was raised: remember the resolve so a late raise is
		// ignored, and when it was accepted, so a raise accepted before it
		// is still applied (claimAlert).
		if err := e.markResolved(ctx, key, ev.accepted); err != nil {
			return res, err
		}
		return e.ignored(ctx, res, ReasonNothingOpen, a), nil
	case err != nil:
		return res, fmt.Errorf("alerting: load alert %s: %w", key, err)
	case rec.Resolved:
		return e.ignored(ctx, res, ReasonAlreadyResolved, a), nil
	}

	res, err = e.withGroup(ctx, rec.GroupKey, "", func(tx *groupTx) (Result, error) {
		return e.resolveInGroup(ctx, tx, ev, rec.GroupKey)
	})
	if err != nil {
		return res, err
	}
	var unraised time.Time
	if res.Reason == ReasonNothingOpen { // the raise's ticket was never created
		unraised = ev.accepted
	}
	return res, e.markResolved(ctx, key, unraised)
}

// resolveInGroup is applyResolve's step on group gk: find the ticket the
// alert is a member of and resolve it there, unless it is already resolved
// or the ticket is closed.
func (e *Engine) resolveInGroup(ctx context.Context, tx *groupTx, ev event, gk string) (Result, error) {
	a := ev.Alert
	res := Result{EventKey: ev.key, GroupKey: gk} // fresh on every (re)start
	g := &tx.g
	i, _ := findMember(g, a)
	if i >= 0 && g.Tickets[i].Phase == PhaseCreating {
		if err := e.recoverCreating(ctx, tx, i); err != nil {
			return res, err
		}
	}
	i, j := findMember(g, a)
	if i < 0 {
		return e.ignored(ctx, res, ReasonNothingOpen, a), nil
	}
	t := &g.Tickets[i]
	res.TicketID = t.ID
	if t.Members[j].Resolved {
		return e.ignored(ctx, res, ReasonAlreadyResolved, a), nil
	}
	var state TicketState = TicketClosed
	if t.Phase != PhaseClosed {
		st, err := e.sink.TicketState(ctx, t.ID)
		if err != nil {
			return res, fmt.Errorf("alerting: state of ticket %s: %w", t.ID, err)
		}
		state = st
	}
	if err := tx.lease(ctx); err != nil {
		return res, err
	}
	if state == TicketClosed && e.closes(t, j) {
		// An earlier attempt may have closed it and lost the reply.
		if found, err := e.written(ctx, ev, t.ID, ev.key); err != nil {
			return res, err
		} else if found {
			t.Members[j].Resolved = true
			e.markClosed(t, ClosedByEngine)
			e.stats.closed.Add(1)
			res.Outcome = OutcomeClosed
			e.log.InfoContext(ctx, "alerting: ticket closed, every alert resolved", "event", res.EventKey, "group", gk, "ticket", t.ID)
			return res, nil
		}
	}
	if state != TicketOpen {
		t.Members[j].Resolved = true
		e.markClosed(t, ClosedInPSA)
		return e.ignored(ctx, res, ReasonTicketClosed, a), nil
	}
	return e.resolveMember(ctx, res, t, j, ev, ev.key, gk)
}

// unresolvedOthers counts the members of t other than j still unresolved.
func unresolvedOthers(t *TicketRecord, j int) int {
	open := 0
	for k, m := range t.Members {
		if k != j && !m.Resolved {
			open++
		}
	}
	return open
}

// closes reports whether resolving member j may close ticket t: it is the
// last unresolved alert and the close policy is not CloseNever. Under
// CloseIfUntouched resolveMember asks the PSA before it closes.
func (e *Engine) closes(t *TicketRecord, j int) bool {
	return unresolvedOthers(t, j) == 0 && e.route.close != CloseNever
}

// untouched applies the close policy CloseIfUntouched to ticket t: it
// reports whether nobody but the engine worked on the ticket since the
// engine's last write (TouchChecker; a sink without it says untouched),
// and otherwise why.
func (e *Engine) untouched(ctx context.Context, t *TicketRecord) (bool, string, error) {
	tc, ok := e.sink.(TouchChecker)
	if e.route.close != CloseIfUntouched || !ok {
		return true, "", nil
	}
	since := t.LastWriteAt
	if since.IsZero() {
		since = t.CreatedAt
	}
	touched, why, err := tc.Touched(ctx, t.ID, since)
	if err != nil {
		return false, "", err
	}
	return !touched, why, nil
}

// resolveMember resolves member j of open ticket t: a note, or closing the
// ticket when it was the last unresolved alert and the route closes on
// resolve. A ticket found closed in the PSA meanwhile is recorded so.
//
// key identifies the note (see Note.Key). If ev is a retry and the note is
// found on the ticket already, it is not written again: a close then goes
// ahead without a note.
func (e *Engine) resolveMember(ctx context.Context, res Result, t *TicketRecord, j int, ev event, key, gk string) (Result, error) {
	a := ev.Alert
	open := unresolvedOthers(t, j)
	closing := e.closes(t, j)
	var keptOpen bool
	var touchedWhy string
	if closing {
		ok, why, err := e.untouched(ctx, t)
		switch {
		case closedErr(err):
			t.Members[j].Resolved = true
			e.markClosed(t, ClosedInPSA)
			return e.ignored(ctx, res, ReasonTicketClosed, a), nil
		case err != nil:
			return res, fmt.Errorf("alerting: was ticket %s worked on: %w", t.ID, err)
		}
		closing, keptOpen, touchedWhy = ok, !ok, why
	}
	note := e.resolveNote(a, open, len(t.Members), closing, key)
	if keptOpen {
		note = e.keptOpenNote(a, len(t.Members), touchedWhy, key)
	}
	found, err := e.written(ctx, ev, t.ID, key)
	if err != nil {
		return res, err
	}
	switch {
	case closing:
		if found {
			note.Text = ""
		}
		err = e.sink.CloseTicket(ctx, t.ID, note)
	case !found:
		err = e.sink.AddNote(ctx, t.ID, note)
	}
	if closedErr(err) {
		t.Members[j].Resolved = true
		e.markClosed(t, ClosedInPSA)
		return e.ignored(ctx, res, ReasonTicketClosed, a), nil
	}
	if err != nil {
		return res, fmt.Errorf("alerting: resolve on ticket %s: %w", t.ID, err)
	}
	t.Members[j].Resolved = true
	if closing {
		e.markClosed(t, ClosedByEngine)
		e.stats.closed.Add(1)
		res.Outcome = OutcomeClosed
		e.log.InfoContext(ctx, "alerting: ticket closed, every alert resolved", "event", res.EventKey, "group", gk, "ticket", t.ID)
	} else {
		t.LastWriteAt = e.now()
		e.stats.notes.Add(1)
		res.Outcome = OutcomeNoted
		e.log.InfoContext(ctx, "alerting: note added", "event", res.EventKey, "group", gk, "ticket", t.ID,
			"note", note.Kind, "unresolved", open, "kept_open_because", touchedWhy)
	}
	return res, nil
}

// resolveNote is the note for a's resolve on a ticket of n alerts, open of
// the others still unresolved; closing: the ticket is closed with it.
func (e *Engine) resolveNote(a Alert, open, n int, closing bool, key string) Note {
	switch {
	case open > 0:
		return e.note(NoteMemberResolved, fmt.Sprintf("Alert resolved: %s\n%d of %d alerts on this ticket are resolved; the ticket stays open.", title(a), n-open, n), key, a)
	case closing:
		return e.note(NoteAllResolved, fmt.Sprintf("Alert resolved: %s\nAll %d alerts on this ticket are resolved; closing the ticket.", title(a), n), key, a)
	}
	return e.note(NoteAllResolved, fmt.Sprintf("Alert resolved: %s\nAll %d alerts on this ticket are resolved.", title(a), n), key, a)
}

func title(a Alert) string {
	switch {
	case strings.TrimSpace(a.Title) != "":
		return a.Title
	case strings.TrimSpace(a.Type) != "":
		return a.Type
	}
	return "Alert " + a.ID() + " from " + a.Source
}

// details lists an alert's facts, one per line.
func details(a Alert, gk string) string {
	var b strings.Builder
	b.Grow(256)
	line := func(k, v string) {
		if v != "" {
			b.WriteString(k + ": " + v + "\n")
		}
	}
	line("Source", a.Source)
	line("Alert ID", a.ID())
	line("Alert type", a.Type)
	line("Severity", string(a.Severity))
	dev := a.Device.Hostname
	if a.Device.ID != "" {
		dev = strings.TrimSpace(dev + " (" + a.Device.ID + ")")
	}
	line("Device", dev)
	line("User", a.User)
	cust := a.Customer.Name
	if a.Customer.ID != "" {
		cust = strings.TrimSpace(cust + " (" + a.Customer.ID + ")")
	}
	line("Source customer", cust)
	if !a.Time.IsZero() {
		line("Time", a.Time.UTC().Format(time.RFC3339))
	}
	line("Alert group", gk)
	if a.FoundByPoll {
		line("Found by", "reconciliation poll (the source's own notification never arrived)")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func body(a Alert, gk string) string {
	if strings.TrimSpace(a.Body) == "" {
		return details(a, gk)
	}
	return a.Body + "\n\n" + details(a, gk)
}

func raiseNote(a Alert, gk string) string {
	return "Alert raised: " + title(a) + "\n\n" + body(a, gk)
}
