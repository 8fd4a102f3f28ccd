package alerting_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/memstore"
)

var errKilled = errors.New("process killed")

// mortalStore is a Store a process uses until it is killed: after kill
// every call fails, as if the process had died (it completes and releases
// nothing).
type mortalStore struct {
	alerting.Store
	dead atomic.Bool
}

func (s *mortalStore) kill() { s.dead.Store(true) }

func (s *mortalStore) err() error {
	if s.dead.Load() {
		return errKilled
	}
	return nil
}

func (s *mortalStore) Enqueue(ctx context.Context, it alerting.PendingItem) (bool, error) {
	if err := s.err(); err != nil {
		return false, err
	}
	return s.Store.Enqueue(ctx, it)
}

func (s *mortalStore) Claim(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]alerting.PendingItem, error) {
	if err := s.err(); err != nil {
		return nil, err
	}
	return s.Store.Claim(ctx, owner, now, lease, limit)
}

func (s *mortalStore) Complete(ctx context.Context, id, owner string, now time.Time) error {
	if err := s.err(); err != nil {
		return err
	}
	return s.Store.Complete(ctx, id, owner, now)
}

func (s *mortalStore) Release(ctx context.Context, id, owner string, nb time.Time, lastErr string) error {
	if err := s.err(); err != nil {
		return err
	}
	return s.Store.Release(ctx, id, owner, nb, lastErr)
}

func (s *mortalStore) Group(ctx context.Context, key string) (alerting.GroupState, error) {
	if err := s.err(); err != nil {
		return alerting.GroupState{}, err
	}
	return s.Store.Group(ctx, key)
}

func (s *mortalStore) PutGroup(ctx context.Context, g alerting.GroupState) (alerting.GroupState, error) {
	if err := s.err(); err != nil {
		return alerting.GroupState{}, err
	}
	return s.Store.PutGroup(ctx, g)
}

func (s *mortalStore) Alert(ctx context.Context, key string) (alerting.AlertRecord, error) {
	if err := s.err(); err != nil {
		return alerting.AlertRecord{}, err
	}
	return s.Store.Alert(ctx, key)
}

func (s *mortalStore) PutAlert(ctx context.Context, r alerting.AlertRecord) (alerting.AlertRecord, error) {
	if err := s.err(); err != nil {
		return alerting.AlertRecord{}, err
	}
	return s.Store.PutAlert(ctx, r)
}

// gatedSink blocks FindAsset (a look-up before the group is leased) until
// its context ends while gate is set, and signals each blocked call on
// entered.
type gatedSink struct {
	*alertingtest.Sink
	gate    atomic.Bool
	entered chan struct{}
}

func (s *gatedSink) FindAsset(ctx context.Context, customerID, source string, d alerting.Device) (alerting.Asset, error) {
	if s.gate.Load() {
		select {
		case s.entered <- struct{}{}:
		default:
		}
		<-ctx.Done()
	}
	return s.Sink.FindAsset(ctx, customerID, source, d)
}

