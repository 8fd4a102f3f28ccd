package alerting_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
)

// TestClosePolicies: the resolve note is always written; the ticket is
// closed by "always" whatever happened, by "if_untouched" (the default)
// only when nobody worked on it since the engine's last write, never by
// "never".
func TestClosePolicies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		policy    alerting.ClosePolicy
		touch     bool
		wantClose bool
	}{
		{"", false, true},
		{"", true, false},
		{alerting.CloseIfUntouched, true, false},
		{alerting.CloseAlways, true, true},
		{alerting.CloseNever, false, false},
	} {
		name := string(tc.policy)
		if name == "" {
			name = "default"
		}
		if tc.touch {
			name += "/touched"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := baseConfig()
			cfg.Close = tc.policy
			f := newFixture(t, cfg)
			res := f.submit(t, raise("x"))
			f.clock.Add(time.Minute)
			if tc.touch {
				if err := f.sink.Touch(res.TicketID, "time entry by Tech 2"); err != nil {
					t.Fatal(err)
				}
			}
			f.clock.Add(time.Minute)
			got := f.submit(t, resolve("x"))
			tk, _ := f.sink.Ticket(res.TicketID)
			if tc.wantClose {
				wantOutcome(t, got, alerting.OutcomeClosed, "")
				if tk.State != alerting.TicketClosed || tk.CloseNote == nil || tk.CloseNote.Kind != alerting.NoteAllResolved {
					t.Fatalf("ticket %s, close note %+v; want closed with the all-resolved note", tk.State, tk.CloseNote)
				}
				return
			}
			wantOutcome(t, got, alerting.OutcomeNoted, "")
			if tk.State != alerting.TicketOpen || len(tk.Notes) != 1 || tk.Notes[0].Kind != alerting.NoteAllResolved {
				t.Fatalf("ticket %s with notes %+v; want open with the all-resolved note", tk.State, tk.Notes)
			}
			if tc.touch && !strings.Contains(tk.Notes[0].Text, "time entry by Tech 2") {
				t.Errorf("note %q does not say why the ticket stays open", tk.Notes[0].Text)
			}
			if f.sink.Calls(alertingtest.OpCloseTicket) != 0 {
				t.Error("CloseTicket was called")
			}
		})
	}
}

// TestUntouchedSinceLastWrite: work done before the engine's last write
// (here a raise note) does not keep the ticket open.
func TestUntouchedSinceLastWrite(t *testing.T) {
	t.Parallel()
	cfg := baseConfig()
	cfg.Grouping = alerting.GroupUser
	f := newFixture(t, cfg)
	res := f.submit(t, userAlert("ana@example.com", "t", "a"))
	f.clock.Add(time.Minute)
	if err := f.sink.Touch(res.TicketID, "status changed"); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Minute)
	wantOutcome(t, f.submit(t, userAlert("ana@example.com", "t", "b")), alerting.OutcomeNoted, "")
	f.clock.Add(time.Minute)
	for _, id := range []string{"a", "b"} {
		r := userAlert("ana@example.com", "t", id)
		r.Kind = alerting.Resolve
		f.submit(t, r)
	}
	if tk, _ := f.sink.Ticket(res.TicketID); tk.State != alerting.TicketClosed {
		t.Fatalf("ticket %s; want closed: the touch came before the engine's last note", tk.State)
	}
}

