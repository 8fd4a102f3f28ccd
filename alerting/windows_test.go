package alerting_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/boltstore"
)

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// windowConfig is baseConfig with a one-off window on PSA customer C1
// from now-1h to now+1h of newClock.
func windowConfig() alerting.Config {
	cfg := baseConfig()
	now := newClock().Now()
	cfg.Maintenance.Windows = []alerting.MaintenanceWindow{
		{Name: "patch night", Customer: "C1", Start: now.Add(-time.Hour), End: now.Add(time.Hour)},
	}
	return cfg
}

func processPending(t *testing.T, f *fixture) int {
	t.Helper()
	n, err := f.eng.ProcessPending(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestWindowSuppressesRaise(t *testing.T) {
	t.Parallel()
	f := newFixture(t, windowConfig())
	res := f.submit(t, raise("w1"))
	wantOutcome(t, res, alerting.OutcomeSuppressed, alerting.ReasonMaintenanceWindow)
	if res.Routing.Customer != "C1" {
		t.Errorf("routing = %+v, want customer C1", res.Routing)
	}
	wantTickets(t, f.sink, 0)
	if s := f.stats(t); s.Suppressed != 1 || s.TicketsCreated != 0 {
		t.Errorf("stats: suppressed %d, created %d; want 1, 0", s.Suppressed, s.TicketsCreated)
	}
	if m := metricsText(f.stats(t)); !strings.Contains(m, "\nmspsync_alerting_suppressed_total 1\n") {
		t.Errorf("metrics lack suppressed_total 1:\n%s", m)
	}
	// Nothing is due before the window ends.
	f.clock.Add(59 * time.Minute)
	if n := processPending(t, f); n != 0 {
		t.Errorf("processed %d items inside the window, want 0", n)
	}
	wantTickets(t, f.sink, 0)
}

func TestWindowResolveEndsQuietly(t *testing.T) {
	t.Parallel()
	f := newFixture(t, windowConfig())
	f.submit(t, raise("w1"))
	res := f.submit(t, resolve("w1"))
	wantOutcome(t, res, alerting.OutcomeIgnored, alerting.ReasonWindowResolved)
	wantTickets(t, f.sink, 0)

	f.clock.Add(time.Hour)
	if n := processPending(t, f); n != 1 {
		t.Fatalf("processed %d items at the window's end, want the 1 re-check", n)
	}
	wantTickets(t, f.sink, 0)
	if s := f.stats(t); s.Ignored[alerting.ReasonWindowResolved] != 2 || s.Pending != 0 {
		t.Errorf("ignored window_resolved = %d, pending %d; want 2, 0", s.Ignored[alerting.ReasonWindowResolved], s.Pending)
	}
	// A late raise of the resolved alert stays ignored.
	a := raise("w1")
	a.EventID, a.AlertID = "w1-again", "w1"
	wantOutcome(t, f.submit(t, a), alerting.OutcomeIgnored, alerting.ReasonLateRaise)
	wantTickets(t, f.sink, 0)
}

func TestWindowEndTicketsStillOpenAlerts(t *testing.T) {
	t.Parallel()
	f := newFixture(t, windowConfig())
	f.submit(t, raise("open"))
	f.submit(t, raise("gone"))
	f.submit(t, resolve("gone"))
	wantTickets(t, f.sink, 0)

	f.clock.Add(time.Hour)
	if n := processPending(t, f); n != 2 {
		t.Fatalf("processed %d items at the window's end, want 2 re-checks", n)
	}
	ts := wantTickets(t, f.sink, 1)
	if ts[0].Alert.ID() != "open" || ts[0].Customer != "C1" || ts[0].Site != "S1" || ts[0].State != alerting.TicketOpen {
		t.Errorf("ticket = alert %s customer %s site %s state %s; want open alert on C1/S1, open",
			ts[0].Alert.ID(), ts[0].Customer, ts[0].Site, ts[0].State)
	}
	// The ticketed alert now takes the usual path: its resolve closes it.
	wantOutcome(t, f.submit(t, resolve("open")), alerting.OutcomeClosed, "")
	if tk, _ := f.sink.Ticket(ts[0].ID); tk.State != alerting.TicketClosed {
		t.Errorf("ticket state %s after resolve, want closed", tk.State)
	}
	if n := processPending(t, f); n != 0 {
		t.Errorf("%d items left", n)
	}
}

func TestWindowScope(t *testing.T) {
	t.Parallel()
	now := newClock().Now()
	start, end := now.Add(-time.Hour), now.Add(time.Hour)
	for _, tc := range []struct {
		name     string
		w        alerting.MaintenanceWindow
		suppress bool
	}{
		{"customer", alerting.MaintenanceWindow{Customer: "C1"}, true},
		{"other customer", alerting.MaintenanceWindow{Customer: "C2"}, false},
		{"site", alerting.MaintenanceWindow{Site: "S1"}, true},
		{"other site", alerting.MaintenanceWindow{Customer: "C1", Site: "S2"}, false},
		{"device id", alerting.MaintenanceWindow{Device: "dev-1"}, true},
		{"hostname", alerting.MaintenanceWindow{Device: "pc-01"}, true},
		{"other device", alerting.MaintenanceWindow{Device: "dev-2"}, false},
		{"source", alerting.MaintenanceWindow{Device: "dev-1", Source: "datto"}, true},
		{"other source", alerting.MaintenanceWindow{Device: "dev-1", Source: "level"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := baseConfig()
			tc.w.Start, tc.w.End = start, end
			cfg.Maintenance.Windows = []alerting.MaintenanceWindow{tc.w}
			f := newFixture(t, cfg)
			res := f.submit(t, raise("s1"))
			if got := res.Outcome == alerting.OutcomeSuppressed; got != tc.suppress {
				t.Fatalf("outcome %s, suppressed want %v", res.Outcome, tc.suppress)
			}
			n := 1
			if tc.suppress {
				n = 0
			}
			wantTickets(t, f.sink, n)
		})
	}
	t.Run("before and after", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, windowConfig())
		a := raise("early")
		a.Time = start.Add(-time.Second)
		wantOutcome(t, f.submit(t, a), alerting.OutcomeCreated, "")
		a = raise("at-end")
		a.Time = end
		wantOutcome(t, f.submit(t, a), alerting.OutcomeCreated, "")
		wantTickets(t, f.sink, 2)
	})
}

