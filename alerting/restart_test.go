package alerting_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/boltstore"
)

// TestPendingWorkSurvivesRestart: alerts accepted while the PSA is down are
// on disk; a new process on the same file delivers each exactly once.
func TestPendingWorkSurvivesRestart(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "alerts.db")
	cfg := baseConfig()
	cfg.Grouping = alerting.GroupUser
	clk := newClock()
	psa := alertingtest.NewSink() // the PSA outlives the process
	psa.SetClock(clk.Now)
	opts := []alerting.Option{alerting.WithClock(clk.Now), alerting.WithRetryBackoff(time.Second, time.Second), alerting.WithLeaseTTL(time.Minute)}

	start := func(owner string) (*alerting.Engine, *boltstore.Store) {
		t.Helper()
		store, err := boltstore.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		eng, err := alerting.New(cfg, store, psa, append(opts, alerting.WithOwner(owner))...)
		if err != nil {
			t.Fatal(err)
		}
		return eng, store
	}
	stop := func(eng *alerting.Engine, store *boltstore.Store) {
		t.Helper()
		if err := eng.Close(); err != nil {
			t.Fatal(err)
		}
		if err := store.Close(); err != nil {
			t.Fatal(err)
		}
	}

	// Process 1: the PSA is down.
	eng, store := start("process-1")
	psa.FailNext(alertingtest.OpAny, -1, errors.New("halo: 503"))
	for _, a := range []alerting.Alert{
		userAlert("ana@example.com", "Login", "e1"),
		userAlert("ana@example.com", "Download", "e2"),
		userAlert("bob@example.com", "Login", "e3"),
	} {
		res, err := eng.Submit(t.Context(), a)
		if err != nil || res.Outcome != alerting.OutcomePending {
			t.Fatalf("Submit(%s) during the outage = %+v, %v; want pending", a.EventID, res, err)
		}
	}
	// A fourth alert was being processed when the process died: still
	// leased to process 1 on disk.
	crashed := userAlert("bob@example.com", "Login", "e4")
	_, err := store.Enqueue(t.Context(), alerting.PendingItem{ID: crashed.EventKey(), Alert: crashed, AcceptedAt: clk.Now(),
		Attempts: 1, Owner: "process-1", LeaseUntil: clk.Now().Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	stop(eng, store)
	wantTickets(t, psa, 0)

	// Process 2: the PSA is back.
	psa.Heal()
	clk.Add(time.Second)
	eng, store = start("process-2")
	// The crashed item's lease has not expired, but the file was closed:
	// its owner is gone, and Open released it.
	if n, err := eng.ProcessPending(t.Context()); err != nil || n != 4 {
		t.Fatalf("ProcessPending after restart = %d, %v; want 4 (the crashed item too, without waiting for its lease)", n, err)
	}
	ts := wantTickets(t, psa, 2)
	if len(ts[0].Notes)+len(ts[1].Notes) != 2 {
		t.Errorf("notes = %d + %d, want 2 in all (one per user's second alert)", len(ts[0].Notes), len(ts[1].Notes))
	}
	if n, _ := eng.ProcessPending(t.Context()); n != 0 {
		t.Errorf("ProcessPending found %d more items", n)
	}
	if res, err := eng.Submit(t.Context(), userAlert("ana@example.com", "Login", "e1")); err != nil || res.Outcome != alerting.OutcomeDuplicate {
		t.Errorf("redelivery after restart = %+v, %v; want duplicate", res, err)
	}
	stop(eng, store)

	// Process 3: group state survived too; ana's next alert is a note.
	eng, store = start("process-3")
	defer stop(eng, store)
	res, err := eng.Submit(t.Context(), userAlert("ana@example.com", "Login", "e5"))
	if err != nil || res.Outcome != alerting.OutcomeNoted {
		t.Fatalf("Submit after a second restart = %+v, %v; want a note on ana's ticket", res, err)
	}
	wantTickets(t, psa, 2)
	// During the outage the contact lookup failed first; no create was tried.
	if got := psa.Calls(alertingtest.OpCreateTicket); got != 2 {
		t.Errorf("CreateTicket calls = %d, want 2", got)
	}
}

// TestBoltStoreConcurrentAlerts runs the one-group concurrency check on the
// durable store (fewer alerts: every write is an fsync).
func TestBoltStoreConcurrentAlerts(t *testing.T) {
	t.Parallel()
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "alerts.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	cfg := baseConfig()
	cfg.Grouping = alerting.GroupUser
	sink := alertingtest.NewSink()
	eng, err := alerting.New(cfg, store, sink)
	if err != nil {
		t.Fatal(err)
	}
	const n = 50
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, err := eng.Submit(t.Context(), userAlert("ana@example.com", "x", fmt.Sprint("e", i)))
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	tk := wantTickets(t, sink, 1)[0]
	if len(tk.Notes) != n-1 {
		t.Errorf("%d notes, want %d", len(tk.Notes), n-1)
	}
}
