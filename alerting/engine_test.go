package alerting_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/memstore"
)

func TestSubmitCreatesTicket(t *testing.T) {
	t.Parallel()
	f := newFixture(t, baseConfig())
	a := raise("uid-1")
	res := f.submit(t, a)
	wantOutcome(t, res, alerting.OutcomeCreated, "")
	tk := wantTickets(t, f.sink, 1)[0]
	if res.TicketID != tk.ID || res.EventKey != "datto/raise/uid-1" {
		t.Errorf("result = %+v, want ticket %s and event datto/raise/uid-1", res, tk.ID)
	}
	wantKey := alerting.GroupKey("C1", alerting.GroupPerAlert, a)
	if res.GroupKey != wantKey || tk.GroupKey != wantKey || f.eng.GroupKey("C1", a) != wantKey {
		t.Errorf("group key: result %s, ticket %s, want %s", res.GroupKey, tk.GroupKey, wantKey)
	}
	if tk.Customer != "C1" || tk.Site != "S1" || tk.Contact != "U-default" || tk.Title != a.Title ||
		tk.Severity != alerting.SeverityHigh || tk.Defaults.Type != "21" || tk.Defaults.Priority != "3" {
		t.Errorf("ticket = %+v", tk.NewTicket)
	}
	for _, want := range []string{"C: is 97% full", "Source: datto", "Alert ID: uid-1", "Device: PC-01 (dev-1)", "Alert group: " + wantKey} {
		if !strings.Contains(tk.Body, want) {
			t.Errorf("ticket body lacks %q:\n%s", want, tk.Body)
		}
	}
	if !tk.Time.Equal(f.clock.Now()) {
		t.Errorf("ticket time = %v, want the accept time %v for an alert without one", tk.Time, f.clock.Now())
	}
	s := f.stats(t)
	if s.Received != 1 || s.TicketsCreated != 1 || s.Pending != 0 || s.NotesAdded != 0 {
		t.Errorf("stats = %+v", s)
	}
}

func TestRedeliveryHasOneEffect(t *testing.T) {
	t.Parallel()
	f := newFixture(t, baseConfig())
	wantOutcome(t, f.submit(t, raise("uid-1")), alerting.OutcomeCreated, "")
	wantOutcome(t, f.submit(t, raise("uid-1")), alerting.OutcomeDuplicate, "")
	wantOutcome(t, f.submit(t, resolve("uid-1")), alerting.OutcomeClosed, "")
	wantOutcome(t, f.submit(t, resolve("uid-1")), alerting.OutcomeDuplicate, "")
	wantOutcome(t, f.submit(t, raise("uid-1")), alerting.OutcomeDuplicate, "")

	// Concurrent redeliveries of one new event.
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			if _, err := f.eng.Submit(t.Context(), raise("uid-2")); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	ts := wantTickets(t, f.sink, 2)
	if len(ts[0].Notes) != 0 || len(ts[1].Notes) != 0 || ts[0].State != alerting.TicketClosed || ts[1].State != alerting.TicketOpen {
		t.Errorf("tickets = %+v", ts)
	}
	if s := f.stats(t); s.Deduplicated != 102 || s.TicketsCreated != 2 || s.TicketsClosed != 1 {
		t.Errorf("stats = %+v, want 102 deduplicated, 2 created, 1 closed", s)
	}
}

// TestConcurrentAlertsOneGroup: N simultaneous alerts of one group make one
// ticket and N-1 notes. Run with -race.
func TestConcurrentAlertsOneGroup(t *testing.T) {
	t.Parallel()
	cfg := baseConfig()
	cfg.Grouping = alerting.GroupUser
	f := newFixture(t, cfg)
	const n = 1000
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			a := userAlert("Ana@Example.com", fmt.Sprintf("type-%d", i%7), fmt.Sprintf("evt-%d", i))
			if _, err := f.eng.Submit(t.Context(), a); err != nil {
				t.Error(err)
			}
		})
	}
	close(start)
	wg.Wait()
	tk := wantTickets(t, f.sink, 1)[0]
	if len(tk.Notes) != n-1 {
		t.Errorf("%d notes, want %d", len(tk.Notes), n-1)
	}
	if got := f.sink.Calls(alertingtest.OpCreateTicket); got != 1 {
		t.Errorf("CreateTicket called %d times, want 1", got)
	}
	s := f.stats(t)
	if s.TicketsCreated != 1 || s.NotesAdded != n-1 || s.Pending != 0 || s.Retries != 0 {
		t.Errorf("stats = %+v", s)
	}
	g, err := f.store.Group(t.Context(), tk.GroupKey)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Tickets) != 1 || len(g.Tickets[0].Members) != n || g.LeaseOwner != "" {
		t.Errorf("group: %d tickets, %d members, lease %q; want 1, %d, none", len(g.Tickets), len(g.Tickets[0].Members), g.LeaseOwner, n)
	}
}