// TestTouchCheckFailureIsRetried: a PSA failure while reading whether the
// ticket was touched closes nothing and is retried.
func TestTouchCheckFailureIsRetried(t *testing.T) {
	t.Parallel()
	f := newFixture(t, baseConfig())
	res := f.submit(t, raise("x"))
	f.sink.FailNext(alertingtest.OpTouched, 1, errors.New("PSA down"))
	if got := f.submit(t, resolve("x")); got.Outcome != alerting.OutcomePending {
		t.Fatalf("outcome %s, want pending", got.Outcome)
	}
	if tk, _ := f.sink.Ticket(res.TicketID); tk.State != alerting.TicketOpen || len(tk.Notes) != 0 {
		t.Fatalf("ticket %s with %d notes after the failed check; want open, untouched", tk.State, len(tk.Notes))
	}
	f.clock.Add(2 * time.Second)
	if _, err := f.eng.ProcessPending(t.Context()); err != nil {
		t.Fatal(err)
	}
	if tk, _ := f.sink.Ticket(res.TicketID); tk.State != alerting.TicketClosed {
		t.Fatalf("ticket %s after the retry; want closed", tk.State)
	}
}

// TestRecurringAlertReopensTicket: the same device and alert type firing
// again (a new source alert) within reopen_within reopens the closed
// ticket with a note; later, a new ticket is opened.
func TestRecurringAlertReopensTicket(t *testing.T) {
	t.Parallel()
	cfg := baseConfig()
	cfg.ReopenWithin = "24h"
	f := newFixture(t, cfg)
	first := f.submit(t, raise("x1"))
	wantOutcome(t, f.submit(t, resolve("x1")), alerting.OutcomeClosed, "")

	f.clock.Add(3 * time.Hour)
	got := f.submit(t, raise("x2"))
	wantOutcome(t, got, alerting.OutcomeReopened, "")
	if got.TicketID != first.TicketID {
		t.Fatalf("reopened ticket %s, want %s", got.TicketID, first.TicketID)
	}
	tk := wantTickets(t, f.sink, 1)[0]
	if tk.State != alerting.TicketOpen || tk.Reopens != 1 || len(tk.Notes) != 1 || tk.Notes[0].Kind != alerting.NoteReopened {
		t.Fatalf("ticket %s, reopens %d, notes %+v; want open, reopened once, with the reopen note", tk.State, tk.Reopens, tk.Notes)
	}
	// A redelivery changes nothing; the new alert's resolve closes the
	// reopened ticket.
	wantOutcome(t, f.submit(t, raise("x2")), alerting.OutcomeDuplicate, "")
	wantOutcome(t, f.submit(t, resolve("x2")), alerting.OutcomeClosed, "")
	if tk, _ := f.sink.Ticket(first.TicketID); tk.State != alerting.TicketClosed {
		t.Fatalf("ticket %s after the recurring alert's resolve; want closed", tk.State)
	}

	// Another alert type on the device is not a recurrence.
	other := raise("y1")
	other.Type = "Offline"
	wantOutcome(t, f.submit(t, other), alerting.OutcomeCreated, "")

	// After the window: a new ticket.
	f.clock.Add(25 * time.Hour)
	late := f.submit(t, raise("x3"))
	wantOutcome(t, late, alerting.OutcomeCreated, "")
	if late.TicketID == first.TicketID {
		t.Fatal("a recurrence after reopen_within reused the old ticket")
	}
	wantTickets(t, f.sink, 3)
}

// TestRecurrenceAfterCloseInPSA: a ticket a technician closed is reopened
// too; one the PSA deleted is not (a new ticket).
func TestRecurrenceAfterCloseInPSA(t *testing.T) {
	t.Parallel()
	cfg := baseConfig()
	cfg.ReopenWithin = "24h"
	f := newFixture(t, cfg)
	first := f.submit(t, raise("x1"))
	if err := f.sink.CloseInPSA(first.TicketID); err != nil {
		t.Fatal(err)
	}
	// The engine learns of the close on the next write: here the resolve.
	wantOutcome(t, f.submit(t, resolve("x1")), alerting.OutcomeIgnored, alerting.ReasonTicketClosed)
	wantOutcome(t, f.submit(t, raise("x2")), alerting.OutcomeReopened, "")
	if tk, _ := f.sink.Ticket(first.TicketID); tk.State != alerting.TicketOpen {
		t.Fatalf("ticket %s, want reopened", tk.State)
	}
	wantOutcome(t, f.submit(t, resolve("x2")), alerting.OutcomeClosed, "")
	if err := f.sink.DeleteTicket(first.TicketID); err != nil {
		t.Fatal(err)
	}
	got := f.submit(t, raise("x3"))
	wantOutcome(t, got, alerting.OutcomeCreated, "")
	if got.TicketID == first.TicketID {
		t.Fatal("a deleted ticket was reused")
	}
}

