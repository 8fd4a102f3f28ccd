package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
)

// Factory returns a new, empty store for one subtest. It registers its own
// cleanup (t.Cleanup). Run calls it from parallel subtests.
type Factory func(t *testing.T) alerting.Store

// Reopen closes s and returns a store over the same data, as a restarted
// process would see it.
type Reopen func(t *testing.T, s alerting.Store) alerting.Store

// Crash stops s the way a killed process stops: nothing s holds is
// released on the way (no graceful shutdown; what the kernel does at exit,
// such as closing files and connections, may happen). It returns a store
// over the same data, as the restarted process or another replica sees
// it.
type Crash func(t *testing.T, s alerting.Store) alerting.Store

// FreedWithin is how soon the claims and group leases of a crashed store
// must be free for the next one, whatever their leases say.
const FreedWithin = 5 * time.Second

// t0 is the suite's clock; leases and cut-offs are computed from it.
var t0 = time.Date(2026, 6, 12, 1, 0, 0, 123456789, time.UTC)

// Run runs the Store contract against stores made by newStore.
func Run(t *testing.T, newStore Factory) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(*testing.T, alerting.Store)
	}{
		{"EnqueueIsIdempotent", testEnqueueIdempotent},
		{"EnqueueRoundTrip", testEnqueueRoundTrip},
		{"EnqueueLeased", testEnqueueLeased},
		{"ClaimOrderAndLimit", testClaimOrder},
		{"ReleaseAndNotBefore", testRelease},
		{"LeaseExpiry", testLeaseExpiry},
		{"OnlyOwnerFinishes", testOwnerOnly},
		{"ConcurrentEnqueue", testConcurrentEnqueue},
		{"ConcurrentClaim", testConcurrentClaim},
		{"GroupCompareAndSwap", testGroupCAS},
		{"GroupConcurrentUpdates", testGroupConcurrent},
		{"GroupByTicket", testGroupByTicket},
		{"AwaitingGroupKeys", testAwaitingGroups},
		{"AlertCompareAndSwap", testAlertCAS},
		{"AlertConcurrentCreate", testAlertConcurrentCreate},
		{"Cursors", testCursors},
		{"Prune", testPrune},
		{"Copies", testCopies},
		{"CancelledContext", testCancelled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newStore(t))
		})
	}
}

// RunDurable checks that everything a store acknowledged survives a
// reopen: pending items (leased, released, due), processed IDs, groups and
// their ticket index, alert records and cursors.
func RunDurable(t *testing.T, newStore Factory, reopen Reopen) {
	t.Helper()
	t.Run("SurvivesReopen", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		s := newStore(t)
		a, b, c := item("a"), item("b"), item("c")
		b.Owner, b.LeaseUntil, b.Attempts = "crashed", t0.Add(time.Minute), 1
		for _, it := range []alerting.PendingItem{a, b, c, item("done")} {
			mustEnqueue(t, s, it, true)
		}
		claimed := mustClaim(t, s, "w", t0, time.Minute, 1) // a
		must(t, s.Release(ctx, claimed[0].ID, "w", t0.Add(time.Hour), "psa down"))
		mustClaim(t, s, "w", t0, time.Minute, 2) // c, done
		must(t, s.Complete(ctx, "done", "w", t0))
		must(t, s.Release(ctx, "c", "w", time.Time{}, ""))
		g, err := s.PutGroup(ctx, group("g1", "T1"))
		must(t, err)
		r, err := s.PutAlert(ctx, alerting.AlertRecord{Key: "datto/1", GroupKey: "g1", UpdatedAt: t0})
		must(t, err)
		must(t, s.SetCursor(ctx, "sync", "2026-06-12T01:00:00Z"))

		s = reopen(t, s)

		if n, err := s.Pending(ctx); err != nil || n != 3 {
			t.Fatalf("Pending after reopen = %d, %v; want 3", n, err)
		}
		if added, err := s.Enqueue(ctx, item("done")); err != nil || added {
			t.Errorf("Enqueue(processed id) after reopen = %v, %v; want false (still processed)", added, err)
		}
		// b and c are due now (b's lease was taken by the closed store, so
		// it ends with it); a after an hour.
		got := ids(claimWithin(t, s, "w2", t0, 2))
		if want := []string{"b", "c"}; !slices.Equal(got, want) {
			t.Errorf("claim at t0 after reopen = %v, want %v", got, want)
		}
		// Two hours on, every lease has expired: all three, in Enqueue order.
		got = ids(mustClaim(t, s, "w2", t0.Add(2*time.Hour), time.Minute, 10))
		if want := []string{"a", "b", "c"}; !slices.Equal(got, want) {
			t.Errorf("claim later after reopen = %v, want %v", got, want)
		}
		g2, err := s.GroupByTicket(ctx, "T1")
		must(t, err)
		equal(t, "group after reopen", normGroup(g2), normGroup(g))
		r2, err := s.Alert(ctx, "datto/1")
		must(t, err)
		equal(t, "alert after reopen", normAlert(r2), normAlert(r))
		if v, err := s.Cursor(ctx, "sync"); err != nil || v != "2026-06-12T01:00:00Z" {
			t.Errorf("Cursor after reopen = %q, %v", v, err)
		}
	})
}

