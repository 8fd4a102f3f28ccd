package alerting_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
)

// syncFixture: user grouping, resolvers for datto and level, none for vsax.
func syncFixture(t *testing.T) (*fixture, *alertingtest.Resolver, *alertingtest.Resolver) {
	t.Helper()
	cfg := baseConfig()
	cfg.Grouping = alerting.GroupUser
	for _, src := range []string{"level", "vsax"} {
		cfg.Customers = append(cfg.Customers, alerting.CustomerMapping{Source: src, SourceCustomer: "site-1", Customer: "C1"})
	}
	datto, level := alertingtest.NewResolver(), alertingtest.NewResolver()
	f := newFixture(t, cfg, alerting.WithResolver("datto", datto), alerting.WithResolver("level", level),
		alerting.WithSyncLookback(time.Hour))
	return f, datto, level
}

func refs(rs []alerting.AlertRef) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Source+"/"+r.AlertID+"@"+r.TicketID)
	}
	slices.Sort(out)
	return out
}

func TestResolveSync(t *testing.T) {
	t.Parallel()
	f, datto, level := syncFixture(t)
	ctx := t.Context()
	from := func(src, id string) alerting.Alert {
		a := userAlert("ana@example.com", "x", id)
		a.Source = src
		return a
	}
	first := f.submit(t, from("datto", "d1"))
	f.submit(t, from("level", "l1"))
	f.submit(t, from("vsax", "v1"))
	f.submit(t, from("datto", "d2"))
	r := from("datto", "d2")
	r.Kind = alerting.Resolve
	f.submit(t, r) // d2 resolved by its source: nothing to do for it at sync

	// A ticket the engine did not create, closed in the PSA.
	foreign, err := f.sink.CreateTicket(ctx, alerting.NewTicket{Customer: "C1", Title: "printer"})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Minute)
	must(t, f.sink.CloseInPSA(foreign))
	must(t, f.sink.CloseInPSA(first.TicketID))

	res, err := f.eng.SyncResolved(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Tickets != 2 || res.Resolved != 2 || res.Skipped != 1 || res.Failed != 0 {
		t.Errorf("sync = %+v, want 2 tickets, 2 resolved, 1 skipped", res)
	}
	want := []string{"datto/d1@" + first.TicketID}
	if got := refs(datto.Resolved()); !slices.Equal(got, want) {
		t.Errorf("datto resolves = %v, want %v", got, want)
	}
	if got, want := refs(level.Resolved()), []string{"level/l1@" + first.TicketID}; !slices.Equal(got, want) {
		t.Errorf("level resolves = %v, want %v", got, want)
	}
	if !res.Cursor.Equal(f.clock.Now()) {
		t.Errorf("cursor = %v, want the newest close time %v", res.Cursor, f.clock.Now())
	}
	if v, _ := f.store.Cursor(ctx, alerting.SyncCursor); v == "" {
		t.Error("the cursor was not stored")
	}

	// Idempotent: a second pass resolves nothing.
	res, err = f.eng.SyncResolved(ctx)
	if err != nil || res.Resolved != 0 || datto.Calls()+level.Calls() != 2 {
		t.Errorf("second pass = %+v, %v; resolver calls %d, want no new resolves", res, err, datto.Calls()+level.Calls())
	}

	// The source's echo of our resolve is ignored, so is a late raise.
	echo := from("datto", "d1")
	echo.Kind = alerting.Resolve
	wantOutcome(t, f.submit(t, echo), alerting.OutcomeIgnored, alerting.ReasonAlreadyResolved)
	late := from("datto", "d1")
	late.EventID, late.AlertID = "d1-again", "d1"
	wantOutcome(t, f.submit(t, late), alerting.OutcomeIgnored, alerting.ReasonLateRaise)
	// The group continues on a new ticket without asking the PSA about the old one.
	calls := f.sink.Calls(alertingtest.OpTicketState)
	wantOutcome(t, f.submit(t, from("vsax", "v2")), alerting.OutcomeCreated, "")
	if f.sink.Calls(alertingtest.OpTicketState) != calls {
		t.Error("the engine asked the PSA about a ticket resolve sync had already seen closed")
	}
	if s := f.stats(t); s.SourceResolves != 2 {
		t.Errorf("SourceResolves = %d, want 2", s.SourceResolves)
	}
}