// TestReopenOffByDefault: without reopen_within a recurrence opens a new
// ticket (the behaviour before reopening existed).
func TestReopenOffByDefault(t *testing.T) {
	t.Parallel()
	f := newFixture(t, baseConfig())
	f.submit(t, raise("x1"))
	f.submit(t, resolve("x1"))
	wantOutcome(t, f.submit(t, raise("x2")), alerting.OutcomeCreated, "")
	if n := f.sink.Calls(alertingtest.OpReopenTicket); n != 0 {
		t.Errorf("ReopenTicket called %d times", n)
	}
}

// TestPriorityBySeverityAndType: the priority comes from the alert type's
// own priority, else its severity map, else the global severity map, else
// the default.
func TestPriorityBySeverityAndType(t *testing.T) {
	t.Parallel()
	cfg := baseConfig()
	cfg.SeverityPriority = map[alerting.Severity]string{alerting.SeverityHigh: "2", alerting.SeverityCritical: "1"}
	cfg.AlertTypes = []alerting.AlertTypeRule{
		{Type: "Disk Usage", SeverityPriority: map[alerting.Severity]string{alerting.SeverityHigh: "4"}},
		{Type: "Offline", Ticket: alerting.TicketDefaults{Priority: "5"}, SeverityPriority: map[alerting.Severity]string{alerting.SeverityHigh: "4"}},
	}
	f := newFixture(t, cfg)
	for _, tc := range []struct {
		id, typ string
		sev     alerting.Severity
		want    string
	}{
		{"a", "Disk Usage", alerting.SeverityHigh, "4"},
		{"b", "Disk Usage", alerting.SeverityCritical, "1"},
		{"c", "Offline", alerting.SeverityHigh, "5"},
		{"d", "Patch", alerting.SeverityHigh, "2"},
		{"e", "Patch", alerting.SeverityLow, "3"},
	} {
		a := raise(tc.id)
		a.Type, a.Severity, a.Device = tc.typ, tc.sev, alerting.Device{ID: "dev-" + tc.id}
		res := f.submit(t, a)
		tk, _ := f.sink.Ticket(res.TicketID)
		if tk.Defaults.Priority != tc.want {
			t.Errorf("%s/%s: priority %q, want %q", tc.typ, tc.sev, tk.Defaults.Priority, tc.want)
		}
	}
}

// TestCheckPSAPriorities: CheckPSA reports each configured priority the
// PSA does not have for its ticket type, by key.
func TestCheckPSAPriorities(t *testing.T) {
	t.Parallel()
	cfg := baseConfig() // type 21, priority 3
	cfg.SeverityPriority = map[alerting.Severity]string{alerting.SeverityHigh: "2", alerting.SeverityCritical: "9"}
	cfg.AlertTypes = []alerting.AlertTypeRule{{Type: "Offline", Ticket: alerting.TicketDefaults{Type: "30"}}}
	f := newFixture(t, cfg)
	if err := f.eng.CheckPSA(t.Context()); err != nil {
		t.Fatalf("CheckPSA without known priorities: %v", err)
	}
	f.sink.SetPriorities("21", "1", "2", "3", "4")
	f.sink.SetPriorities("30", "1", "2", "9")
	err := f.eng.CheckPSA(t.Context())
	if !errors.Is(err, alerting.ErrInvalidConfig) {
		t.Fatalf("CheckPSA = %v, want ErrInvalidConfig", err)
	}
	for _, want := range []string{"severity_priority.critical", "ticket.priority (with alert_types[0].ticket.type)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("CheckPSA error %q does not name %s", err, want)
		}
	}
	if strings.Contains(err.Error(), "severity_priority.high") {
		t.Errorf("CheckPSA error %q names a valid priority", err)
	}
	f.sink.FailNext(alertingtest.OpCheckPriorities, 1, errors.New("PSA down"))
	if err := f.eng.CheckPSA(t.Context()); err == nil || errors.Is(err, alerting.ErrInvalidConfig) {
		t.Errorf("CheckPSA with the PSA down = %v, want an error that is not ErrInvalidConfig", err)
	}
}