// RunCrash checks that a store that crashed holding work does not hold it
// up: within FreedWithin of the crash, the store crash returns claims its
// pending items (those claimed with Claim and those enqueued leased), in
// Enqueue order and with their attempts counted, although their leases
// have not expired by the time given to Claim, and reads its group leases
// as free; the crashed owner can no longer complete its items, and
// items waiting for a retry still wait. A store that only one process can
// open may free everything when it opens; one that replicas share frees
// the claims of a replica that died.
func RunCrash(t *testing.T, newStore Factory, crash Crash) {
	t.Helper()
	t.Run("CrashFreesClaims", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		s := newStore(t)
		for _, id := range []string{"a", "b", "later"} {
			mustEnqueue(t, s, item(id), true)
		}
		mustClaim(t, s, "dead", t0, 2*time.Minute, 3)
		must(t, s.Release(ctx, "later", "dead", t0.Add(time.Hour), "psa down"))
		inline := item("inline")
		inline.Owner, inline.LeaseUntil, inline.Attempts = "dead", t0.Add(2*time.Minute), 1
		mustEnqueue(t, s, inline, true)
		leased := group("g1", "T1")
		leased.LeaseOwner, leased.LeaseUntil = "dead", t0.Add(2*time.Minute)
		mustPut(t, s, leased)
		mustPut(t, s, group("g2", "T2"))

		s = crash(t, s)

		start := time.Now()
		got := claimWithin(t, s, "next", t0.Add(time.Second), 3)
		if want := []string{"a", "b", "inline"}; !slices.Equal(ids(got), want) {
			t.Fatalf("claimed %v within %s of the crash, want %v (the crashed store's claims, in Enqueue order)", ids(got), FreedWithin, want)
		}
		for _, it := range got {
			if it.Owner != "next" || it.Attempts != 2 {
				t.Errorf("%s: owner %q, attempts %d; want next, 2", it.ID, it.Owner, it.Attempts)
			}
		}
		if err := s.Complete(ctx, "a", "dead", t0); !errors.Is(err, alerting.ErrLeaseLost) {
			t.Errorf("Complete by the crashed owner = %v, want ErrLeaseLost", err)
		}
		must(t, s.Complete(ctx, "a", "next", t0.Add(time.Second)))
		for {
			g, err := s.Group(ctx, "g1")
			must(t, err)
			if g.LeaseOwner == "" || !g.LeaseUntil.After(t0.Add(time.Second)) {
				g.LeaseOwner, g.LeaseUntil = "next", t0.Add(time.Minute)
				if _, err := s.PutGroup(ctx, g); err != nil {
					t.Errorf("leasing the crashed store's group: %v", err)
				}
				break
			}
			if time.Since(start) > FreedWithin {
				t.Fatalf("group lease of the crashed store still held by %q after %s", g.LeaseOwner, FreedWithin)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if g, err := s.GroupByTicket(ctx, "T2"); err != nil || g.Key != "g2" {
			t.Errorf("GroupByTicket(T2) after the crash = %+v, %v", g, err)
		}
		if got := mustClaim(t, s, "next", t0.Add(time.Minute), time.Minute, 10); len(got) != 0 {
			t.Errorf("claimed %v before its retry time", ids(got))
		}
	})
}

// claimWithin claims at now until it has want items or FreedWithin has
// passed, and returns what it claimed.
func claimWithin(t *testing.T, s alerting.Store, owner string, now time.Time, want int) []alerting.PendingItem {
	t.Helper()
	var got []alerting.PendingItem
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		got = append(got, mustClaim(t, s, owner, now, time.Minute, 10)...)
		if len(got) >= want || time.Since(start) > FreedWithin {
			return got
		}
	}
}

func testEnqueueIdempotent(t *testing.T, s alerting.Store) {
	ctx := t.Context()
	mustEnqueue(t, s, item("a"), true)
	mustEnqueue(t, s, item("a"), false)
	mustEnqueue(t, s, item("b"), true)
	if n, err := s.Pending(ctx); err != nil || n != 2 {
		t.Fatalf("Pending = %d, %v; want 2", n, err)
	}
	got := mustClaim(t, s, "w", t0, time.Minute, 10)
	must(t, s.Complete(ctx, "a", "w", t0))
	mustEnqueue(t, s, item("a"), false) // processed IDs stay known
	if n, _ := s.Pending(ctx); n != 1 {
		t.Errorf("Pending after Complete = %d, want 1", n)
	}
	if len(got) != 2 {
		t.Errorf("claimed %d, want 2", len(got))
	}
}