func TestClosedTicketIsNeverAppendedTo(t *testing.T) {
	t.Parallel()
	cfg := baseConfig()
	cfg.Grouping = alerting.GroupUser
	f := newFixture(t, cfg)
	first := f.submit(t, userAlert("ana@example.com", "Login", "e1"))
	wantOutcome(t, f.submit(t, userAlert("ana@example.com", "Login", "e2")), alerting.OutcomeNoted, "")

	if err := f.sink.CloseInPSA(first.TicketID); err != nil {
		t.Fatal(err)
	}
	second := f.submit(t, userAlert("ana@example.com", "Login", "e3"))
	wantOutcome(t, second, alerting.OutcomeCreated, "")
	if second.TicketID == first.TicketID || second.GroupKey != first.GroupKey {
		t.Errorf("after close: ticket %s group %s; want a new ticket in group %s", second.TicketID, second.GroupKey, first.GroupKey)
	}

	if err := f.sink.DeleteTicket(second.TicketID); err != nil {
		t.Fatal(err)
	}
	third := f.submit(t, userAlert("ana@example.com", "Login", "e4"))
	wantOutcome(t, third, alerting.OutcomeCreated, "")

	ts := wantTickets(t, f.sink, 3)
	if len(ts[0].Notes) != 1 || len(ts[1].Notes) != 0 || len(ts[2].Notes) != 0 {
		t.Errorf("notes per ticket = %d, %d, %d; want 1, 0, 0 (nothing appended after close)", len(ts[0].Notes), len(ts[1].Notes), len(ts[2].Notes))
	}
	if ts[2].PreviousTicket != "" {
		t.Errorf("PreviousTicket = %q with the default reopen policy, want none", ts[2].PreviousTicket)
	}
}

// closingSink reports tickets open but refuses notes, as a PSA does when a
// technician closes the ticket between the engine's check and its write.
type closingSink struct{ *alertingtest.Sink }

func (s closingSink) AddNote(ctx context.Context, id string, n alerting.Note) error {
	if err := s.Sink.CloseInPSA(id); err != nil {
		return err
	}
	return s.Sink.AddNote(ctx, id, n)
}

func TestTicketClosedDuringAppend(t *testing.T) {
	t.Parallel()
	cfg := baseConfig()
	cfg.Grouping = alerting.GroupUser
	cfg.Reopen = alerting.ReopenNewLinkedTicket
	sink := alertingtest.NewSink()
	eng, err := alerting.New(cfg, memstore.New(), closingSink{sink})
	if err != nil {
		t.Fatal(err)
	}
	first, err := eng.Submit(t.Context(), userAlert("ana@example.com", "x", "e1"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Submit(t.Context(), userAlert("ana@example.com", "x", "e2"))
	if err != nil {
		t.Fatal(err)
	}
	wantOutcome(t, res, alerting.OutcomeCreated, "")
	ts := wantTickets(t, sink, 2)
	if len(ts[0].Notes) != 0 || ts[1].PreviousTicket != first.TicketID {
		t.Errorf("notes on the closed ticket %d (want 0); new ticket links %q, want %q", len(ts[0].Notes), ts[1].PreviousTicket, first.TicketID)
	}
}

func TestResolveClosesOnlyWhenEveryAlertIsResolved(t *testing.T) {
	t.Parallel()
	cfg := baseConfig()
	cfg.Grouping = alerting.GroupUser
	f := newFixture(t, cfg)
	for _, id := range []string{"a", "b", "c"} {
		f.submit(t, userAlert("ana@example.com", "t-"+id, id))
	}
	for i, id := range []string{"b", "a"} {
		r := userAlert("ana@example.com", "t-"+id, id)
		r.Kind = alerting.Resolve
		wantOutcome(t, f.submit(t, r), alerting.OutcomeNoted, "")
		tk := wantTickets(t, f.sink, 1)[0]
		last := tk.Notes[len(tk.Notes)-1]
		if tk.State != alerting.TicketOpen || last.Kind != alerting.NoteMemberResolved ||
			!strings.Contains(last.Text, fmt.Sprintf("%d of 3", i+1)) {
			t.Fatalf("after resolving %s: state %s, last note %q (%s)", id, tk.State, last.Text, last.Kind)
		}
	}
	r := userAlert("ana@example.com", "t-c", "c")
	r.Kind = alerting.Resolve
	res := f.submit(t, r)
	wantOutcome(t, res, alerting.OutcomeClosed, "")
	tk := wantTickets(t, f.sink, 1)[0]
	if tk.State != alerting.TicketClosed || tk.CloseNote == nil || tk.CloseNote.Kind != alerting.NoteAllResolved {
		t.Fatalf("ticket after the last resolve: %s, close note %+v", tk.State, tk.CloseNote)
	}
	g, err := f.store.Group(t.Context(), res.GroupKey)
	if err != nil {
		t.Fatal(err)
	}
	if g.Tickets[0].ClosedBy != alerting.ClosedByEngine {
		t.Errorf("ClosedBy = %q, want engine", g.Tickets[0].ClosedBy)
	}
	// The group goes on with a new ticket.
	wantOutcome(t, f.submit(t, userAlert("ana@example.com", "t-d", "d")), alerting.OutcomeCreated, "")
	if s := f.stats(t); s.TicketsClosed != 1 || s.NotesAdded != 4 || s.TicketsCreated != 2 {
		t.Errorf("stats = %+v, want 1 closed, 4 notes, 2 created", s)
	}
}

func TestNoteOnResolve(t *testing.T) {
	t.Parallel()
	cfg := baseConfig()
	cfg.OnResolve = alerting.NoteOnResolve
	f := newFixture(t, cfg)
	f.submit(t, raise("x"))
	wantOutcome(t, f.submit(t, resolve("x")), alerting.OutcomeNoted, "")
	tk := wantTickets(t, f.sink, 1)[0]
	if tk.State != alerting.TicketOpen || len(tk.Notes) != 1 || tk.Notes[0].Kind != alerting.NoteAllResolved {
		t.Errorf("ticket = %s with notes %+v; want open with one all-resolved note", tk.State, tk.Notes)
	}
	if f.sink.Calls(alertingtest.OpCloseTicket) != 0 {
		t.Error("CloseTicket was called with on_resolve: note")
	}
}

func TestResolveWithNothingOpenCreatesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, baseConfig())
	wantOutcome(t, f.submit(t, resolve("never-raised")), alerting.OutcomeIgnored, alerting.ReasonNothingOpen)
	if n := f.sink.Calls(alertingtest.OpAny); n != 0 {
		t.Errorf("%d PSA calls for a resolve with nothing open, want 0", n)
	}
	// The raise arriving after its resolve is late: still nothing.
	wantOutcome(t, f.submit(t, raise("never-raised")), alerting.OutcomeIgnored, alerting.ReasonLateRaise)
	wantTickets(t, f.sink, 0)

	// A resolve for an alert whose ticket was closed by a technician.
	res := f.submit(t, raise("y"))
	if err := f.sink.CloseInPSA(res.TicketID); err != nil {
		t.Fatal(err)
	}
	wantOutcome(t, f.submit(t, resolve("y")), alerting.OutcomeIgnored, alerting.ReasonTicketClosed)
	if tk, _ := f.sink.Ticket(res.TicketID); len(tk.Notes) != 0 || tk.CloseNote != nil {
		t.Errorf("the closed ticket was written to: %+v", tk)
	}
	if s := f.stats(t); s.Ignored[alerting.ReasonNothingOpen] != 1 || s.Ignored[alerting.ReasonLateRaise] != 1 || s.Ignored[alerting.ReasonTicketClosed] != 1 {
		t.Errorf("ignored = %v", s.Ignored)
	}
}

