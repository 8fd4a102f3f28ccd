package httpx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mspsync/mspsync/internal/httpxtest"
)

func TestRateLimitPauseIsSharedAcrossGoroutines(t *testing.T) {
	t.Parallel()
	mux, base := httpxtest.NewServer(t, "/api")
	var a, b atomic.Int32
	mux.HandleFunc("/a", func(w http.ResponseWriter, r *http.Request) {
		if a.Add(1) == 1 {
			http.Error(w, "slow down", http.StatusTooManyRequests) // no Retry-After
			return
		}
		fmt.Fprint(w, `{}`)
	})
	mux.HandleFunc("/b", func(w http.ResponseWriter, r *http.Request) { b.Add(1); fmt.Fprint(w, `{}`) })
	clk := httpxtest.NewClock()
	e := newEngine(t, base, func(c *Config) { c.Clock = clk; c.RateLimitPause = time.Minute })

	errs := make(chan error, 2)
	go func() { _, err := e.Do(t.Context(), Request{Path: "a"}, nil); errs <- err }()
	clk.WaitSleepers(t, 1)
	if s := clk.Slept(); len(s) != 1 || s[0] != time.Minute {
		t.Fatalf("the refused request sleeps %v, want one minute", s)
	}
	go func() { _, err := e.Do(t.Context(), Request{Path: "b"}, nil); errs <- err }()
	clk.WaitSleepers(t, 2) // the other goroutine's request waits too, unsent
	if b.Load() != 0 || a.Load() != 1 {
		t.Fatalf("requests sent during the pause: a=%d b=%d", a.Load(), b.Load())
	}
	clk.Advance(59 * time.Second)
	if n := clk.Sleepers(); n != 2 {
		t.Fatalf("after 59 s %d requests still wait, want 2", n)
	}
	clk.Advance(time.Second)
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if a.Load() != 2 || b.Load() != 1 {
		t.Errorf("requests: a=%d b=%d, want 2 and 1", a.Load(), b.Load())
	}
	if s := e.Counters().Snapshot(); s.Retries != 1 || s.Waits != 1 || s.WaitTime != time.Minute {
		t.Errorf("stats = %+v", s)
	}
	if got := e.LastRateLimited(); !got.Equal(clk.Now().Add(-time.Minute)) {
		t.Errorf("LastRateLimited = %v, now %v", got, clk.Now())
	}
}

func TestRateLimitPauseTakesRetryAfter(t *testing.T) {
	t.Parallel()
	base, calls, _ := countingServer(t, http.Header{"Retry-After": {"7"}}, 429, 429, 200)
	clk := httpxtest.NewClock().AutoAdvance()
	e := newEngine(t, base, func(c *Config) {
		c.Clock = clk
		c.RateLimitPause = time.Minute
		c.Retry.MaxRetryAfter = time.Minute
	})
	if _, err := e.Do(t.Context(), Request{Path: "x"}, nil); err != nil {
		t.Fatal(err)
	}
	if s := clk.Slept(); calls.Load() != 3 || len(s) != 2 || s[0] != 7*time.Second || s[1] != 7*time.Second {
		t.Errorf("calls %d, slept %v; want two waits of 7 s", calls.Load(), s)
	}
}

func TestWithoutRateLimitPauseA429BacksOffAlone(t *testing.T) {
	t.Parallel()
	base, calls, _ := countingServer(t, nil, 429, 200)
	clk := httpxtest.NewClock().AutoAdvance()
	e := newEngine(t, base, func(c *Config) { c.Clock = clk })
	if _, err := e.Do(t.Context(), Request{Path: "x"}, nil); err != nil {
		t.Fatal(err)
	}
	if s := clk.Slept(); calls.Load() != 2 || len(s) != 1 || s[0] > fast.MaxWait {
		t.Errorf("calls %d, slept %v; want one backoff of at most %s", calls.Load(), s, fast.MaxWait)
	}
	if _, err := e.Do(t.Context(), Request{Path: "x"}, nil); err != nil || len(clk.Slept()) != 1 {
		t.Errorf("a later request waited: %v, slept %v", err, clk.Slept())
	}
}

