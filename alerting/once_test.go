package alerting_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
)

// TestNotesAndCloseOnceWhenRepliesAreLost: each note and the close take
// effect in the PSA but their replies are lost; the retries find them
// (NoteFinder) and write nothing twice, and the close is recorded as the
// engine's, so resolve sync leaves it alone.
func TestNotesAndCloseOnceWhenRepliesAreLost(t *testing.T) {
	t.Parallel()
	cfg := baseConfig()
	cfg.Grouping, cfg.OnResolve = alerting.GroupUser, alerting.CloseOnResolve
	resolved := 0
	f := newFixture(t, cfg, alerting.WithResolver("datto", alerting.ResolverFunc(func(context.Context, alerting.AlertRef) error {
		resolved++
		return nil
	})))
	ctx := t.Context()
	lost := func(op alertingtest.Op, a alerting.Alert) {
		t.Helper()
		f.sink.LoseNextResponse(op, 1, nil)
		wantOutcome(t, f.submit(t, a), alerting.OutcomePending, "")
		f.clock.Add(2 * time.Second)
		if n, err := f.eng.ProcessPending(ctx); err != nil || n != 1 {
			t.Fatalf("ProcessPending = %d, %v", n, err)
		}
	}
	userResolve := func(id string) alerting.Alert {
		a := userAlert("ana@example.com", "Login", id)
		a.Kind = alerting.Resolve
		return a
	}
	wantOutcome(t, f.submit(t, userAlert("ana@example.com", "Login", "e1")), alerting.OutcomeCreated, "")
	lost(alertingtest.OpAddNote, userAlert("ana@example.com", "Login", "e2"))
	lost(alertingtest.OpAddNote, userResolve("e1"))
	lost(alertingtest.OpCloseTicket, userResolve("e2"))

	tk := wantTickets(t, f.sink, 1)[0]
	if len(tk.Notes) != 2 || tk.State != alerting.TicketClosed || tk.CloseNote == nil {
		t.Fatalf("ticket: %d notes (want 2), state %s, close note %v", len(tk.Notes), tk.State, tk.CloseNote)
	}
	for _, n := range append(tk.Notes, *tk.CloseNote) {
		if n.Key == "" || !strings.HasSuffix(n.Text, alerting.NoteMarker(n.Key)) {
			t.Errorf("note %q (key %q) does not end with its marker", n.Text, n.Key)
		}
	}
	if n := f.sink.Calls(alertingtest.OpAddNote); n != 2 {
		t.Errorf("AddNote called %d times; want 2", n)
	}
	if s := f.stats(t); s.TicketsClosed != 1 {
		t.Errorf("closed counter = %d; want 1", s.TicketsClosed)
	}
	g, err := f.store.GroupByTicket(ctx, tk.ID)
	if err != nil || g.Tickets[len(g.Tickets)-1].ClosedBy != alerting.ClosedByEngine {
		t.Errorf("group of the ticket = %+v, %v; want it recorded as closed by the engine", g, err)
	}
	// The engine closed it: nothing is open, and resolve sync has nothing
	// to ask the PSA.
	res, err := f.eng.SyncResolved(ctx)
	if err != nil || res.Tickets != 0 || resolved != 0 || f.sink.Calls(alertingtest.OpClosedTickets) != 0 {
		t.Errorf("resolve sync after the engine's close = %+v, %v, %d resolved at the source, %d listings; want nothing",
			res, err, resolved, f.sink.Calls(alertingtest.OpClosedTickets))
	}
}
