package dattormm_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/dattormm/dattormmtest"
	"github.com/mspsync/mspsync/fakeapi"
	"github.com/mspsync/mspsync/internal/httpxtest"
)

// clockClient is a client of srv on a fake clock with Datto's default
// rate-limit pause (a minute) and, when policy is set, that retry policy.
func clockClient(t *testing.T, srv *dattormmtest.Server, clk *httpxtest.Clock, policy *dattormm.RetryPolicy) *dattormm.Client {
	t.Helper()
	opts := []dattormm.Option{dattormm.WithRateLimitPause(dattormm.DefaultRateLimitPause), dattormm.WithClock(clk)}
	if policy != nil {
		opts = append(opts, dattormm.WithRetryPolicy(*policy))
	}
	c, err := srv.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Account.Get(t.Context()); err != nil { // token first
		t.Fatal(err)
	}
	return c
}

func TestA429PausesEveryRequestUntilTheWindowDrains(t *testing.T) {
	t.Parallel()
	srv := dattormmtest.NewServer(t)
	clk := httpxtest.NewClock()
	c := clockClient(t, srv, clk, nil)
	srv.Inject(fakeapi.Fault{Path: "/api/v2/account", Status: http.StatusTooManyRequests}) // no Retry-After

	errs := make(chan error, 2)
	go func() { _, err := c.Account.Get(t.Context()); errs <- err }()
	clk.WaitSleepers(t, 1)
	if s := clk.Slept(); len(s) != 1 || s[0] < time.Minute {
		t.Fatalf("after a 429 the client sleeps %v, want at least a minute", s)
	}
	go func() { _, err := c.Account.Get(t.Context()); errs <- err }() // another goroutine
	clk.WaitSleepers(t, 2)
	if n := srv.Count(http.MethodGet, "/api/v2/account"); n != 2 {
		t.Fatalf("%d account reads during the pause, want 2 (before it and the 429)", n)
	}
	clk.Advance(59 * time.Second)
	if n := clk.Sleepers(); n != 2 {
		t.Fatalf("%d requests still paused after 59 s, want 2", n)
	}
	clk.Advance(time.Second)
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.Count(http.MethodGet, "/api/v2/account"); n != 4 {
		t.Errorf("account reads = %d, want 4", n)
	}
}

func TestPersistent429sAreSpacedByTheWindow(t *testing.T) {
	t.Parallel()
	srv := dattormmtest.NewServer(t)
	clk := httpxtest.NewClock().AutoAdvance()
	policy := dattormm.DefaultRetryPolicy()
	c := clockClient(t, srv, clk, &policy)
	srv.Inject(fakeapi.Fault{Path: "/api/v2/account", Status: http.StatusTooManyRequests, Times: 100})
	_, err := c.Account.Get(t.Context())
	if !errors.Is(err, dattormm.ErrRateLimited) {
		t.Fatalf("err = %v", err)
	}
	slept := clk.Slept()
	if n := srv.Count(http.MethodGet, "/api/v2/account"); n != 1+policy.MaxAttempts || len(slept) != policy.MaxAttempts-1 {
		t.Fatalf("reads %d, waits %v; want %d attempts", n, slept, policy.MaxAttempts)
	}
	for _, d := range slept {
		if d < time.Minute {
			t.Errorf("waits %v: every attempt after a 429 must wait at least a minute", slept)
			break
		}
	}
}

func TestA403AfterA429IsTheBlock(t *testing.T) {
	t.Parallel()
	srv := dattormmtest.NewServer(t)
	clk := httpxtest.NewClock().AutoAdvance()
	c := clockClient(t, srv, clk, nil)
	srv.Inject(fakeapi.Fault{Path: "/api/v2/account", Status: http.StatusTooManyRequests})
	srv.Inject(fakeapi.Fault{Path: "/api/v2/account", Status: http.StatusForbidden, Message: "Access denied"})
	_, err := c.Account.Get(t.Context())
	if !errors.Is(err, dattormm.ErrBlocked) || !errors.Is(err, dattormm.ErrForbidden) || !errors.Is(err, dattormm.ErrRateLimited) {
		t.Fatalf("403 after a 429: err = %v, want ErrBlocked (and ErrForbidden, ErrRateLimited)", err)
	}
	var de *dattormm.Error
	if !errors.As(err, &de) || de.RetryAfter != dattormm.BlockWindow {
		t.Errorf("RetryAfter = %v, want %v", de.RetryAfter, dattormm.BlockWindow)
	}
	if n := srv.Count(http.MethodGet, "/api/v2/account"); n != 3 {
		t.Errorf("account reads = %d, want 3 (the block is not retried)", n)
	}

	clk.Advance(dattormm.BlockWindow + time.Second)
	srv.Inject(fakeapi.Fault{Path: "/api/v2/account", Status: http.StatusForbidden, Message: "Access denied"})
	_, err = c.Account.Get(t.Context())
	if !errors.Is(err, dattormm.ErrForbidden) || errors.Is(err, dattormm.ErrBlocked) {
		t.Errorf("403 long after the 429: err = %v, want only ErrForbidden", err)
	}
}