func TestLateRaiseIsIgnored(t *testing.T) {
	t.Parallel()
	cfg := baseConfig()
	cfg.Customers = append(cfg.Customers, alerting.CustomerMapping{Source: "level", SourceCustomer: "site-1", Customer: "C1"})
	f := newFixture(t, cfg)
	// Level: every event has its own ID; raise and resolve share the alert ID.
	level := func(evt, alertID string, kind alerting.Kind) alerting.Alert {
		a := raise(evt)
		a.Source, a.AlertID, a.Kind = "level", alertID, kind
		return a
	}
	submit := func(a alerting.Alert) alerting.Result { return f.submit(t, a) }
	wantOutcome(t, submit(level("evt-1", "alert-9", alerting.Raise)), alerting.OutcomeCreated, "")
	wantOutcome(t, submit(level("evt-2", "alert-9", alerting.Raise)), alerting.OutcomeIgnored, alerting.ReasonAlreadyOpen)
	wantOutcome(t, submit(level("evt-3", "alert-9", alerting.Resolve)), alerting.OutcomeClosed, "")
	wantOutcome(t, submit(level("evt-4", "alert-9", alerting.Raise)), alerting.OutcomeIgnored, alerting.ReasonLateRaise)
	wantOutcome(t, submit(level("evt-5", "alert-9", alerting.Resolve)), alerting.OutcomeIgnored, alerting.ReasonAlreadyResolved)
	ts := wantTickets(t, f.sink, 1)
	if len(ts[0].Notes) != 0 {
		t.Errorf("notes = %+v, want none", ts[0].Notes)
	}
}