func testEnqueueRoundTrip(t *testing.T, s alerting.Store) {
	in := item("datto/raise/uid-1")
	in.Alert = alerting.Alert{
		Source: "datto", EventID: "uid-1", AlertID: "uid-1", Kind: alerting.Raise, Type: "Disk Usage",
		User: "ana@example.com", Device: alerting.Device{ID: "dev-1", Hostname: "PC-01"},
		Customer: alerting.CustomerRef{ID: "site-9", Name: "Acme"}, Severity: alerting.SeverityHigh,
		Title: "Disk C: 95% full", Body: "line 1\nline 2 \"quoted\" ünïcode",
		Time: time.Date(2026, 6, 12, 0, 59, 58, 987654321, time.FixedZone("X", 7200)),
		Raw:  []byte("{\"not\": \"compacted\" }\x00\xff"),
	}
	in.AcceptedAt = t0.Add(-time.Second)
	mustEnqueue(t, s, in, true)
	got := mustClaim(t, s, "w", t0, time.Minute, 1)
	if len(got) != 1 {
		t.Fatalf("claimed %d items, want 1", len(got))
	}
	want := in
	want.Owner, want.LeaseUntil, want.Attempts = "w", t0.Add(time.Minute), 1
	equal(t, "claimed item", normItem(got[0]), normItem(want))
}

func testEnqueueLeased(t *testing.T, s alerting.Store) {
	ctx := t.Context()
	it := item("a")
	it.Owner, it.LeaseUntil, it.Attempts = "inline", t0.Add(time.Minute), 1
	mustEnqueue(t, s, it, true)
	if got := mustClaim(t, s, "other", t0.Add(30*time.Second), time.Minute, 10); len(got) != 0 {
		t.Fatalf("claimed an item enqueued with a live lease: %v", ids(got))
	}
	must(t, s.Complete(ctx, "a", "inline", t0))
	if n, _ := s.Pending(ctx); n != 0 {
		t.Errorf("Pending = %d after the inline owner completed, want 0", n)
	}

	it = item("b")
	it.Owner, it.LeaseUntil, it.Attempts = "crashed", t0.Add(time.Minute), 1
	mustEnqueue(t, s, it, true)
	got := mustClaim(t, s, "other", t0.Add(time.Minute+time.Nanosecond), time.Minute, 10)
	if len(got) != 1 || got[0].Owner != "other" || got[0].Attempts != 2 {
		t.Fatalf("claim after the inline lease expired = %+v, want b owned by other with 2 attempts", got)
	}
}

func testClaimOrder(t *testing.T, s alerting.Store) {
	names := []string{"e1", "c2", "a3", "d4", "b5"} // not sorted: order is Enqueue order
	for _, n := range names {
		mustEnqueue(t, s, item(n), true)
	}
	var got []string
	for i, want := range []int{2, 2, 1, 0} {
		batch := mustClaim(t, s, "w", t0, 90*time.Second, 2)
		if len(batch) != want {
			t.Fatalf("claim %d returned %d items, want %d", i, len(batch), want)
		}
		for _, it := range batch {
			if it.Owner != "w" || !it.LeaseUntil.Equal(t0.Add(90*time.Second)) || it.Attempts != 1 {
				t.Errorf("claimed %s: owner %q lease %v attempts %d; want w, t0+90s, 1", it.ID, it.Owner, it.LeaseUntil, it.Attempts)
			}
		}
		got = append(got, ids(batch)...)
	}
	if !slices.Equal(got, names) {
		t.Errorf("claim order = %v, want Enqueue order %v", got, names)
	}
}

func testRelease(t *testing.T, s alerting.Store) {
	ctx := t.Context()
	mustEnqueue(t, s, item("a"), true)
	mustEnqueue(t, s, item("b"), true)
	mustClaim(t, s, "w", t0, time.Minute, 1)
	must(t, s.Release(ctx, "a", "w", t0.Add(10*time.Second), "halo: 503"))
	if got := ids(mustClaim(t, s, "w", t0.Add(5*time.Second), time.Minute, 10)); !slices.Equal(got, []string{"b"}) {
		t.Fatalf("claim before NotBefore = %v, want [b]", got)
	}
	got := mustClaim(t, s, "w2", t0.Add(10*time.Second), time.Minute, 10)
	if len(got) != 1 || got[0].ID != "a" {
		t.Fatalf("claim at NotBefore = %v, want [a]", ids(got))
	}
	if got[0].Attempts != 2 || got[0].LastError != "halo: 503" || !got[0].NotBefore.Equal(t0.Add(10*time.Second)) || got[0].Owner != "w2" {
		t.Errorf("released item = attempts %d, last error %q, not before %v, owner %q; want 2, halo: 503, t0+10s, w2",
			got[0].Attempts, got[0].LastError, got[0].NotBefore, got[0].Owner)
	}
	if n, _ := s.Pending(ctx); n != 2 {
		t.Errorf("Pending = %d, want 2 (released and leased items are pending)", n)
	}
}

