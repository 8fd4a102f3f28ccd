package alerting_test

import (
	"context"
	"errors"
	"iter"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/memstore"
)

// listFake is an OpenAlertLister over a settable list of open alerts; fail
// makes the next listing end with an error after its alerts.
type listFake struct {
	mu   sync.Mutex
	open []alerting.Alert
	fail bool
}

func (l *listFake) set(fail bool, as ...alerting.Alert) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open, l.fail = as, fail
}

func (l *listFake) OpenAlerts(context.Context) iter.Seq2[alerting.Alert, error] {
	l.mu.Lock()
	as, fail := append([]alerting.Alert(nil), l.open...), l.fail
	l.mu.Unlock()
	return func(yield func(alerting.Alert, error) bool) {
		for _, a := range as {
			if !yield(a, nil) {
				return
			}
		}
		if fail {
			yield(alerting.Alert{}, errors.New("page 2 failed"))
		}
	}
}

// TestPollCountsAndLogsFoundEvents: the poll's raises and resolves become
// tickets opened and closed in the PSA, appear in Stats (and so /metrics)
// and in the request log with the "poll" intake; pre-existing alerts and
// incomplete listings are counted; a reopen is counted.
func TestPollCountsAndLogsFoundEvents(t *testing.T) {
	t.Parallel()
	l := &listFake{}
	cfg := baseConfig()
	cfg.Close, cfg.ReopenWithin = alerting.CloseAlways, "24h"
	st := memstore.New()
	f := newFixture(t, cfg, alerting.WithOpenAlertLister("datto", "", l), alerting.WithRequestLog(st))
	ctx := t.Context()
	if _, err := f.eng.FirstStart(ctx); err != nil {
		t.Fatal(err)
	}
	old := raise("old")
	old.Time = f.clock.Now().Add(-time.Hour)
	f.clock.Add(time.Minute)
	missed := raise("missed") // its webhook never arrived
	missed.Time = f.clock.Now()
	l.set(false, old, missed)
	f.clock.Add(time.Minute)
	res, err := f.eng.PollOpenAlerts(ctx)
	if err != nil || res.Raised != 1 || res.PreExisting != 1 {
		t.Fatalf("poll 1: %+v, %v", res, err)
	}
	if _, err := f.eng.ProcessPending(ctx); err != nil {
		t.Fatal(err)
	}
	tk := wantTickets(t, f.sink, 1)[0]
	if tk.State != alerting.TicketOpen {
		t.Fatalf("ticket %s after the poll, want open", tk.State)
	}

	// A partial listing resolves nothing.
	l.set(true)
	f.clock.Add(time.Minute)
	if _, err := f.eng.PollOpenAlerts(ctx); err == nil {
		t.Fatal("partial listing: no error")
	}
	if _, err := f.eng.ProcessPending(ctx); err != nil {
		t.Fatal(err)
	}
	if tk := wantTickets(t, f.sink, 1)[0]; tk.State != alerting.TicketOpen {
		t.Fatalf("ticket %s after a partial listing, want open", tk.State)
	}

	// The alert is gone from a complete listing: its resolve webhook was
	// lost; the poll closes the ticket.
	l.set(false, old)
	f.clock.Add(time.Minute)
	if res, err := f.eng.PollOpenAlerts(ctx); err != nil || res.Resolved != 1 {
		t.Fatalf("poll 3: %+v, %v", res, err)
	}
	if _, err := f.eng.ProcessPending(ctx); err != nil {
		t.Fatal(err)
	}
	if tk := wantTickets(t, f.sink, 1)[0]; tk.State != alerting.TicketClosed {
		t.Fatalf("ticket %s after the poll's resolve, want closed", tk.State)
	}

	// The same device and type fire again: the ticket is reopened.
	f.clock.Add(time.Hour)
	wantOutcome(t, f.submit(t, raise("again")), alerting.OutcomeReopened, "")
	if tk := wantTickets(t, f.sink, 1)[0]; tk.State != alerting.TicketOpen || tk.Reopens != 1 {
		t.Fatalf("ticket %s, reopens %d; want reopened", tk.State, tk.Reopens)
	}

	s := f.stats(t)
	if s.PollPasses != 3 || s.PollRaised != 1 || s.PollResolved != 1 || s.PollIncomplete != 1 ||
		s.PollPreExisting != 1 || s.TicketsReopened != 1 {
		t.Errorf("stats %+v", s)
	}
	metrics := metricsText(s)
	for _, want := range []string{"mspsync_alerting_poll_raised_total 1\n", "mspsync_alerting_poll_resolved_total 1\n",
		"mspsync_alerting_poll_incomplete_total 1\n", "mspsync_alerting_poll_pre_existing 1\n", "mspsync_alerting_tickets_reopened_total 1\n"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	rs, err := st.Requests(ctx, alerting.RequestQuery{})
	if err != nil {
		t.Fatal(err)
	}
	byIntake := map[string][]alerting.Request{}
	for _, r := range rs {
		byIntake[r.Intake] = append(byIntake[r.Intake], r)
	}
	poll := byIntake[alerting.PollIntake]
	if len(poll) != 2 {
		t.Fatalf("%d poll entries in the request log, want 2: %+v", len(poll), rs)
	}
	// Newest first: the resolve, then the raise; both applied.
	if poll[0].Alert.Kind != alerting.Resolve || poll[1].Alert.Kind != alerting.Raise ||
		poll[0].Applied == nil || poll[0].Applied.Outcome != alerting.OutcomeClosed ||
		poll[1].Applied == nil || poll[1].Applied.Outcome != alerting.OutcomeCreated {
		t.Errorf("poll entries %+v / %+v", poll[0], poll[1])
	}
}
