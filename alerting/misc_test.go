package alerting_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/memstore"
)

func TestParseSeverity(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]alerting.Severity{
		"Information": alerting.SeverityInfo, "informational": alerting.SeverityInfo, " INFO ": alerting.SeverityInfo,
		"low": alerting.SeverityLow, "Minor": alerting.SeverityLow,
		"Moderate": alerting.SeverityMedium, "warning": alerting.SeverityMedium, "Normal": alerting.SeverityMedium, "Elevated": alerting.SeverityMedium,
		"High": alerting.SeverityHigh, "major": alerting.SeverityHigh,
		"Critical": alerting.SeverityCritical, "emergency": alerting.SeverityCritical,
		"": alerting.SeverityUnknown, "whatever": alerting.SeverityUnknown,
	} {
		if got := alerting.ParseSeverity(in); got != want {
			t.Errorf("ParseSeverity(%q) = %q, want %q", in, got, want)
		}
	}
	if alerting.Severity("urgent").Valid() || !alerting.SeverityUnknown.Valid() {
		t.Error("Valid is wrong")
	}
}

// blockingSink blocks CreateTicket until the caller's context ends, like a
// PSA call in flight when the webhook client hangs up.
type blockingSink struct {
	*alertingtest.Sink
	started chan struct{}
}

func (s blockingSink) CreateTicket(ctx context.Context, t alerting.NewTicket) (string, error) {
	select {
	case s.started <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return "", ctx.Err()
}

// TestCallerGoesAway: a Submit whose context is cancelled mid-call leaves
// the alert pending (the bookkeeping is not cancelled with it), and it is
// delivered later.
func TestCallerGoesAway(t *testing.T) {
	t.Parallel()
	clk := newClock()
	store, fake := memstore.New(), alertingtest.NewSink()
	sink := blockingSink{fake, make(chan struct{}, 1)}
	eng, err := alerting.New(baseConfig(), store, sink, alerting.WithClock(clk.Now), alerting.WithRetryBackoff(time.Second, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-sink.started; cancel() }()
	res, err := eng.Submit(ctx, raise("gone"))
	if err != nil || res.Outcome != alerting.OutcomePending || !errors.Is(res.Err, context.Canceled) {
		t.Fatalf("Submit = %+v, %v; want pending after the cancellation", res, err)
	}
	items, err := store.Claim(t.Context(), "inspector", clk.Now().Add(time.Hour), time.Minute, 10)
	if err != nil || len(items) != 1 || items[0].LastError == "" {
		t.Fatalf("pending items = %+v, %v; want the alert released with its error", items, err)
	}
	if err := store.Release(t.Context(), items[0].ID, "inspector", time.Time{}, ""); err != nil {
		t.Fatal(err)
	}
	g, err := store.Group(t.Context(), res.GroupKey)
	if err != nil || g.LeaseOwner != "" || len(g.Tickets) != 1 || g.Tickets[0].Phase != alerting.PhaseCreating {
		t.Fatalf("group = %+v, %v; want the creation intent stored and the lease released", g, err)
	}

	// The PSA answers again: the alert is delivered, once.
	eng2, err := alerting.New(baseConfig(), store, fake, alerting.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := eng2.ProcessPending(t.Context()); err != nil || n != 1 {
		t.Fatalf("ProcessPending = %d, %v", n, err)
	}
	wantTickets(t, fake, 1)
}

func TestResolverFunc(t *testing.T) {
	t.Parallel()
	var got alerting.AlertRef
	r := alerting.ResolverFunc(func(_ context.Context, a alerting.AlertRef) error { got = a; return nil })
	if err := r.ResolveAlert(t.Context(), alerting.AlertRef{Source: "level", AlertID: "x"}); err != nil || got.AlertID != "x" {
		t.Errorf("ResolverFunc: %+v, %v", got, err)
	}
	if alerting.Permanent(nil) != nil {
		t.Error("Permanent(nil) != nil")
	}
	if s := alerting.TicketOpen.String() + alerting.TicketClosed.String() + alerting.TicketMissing.String() + alerting.TicketState(0).String(); s != "openclosedmissingunknown" {
		t.Errorf("TicketState strings = %s", s)
	}
}