// TestClosePolicyConfig: close values are validated and on_resolve note
// contradicts a closing policy.
func TestClosePolicyConfig(t *testing.T) {
	t.Parallel()
	for _, js := range []string{`{"close":"sometimes"}`, `{"on_resolve":"note","close":"always"}`, `{"reopen_within":"soon"}`} {
		if _, err := alerting.LoadConfig(strings.NewReader(js)); !errors.Is(err, alerting.ErrInvalidConfig) {
			t.Errorf("LoadConfig(%s) = %v, want ErrInvalidConfig", js, err)
		}
	}
	for _, js := range []string{`{"on_resolve":"note"}`, `{"close":"never","reopen_within":"72h"}`} {
		if _, err := alerting.LoadConfig(strings.NewReader(js)); err != nil {
			t.Errorf("LoadConfig(%s) = %v", js, err)
		}
	}
}

// TestReopenLostReply: a reopen whose reply was lost is retried without a
// second reopen note, and the ticket is recorded open.
func TestReopenLostReply(t *testing.T) {
	t.Parallel()
	cfg := baseConfig()
	cfg.ReopenWithin = "24h"
	f := newFixture(t, cfg)
	first := f.submit(t, raise("x1"))
	f.submit(t, resolve("x1"))
	f.clock.Add(time.Hour)
	f.sink.LoseNextResponse(alertingtest.OpReopenTicket, 1, errors.New("connection reset"))
	if res := f.submit(t, raise("x2")); res.Outcome != alerting.OutcomePending {
		t.Fatalf("outcome %s, want pending", res.Outcome)
	}
	f.clock.Add(2 * time.Second)
	if _, err := f.eng.ProcessPending(t.Context()); err != nil {
		t.Fatal(err)
	}
	tk := wantTickets(t, f.sink, 1)[0]
	if tk.ID != first.TicketID || tk.State != alerting.TicketOpen || tk.Reopens != 1 || len(tk.Notes) != 1 {
		t.Fatalf("ticket %s: %s, reopens %d, %d notes; want the first ticket open, reopened once, one note", tk.ID, tk.State, tk.Reopens, len(tk.Notes))
	}
	wantOutcome(t, f.submit(t, resolve("x2")), alerting.OutcomeClosed, "")
}

// TestReopenRefusedOpensNewTicket: a PSA that refuses for good to reopen
// the ticket does not cost the alert its ticket.
func TestReopenRefusedOpensNewTicket(t *testing.T) {
	t.Parallel()
	cfg := baseConfig()
	cfg.ReopenWithin = "24h"
	f := newFixture(t, cfg)
	first := f.submit(t, raise("x1"))
	f.submit(t, resolve("x1"))
	f.sink.FailNext(alertingtest.OpReopenTicket, 1, alerting.Permanent(errors.New("403: no rights to reopen")))
	res := f.submit(t, raise("x2"))
	wantOutcome(t, res, alerting.OutcomeCreated, "")
	if res.TicketID == first.TicketID {
		t.Fatal("the refused ticket was reused")
	}
	if tk, _ := f.sink.Ticket(first.TicketID); tk.State != alerting.TicketClosed {
		t.Errorf("first ticket %s, want still closed", tk.State)
	}
}
