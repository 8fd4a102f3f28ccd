package alerting_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
)

// requests returns the request log, newest first.
func (f *fixture) requests(t *testing.T) []alerting.Request {
	t.Helper()
	rs, err := f.store.Requests(t.Context(), alerting.RequestQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// The engine keeps every delivery in the request log: what Accept and
// RejectPayload answered at intake, completed with the routing, ticket and
// outcome when the worker applies the event (retries included).
func TestRequestLogRecordsIntakeAndOutcome(t *testing.T) {
	t.Parallel()
	f := newFixture(t, baseConfig())
	eng, err := alerting.New(baseConfig(), f.store, f.sink, alerting.WithClock(f.clock.Now), alerting.WithOwner("test-engine"),
		alerting.WithRetryBackoff(time.Second, time.Second), alerting.WithRequestLog(f.store))
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	ctx := alerting.ContextWithIntake(t.Context(), "webhook")

	a := raise("a1")
	a.Raw = []byte(`{"state":"the-shared-secret"}`)
	a.Body = "body text that is never logged"
	if _, err := eng.Accept(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Accept(ctx, a); err != nil { // redelivery
		t.Fatal(err)
	}
	stray := raise("a2")
	stray.Customer, stray.Device = alerting.CustomerRef{ID: "site-unknown", Name: "Nobody"}, alerting.Device{}
	if _, err := eng.Accept(alerting.ContextWithIntake(t.Context(), "mail"), stray); !errors.Is(err, alerting.ErrUnmappedCustomer) {
		t.Fatalf("unmapped: %v", err)
	}
	eng.RejectPayload(ctx, "datto", alerting.ReasonBadSignature, errors.New("wrong state"))

	rs := f.requests(t)
	if len(rs) != 4 {
		t.Fatalf("%d entries, want 4: %+v", len(rs), rs)
	}
	type row struct {
		intake, source, event string
		status                alerting.RequestStatus
		reason                alerting.Reason
	}
	got := []row{}
	for _, r := range rs {
		got = append(got, row{r.Intake, r.Source, r.EventKey, r.Status, r.Reason})
	}
	want := []row{
		{"webhook", "datto", "", alerting.RequestRejected, alerting.ReasonBadSignature},
		{"mail", "datto", "datto/raise/a2", alerting.RequestRejected, alerting.ReasonUnmappedCustomer},
		{"webhook", "datto", "datto/raise/a1", alerting.RequestDuplicate, ""},
		{"webhook", "datto", "datto/raise/a1", alerting.RequestAccepted, ""},
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if rs[0].Detail != "wrong state" || rs[0].Alert != nil || !strings.Contains(rs[1].Detail, "not mapped") {
		t.Errorf("details: %q (alert %+v), %q", rs[0].Detail, rs[0].Alert, rs[1].Detail)
	}
	if rs[3].Applied != nil {
		t.Errorf("applied before the worker ran: %+v", rs[3].Applied)
	}
	if al := rs[3].Alert; al == nil || al.Device.ID != "dev-1" || al.Customer.ID != "site-1" || al.Title != a.Title {
		t.Errorf("alert fields kept: %+v", al)
	}

	// The PSA is down: the entry says pending, with the error.
	f.sink.FailNext(alertingtest.OpCreateTicket, 1, errors.New("halo: 503 service unavailable"))
	if _, err := eng.ProcessPending(t.Context()); err != nil {
		t.Fatal(err)
	}
	rs = f.requests(t)
	if ap := rs[3].Applied; ap == nil || ap.Outcome != alerting.OutcomePending || !strings.Contains(ap.Error, "503") || ap.Attempts != 1 {
		t.Fatalf("after a failed attempt: %+v", ap)
	}
	f.clock.Add(2 * time.Second)
	if _, err := eng.ProcessPending(t.Context()); err != nil {
		t.Fatal(err)
	}
	tk := wantTickets(t, f.sink, 1)[0]
	rs = f.requests(t)
	ap := rs[3].Applied
	if ap == nil || ap.Outcome != alerting.OutcomeCreated || ap.TicketID != tk.ID || ap.Error != "" || ap.Attempts != 2 ||
		ap.Routing.By != alerting.RouteMapping || ap.Routing.Customer != "C1" || ap.GroupKey != tk.GroupKey {
		t.Errorf("after the ticket was created: %+v; ticket %s group %s", ap, tk.ID, tk.GroupKey)
	}
	for _, r := range rs {
		if r.Applied != nil && r.Seq != rs[3].Seq {
			t.Errorf("entry %d (%s) was completed too", r.Seq, r.Status)
		}
	}
	for _, r := range rs {
		if r.Alert != nil && (strings.Contains(r.Alert.Title, "secret") || strings.Contains(r.Alert.Title, "never logged")) {
			t.Errorf("entry %d keeps payload text: %+v", r.Seq, r.Alert)
		}
	}
}

// Submit logs the intake and the outcome; an engine without WithRequestLog
// writes nothing to the store's request log.
func TestRequestLogSubmitAndOptIn(t *testing.T) {
	t.Parallel()
	f := newFixture(t, baseConfig())
	f.submit(t, raise("a1"))
	if rs := f.requests(t); len(rs) != 0 {
		t.Fatalf("an engine without WithRequestLog logged %d requests", len(rs))
	}
	eng, err := alerting.New(baseConfig(), f.store, f.sink, alerting.WithRequestLog(f.store))
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	if eng.RequestLog() == nil {
		t.Error("RequestLog() is nil")
	}
	res, err := eng.Submit(context.Background(), raise("a2"))
	if err != nil {
		t.Fatal(err)
	}
	rs := f.requests(t)
	if len(rs) != 1 || rs[0].Status != alerting.RequestAccepted || rs[0].Applied == nil || rs[0].Applied.TicketID != res.TicketID || res.TicketID == "" {
		t.Errorf("entries %+v; ticket %s", rs, res.TicketID)
	}
	if _, err := alerting.New(baseConfig(), f.store, f.sink, alerting.WithRequestLog(nil)); err == nil {
		t.Error("WithRequestLog(nil) accepted")
	}
}