func TestUnmappedCustomerIsRejected(t *testing.T) {
	t.Parallel()
	t.Run("NoCatchAll", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, baseConfig())
		a := raise("u1")
		a.Customer = alerting.CustomerRef{ID: "site-77", Name: "Globex"}
		a.Device = alerting.Device{Hostname: "PC-01"} // no device ID: nothing to locate, so no PSA call
		res, err := f.eng.Submit(t.Context(), a)
		var rej *alerting.RejectedError
		if !errors.Is(err, alerting.ErrUnmappedCustomer) || !errors.Is(err, alerting.ErrRejected) || !errors.As(err, &rej) {
			t.Fatalf("err = %v, want *RejectedError matching ErrUnmappedCustomer", err)
		}
		if rej.Reason != alerting.ReasonUnmappedCustomer || rej.Customer.ID != "site-77" || !strings.Contains(err.Error(), "Globex") ||
			!strings.Contains(err.Error(), "catch_all") {
			t.Errorf("rejection = %+v, %q", rej, err)
		}
		wantOutcome(t, res, alerting.OutcomeRejected, alerting.ReasonUnmappedCustomer)
		if n, _ := f.store.Pending(t.Context()); n != 0 || f.sink.Calls(alertingtest.OpAny) != 0 {
			t.Errorf("a rejected alert left %d pending items and %d PSA calls", n, f.sink.Calls(alertingtest.OpAny))
		}
		if s := f.stats(t); s.Rejected[alerting.ReasonUnmappedCustomer] != 1 {
			t.Errorf("rejected = %v", s.Rejected)
		}
	})
	t.Run("DeviceNotLinked", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, baseConfig())
		a := raise("u1")
		a.Customer = alerting.CustomerRef{ID: "site-77", Name: "Globex"}
		res, err := f.eng.Submit(t.Context(), a)
		if !errors.Is(err, alerting.ErrUnmappedCustomer) {
			t.Fatalf("err = %v, want ErrUnmappedCustomer", err)
		}
		wantOutcome(t, res, alerting.OutcomeRejected, alerting.ReasonUnmappedCustomer)
		if n, _ := f.store.Pending(t.Context()); n != 0 || f.sink.Calls(alertingtest.OpLocateAsset) != 1 {
			t.Errorf("%d pending, %d LocateAsset calls; want 0 and 1", n, f.sink.Calls(alertingtest.OpLocateAsset))
		}
	})
	t.Run("AutoMatchFindsNothing", func(t *testing.T) {
		t.Parallel()
		cfg := baseConfig()
		cfg.AutoMatch = true
		f := newFixture(t, cfg)
		a := raise("u2")
		a.Customer = alerting.CustomerRef{ID: "site-77", Name: "Globex"}
		_, err := f.eng.Submit(t.Context(), a)
		if !errors.Is(err, alerting.ErrUnmappedCustomer) {
			t.Fatalf("err = %v, want ErrUnmappedCustomer", err)
		}
		if n, _ := f.store.Pending(t.Context()); n != 0 {
			t.Errorf("the rejected alert is still pending (%d); it must not be retried", n)
		}
		if res, err := f.eng.Submit(t.Context(), a); err != nil || res.Outcome != alerting.OutcomeDuplicate {
			t.Errorf("redelivery of a rejected alert = %+v, %v; want duplicate", res, err)
		}
	})
	t.Run("CatchAll", func(t *testing.T) {
		t.Parallel()
		cfg := baseConfig()
		cfg.CatchAll = &alerting.CatchAll{Customer: "C-catch", Site: "S-catch", Contact: "U-catch"}
		f := newFixture(t, cfg)
		a := raise("u3")
		a.Customer = alerting.CustomerRef{ID: "site-77", Name: "Globex"}
		res := f.submit(t, a)
		wantOutcome(t, res, alerting.OutcomeCreated, "")
		tk := wantTickets(t, f.sink, 1)[0]
		if tk.Customer != "C-catch" || tk.Site != "S-catch" || tk.Contact != "U-catch" || res.GroupKey != alerting.GroupKey("C-catch", alerting.GroupPerAlert, a) {
			t.Errorf("catch-all ticket = %+v", tk.NewTicket)
		}
	})
}

func TestCustomerRouting(t *testing.T) {
	t.Parallel()
	cfg := baseConfig()
	cfg.AutoMatch = true
	cfg.Customers = append(cfg.Customers,
		alerting.CustomerMapping{Source: "datto", SourceCustomer: "site-off", Disabled: true})
	f := newFixture(t, cfg)
	f.sink.AddCustomer(alerting.Customer{ID: "C-auto", Name: "Acme", Site: "S-auto", Contact: "U-auto", Contract: "K-1"})
	f.sink.AddCustomer(alerting.Customer{ID: "C-globex", Name: "Globex Corporation"})

	// Manual mapping wins over a PSA customer of the same name.
	f.submit(t, raise("m1"))
	// Exact-name auto-match, ignoring case and space.
	a := raise("m2")
	a.Customer = alerting.CustomerRef{ID: "site-2", Name: "  globex corporation "}
	f.submit(t, a)
	a = raise("m3")
	a.Customer = alerting.CustomerRef{ID: "site-3", Name: "Acme"}
	f.submit(t, a)
	a = raise("m4")
	a.Customer = alerting.CustomerRef{ID: "site-3", Name: "Acme"}
	f.submit(t, a)
	ts := wantTickets(t, f.sink, 4)
	got := []string{ts[0].Customer, ts[1].Customer, ts[2].Customer, ts[3].Customer}
	if want := []string{"C1", "C-globex", "C-auto", "C-auto"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("customers = %v, want %v", got, want)
	}
	if ts[2].Site != "S-auto" || ts[2].Contact != "U-auto" || ts[2].Contract != "K-1" {
		t.Errorf("auto-matched ticket = %+v; want the customer's site, contact and contract", ts[2].NewTicket)
	}
	if n := f.sink.Calls(alertingtest.OpFindCustomer); n != 2 {
		t.Errorf("FindCustomer called %d times, want 2 (results are cached)", n)
	}

	// A disabled mapping switches tickets off, even with auto-match on.
	a = raise("m5")
	a.Customer = alerting.CustomerRef{ID: "site-off", Name: "Acme"}
	wantOutcome(t, f.submit(t, a), alerting.OutcomeIgnored, alerting.ReasonCustomerDisabled)
	wantTickets(t, f.sink, 4)
}

