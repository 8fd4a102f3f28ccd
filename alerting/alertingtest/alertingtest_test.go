package alertingtest_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
)

func TestSinkTickets(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := alertingtest.NewSink()
	now := time.Date(2026, 6, 12, 9, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })

	id, err := s.CreateTicket(ctx, alerting.NewTicket{Customer: "12", GroupKey: "ag1-x", Title: "Disk full", Alert: alerting.Alert{Raw: []byte("r")}})
	if err != nil || id != "1" {
		t.Fatalf("CreateTicket = %q, %v", id, err)
	}
	if _, err := s.CreateTicket(ctx, alerting.NewTicket{}); !alerting.IsPermanent(err) {
		t.Errorf("CreateTicket without a customer = %v, want a permanent error", err)
	}
	must(t, s.AddNote(ctx, id, alerting.Note{Text: "n1"}))
	if st, _ := s.TicketState(ctx, id); st != alerting.TicketOpen {
		t.Errorf("state = %s, want open", st)
	}
	if got, err := s.FindOpenTicket(ctx, "12", "ag1-x"); err != nil || got != id {
		t.Errorf("FindOpenTicket = %q, %v", got, err)
	}
	must(t, s.CloseTicket(ctx, id, alerting.Note{Text: "bye"}))
	tk, _ := s.Ticket(id)
	if tk.State != alerting.TicketClosed || tk.CloseNote == nil || tk.CloseNote.Text != "bye" || len(tk.Notes) != 1 || !tk.ClosedAt.Equal(now) {
		t.Errorf("ticket after close = %+v", tk)
	}
	if err := s.AddNote(ctx, id, alerting.Note{}); !errors.Is(err, alerting.ErrTicketClosed) {
		t.Errorf("AddNote(closed) = %v, want ErrTicketClosed", err)
	}
	if err := s.CloseTicket(ctx, id, alerting.Note{}); !errors.Is(err, alerting.ErrTicketClosed) {
		t.Errorf("CloseTicket(closed) = %v, want ErrTicketClosed", err)
	}
	if _, err := s.FindOpenTicket(ctx, "12", "ag1-x"); !errors.Is(err, alerting.ErrNotFound) {
		t.Errorf("FindOpenTicket(closed) = %v, want ErrNotFound", err)
	}

	id2, _ := s.CreateTicket(ctx, alerting.NewTicket{Customer: "12"})
	must(t, s.DeleteTicket(id2))
	if st, _ := s.TicketState(ctx, id2); st != alerting.TicketMissing {
		t.Errorf("state of a deleted ticket = %s", st)
	}
	if err := s.AddNote(ctx, id2, alerting.Note{}); !errors.Is(err, alerting.ErrNotFound) {
		t.Errorf("AddNote(deleted) = %v, want ErrNotFound", err)
	}
	if st, _ := s.TicketState(ctx, "404"); st != alerting.TicketMissing {
		t.Errorf("state of an unknown ticket = %s", st)
	}
	if err := s.CloseInPSA("404"); !errors.Is(err, alerting.ErrNotFound) {
		t.Errorf("CloseInPSA(unknown) = %v", err)
	}

	// Returned tickets are copies.
	tk.Notes[0].Text = "changed"
	if again, _ := s.Ticket(id); again.Notes[0].Text != "n1" {
		t.Error("Ticket returned the fake's own memory")
	}
	if ts := s.Tickets(); len(ts) != 2 || ts[0].ID != "1" || ts[1].ID != "2" {
		t.Errorf("Tickets() = %+v", ts)
	}

	var closed []string
	for ct, err := range s.ClosedTicketsSince(ctx, now) {
		must(t, err)
		closed = append(closed, ct.ID)
	}
	if len(closed) != 1 || closed[0] != "1" {
		t.Errorf("ClosedTicketsSince = %v, want [1] (deleted tickets are not closed ones)", closed)
	}
	for range s.ClosedTicketsSince(ctx, now.Add(time.Second)) {
		t.Error("a ticket closed before since was listed")
	}
}

