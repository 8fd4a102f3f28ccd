package storetest

import (
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
)

// RunOpenTickets checks a store's alerting.OpenTickets: HasOpenTickets
// agrees with GroupState.AwaitsSync through the states of one group's
// ticket, across a reopen and after Prune removes the group; and a resolve
// sync pass of an engine on the store asks the PSA while a ticket of the
// engine's is open, and makes no request when none is.
func RunOpenTickets(t *testing.T, newStore Factory, reopen Reopen) {
	t.Helper()
	t.Run("HasOpenTickets", func(t *testing.T) {
		t.Parallel()
		testHasOpenTickets(t, newStore(t), reopen)
	})
	t.Run("ResolveSyncAsksOnlyWhileTicketsAreOpen", func(t *testing.T) {
		t.Parallel()
		testResolveSyncAsksOnlyWhileOpen(t, newStore(t))
	})
}

func testHasOpenTickets(t *testing.T, s alerting.Store, reopen Reopen) {
	ctx := t.Context()
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	member := []alerting.Member{{Source: "datto", AlertID: "a1"}}
	g := alerting.GroupState{Key: "g1", Customer: "C1", UpdatedAt: at}
	check := func(what string, want bool) {
		t.Helper()
		ot, ok := s.(alerting.OpenTickets)
		if !ok {
			t.Fatalf("%T is not an alerting.OpenTickets", s)
		}
		got, err := ot.HasOpenTickets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got != want || (g.Version > 0 && g.AwaitsSync() != want) {
			t.Errorf("%s: HasOpenTickets = %v, want %v", what, got, want)
		}
	}
	put := func(tickets ...alerting.TicketRecord) {
		t.Helper()
		g.Tickets = tickets
		var err error
		if g, err = s.PutGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	check("empty store", false)
	put(alerting.TicketRecord{Phase: alerting.PhaseCreating, Members: member})
	check("ticket being created", true)
	put(alerting.TicketRecord{ID: "T1", Phase: alerting.PhaseOpen, Members: member})
	check("open ticket", true)
	put(alerting.TicketRecord{ID: "T1", Phase: alerting.PhaseClosed, ClosedBy: alerting.ClosedByEngine, Members: member})
	check("closed by the engine", false)
	put(alerting.TicketRecord{ID: "T1", Phase: alerting.PhaseClosed, ClosedBy: alerting.ClosedInPSA})
	check("closed in the PSA, no alerts left", false)
	put(alerting.TicketRecord{ID: "T1", Phase: alerting.PhaseClosed, ClosedBy: alerting.ClosedInPSA, Members: member})
	check("closed in the PSA, not synced", true)

	s = reopen(t, s)
	check("reopened", true)

	if n, err := s.Prune(ctx, at.Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("Prune = %d, %v; want the closed group pruned", n, err)
	}
	g = alerting.GroupState{Key: "g1"}
	check("group pruned", false)
	put(alerting.TicketRecord{ID: "T2", Phase: alerting.PhaseClosed, ClosedBy: alerting.ClosedInPSA, Synced: true, Members: member})
	check("closed in the PSA and synced", false)
}

func testResolveSyncAsksOnlyWhileOpen(t *testing.T, s alerting.Store) {
	ctx := t.Context()
	sink := alertingtest.NewSink()
	eng, err := alerting.New(alerting.Config{
		Customers: []alerting.CustomerMapping{{Source: "datto", SourceCustomer: "site-1", Customer: "C1", Site: "S1"}},
		Ticket:    alerting.TicketDefaults{Type: "21", Status: "1", Priority: "3"},
	}, s, sink, alerting.WithResolver("datto", alertingtest.NewResolver()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	pass := func(want int) {
		t.Helper()
		before := sink.Calls(alertingtest.OpClosedTickets)
		if _, err := eng.SyncResolved(ctx); err != nil {
			t.Fatal(err)
		}
		if got := sink.Calls(alertingtest.OpClosedTickets) - before; got != want {
			t.Errorf("the pass listed closed tickets %d times; want %d", got, want)
		}
	}
	alert := alerting.Alert{Source: "datto", EventID: "e1", AlertID: "a1", Kind: alerting.Raise, Type: "Disk",
		Customer: alerting.CustomerRef{ID: "site-1"}, Severity: alerting.SeverityHigh, Title: "Disk full",
		Device: alerting.Device{ID: "dev-1", Hostname: "PC-01"}}
	submit := func(a alerting.Alert, want alerting.Outcome) {
		t.Helper()
		res, err := eng.Submit(ctx, a)
		if err != nil || res.Outcome != want {
			t.Fatalf("Submit %s = %+v, %v; want %s", a.EventID, res, err, want)
		}
	}
	pass(0)
	submit(alert, alerting.OutcomeCreated)
	pass(1)
	alert.EventID, alert.Kind = "e2", alerting.Resolve
	submit(alert, alerting.OutcomeClosed)
	pass(0)
}