// checker is an AlertStatusChecker whose answers the test sets.
type checker struct {
	mu    sync.Mutex
	open  map[string]bool
	err   error
	calls []alerting.AlertRef
}

func (c *checker) AlertOpen(_ context.Context, a alerting.AlertRef) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, a)
	if c.err != nil {
		return false, c.err
	}
	open, ok := c.open[a.AlertID]
	if !ok {
		return false, alerting.ErrNotFound
	}
	return open, nil
}

func TestWindowEndConfirmsWithChecker(t *testing.T) {
	t.Parallel()
	c := &checker{open: map[string]bool{"open": true, "closed": false}}
	f := newFixture(t, windowConfig(), alerting.WithAlertStatusChecker("datto", "", c))
	for _, id := range []string{"open", "closed", "unknown"} {
		f.submit(t, raise(id))
	}
	c.err = errors.New("source down")
	f.clock.Add(time.Hour)
	processPending(t, f)
	wantTickets(t, f.sink, 0)
	if s := f.stats(t); s.Pending != 3 || s.Retries != 3 {
		t.Fatalf("pending %d, retries %d after a failed check; want 3, 3", s.Pending, s.Retries)
	}

	c.err = nil
	f.clock.Add(2 * time.Second)
	if n := processPending(t, f); n != 3 {
		t.Fatalf("processed %d, want 3", n)
	}
	ts := wantTickets(t, f.sink, 1)
	if ts[0].Alert.ID() != "open" {
		t.Errorf("ticket for %s, want the alert the source reports open", ts[0].Alert.ID())
	}
	if s := f.stats(t); s.Ignored[alerting.ReasonWindowResolved] != 2 || s.Pending != 0 {
		t.Errorf("window_resolved %d, pending %d; want 2, 0", s.Ignored[alerting.ReasonWindowResolved], s.Pending)
	}
	// The checker was asked about the alerts by their source and ID.
	if got := c.calls[len(c.calls)-1]; got.Source != "datto" || got.AlertID == "" {
		t.Errorf("checker called with %+v", got)
	}
}

