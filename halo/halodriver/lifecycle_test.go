package halodriver_test

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/memstore"
	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halodriver"
	"github.com/mspsync/mspsync/halo/halotest"
)

// testClock is one manual clock for the engine and the fake Halo.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// lifecycleEngine is an engine over the fake Halo with one mapped Datto
// site, sharing clk with the fake.
func lifecycleEngine(t *testing.T, mut func(*alerting.Config), opts ...halodriver.Option) (*alerting.Engine, *halotest.Server, *halodriver.AlertSink, *testClock) {
	t.Helper()
	srv, c := setup(t)
	clk := &testClock{t: time.Date(2026, 6, 12, 9, 0, 0, 0, time.UTC)}
	srv.SetNow(clk.Now)
	cust, site, _ := estate(srv)
	cfg := alerting.Config{
		Customers: []alerting.CustomerMapping{{Source: "datto", SourceCustomer: "s1", Customer: itoa(cust.ID), Site: itoa(site.ID)}},
		Ticket:    alerting.TicketDefaults{Type: "1"},
	}
	if mut != nil {
		mut(&cfg)
	}
	sink := halodriver.NewAlertSink(c, opts...)
	eng, err := alerting.New(cfg, memstore.New(), sink, alerting.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	return eng, srv, sink, clk
}

func itoa(n int) string { return strconv.Itoa(n) }

func dattoAlert(id string, kind alerting.Kind) alerting.Alert {
	return alerting.Alert{Source: "datto", EventID: id, Kind: kind, Type: "Disk Usage", Title: "Disk full",
		Customer: alerting.CustomerRef{ID: "s1"}, Device: alerting.Device{ID: "dev-1", Hostname: "PC-1"}, Severity: alerting.SeverityHigh}
}

func submit(t *testing.T, eng *alerting.Engine, a alerting.Alert) alerting.Result {
	t.Helper()
	res, err := eng.Submit(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	if res.Err != nil {
		t.Fatalf("%s: %v", a.EventKey(), res.Err)
	}
	return res
}

func closed(t *testing.T, srv *halotest.Server, id string) bool {
	t.Helper()
	tk, ok := srv.Ticket(mustAtoi(id))
	if !ok {
		t.Fatalf("ticket %s is gone", id)
	}
	return tk.HasBeenClosed != nil && *tk.HasBeenClosed
}

// TestHaloCloseIfUntouched: by default a resolve closes a Halo ticket only
// when no technician action, time entry or status change came after the
// engine's last write; the resolve note is written either way.
func TestHaloCloseIfUntouched(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		act   *halo.Action // written by someone in Halo after the raise
		close bool
	}{
		{"untouched", nil, true},
		{"API agent system action", &halo.Action{Outcome: "Logged", Note: "Ticket logged"}, true},
		{"technician note", &halo.Action{Outcome: "Note", Note: "Looking into it", WhoAgentID: 5}, false},
		{"time entry", &halo.Action{Outcome: "Work", TimeTaken: 0.5, WhoAgentID: 5}, false},
		{"status change", &halo.Action{Outcome: "Status", NewStatus: 2, OldStatus: 1, WhoAgentID: 5}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			eng, srv, _, clk := lifecycleEngine(t, nil)
			res := submit(t, eng, dattoAlert("a1", alerting.Raise))
			clk.Add(time.Minute)
			if tc.act != nil {
				a := *tc.act
				a.TicketID = mustAtoi(res.TicketID)
				srv.SeedAction(a)
			}
			clk.Add(time.Minute)
			before := len(srv.Actions(mustAtoi(res.TicketID)))
			submit(t, eng, dattoAlert("a1", alerting.Resolve))
			if got := closed(t, srv, res.TicketID); got != tc.close {
				t.Fatalf("closed = %v, want %v", got, tc.close)
			}
			acts := srv.Actions(mustAtoi(res.TicketID))
			if len(acts) != before+1 || !strings.Contains(acts[len(acts)-1].Note, "Alert resolved") {
				t.Fatalf("actions after the resolve: %+v; want the resolve note added", acts)
			}
		})
	}
}

