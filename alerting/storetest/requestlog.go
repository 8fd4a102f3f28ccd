package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
)

// SizedFactory returns a new, empty store whose request log keeps size
// entries. It registers its own cleanup.
type SizedFactory func(t *testing.T, size int) alerting.Store

// RunRequestLog runs the contract of the optional alerting.RequestLog
// extension against stores made by newStore, which must implement it:
//
//   - AddRequest numbers entries in increasing Seq and keeps the last size
//     of them; Requests returns them newest first, filtered by source and
//     capped by limit, and values round-trip (times as the same instant)
//     as copies;
//   - ApplyRequest completes the newest accepted entry of an event (never
//     a duplicate's entry), and matches ErrNotFound for an event that has
//     none (dropped, or never accepted);
//   - concurrent AddRequest calls get distinct sequence numbers, and a
//     cancelled context makes every method fail.
func RunRequestLog(t *testing.T, newStore SizedFactory) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(*testing.T, alerting.RequestLog)
	}{
		{"RoundTripAndOrder", testRequestRoundTrip},
		{"ApplyToAccepted", testRequestApply},
		{"Bounded", testRequestBounded},
		{"Concurrent", testRequestConcurrent},
		{"CancelledContext", testRequestCancelled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t, requestLogSize)
			rl, ok := s.(alerting.RequestLog)
			if !ok {
				t.Fatalf("%T does not implement alerting.RequestLog", s)
			}
			tc.fn(t, rl)
		})
	}
}

// requestLogSize is the size of the suite's request logs.
const requestLogSize = 5

func request(source, eventID string, status alerting.RequestStatus) alerting.Request {
	return alerting.Request{
		Time: t0, Intake: "webhook", Source: source, Account: "acct-1", EventKey: source + ":acct-1/raise/" + eventID,
		Alert: &alerting.RequestAlert{EventID: eventID, Kind: alerting.Raise, Type: "Disk", User: "ann@example.com",
			Device: alerting.Device{ID: "dev-" + eventID, Hostname: "PC-" + eventID}, Customer: alerting.CustomerRef{ID: "site-1", Name: "Contoso"},
			Severity: alerting.SeverityHigh, Title: "<b>Disk</b> C: 92% full", Time: t0.Add(-time.Minute)},
		Status: status,
	}
}

func mustAdd(t *testing.T, rl alerting.RequestLog, r alerting.Request) alerting.Request {
	t.Helper()
	got, err := rl.AddRequest(t.Context(), r)
	if err != nil {
		t.Fatalf("AddRequest: %v", err)
	}
	return got
}

func mustRequests(t *testing.T, rl alerting.RequestLog, q alerting.RequestQuery) []alerting.Request {
	t.Helper()
	got, err := rl.Requests(t.Context(), q)
	if err != nil {
		t.Fatalf("Requests(%+v): %v", q, err)
	}
	for i := range got {
		got[i] = normRequest(got[i])
	}
	return got
}

func normRequest(r alerting.Request) alerting.Request {
	r.Time = normTime(r.Time)
	if r.Alert != nil {
		a := *r.Alert
		a.Time = normTime(a.Time)
		r.Alert = &a
	}
	if r.Applied != nil {
		a := *r.Applied
		a.Time = normTime(a.Time)
		r.Applied = &a
	}
	return r
}

func seqs(rs []alerting.Request) []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.Seq
	}
	return out
}