func testLeaseExpiry(t *testing.T, s alerting.Store) {
	ctx := t.Context()
	mustEnqueue(t, s, item("a"), true)
	if got := mustClaim(t, s, "A", t0, time.Minute, 10); len(got) != 1 {
		t.Fatalf("A claimed %d, want 1", len(got))
	}
	if got := mustClaim(t, s, "B", t0.Add(59*time.Second), time.Minute, 10); len(got) != 0 {
		t.Fatalf("B claimed %v while A's lease is live", ids(got))
	}
	got := mustClaim(t, s, "B", t0.Add(time.Minute), time.Minute, 10)
	if len(got) != 1 || got[0].Owner != "B" || got[0].Attempts != 2 {
		t.Fatalf("B's claim after expiry = %+v, want a owned by B with 2 attempts", got)
	}
	if err := s.Complete(ctx, "a", "A", t0); !errors.Is(err, alerting.ErrLeaseLost) {
		t.Errorf("Complete by the expired owner = %v, want ErrLeaseLost", err)
	}
	if err := s.Release(ctx, "a", "A", time.Time{}, ""); !errors.Is(err, alerting.ErrLeaseLost) {
		t.Errorf("Release by the expired owner = %v, want ErrLeaseLost", err)
	}
	must(t, s.Complete(ctx, "a", "B", t0.Add(time.Minute)))
}

func testOwnerOnly(t *testing.T, s alerting.Store) {
	ctx := t.Context()
	if err := s.Complete(ctx, "nope", "w", t0); !errors.Is(err, alerting.ErrLeaseLost) {
		t.Errorf("Complete(unknown) = %v, want ErrLeaseLost", err)
	}
	if err := s.Release(ctx, "nope", "w", t0, ""); !errors.Is(err, alerting.ErrLeaseLost) {
		t.Errorf("Release(unknown) = %v, want ErrLeaseLost", err)
	}
	mustEnqueue(t, s, item("a"), true)
	if err := s.Complete(ctx, "a", "w", t0); !errors.Is(err, alerting.ErrLeaseLost) {
		t.Errorf("Complete(unclaimed) = %v, want ErrLeaseLost", err)
	}
	mustClaim(t, s, "w", t0, time.Minute, 1)
	if err := s.Complete(ctx, "a", "x", t0); !errors.Is(err, alerting.ErrLeaseLost) {
		t.Errorf("Complete(other owner) = %v, want ErrLeaseLost", err)
	}
	must(t, s.Complete(ctx, "a", "w", t0))
	if err := s.Release(ctx, "a", "w", t0, ""); !errors.Is(err, alerting.ErrLeaseLost) {
		t.Errorf("Release(completed) = %v, want ErrLeaseLost", err)
	}
	if err := s.Complete(ctx, "a", "w", t0); !errors.Is(err, alerting.ErrLeaseLost) {
		t.Errorf("second Complete = %v, want ErrLeaseLost", err)
	}
}