func TestTicketDefaultsAndOverrides(t *testing.T) {
	t.Parallel()
	cfg := baseConfig()
	cfg.Ticket = alerting.TicketDefaults{Type: "T-default", Status: "new", Queue: "Q", Priority: "P-default", IssueType: "I", SubIssueType: "SI",
		Fields: map[string]string{"category_1": "RMM", "cf_201": "x"}}
	cfg.SeverityPriority = map[alerting.Severity]string{alerting.SeverityCritical: "P-crit", alerting.SeverityHigh: "P-high"}
	cfg.AlertTypes = []alerting.AlertTypeRule{
		{Type: "too many downloads", Ticket: alerting.TicketDefaults{IssueType: "I-dl", SubIssueType: "SI-dl", Fields: map[string]string{"cf_201": "y"}}},
		{Type: "Disk Usage", Source: "datto", Ticket: alerting.TicketDefaults{Type: "T-disk", Priority: "P-disk"}},
		{Type: "Disk Usage", Ticket: alerting.TicketDefaults{Type: "T-any-source"}},
		{Type: "Noise", Disabled: true},
	}
	f := newFixture(t, cfg)
	a := raise("d1") // Disk Usage from datto, high
	f.submit(t, a)
	a = raise("d2")
	a.Type, a.Severity = "Too Many Downloads ", alerting.SeverityCritical
	f.submit(t, a)
	a = raise("d3")
	a.Type, a.Severity = "Something else", alerting.SeverityLow
	f.submit(t, a)
	a = raise("d4")
	a.Type = "noise"
	wantOutcome(t, f.submit(t, a), alerting.OutcomeIgnored, alerting.ReasonAlertTypeDisabled)

	ts := wantTickets(t, f.sink, 3)
	want := []alerting.TicketDefaults{
		{Type: "T-disk", Status: "new", Queue: "Q", Priority: "P-disk", IssueType: "I", SubIssueType: "SI", Fields: map[string]string{"category_1": "RMM", "cf_201": "x"}},
		{Type: "T-default", Status: "new", Queue: "Q", Priority: "P-crit", IssueType: "I-dl", SubIssueType: "SI-dl", Fields: map[string]string{"category_1": "RMM", "cf_201": "y"}},
		{Type: "T-default", Status: "new", Queue: "Q", Priority: "P-default", IssueType: "I", SubIssueType: "SI", Fields: map[string]string{"category_1": "RMM", "cf_201": "x"}},
	}
	for i := range want {
		if got := fmt.Sprintf("%+v", ts[i].Defaults); got != fmt.Sprintf("%+v", want[i]) {
			t.Errorf("ticket %d defaults:\n got  %s\n want %+v", i, got, want[i])
		}
	}
	if cfg.Ticket.Fields["cf_201"] != "x" {
		t.Error("an override changed the configuration's own map")
	}

	t.Run("OnlyMappedAlertTypes", func(t *testing.T) {
		t.Parallel()
		cfg := baseConfig()
		cfg.OnlyMappedAlertTypes = true
		cfg.AlertTypes = []alerting.AlertTypeRule{{Source: "level", Type: "CPU usage", Ticket: alerting.TicketDefaults{Type: "T-cpu"}}}
		cfg.Customers = append(cfg.Customers, alerting.CustomerMapping{Source: "level", SourceCustomer: "g1", Customer: "C1"})
		f := newFixture(t, cfg)
		wantOutcome(t, f.submit(t, raise("x")), alerting.OutcomeIgnored, alerting.ReasonAlertTypeNotMapped)
		a := raise("y")
		a.Source, a.Type, a.Customer.ID = "level", "cpu usage", "g1"
		wantOutcome(t, f.submit(t, a), alerting.OutcomeCreated, "")
		if tk := wantTickets(t, f.sink, 1)[0]; tk.Defaults.Type != "T-cpu" {
			t.Errorf("ticket type = %q, want T-cpu", tk.Defaults.Type)
		}
		// Resolves are never filtered: they only touch what exists.
		r := raise("x")
		r.Kind = alerting.Resolve
		wantOutcome(t, f.submit(t, r), alerting.OutcomeIgnored, alerting.ReasonNothingOpen)
	})
}