func testRequestRoundTrip(t *testing.T, rl alerting.RequestLog) {
	a := mustAdd(t, rl, request("datto", "e1", alerting.RequestAccepted))
	rej := alerting.Request{Time: t0.Add(time.Second), Intake: "mail", Source: "datto", Status: alerting.RequestRejected,
		Reason: alerting.ReasonBadSignature, Detail: "missing or wrong credentials"}
	b := mustAdd(t, rl, rej)
	c := mustAdd(t, rl, request("level", "e2", alerting.RequestDuplicate))
	if !(a.Seq > 0 && b.Seq > a.Seq && c.Seq > b.Seq) {
		t.Fatalf("sequence numbers %d, %d, %d: want increasing from 1", a.Seq, b.Seq, c.Seq)
	}
	got := mustRequests(t, rl, alerting.RequestQuery{})
	want := []alerting.Request{request("level", "e2", alerting.RequestDuplicate), rej, request("datto", "e1", alerting.RequestAccepted)}
	want[0].Seq, want[1].Seq, want[2].Seq = c.Seq, b.Seq, a.Seq
	for i := range want {
		want[i] = normRequest(want[i])
	}
	equal(t, "Requests, newest first", got, want)
	equal(t, "source datto", seqs(mustRequests(t, rl, alerting.RequestQuery{Source: "datto"})), []int64{b.Seq, a.Seq})
	equal(t, "limit 1", seqs(mustRequests(t, rl, alerting.RequestQuery{Limit: 1})), []int64{c.Seq})

	// Copies: changing what was returned changes nothing stored.
	got[0].Alert.Title = "changed"
	again := mustRequests(t, rl, alerting.RequestQuery{Limit: 1})
	if again[0].Alert.Title != want[0].Alert.Title {
		t.Errorf("a returned entry shares memory with the store: title %q", again[0].Alert.Title)
	}
}

func testRequestApply(t *testing.T, rl alerting.RequestLog) {
	ctx := t.Context()
	first := mustAdd(t, rl, request("datto", "e1", alerting.RequestAccepted))
	dup := mustAdd(t, rl, request("datto", "e1", alerting.RequestDuplicate))
	other := mustAdd(t, rl, request("datto", "e2", alerting.RequestAccepted))
	routed := *request("datto", "e1", alerting.RequestAccepted).Alert
	routed.Type, routed.Customer.ID = "Disk Usage", "site-enriched"
	ap := alerting.Applied{Time: t0.Add(2 * time.Second), Attempts: 2, Outcome: alerting.OutcomeCreated,
		Routing:  alerting.Routing{By: alerting.RouteAsset, Reason: "linked", Customer: "12", Site: "3", Asset: "40", Contact: "7", ContactBy: alerting.ContactAssetUser},
		GroupKey: "g1", TicketID: "1001", Alert: &routed}
	if err := rl.ApplyRequest(ctx, first.EventKey, ap); err != nil {
		t.Fatalf("ApplyRequest: %v", err)
	}
	got := mustRequests(t, rl, alerting.RequestQuery{})
	if len(got) != 3 || got[0].Seq != other.Seq || got[1].Seq != dup.Seq || got[2].Seq != first.Seq {
		t.Fatalf("entries %v; want %d, %d, %d", seqs(got), other.Seq, dup.Seq, first.Seq)
	}
	if got[1].Applied != nil || got[0].Applied != nil {
		t.Errorf("ApplyRequest changed the duplicate's or another event's entry: %+v / %+v", got[1].Applied, got[0].Applied)
	}
	want := normRequest(first.WithApplied(ap))
	equal(t, "applied entry", got[2], want)
	if got[2].Alert.Type != "Disk Usage" || got[2].Applied.Alert != nil {
		t.Errorf("the routed alert did not replace the received one: %+v, applied alert %+v", got[2].Alert, got[2].Applied.Alert)
	}

	// A later attempt replaces the earlier one.
	ap2 := ap
	ap2.Attempts, ap2.Outcome, ap2.Alert = 3, alerting.OutcomeNoted, nil
	if err := rl.ApplyRequest(ctx, first.EventKey, ap2); err != nil {
		t.Fatal(err)
	}
	if got := mustRequests(t, rl, alerting.RequestQuery{}); got[2].Applied.Outcome != alerting.OutcomeNoted || got[2].Applied.Attempts != 3 {
		t.Errorf("second ApplyRequest: %+v", got[2].Applied)
	}
	// The newest accepted entry of an event is the one completed.
	again := mustAdd(t, rl, request("datto", "e1", alerting.RequestAccepted))
	if err := rl.ApplyRequest(ctx, first.EventKey, alerting.Applied{Time: t0, Outcome: alerting.OutcomeIgnored, Reason: alerting.ReasonAlreadyOpen}); err != nil {
		t.Fatal(err)
	}
	got = mustRequests(t, rl, alerting.RequestQuery{})
	if got[0].Seq != again.Seq || got[0].Applied == nil || got[0].Applied.Reason != alerting.ReasonAlreadyOpen || got[3].Applied.Outcome != alerting.OutcomeNoted {
		t.Errorf("ApplyRequest with two accepted entries: newest %+v, older %+v", got[0].Applied, got[3].Applied)
	}
	for _, key := range []string{"datto:acct-1/raise/none", dup.EventKey + "x"} {
		if err := rl.ApplyRequest(ctx, key, ap); !errors.Is(err, alerting.ErrNotFound) {
			t.Errorf("ApplyRequest(%q) with no entry: %v; want ErrNotFound", key, err)
		}
	}
	// An event with only a rejected entry has nothing to complete.
	rej := mustAdd(t, rl, request("datto", "e9", alerting.RequestRejected))
	if err := rl.ApplyRequest(ctx, rej.EventKey, ap); !errors.Is(err, alerting.ErrNotFound) {
		t.Errorf("ApplyRequest on a rejected entry: %v; want ErrNotFound", err)
	}
}