// slowPolicy is Halo's default: backoff from 5 s to 60 s, six attempts.
var slowPolicy = RetryPolicy{MaxAttempts: 6, MinWait: 5 * time.Second, MaxWait: 60 * time.Second, MaxRetryAfter: 60 * time.Second}

func checkBrief(t *testing.T, what string, clk *httpxtest.Clock) {
	t.Helper()
	var total time.Duration
	for _, d := range clk.Slept() {
		if d > time.Second {
			t.Errorf("%s: a wait of %s after a failed connection, want at most 1 s", what, d)
		}
		total += d
	}
	if n := len(clk.Slept()); n != slowPolicy.MaxAttempts-1 || total > 5*time.Second {
		t.Errorf("%s: %d waits, %s in all; want %d waits within seconds", what, n, total, slowPolicy.MaxAttempts-1)
	}
}

func TestConnectionFailuresAreRetriedBriefly(t *testing.T) {
	t.Parallel()
	addr := closedPort(t)
	t.Run("refused", func(t *testing.T) {
		t.Parallel()
		clk := httpxtest.NewClock().AutoAdvance()
		e := newEngine(t, "http://"+addr+"/api", func(c *Config) { c.Clock = clk; c.Retry = slowPolicy })
		_, err := e.Do(t.Context(), Request{Method: http.MethodPost, Path: "x"}, nil)
		if err == nil || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), "test: POST http://"+addr+"/api/x") {
			t.Fatalf("err = %v; want the operation, the host and the cause", err)
		}
		if s := e.Counters().Snapshot(); s.Requests != int64(slowPolicy.MaxAttempts) {
			t.Errorf("attempts = %d", s.Requests)
		}
		checkBrief(t, "refused", clk)
	})
	t.Run("token endpoint refused", func(t *testing.T) {
		t.Parallel()
		clk := httpxtest.NewClock().AutoAdvance()
		auth := ClientCredentials(TokenAuthConfig{Vendor: "test", TokenURL: "http://" + addr + "/auth/token"}, "id", "cs-SECRET", nil, nil)
		e := newEngine(t, "http://"+addr+"/api", func(c *Config) { c.Clock = clk; c.Retry = slowPolicy; c.Auth = auth })
		_, err := e.Do(t.Context(), Request{Path: "x"}, nil)
		if err == nil || !strings.Contains(err.Error(), "connection refused") {
			t.Fatalf("err = %v", err)
		}
		checkBrief(t, "token endpoint", clk)
	})
	t.Run("TLS handshake", func(t *testing.T) {
		t.Parallel()
		// A listener that accepts and hangs up: the TLS handshake fails.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		var accepted atomic.Int32
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				accepted.Add(1)
				c.Close()
			}
		}()
		clk := httpxtest.NewClock().AutoAdvance()
		e := newEngine(t, "https://"+ln.Addr().String()+"/api", func(c *Config) { c.Clock = clk; c.Retry = slowPolicy })
		_, err = e.Do(t.Context(), Request{Path: "x"}, nil)
		if err == nil {
			t.Fatal("no error")
		}
		if accepted.Load() < int32(slowPolicy.MaxAttempts) {
			t.Errorf("connections = %d, want %d attempts", accepted.Load(), slowPolicy.MaxAttempts)
		}
		checkBrief(t, "TLS handshake", clk)
	})
}

