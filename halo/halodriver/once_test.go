package halodriver_test

import (
	"bytes"
	"net/http"
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

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// TestEveryWriteOnceWhenRepliesAreLost: Halo stores the ticket, a note and
// the closing note but answers each with 503. The engine retries every
// event and still leaves exactly one ticket, one note per event and one
// close: it finds the ticket by its group key and the notes by their
// marker before writing again.
func TestEveryWriteOnceWhenRepliesAreLost(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	estate(srv)
	clk := &fakeClock{t: time.Now()}
	store := memstore.New()
	eng, err := alerting.New(alerting.Config{AutoMatch: true, Grouping: alerting.GroupUser, OnResolve: alerting.CloseOnResolve},
		store, halodriver.NewAlertSink(c, halodriver.WithTicketType(1)),
		alerting.WithClock(clk.Now), alerting.WithRetryBackoff(time.Second, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	ctx := t.Context()
	alert := func(id string, kind alerting.Kind) alerting.Alert {
		return alerting.Alert{Source: "visionone", EventID: string(kind) + "-" + id, AlertID: id, Kind: kind, Type: "Risky sign-in",
			User: "bo@acme.example", Customer: alerting.CustomerRef{ID: "t1", Name: "Acme Ltd"}, Title: "Risky sign-in " + id}
	}
	lost := func(path string) {
		srv.Inject(halotest.Fault{Method: http.MethodPost, Path: path, Status: http.StatusServiceUnavailable, Applied: true})
	}
	// step submits a, whose write is answered 503, and retries it.
	step := func(a alerting.Alert, path string) {
		t.Helper()
		lost(path)
		res, err := eng.Submit(ctx, a)
		if err != nil || res.Outcome != alerting.OutcomePending {
			t.Fatalf("Submit(%s) with a lost reply = %+v, %v; want pending", a.EventID, res, err)
		}
		clk.Add(2 * time.Second)
		if n, err := eng.ProcessPending(ctx); err != nil || n != 1 {
			t.Fatalf("ProcessPending = %d, %v", n, err)
		}
		if n, _ := store.Pending(ctx); n != 0 {
			t.Fatalf("%d items still pending after the retry of %s", n, a.EventID)
		}
	}
	step(alert("a1", alerting.Raise), "/api/Tickets")
	step(alert("a2", alerting.Raise), "/api/Actions")
	step(alert("a1", alerting.Resolve), "/api/Actions")
	step(alert("a2", alerting.Resolve), "/api/Actions")

	tks := srv.Tickets()
	if len(tks) != 1 {
		t.Fatalf("%d tickets; want 1", len(tks))
	}
	tk := tks[0]
	if st, _, err := c.Tickets.State(ctx, tk.ID); err != nil || st != halo.TicketClosed {
		t.Errorf("ticket state = %v, %v; want closed", st, err)
	}
	count := func(text string) int {
		n := 0
		for _, a := range srv.Actions(tk.ID) {
			if strings.Contains(a.Note, text) {
				n++
			}
		}
		return n
	}
	for _, text := range []string{"Alert raised: Risky sign-in a2", "Alert resolved: Risky sign-in a1", "Alert resolved: Risky sign-in a2"} {
		if n := count(text); n != 1 {
			t.Errorf("%d notes %q; want exactly 1", n, text)
		}
	}
	if n := len(srv.Actions(tk.ID)); n != 3 {
		t.Errorf("%d actions on the ticket; want 3", n)
	}
	closes := 0
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost && strings.EqualFold(r.Path, "/api/Tickets") && bytes.Contains(r.Body, []byte(`"status_id":9`)) {
			closes++
		}
	}
	if closes != 1 {
		t.Errorf("%d closing requests; want 1", closes)
	}
}

// TestResolveSyncRequestsOncePerPass: 250 tickets closed in Halo in one
// go (not the engine's) are listed by the first pass only; later passes
// make one request while the engine's ticket is open, and none once it
// is closed.
func TestResolveSyncRequestsOncePerPass(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	cust, _, _ := estate(srv)
	srv.SetNow(func() time.Time { return time.Now().Add(-10 * time.Minute) })
	for range 250 {
		srv.CloseTicket(srv.SeedTicket(halo.Ticket{Summary: "bulk", ClientID: cust.ID}).ID)
	}
	srv.SetNow(time.Now)
	eng, err := alerting.New(alerting.Config{AutoMatch: true, OnResolve: alerting.CloseOnResolve},
		memstore.New(), halodriver.NewAlertSink(c, halodriver.WithTicketType(1)))
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	ctx := t.Context()
	a := alerting.Alert{Source: "visionone", EventID: "r1", AlertID: "a1", Kind: alerting.Raise, Type: "Risky sign-in",
		Customer: alerting.CustomerRef{ID: "t1", Name: "Acme Ltd"}, Title: "Risky sign-in"}
	if _, err := eng.Submit(ctx, a); err != nil {
		t.Fatal(err)
	}
	pass := func() int {
		t.Helper()
		srv.ResetRequests()
		if _, err := eng.SyncResolved(ctx); err != nil {
			t.Fatal(err)
		}
		return srv.Count(http.MethodGet, "/api/Tickets")
	}
	if n := pass(); n != 3 {
		t.Errorf("first pass (24h back) made %d requests; want 3 pages", n)
	}
	for i := range 2 {
		if n := pass(); n != 1 {
			t.Errorf("pass %d made %d requests; want 1", i+2, n)
		}
	}
	a.Kind, a.EventID = alerting.Resolve, "s1"
	if res, err := eng.Submit(ctx, a); err != nil || res.Outcome != alerting.OutcomeClosed {
		t.Fatalf("resolve = %+v, %v", res, err)
	}
	if n := pass(); n != 0 {
		t.Errorf("pass with nothing open made %d requests; want 0", n)
	}
}
