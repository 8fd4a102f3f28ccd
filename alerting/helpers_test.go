package alerting_test

import (
	"sync"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/memstore"
)

// clock is a manual clock for tests that check backoff and leases.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 6, 12, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// baseConfig maps Datto site-1 to PSA customer C1.
func baseConfig() alerting.Config {
	return alerting.Config{
		Customers: []alerting.CustomerMapping{
			{Source: "datto", SourceCustomer: "site-1", Name: "Acme", Customer: "C1", Site: "S1", Contact: "U-default"},
		},
		Ticket: alerting.TicketDefaults{Type: "21", Status: "1", Priority: "3"},
	}
}

type fixture struct {
	eng   *alerting.Engine
	sink  *alertingtest.Sink
	store *memstore.Store
	clock *clock
}

// newFixture returns an engine on a memstore and a fake sink, with a manual
// clock and a 1s retry backoff (tests advance the clock past it).
func newFixture(t *testing.T, cfg alerting.Config, opts ...alerting.Option) *fixture {
	t.Helper()
	f := &fixture{sink: alertingtest.NewSink(), store: memstore.New(), clock: newClock()}
	f.sink.SetClock(f.clock.Now)
	opts = append([]alerting.Option{
		alerting.WithClock(f.clock.Now),
		alerting.WithRetryBackoff(time.Second, time.Second),
		alerting.WithOwner("test-engine"),
	}, opts...)
	eng, err := alerting.New(cfg, f.store, f.sink, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	f.eng = eng
	return f
}

func (f *fixture) submit(t *testing.T, a alerting.Alert) alerting.Result {
	t.Helper()
	res, err := f.eng.Submit(t.Context(), a)
	if err != nil {
		t.Fatalf("Submit(%s): %v", a.EventKey(), err)
	}
	return res
}

func (f *fixture) stats(t *testing.T) alerting.Stats {
	t.Helper()
	s, err := f.eng.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// raise returns a Datto raise for site-1 whose event and alert ID are id.
func raise(id string) alerting.Alert {
	return alerting.Alert{
		Source: "datto", EventID: id, Kind: alerting.Raise, Type: "Disk Usage",
		Customer: alerting.CustomerRef{ID: "site-1", Name: "Acme"},
		Severity: alerting.SeverityHigh, Title: "Disk C: full on PC-01 (" + id + ")", Body: "C: is 97% full",
		Device: alerting.Device{ID: "dev-1", Hostname: "PC-01"},
	}
}

func resolve(id string) alerting.Alert {
	a := raise(id)
	a.Kind = alerting.Resolve
	return a
}

// userAlert is a raise about a user, with distinct event and alert IDs.
func userAlert(user, typ, id string) alerting.Alert {
	a := raise(id)
	a.User, a.Type, a.Device = user, typ, alerting.Device{}
	return a
}

func wantOutcome(t *testing.T, res alerting.Result, want alerting.Outcome, reason alerting.Reason) {
	t.Helper()
	if res.Outcome != want || res.Reason != reason {
		t.Fatalf("outcome = %s/%s (err %v), want %s/%s", res.Outcome, res.Reason, res.Err, want, reason)
	}
}

func wantTickets(t *testing.T, s *alertingtest.Sink, n int) []alertingtest.Ticket {
	t.Helper()
	ts := s.Tickets()
	if len(ts) != n {
		t.Fatalf("%d tickets in the PSA, want %d", len(ts), n)
	}
	return ts
}