// statusResolver is a Resolver that is also an AlertStatusChecker.
type statusResolver struct {
	*alertingtest.Resolver
	checker
}

func TestWindowCheckerFromResolver(t *testing.T) {
	t.Parallel()
	r := &statusResolver{Resolver: alertingtest.NewResolver(), checker: checker{open: map[string]bool{"x": false}}}
	f := newFixture(t, windowConfig(), alerting.WithResolver("datto", r))
	f.submit(t, raise("x"))
	f.clock.Add(time.Hour)
	processPending(t, f)
	wantTickets(t, f.sink, 0)
	if len(r.calls) != 1 {
		t.Errorf("resolver's AlertOpen called %d times, want 1", len(r.calls))
	}
}

func TestWindowExtendedBySecondWindow(t *testing.T) {
	t.Parallel()
	cfg := windowConfig()
	now := newClock().Now()
	cfg.Maintenance.Windows = append(cfg.Maintenance.Windows,
		alerting.MaintenanceWindow{Name: "overrun", Device: "dev-1", Start: now.Add(30 * time.Minute), End: now.Add(3 * time.Hour)})
	f := newFixture(t, cfg)
	f.submit(t, raise("long"))
	f.clock.Add(time.Hour)
	processPending(t, f) // the re-check finds the second window
	wantTickets(t, f.sink, 0)
	if s := f.stats(t); s.Suppressed != 2 || s.Pending != 1 {
		t.Fatalf("suppressed %d, pending %d; want 2, 1", s.Suppressed, s.Pending)
	}
	f.clock.Add(2 * time.Hour)
	processPending(t, f)
	wantTickets(t, f.sink, 1)
}