func testRequestBounded(t *testing.T, rl alerting.RequestLog) {
	var added []alerting.Request
	for i := range requestLogSize + 3 {
		added = append(added, mustAdd(t, rl, request("datto", fmt.Sprint("e", i), alerting.RequestAccepted)))
	}
	got := mustRequests(t, rl, alerting.RequestQuery{Limit: 100})
	var want []int64
	for i := len(added) - 1; i >= 3; i-- {
		want = append(want, added[i].Seq)
	}
	equal(t, "kept entries", seqs(got), want)
	if err := rl.ApplyRequest(t.Context(), added[0].EventKey, alerting.Applied{Time: t0, Outcome: alerting.OutcomeCreated}); !errors.Is(err, alerting.ErrNotFound) {
		t.Errorf("ApplyRequest on a dropped entry: %v; want ErrNotFound", err)
	}
	if err := rl.ApplyRequest(t.Context(), added[3].EventKey, alerting.Applied{Time: t0, Outcome: alerting.OutcomeCreated}); err != nil {
		t.Errorf("ApplyRequest on the oldest kept entry: %v", err)
	}
}

func testRequestConcurrent(t *testing.T, rl alerting.RequestLog) {
	const n = 20
	var mu sync.Mutex
	seen := map[int64]bool{}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r, err := rl.AddRequest(t.Context(), request("datto", fmt.Sprint("c", i), alerting.RequestAccepted))
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			seen[r.Seq] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("%d distinct sequence numbers for %d concurrent adds", len(seen), n)
	}
	if got := mustRequests(t, rl, alerting.RequestQuery{Limit: 100}); len(got) != requestLogSize {
		t.Errorf("%d entries kept after %d adds; want %d", len(got), n, requestLogSize)
	}
}

func testRequestCancelled(t *testing.T, rl alerting.RequestLog) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	r := request("datto", "e1", alerting.RequestAccepted)
	if _, err := rl.AddRequest(ctx, r); err == nil {
		t.Error("AddRequest with a cancelled context succeeded")
	}
	if err := rl.ApplyRequest(ctx, r.EventKey, alerting.Applied{}); err == nil {
		t.Error("ApplyRequest with a cancelled context succeeded")
	}
	if _, err := rl.Requests(ctx, alerting.RequestQuery{}); err == nil {
		t.Error("Requests with a cancelled context succeeded")
	}
}
