package alerting_test

import (
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
)

// raiseOnlyFake is a listFake that declares itself raise-only.
type raiseOnlyFake struct{ listFake }

func (*raiseOnlyFake) RaiseOnly() bool { return true }

// TestPollRaiseOnlyListerResolvesNothing: a RaiseOnlyLister's listing
// tickets the raise whose webhook never arrived, but an alert missing
// from a later complete listing (an event the source aged out or an
// operator deleted) is not resolved, while the same absence from an
// ordinary lister's listing resolves its alert.
func TestPollRaiseOnlyListerResolvesNothing(t *testing.T) {
	t.Parallel()
	cfg := baseConfig()
	cfg.Close = alerting.CloseAlways
	cfg.Customers = append(cfg.Customers, alerting.CustomerMapping{Source: "events", SourceCustomer: "site-1", Name: "Acme", Customer: "C1", Site: "S1"})
	events, open := &raiseOnlyFake{}, &listFake{}
	f := newFixture(t, cfg, alerting.WithOpenAlertLister("events", "", events), alerting.WithOpenAlertLister("datto", "", open))
	ctx := t.Context()
	if _, err := f.eng.FirstStart(ctx); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Minute)
	ev := func(id, dev string) alerting.Alert {
		a := raise(id)
		a.Source, a.Device, a.Time = "events", alerting.Device{ID: dev}, f.clock.Now()
		return a
	}
	pushed, missed := ev("e1", "dev-e1"), ev("e2", "dev-e2") // e2's webhook never arrived
	d1 := raise("d1")
	d1.Time = f.clock.Now()
	f.submit(t, pushed)
	f.submit(t, d1)
	events.set(false, pushed, missed)
	open.set(false, d1)
	f.clock.Add(time.Minute)
	res, err := f.eng.PollOpenAlerts(ctx)
	if err != nil || res.Raised != 1 || res.Known != 2 || res.Resolved != 0 {
		t.Fatalf("poll 1: %+v, %v; want the missed raise only", res, err)
	}
	if _, err := f.eng.ProcessPending(ctx); err != nil {
		t.Fatal(err)
	}
	wantTickets(t, f.sink, 3)

	// Both listings are complete and empty.
	events.set(false)
	open.set(false)
	f.clock.Add(time.Minute)
	res, err = f.eng.PollOpenAlerts(ctx)
	if err != nil || res.Resolved != 1 || res.Raised != 0 {
		t.Fatalf("poll 2: %+v, %v; want only the ordinary listing's alert resolved", res, err)
	}
	if _, err := f.eng.ProcessPending(ctx); err != nil {
		t.Fatal(err)
	}
	states := map[string]alerting.TicketState{}
	for _, tk := range wantTickets(t, f.sink, 3) {
		states[tk.Title] = tk.State
	}
	for _, a := range []alerting.Alert{pushed, missed} {
		if states[a.Title] != alerting.TicketOpen {
			t.Errorf("ticket of raise-only alert %s is %s; want open (nothing resolved from a raise-only listing)", a.EventID, states[a.Title])
		}
	}
	if states[d1.Title] != alerting.TicketClosed {
		t.Errorf("ticket of %s is %s; want closed by the ordinary listing", d1.EventID, states[d1.Title])
	}
	for _, id := range []string{"e1", "e2"} {
		rec, err := f.store.Alert(ctx, alerting.Alert{Source: "events", EventID: id, Kind: alerting.Raise}.Key())
		if err != nil || rec.Resolved {
			t.Errorf("alert record %s: resolved %v, %v; want unresolved", id, rec.Resolved, err)
		}
	}
}