func testConcurrentEnqueue(t *testing.T, s alerting.Store) {
	const n = 50
	var wg sync.WaitGroup
	var mu sync.Mutex
	added := 0
	for range n {
		wg.Go(func() {
			ok, err := s.Enqueue(t.Context(), item("same"))
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				added++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if added != 1 {
		t.Errorf("%d concurrent Enqueue calls of one ID added it %d times, want 1", n, added)
	}
}

func testConcurrentClaim(t *testing.T, s alerting.Store) {
	const items, workers = 60, 6
	for i := range items {
		mustEnqueue(t, s, item(fmt.Sprintf("i%03d", i)), true)
	}
	var mu sync.Mutex
	seen := map[string]string{}
	var wg sync.WaitGroup
	for w := range workers {
		owner := fmt.Sprintf("w%d", w)
		wg.Go(func() {
			for {
				got, err := s.Claim(t.Context(), owner, t0, time.Minute, 7)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, it := range got {
					if prev, dup := seen[it.ID]; dup {
						t.Errorf("%s claimed by %s and %s", it.ID, prev, owner)
					}
					seen[it.ID] = owner
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != items {
		t.Errorf("claimed %d distinct items, want %d", len(seen), items)
	}
}

func testGroupCAS(t *testing.T, s alerting.Store) {
	ctx := t.Context()
	if _, err := s.Group(ctx, "g"); !errors.Is(err, alerting.ErrNotFound) {
		t.Fatalf("Group(missing) = %v, want ErrNotFound", err)
	}
	g := group("g", "T1")
	if _, err := s.PutGroup(ctx, withVersion(g, 3)); !errors.Is(err, alerting.ErrConflict) {
		t.Fatalf("PutGroup(new group, version 3) = %v, want ErrConflict", err)
	}
	v1, err := s.PutGroup(ctx, g)
	must(t, err)
	if v1.Version != 1 {
		t.Fatalf("first PutGroup version = %d, want 1", v1.Version)
	}
	want := g
	want.Version = 1
	equal(t, "PutGroup result", normGroup(v1), normGroup(want))
	got, err := s.Group(ctx, "g")
	must(t, err)
	equal(t, "Group", normGroup(got), normGroup(want))

	if _, err := s.PutGroup(ctx, g); !errors.Is(err, alerting.ErrConflict) {
		t.Errorf("PutGroup(version 0) over an existing group = %v, want ErrConflict", err)
	}
	upd := v1
	upd.LeaseOwner, upd.LeaseUntil = "engine-2", t0.Add(time.Minute)
	upd.Tickets[0].Members = append(upd.Tickets[0].Members, alerting.Member{Source: "level", AlertID: "z"})
	v2, err := s.PutGroup(ctx, upd)
	must(t, err)
	if v2.Version != 2 {
		t.Fatalf("second PutGroup version = %d, want 2", v2.Version)
	}
	stale := v1
	stale.Customer = "lost update"
	if _, err := s.PutGroup(ctx, stale); !errors.Is(err, alerting.ErrConflict) {
		t.Errorf("PutGroup(stale version 1) = %v, want ErrConflict", err)
	}
	got, err = s.Group(ctx, "g")
	must(t, err)
	equal(t, "Group after a rejected stale write", normGroup(got), normGroup(v2))
}

func testGroupConcurrent(t *testing.T, s alerting.Store) {
	const n = 20
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			for {
				g, err := s.Group(t.Context(), "g")
				if errors.Is(err, alerting.ErrNotFound) {
					g = alerting.GroupState{Key: "g", Tickets: []alerting.TicketRecord{{ID: "T", Phase: alerting.PhaseOpen}}}
				} else if err != nil {
					t.Error(err)
					return
				}
				g.Tickets[0].Members = append(g.Tickets[0].Members, alerting.Member{Source: "s", AlertID: fmt.Sprint(i)})
				_, err = s.PutGroup(t.Context(), g)
				if errors.Is(err, alerting.ErrConflict) {
					continue
				}
				if err != nil {
					t.Error(err)
				}
				return
			}
		})
	}
	wg.Wait()
	g, err := s.Group(t.Context(), "g")
	must(t, err)
	if len(g.Tickets[0].Members) != n || g.Version != n {
		t.Errorf("after %d concurrent read-modify-write loops: %d members, version %d; want %d and %d",
			n, len(g.Tickets[0].Members), g.Version, n, n)
	}
}

func testGroupByTicket(t *testing.T, s alerting.Store) {
	ctx := t.Context()
	if _, err := s.GroupByTicket(ctx, "T1"); !errors.Is(err, alerting.ErrNotFound) {
		t.Fatalf("GroupByTicket(unknown) = %v, want ErrNotFound", err)
	}
	g := alerting.GroupState{Key: "g", Tickets: []alerting.TicketRecord{{Phase: alerting.PhaseCreating}}}
	g, err := s.PutGroup(ctx, g)
	must(t, err)
	if _, err := s.GroupByTicket(ctx, ""); !errors.Is(err, alerting.ErrNotFound) {
		t.Errorf("GroupByTicket(\"\") = %v, want ErrNotFound (tickets being created have no ID)", err)
	}
	g.Tickets[0].ID, g.Tickets[0].Phase = "T1", alerting.PhaseOpen
	g, err = s.PutGroup(ctx, g)
	must(t, err)
	g.Tickets[0].Phase = alerting.PhaseClosed
	g.Tickets = append(g.Tickets, alerting.TicketRecord{ID: "T2", Phase: alerting.PhaseOpen})
	g, err = s.PutGroup(ctx, g)
	must(t, err)
	mustPut(t, s, group("other", "T9"))
	for _, id := range []string{"T1", "T2"} {
		got, err := s.GroupByTicket(ctx, id)
		if err != nil || got.Key != "g" || got.Version != g.Version {
			t.Errorf("GroupByTicket(%s) = %s v%d, %v; want g v%d", id, got.Key, got.Version, err, g.Version)
		}
	}
	g.Tickets = g.Tickets[1:] // the group forgets T1
	_, err = s.PutGroup(ctx, g)
	must(t, err)
	if _, err := s.GroupByTicket(ctx, "T1"); !errors.Is(err, alerting.ErrNotFound) {
		t.Errorf("GroupByTicket(T1) after the group dropped it = %v, want ErrNotFound", err)
	}
	if got, err := s.GroupByTicket(ctx, "T9"); err != nil || got.Key != "other" {
		t.Errorf("GroupByTicket(T9) = %s, %v; want other", got.Key, err)
	}
}

func testAlertCAS(t *testing.T, s alerting.Store) {
	ctx := t.Context()
	if _, err := s.Alert(ctx, "datto/1"); !errors.Is(err, alerting.ErrNotFound) {
		t.Fatalf("Alert(missing) = %v, want ErrNotFound", err)
	}
	r := alerting.AlertRecord{Key: "datto/1", GroupKey: "g", UpdatedAt: t0}
	if _, err := s.PutAlert(ctx, alerting.AlertRecord{Key: "datto/1", Version: 1}); !errors.Is(err, alerting.ErrConflict) {
		t.Fatalf("PutAlert(new, version 1) = %v, want ErrConflict", err)
	}
	v1, err := s.PutAlert(ctx, r)
	must(t, err)
	want := r
	want.Version = 1
	equal(t, "PutAlert result", normAlert(v1), normAlert(want))
	if _, err := s.PutAlert(ctx, r); !errors.Is(err, alerting.ErrConflict) {
		t.Errorf("PutAlert(version 0) over an existing record = %v, want ErrConflict", err)
	}
	v1.Resolved, v1.UpdatedAt = true, t0.Add(time.Second)
	v1.Routing = alerting.Routing{By: alerting.RouteAsset, Reason: "datto device d1 is linked to PSA asset 5", Customer: "3",
		Site: "7", Asset: "5", Contact: "9", ContactBy: alerting.ContactAssetUser, ContactProblem: "none"}
	v2, err := s.PutAlert(ctx, v1)
	must(t, err)
	if v2.Version != 2 {
		t.Errorf("version after update = %d, want 2", v2.Version)
	}
	v1.Version = 1
	v1.GroupKey = "lost"
	if _, err := s.PutAlert(ctx, v1); !errors.Is(err, alerting.ErrConflict) {
		t.Errorf("PutAlert(stale) = %v, want ErrConflict", err)
	}
	got, err := s.Alert(ctx, "datto/1")
	must(t, err)
	equal(t, "Alert", normAlert(got), normAlert(v2))
}

func testAlertConcurrentCreate(t *testing.T, s alerting.Store) {
	const n = 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range n {
		wg.Go(func() {
			_, err := s.PutAlert(t.Context(), alerting.AlertRecord{Key: "k", GroupKey: fmt.Sprint(i), UpdatedAt: t0})
			switch {
			case err == nil:
				mu.Lock()
				wins++
				mu.Unlock()
			case !errors.Is(err, alerting.ErrConflict):
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d concurrent creates of one alert record: %d succeeded, want 1", n, wins)
	}
}

func testCursors(t *testing.T, s alerting.Store) {
	ctx := t.Context()
	if v, err := s.Cursor(ctx, "sync"); err != nil || v != "" {
		t.Fatalf("Cursor(unset) = %q, %v; want \"\"", v, err)
	}
	must(t, s.SetCursor(ctx, "sync", "one"))
	must(t, s.SetCursor(ctx, "poll", "x"))
	must(t, s.SetCursor(ctx, "sync", "two"))
	for name, want := range map[string]string{"sync": "two", "poll": "x"} {
		if v, err := s.Cursor(ctx, name); err != nil || v != want {
			t.Errorf("Cursor(%s) = %q, %v; want %q", name, v, err, want)
		}
	}
}

func testPrune(t *testing.T, s alerting.Store) {
	ctx := t.Context()
	cut := t0.Add(24 * time.Hour)
	old, recent := t0, cut.Add(time.Second)

	for _, id := range []string{"old", "recent", "pending"} {
		mustEnqueue(t, s, item(id), true)
	}
	mustClaim(t, s, "w", t0, time.Minute, 10)
	must(t, s.Complete(ctx, "old", "w", old))
	must(t, s.Complete(ctx, "recent", "w", recent))

	for key, at := range map[string]time.Time{"a/old": old, "a/recent": recent} {
		if _, err := s.PutAlert(ctx, alerting.AlertRecord{Key: key, Resolved: true, UpdatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	closed := group("closed-old", "T1")
	closed.Tickets[0].Phase, closed.UpdatedAt = alerting.PhaseClosed, old
	open := group("open-old", "T2")
	open.UpdatedAt = old
	fresh := group("closed-recent", "T3")
	fresh.Tickets[0].Phase, fresh.UpdatedAt = alerting.PhaseClosed, recent
	for _, g := range []alerting.GroupState{closed, open, fresh} {
		mustPut(t, s, g)
	}

	n, err := s.Prune(ctx, cut)
	must(t, err)
	if n != 3 {
		t.Errorf("Prune removed %d records, want 3 (a processed ID, an alert record, a closed group)", n)
	}
	if added, _ := s.Enqueue(ctx, item("old")); !added {
		t.Errorf("a pruned processed ID is still known")
	}
	if added, _ := s.Enqueue(ctx, item("recent")); added {
		t.Errorf("a recent processed ID was pruned")
	}
	if added, _ := s.Enqueue(ctx, item("pending")); added {
		t.Errorf("a pending item was pruned")
	}
	if _, err := s.Alert(ctx, "a/old"); !errors.Is(err, alerting.ErrNotFound) {
		t.Errorf("old alert record: %v, want ErrNotFound", err)
	}
	if _, err := s.Alert(ctx, "a/recent"); err != nil {
		t.Errorf("recent alert record: %v", err)
	}
	if _, err := s.Group(ctx, "closed-old"); !errors.Is(err, alerting.ErrNotFound) {
		t.Errorf("old closed group: %v, want ErrNotFound", err)
	}
	if _, err := s.GroupByTicket(ctx, "T1"); !errors.Is(err, alerting.ErrNotFound) {
		t.Errorf("ticket index of a pruned group: %v, want ErrNotFound", err)
	}
	for _, k := range []string{"open-old", "closed-recent"} {
		if _, err := s.Group(ctx, k); err != nil {
			t.Errorf("group %s was pruned: %v", k, err)
		}
	}
}

func testCopies(t *testing.T, s alerting.Store) {
	ctx := t.Context()
	in := item("a")
	in.Alert.Raw = []byte("payload")
	mustEnqueue(t, s, in, true)
	in.Alert.Raw[0] = 'X'
	got := mustClaim(t, s, "w", t0, time.Minute, 1)
	if string(got[0].Alert.Raw) != "payload" {
		t.Errorf("the store kept the caller's Raw slice: %q", got[0].Alert.Raw)
	}
	got[0].Alert.Raw[0] = 'Y'
	must(t, s.Release(ctx, "a", "w", time.Time{}, ""))
	again := mustClaim(t, s, "w", t0, time.Minute, 1)
	if string(again[0].Alert.Raw) != "payload" {
		t.Errorf("the store handed out its own Raw slice: %q", again[0].Alert.Raw)
	}

	g := group("g", "T1")
	stored, err := s.PutGroup(ctx, g)
	must(t, err)
	g.Tickets[0].Members[0].AlertID = "changed by caller"
	stored.Tickets[0].Members[0].Resolved = true
	read, err := s.Group(ctx, "g")
	must(t, err)
	read.Tickets[0].Members[0].AlertID = "changed by reader"
	again2, err := s.Group(ctx, "g")
	must(t, err)
	if m := again2.Tickets[0].Members[0]; m.AlertID != "1" || m.Resolved {
		t.Errorf("stored member = %+v; changes to passed or returned values leaked into the store", m)
	}
}

func testCancelled(t *testing.T, s alerting.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	checks := map[string]error{}
	_, checks["Enqueue"] = s.Enqueue(ctx, item("a"))
	_, checks["Claim"] = s.Claim(ctx, "w", t0, time.Minute, 1)
	checks["Complete"] = s.Complete(ctx, "a", "w", t0)
	checks["Release"] = s.Release(ctx, "a", "w", t0, "")
	_, checks["Pending"] = s.Pending(ctx)
	_, checks["Group"] = s.Group(ctx, "g")
	_, checks["GroupByTicket"] = s.GroupByTicket(ctx, "T")
	_, checks["PutGroup"] = s.PutGroup(ctx, group("g", "T"))
	_, checks["Alert"] = s.Alert(ctx, "k")
	_, checks["PutAlert"] = s.PutAlert(ctx, alerting.AlertRecord{Key: "k"})
	_, checks["Cursor"] = s.Cursor(ctx, "c")
	checks["SetCursor"] = s.SetCursor(ctx, "c", "v")
	_, checks["Prune"] = s.Prune(ctx, t0)
	for name, err := range checks {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context = %v, want context.Canceled", name, err)
		}
	}
	if n, err := s.Pending(t.Context()); err != nil || n != 0 {
		t.Errorf("Pending = %d, %v after cancelled calls; want 0", n, err)
	}
}

// helpers

func item(id string) alerting.PendingItem {
	return alerting.PendingItem{
		ID:         id,
		Alert:      alerting.Alert{Source: "test", EventID: id, Kind: alerting.Raise, Title: "alert " + id},
		AcceptedAt: t0,
	}
}

func group(key, ticket string) alerting.GroupState {
	return alerting.GroupState{
		Key:      key,
		Customer: "cust-1",
		Tickets: []alerting.TicketRecord{{
			ID: ticket, Phase: alerting.PhaseOpen, CreatedAt: t0,
			Members: []alerting.Member{{Source: "datto", AlertID: "1"}, {Source: "datto", AlertID: "2", Resolved: true}},
		}},
		UpdatedAt: t0,
	}
}

func withVersion(g alerting.GroupState, v int64) alerting.GroupState { g.Version = v; return g }

func ids(items []alerting.PendingItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustEnqueue(t *testing.T, s alerting.Store, it alerting.PendingItem, want bool) {
	t.Helper()
	added, err := s.Enqueue(t.Context(), it)
	if err != nil {
		t.Fatalf("Enqueue(%s): %v", it.ID, err)
	}
	if added != want {
		t.Fatalf("Enqueue(%s) added = %v, want %v", it.ID, added, want)
	}
}

func mustClaim(t *testing.T, s alerting.Store, owner string, now time.Time, lease time.Duration, limit int) []alerting.PendingItem {
	t.Helper()
	got, err := s.Claim(t.Context(), owner, now, lease, limit)
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	return got
}

func mustPut(t *testing.T, s alerting.Store, g alerting.GroupState) alerting.GroupState {
	t.Helper()
	g, err := s.PutGroup(t.Context(), g)
	must(t, err)
	return g
}

func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

// norm* put every time in UTC without a monotonic reading, so values that
// went through a database compare equal to what was written.

func normTime(t time.Time) time.Time { return t.UTC().Round(0) }

func normItem(p alerting.PendingItem) alerting.PendingItem {
	p.AcceptedAt, p.NotBefore, p.LeaseUntil = normTime(p.AcceptedAt), normTime(p.NotBefore), normTime(p.LeaseUntil)
	p.Alert.Time = normTime(p.Alert.Time)
	return p
}

func normGroup(g alerting.GroupState) alerting.GroupState {
	g = g.Clone()
	g.LeaseUntil, g.UpdatedAt = normTime(g.LeaseUntil), normTime(g.UpdatedAt)
	for i := range g.Tickets {
		g.Tickets[i].CreatedAt, g.Tickets[i].ClosedAt = normTime(g.Tickets[i].CreatedAt), normTime(g.Tickets[i].ClosedAt)
	}
	return g
}

func normAlert(r alerting.AlertRecord) alerting.AlertRecord {
	r.UpdatedAt = normTime(r.UpdatedAt)
	return r
}

// testAwaitingGroups checks a store that implements
// alerting.AwaitingGroups: it lists exactly the groups that await sync
// (a ticket not closed), following each group's changes.
func testAwaitingGroups(t *testing.T, s alerting.Store) {
	ag, ok := s.(alerting.AwaitingGroups)
	if !ok {
		t.Skip("the store does not implement alerting.AwaitingGroups")
	}
	ctx := t.Context()
	check := func(what string, want ...string) {
		t.Helper()
		got, err := ag.AwaitingGroupKeys(ctx)
		must(t, err)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: AwaitingGroupKeys = %v, want %v", what, got, want)
		}
	}
	check("empty store")
	a, err := s.PutGroup(ctx, alerting.GroupState{Key: "a", Tickets: []alerting.TicketRecord{{ID: "T1", Phase: alerting.PhaseOpen}}})
	must(t, err)
	_, err = s.PutGroup(ctx, alerting.GroupState{Key: "b", Tickets: []alerting.TicketRecord{{Phase: alerting.PhaseCreating}}})
	must(t, err)
	_, err = s.PutGroup(ctx, alerting.GroupState{Key: "c", Tickets: []alerting.TicketRecord{{ID: "T3", Phase: alerting.PhaseClosed, ClosedBy: alerting.ClosedByEngine}}})
	must(t, err)
	check("open, creating and closed", "a", "b")
	a.Tickets[0].Phase, a.Tickets[0].ClosedBy = alerting.PhaseClosed, alerting.ClosedByEngine
	_, err = s.PutGroup(ctx, a)
	must(t, err)
	check("after a's ticket closed", "b")
}