func TestSetWindows(t *testing.T) {
	t.Parallel()
	f := newFixture(t, baseConfig())
	wantOutcome(t, f.submit(t, raise("a")), alerting.OutcomeCreated, "")
	now := f.clock.Now()
	if err := f.eng.SetWindows([]alerting.MaintenanceWindow{{Customer: "C1", Start: now, End: now.Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	wantOutcome(t, f.submit(t, raise("b")), alerting.OutcomeSuppressed, alerting.ReasonMaintenanceWindow)

	// An invalid set is refused and changes nothing.
	err := f.eng.SetWindows([]alerting.MaintenanceWindow{{Customer: "C1", Weekly: &alerting.WeeklyWindow{
		Days: []string{"sat"}, Start: "22:00", Duration: "4h", TimeZone: "Mars/Olympus"}}})
	var ce *alerting.ConfigError
	if !errors.Is(err, alerting.ErrInvalidConfig) || !errors.As(err, &ce) || ce.Key != "windows[0].weekly.time_zone" {
		t.Fatalf("SetWindows(bad zone) = %v, want a config error on windows[0].weekly.time_zone", err)
	}
	wantOutcome(t, f.submit(t, raise("c")), alerting.OutcomeSuppressed, alerting.ReasonMaintenanceWindow)

	if err := f.eng.SetWindows(nil); err != nil {
		t.Fatal(err)
	}
	wantOutcome(t, f.submit(t, raise("d")), alerting.OutcomeCreated, "")
	wantTickets(t, f.sink, 2)
}

func TestSetWindowsConcurrent(t *testing.T) {
	t.Parallel()
	f := newFixture(t, baseConfig())
	now := f.clock.Now()
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 50 {
			ws := []alerting.MaintenanceWindow{{Device: "dev-9", Start: now, End: now.Add(time.Duration(i+1) * time.Minute)}}
			if err := f.eng.SetWindows(ws); err != nil {
				t.Error(err)
				return
			}
		}
	})
	for i := range 20 {
		wg.Go(func() {
			a := raise("c" + string(rune('a'+i)))
			if _, err := f.eng.Submit(t.Context(), a); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	wantTickets(t, f.sink, 20)
}

func TestWeeklyWindowAcrossDST(t *testing.T) {
	t.Parallel()
	// Europe/Berlin switches to summer time on Sunday 2026-03-29 at 02:00
	// (01:00 UTC). The window starts at 22:00 Berlin time every Saturday
	// and lasts 6h: 21:00–03:00 UTC on 28 March (the clocks change inside
	// it, the duration is elapsed time), 20:00–02:00 UTC on 4 April.
	cfg := baseConfig()
	cfg.Maintenance.TimeZone = "Europe/Berlin"
	cfg.Maintenance.Windows = []alerting.MaintenanceWindow{{Name: "weekly", Customer: "C1",
		Weekly: &alerting.WeeklyWindow{Days: []string{"Saturday"}, Start: "22:00", Duration: "6h"}}}
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		time     string
		suppress bool
	}{
		{"2026-03-28T20:30:00Z", false}, // 21:30 CET
		{"2026-03-28T21:15:00Z", true},  // 22:15 CET
		{"2026-03-29T02:30:00Z", true},  // 04:30 CEST, 5.5h into the window
		{"2026-03-29T03:00:00Z", false}, // 05:00 CEST, 6h: ended
		{"2026-04-04T19:30:00Z", false}, // 21:30 CEST
		{"2026-04-04T20:15:00Z", true},  // 22:15 CEST (21:15 in CET would be outside)
		{"2026-04-05T01:59:00Z", true},  // 03:59 CEST
		{"2026-04-05T02:00:00Z", false}, // 04:00 CEST
		{"2026-04-03T20:15:00Z", false}, // a Friday
	} {
		t.Run(tc.time, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, cfg)
			now := at(tc.time)
			f.clock.Set(now)
			a := raise("dst")
			a.Time = now
			res := f.submit(t, a)
			if got := res.Outcome == alerting.OutcomeSuppressed; got != tc.suppress {
				t.Fatalf("outcome %s at %s, suppressed want %v", res.Outcome, tc.time, tc.suppress)
			}
		})
	}
	t.Run("re-check at the elapsed end", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, cfg)
		f.clock.Set(at("2026-03-29T00:30:00Z"))
		wantOutcome(t, f.submit(t, raise("night")), alerting.OutcomeSuppressed, alerting.ReasonMaintenanceWindow)
		f.clock.Set(at("2026-03-29T02:59:59Z"))
		if n := processPending(t, f); n != 0 {
			t.Fatalf("re-check ran before the window's end (%d items)", n)
		}
		f.clock.Set(at("2026-03-29T03:00:00Z"))
		processPending(t, f)
		wantTickets(t, f.sink, 1)
	})
}

func TestWindowSurvivesRestart(t *testing.T) {
	t.Parallel()
	f := newFixture(t, windowConfig())
	f.submit(t, raise("r"))
	if err := f.eng.Close(); err != nil {
		t.Fatal(err)
	}
	eng2, err := alerting.New(windowConfig(), f.store, f.sink, alerting.WithClock(f.clock.Now), alerting.WithOwner("second"))
	if err != nil {
		t.Fatal(err)
	}
	defer eng2.Close()
	f.clock.Add(time.Hour)
	if _, err := eng2.ProcessPending(t.Context()); err != nil {
		t.Fatal(err)
	}
	wantTickets(t, f.sink, 1)
}

func TestMaintenanceConfigErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		json string
		key  string
	}{
		{`{"maintenance":{"time_zone":"Nowhere/City"}}`, "maintenance.time_zone"},
		{`{"maintenance":{"windows":[{"customer":"C1","weekly":{"days":["sat"],"start":"22:00","duration":"4h","time_zone":"Europe/Nowhere"}}]}}`, "maintenance.windows[0].weekly.time_zone"},
		{`{"maintenance":{"windows":[{"customer":"C1","weekly":{"days":["sat","funday"],"start":"22:00","duration":"4h"}}]}}`, "maintenance.windows[0].weekly.days[1]"},
		{`{"maintenance":{"windows":[{"customer":"C1","weekly":{"days":[],"start":"22:00","duration":"4h"}}]}}`, "maintenance.windows[0].weekly.days"},
		{`{"maintenance":{"windows":[{"customer":"C1","weekly":{"days":["sat"],"start":"25:00","duration":"4h"}}]}}`, "maintenance.windows[0].weekly.start"},
		{`{"maintenance":{"windows":[{"customer":"C1","weekly":{"days":["sat"],"start":"22:00","duration":"four hours"}}]}}`, "maintenance.windows[0].weekly.duration"},
		{`{"maintenance":{"windows":[{"customer":"C1","weekly":{"days":["sat"],"start":"22:00","duration":"200h"}}]}}`, "maintenance.windows[0].weekly.duration"},
		{`{"maintenance":{"windows":[{"start":"2026-06-12T22:00:00Z","end":"2026-06-13T02:00:00Z"}]}}`, "maintenance.windows[0]"},
		{`{"maintenance":{"windows":[{"customer":"C1","start":"2026-06-12T22:00:00Z","end":"2026-06-12T21:00:00Z"}]}}`, "maintenance.windows[0].end"},
		{`{"maintenance":{"windows":[{"customer":"C1","start":"2026-06-12T22:00:00Z"}]}}`, "maintenance.windows[0].end"},
		{`{"maintenance":{"windows":[{"customer":"C1"}]}}`, "maintenance.windows[0]"},
		{`{"maintenance":{"windows":[{"customer":"C1","start":"2026-06-12T22:00:00Z","end":"2026-06-13T02:00:00Z","weekly":{"days":["sat"],"start":"22:00","duration":"4h"}}]}}`, "maintenance.windows[0]"},
		{`{"maintenance":{"windows":[{"device":"d","source":"da tto","start":"2026-06-12T22:00:00Z","end":"2026-06-13T02:00:00Z"}]}}`, "maintenance.windows[0].source"},
	} {
		_, err := alerting.LoadConfig(strings.NewReader(tc.json))
		var ce *alerting.ConfigError
		if !errors.Is(err, alerting.ErrInvalidConfig) || !errors.As(err, &ce) || ce.Key != tc.key {
			t.Errorf("LoadConfig(%s) = %v, want a config error on %s", tc.json, err, tc.key)
		}
	}
	good := `{"maintenance":{"time_zone":"America/New_York","windows":[
		{"name":"patch","customer":"C1","weekly":{"days":["sat","SUN"],"start":"9:30","duration":"90m"}},
		{"device":"PC-01","start":"2026-06-12T22:00:00Z","end":"2026-06-13T02:00:00Z"}]}}`
	c, err := alerting.LoadConfig(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Maintenance.Windows) != 2 || c.Maintenance.Windows[0].Weekly.Days[1] != "SUN" {
		t.Errorf("loaded %+v", c.Maintenance)
	}
}

// The re-check waits in the store's queue: boltstore keeps its NotBefore
// across a reopen too.
func TestWindowRecheckInBoltstore(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/alerts.db"
	clk := newClock()
	sink := alertingtest.NewSink()
	open := func() (*boltstore.Store, *alerting.Engine) {
		st, err := boltstore.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		eng, err := alerting.New(windowConfig(), st, sink, alerting.WithClock(clk.Now), alerting.WithOwner("bolt"))
		if err != nil {
			t.Fatal(err)
		}
		return st, eng
	}
	st, eng := open()
	res, err := eng.Submit(t.Context(), raise("b"))
	if err != nil {
		t.Fatal(err)
	}
	wantOutcome(t, res, alerting.OutcomeSuppressed, alerting.ReasonMaintenanceWindow)
	_ = eng.Close()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st, eng = open()
	defer st.Close()
	defer eng.Close()
	if n, err := eng.ProcessPending(t.Context()); err != nil || n != 0 {
		t.Fatalf("ProcessPending inside the window = %d, %v; want 0", n, err)
	}
	clk.Add(time.Hour)
	if n, err := eng.ProcessPending(t.Context()); err != nil || n != 1 {
		t.Fatalf("ProcessPending at the window's end = %d, %v; want 1", n, err)
	}
	wantTickets(t, sink, 1)
}