func TestResolveSyncIgnoresEngineCloses(t *testing.T) {
	t.Parallel()
	f, datto, _ := syncFixture(t)
	f.submit(t, raise("d1"))
	f.clock.Add(time.Second)
	wantOutcome(t, f.submit(t, resolve("d1")), alerting.OutcomeClosed, "")
	f.submit(t, raise("d2")) // an open ticket, so that the pass asks the PSA
	res, err := f.eng.SyncResolved(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if res.Tickets != 1 || res.Skipped != 1 || datto.Calls() != 0 {
		t.Errorf("sync = %+v with %d resolver calls; the engine's own close must be skipped", res, datto.Calls())
	}
}

func TestResolveSyncRetriesFailures(t *testing.T) {
	t.Parallel()
	f, datto, _ := syncFixture(t)
	ctx := t.Context()
	a := f.submit(t, userAlert("ana@example.com", "x", "d1"))
	b := f.submit(t, userAlert("bob@example.com", "x", "d2"))
	f.clock.Add(time.Minute)
	must(t, f.sink.CloseInPSA(a.TicketID))
	f.clock.Add(time.Minute)
	must(t, f.sink.CloseInPSA(b.TicketID))
	closedA := f.clock.Now().Add(-time.Minute)

	datto.FailNext(1, errors.New("datto: 502"))
	res, err := f.eng.SyncResolved(ctx)
	if err == nil || res.Failed != 1 || res.Resolved != 1 {
		t.Fatalf("sync with a failing resolver = %+v, %v; want 1 failed, 1 resolved, an error", res, err)
	}
	if !res.Cursor.Equal(closedA) {
		t.Errorf("cursor = %v, want it held at the failed ticket's close %v", res.Cursor, closedA)
	}
	res, err = f.eng.SyncResolved(ctx)
	if err != nil || res.Resolved != 1 || res.Failed != 0 {
		t.Fatalf("retry pass = %+v, %v; want the failed ticket resolved", res, err)
	}
	if got := refs(datto.Resolved()); len(got) != 2 {
		t.Errorf("resolved = %v, want d1 and d2 once each", got)
	}
	if s := f.stats(t); s.SyncErrors != 1 {
		t.Errorf("SyncErrors = %d, want 1", s.SyncErrors)
	}

	// A failing PSA listing leaves the cursor alone.
	f.submit(t, userAlert("carol@example.com", "x", "d3")) // open, so that the pass asks the PSA
	f.sink.FailNext(alertingtest.OpClosedTickets, 1, nil)
	if _, err := f.eng.SyncResolved(ctx); !errors.Is(err, alertingtest.ErrInjected) {
		t.Errorf("sync with a failing PSA = %v, want the injected error", err)
	}
}

func TestRunResolveSync(t *testing.T) {
	t.Parallel()
	f, datto, _ := syncFixture(t)
	res := f.submit(t, raise("d1"))
	must(t, f.sink.CloseInPSA(res.TicketID))

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	eng, err := alerting.New(f.eng.Config(), f.store, f.sink, alerting.WithResolver("datto", datto),
		alerting.WithSyncInterval(time.Millisecond), alerting.WithClock(f.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	go func() { done <- eng.RunResolveSync(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for datto.Calls() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("RunResolveSync returned %v, want context.Canceled", err)
	}
	if got := len(datto.Resolved()); got != 1 {
		t.Errorf("resolved %d alerts, want 1 (repeated passes are idempotent)", got)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestResolveSyncAfterTheEngineSawTheClose: the engine found the ticket
// closed when the next alert came (and opened another); resolve sync still
// resolves the closed ticket's alerts, and the group keeps only what sync
// needs.
func TestResolveSyncAfterTheEngineSawTheClose(t *testing.T) {
	t.Parallel()
	f, datto, _ := syncFixture(t)
	ctx := t.Context()
	v := userAlert("ana@example.com", "x", "v1")
	v.Source = "vsax"
	first := f.submit(t, userAlert("ana@example.com", "x", "d1"))
	f.submit(t, v)
	must(t, f.sink.CloseInPSA(first.TicketID))
	second := f.submit(t, userAlert("ana@example.com", "x", "d2"))
	wantOutcome(t, second, alerting.OutcomeCreated, "")

	g, err := f.store.Group(ctx, first.GroupKey)
	must(t, err)
	old := g.Tickets[0]
	if old.Phase != alerting.PhaseClosed || old.ClosedBy != alerting.ClosedInPSA || len(old.Members) != 1 || old.Members[0].AlertID != "d1" {
		t.Fatalf("closed ticket record = %+v; want closed in the PSA, keeping only d1 (vsax has no resolver)", old)
	}
	res, err := f.eng.SyncResolved(ctx)
	if err != nil || res.Resolved != 1 {
		t.Fatalf("sync = %+v, %v; want d1 resolved", res, err)
	}
	if got := refs(datto.Resolved()); len(got) != 1 || got[0] != "datto/d1@"+first.TicketID {
		t.Errorf("resolved = %v", got)
	}
	g, err = f.store.Group(ctx, first.GroupKey)
	must(t, err)
	if len(g.Tickets) != 2 || len(g.Tickets[0].Members) != 0 || !g.Tickets[0].Synced || g.Tickets[1].Phase != alerting.PhaseOpen {
		t.Errorf("group after sync = %+v", g.Tickets)
	}
}

// TestResolveSyncAsksOnlyWhileTicketsAreOpen: a pass asks the PSA once
// while a ticket of the engine's is open, and not at all when none is.
func TestResolveSyncAsksOnlyWhileTicketsAreOpen(t *testing.T) {
	t.Parallel()
	f, _, _ := syncFixture(t)
	ctx := t.Context()
	listings := func() int { return f.sink.Calls(alertingtest.OpClosedTickets) }
	pass := func(want int) {
		t.Helper()
		before := listings()
		if _, err := f.eng.SyncResolved(ctx); err != nil {
			t.Fatal(err)
		}
		if got := listings() - before; got != want {
			t.Errorf("the pass listed closed tickets %d times; want %d", got, want)
		}
	}
	pass(0) // nothing raised yet
	f.submit(t, raise("d1"))
	pass(1)
	pass(1)
	f.clock.Add(time.Second)
	wantOutcome(t, f.submit(t, resolve("d1")), alerting.OutcomeClosed, "")
	pass(0)
}