func TestContactAndAsset(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name                string
		user                string
		device              alerting.Device
		linkAsset           bool
		mappingContact      string
		wantContact, wantAs string
		wantSite            string
	}{
		// The ticket's site is the asset's site, whoever the user is.
		{"EmailMatch", "Ana@Example.com", alerting.Device{ID: "dev-1"}, true, "U-default", "U-ana", "A-1", "S-asset"},
		{"EmailMatchNoAsset", "Ana@Example.com", alerting.Device{}, true, "U-default", "U-ana", "", "S-ana"},
		{"AssetUser", "nobody@example.com", alerting.Device{ID: "dev-1"}, false, "U-default", "U-asset", "", "S-asset"},
		{"AssetByHostname", "", alerting.Device{Hostname: "pc-02"}, true, "U-default", "U-two", "A-2", "S1"},
		{"CustomerDefault", "", alerting.Device{ID: "dev-unknown"}, true, "U-default", "U-default", "", "S1"},
		{"ConfiguredDefault", "", alerting.Device{}, false, "", "U-global", "", "S1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := baseConfig()
			cfg.LinkAsset = tc.linkAsset
			cfg.DefaultContact = "U-global"
			cfg.Customers[0].Contact = tc.mappingContact
			f := newFixture(t, cfg)
			f.sink.AddContact("C1", "ana@example.com", alerting.Contact{ID: "U-ana", Site: "S-ana"})
			f.sink.AddAsset("C1", "datto", alerting.Device{ID: "dev-1"}, alerting.Asset{ID: "A-1", Contact: "U-asset", Site: "S-asset"})
			f.sink.AddAsset("C1", "datto", alerting.Device{Hostname: "PC-02"}, alerting.Asset{ID: "A-2", Contact: "U-two"})
			a := raise("c")
			a.User, a.Device = tc.user, tc.device
			f.submit(t, a)
			tk := wantTickets(t, f.sink, 1)[0]
			if tk.Contact != tc.wantContact || tk.Asset != tc.wantAs || tk.Site != tc.wantSite {
				t.Errorf("contact %q asset %q site %q; want %q %q %q", tk.Contact, tk.Asset, tk.Site, tc.wantContact, tc.wantAs, tc.wantSite)
			}
		})
	}
}

func TestInvalidAlertIsRejected(t *testing.T) {
	t.Parallel()
	f := newFixture(t, baseConfig())
	cases := map[string]func(*alerting.Alert){
		"source":   func(a *alerting.Alert) { a.Source = "" },
		"source %": func(a *alerting.Alert) { a.Source = "dat/to" },
		"event_id": func(a *alerting.Alert) { a.EventID = "" },
		"kind":     func(a *alerting.Alert) { a.Kind = "open" },
		"severity": func(a *alerting.Alert) { a.Severity = "urgent" },
		"long id":  func(a *alerting.Alert) { a.EventID = strings.Repeat("x", 600) },
	}
	for name, mod := range cases {
		a := raise("i")
		mod(&a)
		res, err := f.eng.Submit(t.Context(), a)
		var rej *alerting.RejectedError
		if !errors.Is(err, alerting.ErrInvalidAlert) || !errors.As(err, &rej) || res.Outcome != alerting.OutcomeRejected {
			t.Errorf("%s: Submit = %+v, %v; want a rejection matching ErrInvalidAlert", name, res, err)
		}
	}
	if n, _ := f.store.Pending(t.Context()); n != 0 || f.sink.Calls(alertingtest.OpAny) != 0 {
		t.Errorf("invalid alerts changed something: %d pending, %d PSA calls", n, f.sink.Calls(alertingtest.OpAny))
	}
	if s := f.stats(t); s.Rejected[alerting.ReasonInvalidAlert] != int64(len(cases)) {
		t.Errorf("rejected = %v", s.Rejected)
	}
}

func TestPermanentSinkErrorIsNotRetried(t *testing.T) {
	t.Parallel()
	f := newFixture(t, baseConfig())
	f.sink.FailNext(alertingtest.OpCreateTicket, 1, alerting.Permanent(errors.New("halo: 400 Details are required")))
	res, err := f.eng.Submit(t.Context(), raise("p1"))
	if !errors.Is(err, alerting.ErrSinkRejected) || !strings.Contains(err.Error(), "Details are required") {
		t.Fatalf("err = %v, want ErrSinkRejected with the PSA's message", err)
	}
	wantOutcome(t, res, alerting.OutcomeRejected, alerting.ReasonSinkRejected)
	if n, _ := f.store.Pending(t.Context()); n != 0 {
		t.Errorf("%d pending after a permanent failure, want 0", n)
	}
	g, err := f.store.Group(t.Context(), res.GroupKey)
	if err != nil || len(g.Tickets) != 0 {
		t.Errorf("group after a refused create: %+v, %v; want no ticket record", g, err)
	}
	// Nothing is left behind: the next alert creates normally.
	r := f.submit(t, raise("p2"))
	wantOutcome(t, r, alerting.OutcomeCreated, "")
}

func TestPSAOutageRetriesWithBackoff(t *testing.T) {
	t.Parallel()
	f := newFixture(t, baseConfig())
	f.sink.FailNext(alertingtest.OpAny, -1, errors.New("halo: 503 Service Unavailable"))

	res, err := f.eng.Submit(t.Context(), raise("o1"))
	if err != nil {
		t.Fatalf("Submit during an outage = %v; the alert was recorded, so no error", err)
	}
	if res.Outcome != alerting.OutcomePending || res.Err == nil || !strings.Contains(res.Err.Error(), "503") {
		t.Fatalf("result = %+v, want pending with the cause", res)
	}
	if s := f.stats(t); s.Pending != 1 || s.Retries != 1 {
		t.Fatalf("stats = %+v, want 1 pending, 1 retry", s)
	}
	// Not due before the backoff (1s here) has passed.
	if n, err := f.eng.ProcessPending(t.Context()); err != nil || n != 0 {
		t.Fatalf("ProcessPending before the backoff = %d, %v; want 0", n, err)
	}
	f.clock.Add(time.Second)
	if n, err := f.eng.ProcessPending(t.Context()); err != nil || n != 1 {
		t.Fatalf("ProcessPending during the outage = %d, %v; want 1 attempt", n, err)
	}
	if s := f.stats(t); s.Pending != 1 || s.Retries != 2 {
		t.Fatalf("stats = %+v, want 1 pending, 2 retries", s)
	}
	f.sink.Heal()
	f.clock.Add(time.Second)
	if n, err := f.eng.ProcessPending(t.Context()); err != nil || n != 1 {
		t.Fatalf("ProcessPending after the outage = %d, %v; want 1", n, err)
	}
	wantTickets(t, f.sink, 1)
	if s := f.stats(t); s.Pending != 0 || s.TicketsCreated != 1 {
		t.Fatalf("stats = %+v", s)
	}
	if n, _ := f.eng.ProcessPending(t.Context()); n != 0 {
		t.Errorf("ProcessPending found %d more items", n)
	}
}