// TestTLSMismatchIsRetriedBrieflyAndNamed points an https base URL at a
// plain HTTP server (a wrong scheme in a pasted URL): the handshake fails,
// is retried for seconds only, and the error names the operation, the host
// and the cause.
func TestTLSMismatchIsRetriedBrieflyAndNamed(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	clk := httpxtest.NewClock().AutoAdvance()
	e := newEngine(t, "https://"+host+"/api", func(c *Config) {
		c.Clock = clk
		c.Retry = slowPolicy
		c.Auth = BearerToken("bt-SECRET")
	})
	_, err := e.Do(t.Context(), Request{Method: http.MethodPost, Path: "Assets", Query: url.Values{"api_key": {"ak-SECRET"}}}, nil)
	if err == nil {
		t.Fatal("no error from an https request to a plain HTTP server")
	}
	msg := err.Error()
	for _, want := range []string{"test: POST https://" + host + "/api/Assets", "HTTP response to HTTPS client"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, "SECRET") {
		t.Errorf("secret in error: %s", msg)
	}
	var he *Error
	if !errors.As(err, &he) || he.StatusCode != 0 || he.Err == nil {
		t.Errorf("want an *Error with the transport cause and no status: %#v", err)
	}
	if calls.Load() != 0 {
		t.Errorf("the handler ran %d times", calls.Load())
	}
	if s := e.Counters().Snapshot(); s.Requests != int64(slowPolicy.MaxAttempts) || s.Retries != int64(slowPolicy.MaxAttempts-1) || s.Failures != 1 {
		t.Errorf("counters %+v; want %d attempts, %d retries, 1 failure", s, slowPolicy.MaxAttempts, slowPolicy.MaxAttempts-1)
	}
	checkBrief(t, "TLS mismatch", clk)

	// The same mistake in the token URL: retried as briefly, and named.
	tclk := httpxtest.NewClock().AutoAdvance()
	auth := ClientCredentials(TokenAuthConfig{Vendor: "test", TokenURL: "https://" + host + "/auth/token"}, "id", "cs-SECRET", nil, nil)
	te := newEngine(t, "https://"+host+"/api", func(c *Config) { c.Clock = tclk; c.Retry = slowPolicy; c.Auth = auth })
	_, err = te.Do(t.Context(), Request{Path: "x"}, nil)
	if err == nil || !strings.Contains(err.Error(), "POST https://"+host+"/auth/token") || !strings.Contains(err.Error(), "HTTP response to HTTPS client") || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("token endpoint: err = %v", err)
	}
	if auth.Fetches() != int64(slowPolicy.MaxAttempts) {
		t.Errorf("token fetches = %d, want %d", auth.Fetches(), slowPolicy.MaxAttempts)
	}
	checkBrief(t, "TLS mismatch at the token endpoint", tclk)
}

func TestCertificateErrorIsNotRetried(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	t.Cleanup(srv.Close)
	clk := httpxtest.NewClock().AutoAdvance()
	e := newEngine(t, srv.URL+"/api", func(c *Config) { c.Clock = clk; c.Retry = slowPolicy })
	_, err := e.Do(t.Context(), Request{Path: "x"}, nil)
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("err = %v", err)
	}
	if len(clk.Slept()) != 0 || e.Counters().Snapshot().Requests != 1 {
		t.Errorf("a certificate error was retried: slept %v", clk.Slept())
	}
}

func TestRateLimitPauseEndsWithContext(t *testing.T) {
	t.Parallel()
	base, _, _ := countingServer(t, nil, 429, 200)
	clk := httpxtest.NewClock()
	e := newEngine(t, base, func(c *Config) { c.Clock = clk; c.RateLimitPause = time.Minute })
	var wg sync.WaitGroup
	wg.Add(1)
	var err error
	go func() { defer wg.Done(); _, err = e.Do(t.Context(), Request{Path: "x"}, nil) }()
	clk.WaitSleepers(t, 1)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { _, err := e.Do(ctx, Request{Path: "x"}, nil); done <- err }()
	clk.WaitSleepers(t, 2)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled wait: err = %v", err)
	}
	clk.Advance(time.Minute)
	wg.Wait()
	if err != nil {
		t.Error(err)
	}
}