func TestSinkDirectory(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := alertingtest.NewSink()
	s.AddCustomer(alerting.Customer{ID: "12", Name: "Acme Ltd"})
	s.AddContact("12", "Ana@Example.com", alerting.Contact{ID: "u1"})
	s.AddAsset("12", "datto", alerting.Device{ID: "d1"}, alerting.Asset{ID: "a1"})
	s.AddAsset("12", "datto", alerting.Device{Hostname: "PC-2"}, alerting.Asset{ID: "a2"})

	if c, err := s.FindCustomer(ctx, " acme ltd "); err != nil || c.ID != "12" {
		t.Errorf("FindCustomer = %+v, %v", c, err)
	}
	if _, err := s.FindCustomer(ctx, "Acme"); !errors.Is(err, alerting.ErrNotFound) {
		t.Errorf("FindCustomer(prefix) = %v, want ErrNotFound (exact names only)", err)
	}
	if c, err := s.FindContact(ctx, "12", "ana@example.COM"); err != nil || c.ID != "u1" {
		t.Errorf("FindContact = %+v, %v", c, err)
	}
	if _, err := s.FindContact(ctx, "13", "ana@example.com"); !errors.Is(err, alerting.ErrNotFound) {
		t.Errorf("FindContact(other customer) = %v, want ErrNotFound", err)
	}
	for _, tc := range []struct {
		d    alerting.Device
		want string
	}{
		{alerting.Device{ID: "d1"}, "a1"},
		{alerting.Device{Hostname: "pc-2"}, "a2"},
		{alerting.Device{ID: "unknown", Hostname: "PC-2"}, "a2"},
	} {
		if a, err := s.FindAsset(ctx, "12", "datto", tc.d); err != nil || a.ID != tc.want {
			t.Errorf("FindAsset(%+v) = %+v, %v; want %s", tc.d, a, err, tc.want)
		}
	}
	if _, err := s.FindAsset(ctx, "12", "level", alerting.Device{ID: "d1"}); !errors.Is(err, alerting.ErrNotFound) {
		t.Errorf("FindAsset(other source) = %v, want ErrNotFound", err)
	}
}

func TestSinkFaults(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := alertingtest.NewSink()
	boom := errors.New("503")
	s.FailNext(alertingtest.OpCreateTicket, 2, boom)
	for i := range 2 {
		if _, err := s.CreateTicket(ctx, alerting.NewTicket{Customer: "1"}); !errors.Is(err, boom) {
			t.Errorf("call %d = %v, want the injected error", i, err)
		}
	}
	if _, err := s.CreateTicket(ctx, alerting.NewTicket{Customer: "1"}); err != nil {
		t.Errorf("third call = %v, want success", err)
	}
	if n := s.Calls(alertingtest.OpCreateTicket); n != 3 {
		t.Errorf("Calls = %d, want 3", n)
	}
	if len(s.Tickets()) != 1 {
		t.Errorf("failed calls created tickets: %d", len(s.Tickets()))
	}

	s.FailNext(alertingtest.OpAny, -1, nil)
	for _, err := range []error{
		s.AddNote(ctx, "1", alerting.Note{}),
		second(s.TicketState(ctx, "1")),
		second(s.FindCustomer(ctx, "x")),
	} {
		if !errors.Is(err, alertingtest.ErrInjected) {
			t.Errorf("during an outage: %v, want ErrInjected", err)
		}
	}
	s.Heal()
	if _, err := s.TicketState(ctx, "1"); err != nil {
		t.Errorf("after Heal: %v", err)
	}
	if n := s.Calls(alertingtest.OpAny); n != 7 {
		t.Errorf("Calls(OpAny) = %d, want 7", n)
	}

	// A lost response: the ticket exists although the call failed.
	s.LoseNextResponse(alertingtest.OpCreateTicket, 1, context.DeadlineExceeded)
	if _, err := s.CreateTicket(ctx, alerting.NewTicket{Customer: "1", GroupKey: "g"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("lost response = %v", err)
	}
	if id, err := s.FindOpenTicket(ctx, "1", "g"); err != nil || id != "2" {
		t.Errorf("the ticket of the lost response: %q, %v", id, err)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.TicketState(cancelled, "1"); !errors.Is(err, context.Canceled) {
		t.Errorf("with a cancelled context: %v", err)
	}
}

func TestResolver(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	r := alertingtest.NewResolver()
	r.FailNext(1, nil)
	if err := r.ResolveAlert(ctx, alerting.AlertRef{Source: "datto", AlertID: "a"}); !errors.Is(err, alertingtest.ErrInjected) {
		t.Errorf("first call = %v, want ErrInjected", err)
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() { must(t, r.ResolveAlert(ctx, alerting.AlertRef{Source: "datto", AlertID: "b"})) })
	}
	wg.Wait()
	r.LoseNextResponse(1, errors.New("timeout"))
	if err := r.ResolveAlert(ctx, alerting.AlertRef{AlertID: "c"}); err == nil {
		t.Error("lost response gave no error")
	}
	if got := len(r.Resolved()); got != 51 || r.Calls() != 52 {
		t.Errorf("resolved %d, calls %d; want 51 and 52", got, r.Calls())
	}
	r.FailNext(-1, nil)
	r.Heal()
	must(t, r.ResolveAlert(ctx, alerting.AlertRef{}))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func second[T any](_ T, err error) error { return err }
