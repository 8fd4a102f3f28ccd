package alerting_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/memstore"
)

// TestObserverSeesEveryStep checks the typed events an observer receives:
// accepted (queued, duplicate, rejected), processed (created, noted, a
// failure to be retried with its cause and attempt), and a payload refused
// by an intake, each with the alert's fields and no log parsing.
func TestObserverSeesEveryStep(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := alerting.Config{
		Grouping:  alerting.GroupUser,
		Customers: []alerting.CustomerMapping{{Source: "src", SourceCustomer: "acme", Customer: "12"}},
		Ticket:    alerting.TicketDefaults{Type: "21"},
	}
	psa := alertingtest.NewSink()
	var mu sync.Mutex
	var got []alerting.Event
	eng, err := alerting.New(cfg, memstore.New(), psa, alerting.WithObserver(func(ev alerting.Event) {
		mu.Lock()
		got = append(got, ev)
		mu.Unlock()
	}))
	if err != nil {
		t.Fatal(err)
	}
	raise := func(id string) alerting.Alert {
		return alerting.Alert{Source: "src", EventID: id, Kind: alerting.Raise, Type: "Disk", User: "ana@acme.example",
			Customer: alerting.CustomerRef{ID: "acme"}, Title: "disk"}
	}
	for _, a := range []alerting.Alert{raise("e1"), raise("e1"), raise("e2")} {
		if _, err := eng.Submit(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	unmapped := raise("e3")
	unmapped.Customer.ID = "nobody"
	if _, err := eng.Submit(ctx, unmapped); !errors.Is(err, alerting.ErrRejected) {
		t.Fatalf("unmapped customer: %v", err)
	}
	psa.FailNext(alertingtest.OpAddNote, 1, nil)
	if res, err := eng.Submit(ctx, raise("e4")); err != nil || res.Outcome != alerting.OutcomePending {
		t.Fatalf("with the PSA down: %v %v", res.Outcome, err)
	}
	eng.RejectPayload(ctx, "src", alerting.ReasonBadSignature, errors.New("bad signature"))

	type step struct {
		kind    alerting.EventKind
		alert   string
		outcome alerting.Outcome
	}
	want := []step{
		{alerting.EventAccepted, "e1", alerting.OutcomeQueued}, {alerting.EventProcessed, "e1", alerting.OutcomeCreated},
		{alerting.EventAccepted, "e1", alerting.OutcomeDuplicate},
		{alerting.EventAccepted, "e2", alerting.OutcomeQueued}, {alerting.EventProcessed, "e2", alerting.OutcomeNoted},
		{alerting.EventAccepted, "e3", ""},
		{alerting.EventAccepted, "e4", alerting.OutcomeQueued}, {alerting.EventProcessed, "e4", alerting.OutcomePending},
		{alerting.EventPayloadRejected, "", alerting.OutcomeRejected},
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != len(want) {
		for _, ev := range got {
			t.Logf("%s %s %s %v", ev.Kind, ev.AlertID, ev.Result.Outcome, ev.Err)
		}
		t.Fatalf("%d events, want %d", len(got), len(want))
	}
	for i, w := range want {
		ev := got[i]
		if ev.Kind != w.kind || ev.AlertID != w.alert || (w.outcome != "" && ev.Result.Outcome != w.outcome) {
			t.Errorf("event %d = %s %s %s, want %s %s %s", i, ev.Kind, ev.AlertID, ev.Result.Outcome, w.kind, w.alert, w.outcome)
		}
		if ev.Time.IsZero() {
			t.Errorf("event %d has no time", i)
		}
	}
	if ev := got[1]; ev.Source != "src" || ev.Type != "Disk" || ev.Result.TicketID == "" || ev.Attempt != 1 {
		t.Errorf("created event: %+v", ev)
	}
	if ev := got[5]; !errors.Is(ev.Err, alerting.ErrRejected) {
		t.Errorf("rejected event carries %v", ev.Err)
	}
	if ev := got[7]; ev.Err == nil || ev.Err.Error() == "" || ev.Attempt != 1 {
		t.Errorf("pending event: attempt %d err %v", ev.Attempt, ev.Err)
	}
	if ev := got[8]; ev.Result.Reason != alerting.ReasonBadSignature || ev.Source != "src" {
		t.Errorf("payload event: %+v", ev)
	}
}