// TestEventsOfAnAlertInOrderAfterRestart: 20 raises are accepted and
// claimed by a process that dies mid-batch; their resolves are accepted by
// the next process on the same store, which applies them while the raises
// are still leased to the dead one. When the raises come due they are not
// dropped as late (they were accepted before their resolves): each alert
// gets its ticket, which is then closed.
func TestEventsOfAnAlertInOrderAfterRestart(t *testing.T) {
	t.Parallel()
	const n = 20
	cfg := baseConfig()
	clk := newClock()
	psa := &gatedSink{Sink: alertingtest.NewSink(), entered: make(chan struct{}, 1)}
	psa.SetClock(clk.Now)
	disk := memstore.New() // outlives the processes
	opts := []alerting.Option{alerting.WithClock(clk.Now), alerting.WithLeaseTTL(time.Minute), alerting.WithRetryBackoff(time.Second, time.Second)}
	alertN := func(i int, kind alerting.Kind) alerting.Alert {
		a := raise(fmt.Sprint("a", i))
		a.Kind, a.EventID, a.AlertID = kind, fmt.Sprint(kind, "-", i), fmt.Sprint("a", i)
		return a
	}

	// Process 1 accepts the raises and dies while routing the first one.
	store1 := &mortalStore{Store: disk}
	eng1, err := alerting.New(cfg, store1, psa, append(opts, alerting.WithOwner("process-1"))...)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := eng1.Accept(t.Context(), alertN(i, alerting.Raise)); err != nil {
			t.Fatal(err)
		}
	}
	psa.gate.Store(true)
	ctx1, kill := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); _, _ = eng1.ProcessPending(ctx1) }()
	<-psa.entered
	store1.kill()
	kill()
	<-done
	_ = eng1.Close()
	psa.gate.Store(false)
	wantTickets(t, psa.Sink, 0)

	// Process 2 starts on the same store and receives the resolves.
	clk.Add(time.Second)
	eng2, err := alerting.New(cfg, disk, psa, append(opts, alerting.WithOwner("process-2"))...)
	if err != nil {
		t.Fatal(err)
	}
	defer eng2.Close()
	for i := range n {
		if _, err := eng2.Accept(t.Context(), alertN(i, alerting.Resolve)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := eng2.ProcessPending(t.Context()); err != nil {
		t.Fatal(err)
	}
	clk.Add(2 * time.Minute) // the dead process's leases expire
	if _, err := eng2.ProcessPending(t.Context()); err != nil {
		t.Fatal(err)
	}
	if p, _ := disk.Pending(t.Context()); p != 0 {
		t.Fatalf("%d items still pending", p)
	}
	tks := wantTickets(t, psa.Sink, n)
	for _, tk := range tks {
		if tk.State != alerting.TicketClosed || tk.CloseNote == nil {
			t.Errorf("ticket %s (%s): %s, close note %v; want closed by the engine", tk.ID, tk.Title, tk.State, tk.CloseNote)
		}
	}
	s, err := eng2.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if s.Ignored[alerting.ReasonLateRaise] != 0 || s.TicketsCreated != n || s.TicketsClosed != n {
		t.Errorf("late raises %d, created %d, closed %d; want 0, %d, %d", s.Ignored[alerting.ReasonLateRaise], s.TicketsCreated, s.TicketsClosed, n, n)
	}
	// A raise accepted after the resolve is late.
	clk.Add(time.Second)
	res, err := eng2.Submit(t.Context(), func() alerting.Alert { a := alertN(0, alerting.Raise); a.EventID = "again"; return a }())
	if err != nil || res.Reason != alerting.ReasonLateRaise {
		t.Errorf("raise after the resolve = %+v, %v; want late", res, err)
	}
}

// TestRaiseRetriedAfterItsResolve: the raise fails (PSA down) and waits for
// its retry; its resolve is applied first. The raise, accepted before the
// resolve, still opens the ticket, and it is closed at once.
func TestRaiseRetriedAfterItsResolve(t *testing.T) {
	t.Parallel()
	f := newFixture(t, baseConfig())
	f.sink.FailNext(alertingtest.OpCreateTicket, 1, errors.New("halo: 503"))
	wantOutcome(t, f.submit(t, raise("r1")), alerting.OutcomePending, "")
	f.clock.Add(100 * time.Millisecond)
	wantOutcome(t, f.submit(t, resolve("r1")), alerting.OutcomeIgnored, alerting.ReasonNothingOpen)
	f.clock.Add(2 * time.Second)
	if n, err := f.eng.ProcessPending(t.Context()); err != nil || n != 1 {
		t.Fatalf("ProcessPending = %d, %v", n, err)
	}
	tk := wantTickets(t, f.sink, 1)[0]
	if tk.State != alerting.TicketClosed || tk.CloseNote == nil {
		t.Errorf("ticket %s, close note %v; want closed by the engine", tk.State, tk.CloseNote)
	}
	// The group's ticket is closed; a redelivered raise is late.
	f.clock.Add(time.Second)
	r := raise("r1")
	r.EventID = "r1-again"
	r.AlertID = "r1"
	wantOutcome(t, f.submit(t, r), alerting.OutcomeIgnored, alerting.ReasonLateRaise)
}