// TestHaloReopen: a recurring alert (same device and type, new alert UID)
// reopens the closed Halo ticket with the ticket type's reopened status and
// a note; the recurrence's resolve closes it again.
func TestHaloReopen(t *testing.T) {
	t.Parallel()
	eng, srv, _, clk := lifecycleEngine(t, func(c *alerting.Config) { c.ReopenWithin = "24h"; c.Ticket.Type = "7" })
	srv.SeedTicketType(halo.TicketType{ID: 7, Name: "RMM Alert", ReopenedStatus: 3})
	first := submit(t, eng, dattoAlert("a1", alerting.Raise))
	submit(t, eng, dattoAlert("a1", alerting.Resolve))
	if !closed(t, srv, first.TicketID) {
		t.Fatal("the first resolve did not close the ticket")
	}
	clk.Add(2 * time.Hour)
	res := submit(t, eng, dattoAlert("a2", alerting.Raise))
	if res.Outcome != alerting.OutcomeReopened || res.TicketID != first.TicketID {
		t.Fatalf("recurrence: %s on ticket %s, want reopened %s", res.Outcome, res.TicketID, first.TicketID)
	}
	tk, _ := srv.Ticket(mustAtoi(first.TicketID))
	if closed(t, srv, first.TicketID) || tk.StatusID != 3 || len(srv.Tickets()) != 1 {
		t.Fatalf("ticket after reopen: status %d, closed %v, %d tickets", tk.StatusID, closed(t, srv, first.TicketID), len(srv.Tickets()))
	}
	acts := srv.Actions(tk.ID)
	if !strings.Contains(acts[len(acts)-1].Note, "Alert raised again") {
		t.Errorf("last action %q, want the reopen note", acts[len(acts)-1].Note)
	}
	clk.Add(time.Minute)
	submit(t, eng, dattoAlert("a2", alerting.Resolve))
	if !closed(t, srv, first.TicketID) {
		t.Fatal("the recurrence's resolve did not close the reopened ticket (the engine's reopen counted as a touch?)")
	}
	// After the window: a new ticket.
	clk.Add(48 * time.Hour)
	if res := submit(t, eng, dattoAlert("a3", alerting.Raise)); res.Outcome != alerting.OutcomeCreated || len(srv.Tickets()) != 2 {
		t.Fatalf("after the window: %s, %d tickets", res.Outcome, len(srv.Tickets()))
	}
}

// TestHaloCheckPriorities: configured priorities are checked against the
// SLA of their ticket type at start-up (Engine.CheckPSA).
func TestHaloCheckPriorities(t *testing.T) {
	t.Parallel()
	mut := func(c *alerting.Config) {
		c.Ticket.Type, c.Ticket.Priority = "7", "3"
		c.SeverityPriority = map[alerting.Severity]string{alerting.SeverityHigh: "2", alerting.SeverityCritical: "8"}
		c.AlertTypes = []alerting.AlertTypeRule{{Type: "Offline", Ticket: alerting.TicketDefaults{Type: "99", Priority: "1"}}}
	}
	eng, srv, _, _ := lifecycleEngine(t, mut)
	srv.SeedSLA(halo.SLA{ID: 4, Name: "Standard", Priorities: []halo.SLAPriority{{PriorityID: 1, SLAID: 4}, {PriorityID: 2, SLAID: 4}, {PriorityID: 3, SLAID: 4}}})
	srv.SeedTicketType(halo.TicketType{ID: 7, Name: "RMM Alert", DefaultSLA: 4})
	err := eng.CheckPSA(t.Context())
	if !errors.Is(err, alerting.ErrInvalidConfig) {
		t.Fatalf("CheckPSA = %v, want ErrInvalidConfig", err)
	}
	msg := err.Error()
	for _, want := range []string{"severity_priority.critical", "alert_types[0].ticket.priority", "no Halo ticket type 99"} {
		if !strings.Contains(msg, want) {
			t.Errorf("CheckPSA error %q does not mention %q", msg, want)
		}
	}
	if strings.Contains(msg, "severity_priority.high") || strings.Contains(msg, "config ticket.priority") {
		t.Errorf("CheckPSA error %q names a valid priority", msg)
	}

	// An SLA whose priorities cannot be read is an error, not a config
	// problem; WithoutPriorityCheck skips the check.
	eng2, srv2, _, _ := lifecycleEngine(t, func(c *alerting.Config) { c.Ticket.Type, c.Ticket.Priority = "7", "3" })
	srv2.SeedSLA(halo.SLA{ID: 4, Name: "Empty"})
	srv2.SeedTicketType(halo.TicketType{ID: 7, Name: "RMM Alert", DefaultSLA: 4})
	if err := eng2.CheckPSA(t.Context()); err == nil || errors.Is(err, alerting.ErrInvalidConfig) {
		t.Errorf("CheckPSA with unreadable priorities = %v", err)
	}
	eng3, srv3, _, _ := lifecycleEngine(t, func(c *alerting.Config) { c.Ticket.Type, c.Ticket.Priority = "7", "3" }, halodriver.WithoutPriorityCheck())
	srv3.SeedSLA(halo.SLA{ID: 4, Name: "Empty"})
	srv3.SeedTicketType(halo.TicketType{ID: 7, Name: "RMM Alert", DefaultSLA: 4})
	if err := eng3.CheckPSA(t.Context()); err != nil {
		t.Errorf("CheckPSA with WithoutPriorityCheck = %v", err)
	}
}