func TestAcceptThenRun(t *testing.T) {
	t.Parallel()
	sink := alertingtest.NewSink()
	eng, err := alerting.New(baseConfig(), memstore.New(), sink,
		alerting.WithRetryBackoff(time.Millisecond, 2*time.Millisecond), alerting.WithPollInterval(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	sink.FailNext(alertingtest.OpCreateTicket, 3, nil) // three failed attempts, then the PSA is back
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()

	res, err := eng.Accept(t.Context(), raise("r1"))
	if err != nil || res.Outcome != alerting.OutcomeQueued {
		t.Fatalf("Accept = %+v, %v; want queued", res, err)
	}
	if res, _ := eng.Accept(t.Context(), raise("r1")); res.Outcome != alerting.OutcomeDuplicate {
		t.Errorf("second Accept = %s, want duplicate", res.Outcome)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(sink.Tickets()) == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
	wantTickets(t, sink, 1)
	s, _ := eng.Stats(t.Context())
	if s.Retries != 3 || s.Pending != 0 {
		t.Errorf("stats = %+v, want 3 retries, 0 pending", s)
	}
}

// TestInterruptedCreateAdoptsTicket: the PSA created the ticket but the
// response was lost. With a TicketFinder the engine finds it instead of
// creating a second one.
func TestInterruptedCreateAdoptsTicket(t *testing.T) {
	t.Parallel()
	cfg := baseConfig()
	cfg.Grouping = alerting.GroupUser
	f := newFixture(t, cfg)
	f.sink.LoseNextResponse(alertingtest.OpCreateTicket, 1, errors.New("context deadline exceeded"))
	res := f.submit(t, userAlert("ana@example.com", "x", "e1"))
	wantOutcome(t, res, alerting.OutcomePending, "")
	wantTickets(t, f.sink, 1) // created, but the engine does not know its ID

	// Another alert of the group arrives first: it adopts the ticket.
	wantOutcome(t, f.submit(t, userAlert("ana@example.com", "x", "e2")), alerting.OutcomeNoted, "")
	f.clock.Add(time.Second)
	if n, err := f.eng.ProcessPending(t.Context()); err != nil || n != 1 {
		t.Fatalf("ProcessPending = %d, %v", n, err)
	}
	tk := wantTickets(t, f.sink, 1)[0]
	if len(tk.Notes) != 1 {
		t.Errorf("notes = %d, want 1 (the retried first alert is already on the ticket)", len(tk.Notes))
	}
	if f.sink.Calls(alertingtest.OpFindOpenTicket) != 1 {
		t.Errorf("FindOpenTicket calls = %d, want 1", f.sink.Calls(alertingtest.OpFindOpenTicket))
	}
}

// TestExpiredLeasesAreTakenOver: a replica died holding an item and a
// group; once the leases expire another engine finishes the work.
func TestExpiredLeasesAreTakenOver(t *testing.T) {
	t.Parallel()
	f := newFixture(t, baseConfig(), alerting.WithLeaseTTL(100*time.Millisecond))
	a := raise("l1")
	now := f.clock.Now()
	item := alerting.PendingItem{ID: a.EventKey(), Alert: a, AcceptedAt: now, Attempts: 1, Owner: "dead", LeaseUntil: now.Add(time.Minute)}
	if _, err := f.store.Enqueue(t.Context(), item); err != nil {
		t.Fatal(err)
	}
	gk := f.eng.GroupKey("C1", a)
	if _, err := f.store.PutGroup(t.Context(), alerting.GroupState{Key: gk, Customer: "C1", LeaseOwner: "dead", LeaseUntil: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.eng.ProcessPending(t.Context()); n != 0 {
		t.Fatalf("claimed %d items under a live lease", n)
	}
	f.clock.Add(time.Minute)
	// The item is free now, the group lease too (both expired at +1m).
	if n, err := f.eng.ProcessPending(t.Context()); err != nil || n != 1 {
		t.Fatalf("ProcessPending after expiry = %d, %v", n, err)
	}
	wantTickets(t, f.sink, 1)

	// A group leased by a live replica makes processing wait, then retry.
	b := raise("l2")
	gk = f.eng.GroupKey("C1", b)
	now = f.clock.Now()
	if _, err := f.store.PutGroup(t.Context(), alerting.GroupState{Key: gk, Customer: "C1", LeaseOwner: "other", LeaseUntil: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	res := f.submit(t, b) // waits half the lease TTL (50ms), then gives up
	if res.Outcome != alerting.OutcomePending || !errors.Is(res.Err, context.DeadlineExceeded) {
		t.Fatalf("Submit into a group leased elsewhere = %+v, want pending after a deadline", res)
	}
	f.clock.Add(time.Minute)
	if n, err := f.eng.ProcessPending(t.Context()); err != nil || n != 1 {
		t.Fatalf("ProcessPending = %d, %v", n, err)
	}
	wantTickets(t, f.sink, 2)
}

// TestReplicasShareOneStore: two engines (replicas) on one store make one
// ticket for one group.
func TestReplicasShareOneStore(t *testing.T) {
	t.Parallel()
	cfg := baseConfig()
	cfg.Grouping = alerting.GroupUserAlert
	store, sink := memstore.New(), alertingtest.NewSink()
	var engines []*alerting.Engine
	for _, owner := range []string{"replica-a", "replica-b"} {
		e, err := alerting.New(cfg, store, sink, alerting.WithOwner(owner))
		if err != nil {
			t.Fatal(err)
		}
		engines = append(engines, e)
	}
	const n = 100
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			a := userAlert("bob@example.com", "Impossible travel", fmt.Sprintf("e%d", i))
			if res, err := engines[i%2].Submit(t.Context(), a); err != nil || res.Outcome == alerting.OutcomePending {
				t.Errorf("Submit = %+v, %v", res, err)
			}
		})
	}
	wg.Wait()
	tk := wantTickets(t, sink, 1)[0]
	if len(tk.Notes) != n-1 {
		t.Errorf("%d notes, want %d", len(tk.Notes), n-1)
	}
}

func TestCloseStopsTheEngine(t *testing.T) {
	t.Parallel()
	f := newFixture(t, baseConfig())
	if err := f.eng.Close(); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"Submit":         second(f.eng.Submit(t.Context(), raise("c"))),
		"Accept":         second(f.eng.Accept(t.Context(), raise("c"))),
		"ProcessPending": second(f.eng.ProcessPending(t.Context())),
		"SyncResolved":   second(f.eng.SyncResolved(t.Context())),
		"Run":            f.eng.Run(t.Context()),
	} {
		if !errors.Is(err, alerting.ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestNewValidates(t *testing.T) {
	t.Parallel()
	sink, store := alertingtest.NewSink(), memstore.New()
	if _, err := alerting.New(alerting.Config{Grouping: "team"}, store, sink); !errors.Is(err, alerting.ErrInvalidConfig) {
		t.Errorf("New with a bad grouping = %v, want ErrInvalidConfig", err)
	}
	if _, err := alerting.New(alerting.Config{}, nil, sink); err == nil {
		t.Error("New with a nil store succeeded")
	}
	for _, o := range []alerting.Option{
		alerting.WithRetryBackoff(0, time.Second), alerting.WithRetryBackoff(2*time.Second, time.Second),
		alerting.WithLeaseTTL(0), alerting.WithWorkers(0), alerting.WithOwner(" "), alerting.WithLogger(nil),
		alerting.WithResolver("", nil), alerting.WithPollInterval(-1), alerting.WithSyncInterval(0),
		alerting.WithSyncLookback(0), alerting.WithCustomerCacheTTL(-1), alerting.WithRetention(0), alerting.WithClock(nil),
	} {
		if _, err := alerting.New(alerting.Config{}, store, sink, o); err == nil {
			t.Error("an invalid option was accepted")
		}
	}
	e, err := alerting.New(alerting.Config{}, store, sink)
	if err != nil {
		t.Fatal(err)
	}
	if e.Owner() == "" {
		t.Error("no default owner")
	}
	if c := e.Config(); c.Grouping != alerting.GroupPerAlert || c.OnResolve != alerting.CloseOnResolve || c.Reopen != alerting.ReopenNewTicket {
		t.Errorf("defaults = %+v", c)
	}
}

func TestDecisionsAreLogged(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	var mu sync.Mutex
	h := slog.NewJSONHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	}), &slog.HandlerOptions{Level: slog.LevelDebug})
	f := newFixture(t, baseConfig(), alerting.WithLogger(slog.New(h)))
	a := raise("g1")
	a.Body = "password=hunter2"
	a.Raw = []byte(`{"state":"s3cr3t-shared-state"}`)
	res := f.submit(t, a)
	f.submit(t, resolve("g1"))

	mu.Lock()
	out := buf.String()
	mu.Unlock()
	for _, secret := range []string{"hunter2", "s3cr3t"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log contains %q:\n%s", secret, out)
		}
	}
	var created, closed bool
	for line := range strings.Lines(out) {
		has := func(k, v string) bool { return strings.Contains(line, fmt.Sprintf("%q:%q", k, v)) }
		if !has("group", res.GroupKey) || !has("event", res.EventKey) && !has("event", "datto/resolve/g1") {
			continue
		}
		created = created || strings.Contains(line, "ticket created") && has("ticket", res.TicketID)
		closed = closed || strings.Contains(line, "ticket closed") && has("ticket", res.TicketID)
	}
	if !created || !closed {
		t.Errorf("no log records with group, event and ticket for the create (%v) and close (%v):\n%s", created, closed, out)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
