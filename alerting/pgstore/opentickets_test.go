package pgstore_test

import (
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
)

// TestHasOpenTickets follows one group through the states of its ticket:
// HasOpenTickets agrees with GroupState.AwaitsSync in each, and after
// Prune removes the group.
func TestHasOpenTickets(t *testing.T) {
	dsn(t)
	ctx := t.Context()
	s := open(t, schema(t))
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	member := []alerting.Member{{Source: "datto", AlertID: "a1"}}
	g := alerting.GroupState{Key: "g1", Customer: "C1", UpdatedAt: at}
	check := func(what string, want bool) {
		t.Helper()
		got, err := s.HasOpenTickets(ctx)
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
	if n, err := s.Prune(ctx, at.Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("Prune = %d, %v; want the closed group pruned", n, err)
	}
	g = alerting.GroupState{Key: "g1"}
	check("group pruned", false)
	put(alerting.TicketRecord{ID: "T2", Phase: alerting.PhaseClosed, ClosedBy: alerting.ClosedInPSA, Synced: true, Members: member})
	check("closed in the PSA and synced", false)
}

// TestResolveSyncAsksOnlyWhileTicketsAreOpen: on a pgstore, a resolve
// sync pass asks the PSA while a ticket of the engine's is open, and makes
// no request when none is.
func TestResolveSyncAsksOnlyWhileTicketsAreOpen(t *testing.T) {
	dsn(t)
	ctx := t.Context()
	sink := alertingtest.NewSink()
	eng, err := alerting.New(alerting.Config{
		Customers: []alerting.CustomerMapping{{Source: "datto", SourceCustomer: "site-1", Customer: "C1", Site: "S1"}},
		Ticket:    alerting.TicketDefaults{Type: "21", Status: "1", Priority: "3"},
	}, open(t, schema(t)), sink, alerting.WithResolver("datto", alertingtest.NewResolver()))
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
