package httpx

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/mspsync/mspsync/internal/httpxtest"
)

// TestCountersReportActivity checks the typed retry and refresh reports an
// observer receives (no log message is parsed), and that a path's query
// never reaches them.
func TestCountersReportActivity(t *testing.T) {
	t.Parallel()
	base, calls, _ := countingServer(t, nil, 503, 401, 200)
	clk := httpxtest.NewClock().AutoAdvance()
	var mu sync.Mutex
	var got []Activity
	cs := new(Counters)
	cs.Observe(func(a Activity) { mu.Lock(); got = append(got, a); mu.Unlock() })
	e := newEngine(t, base, func(c *Config) {
		c.Clock, c.Counters = clk, cs
		c.Auth = refreshable{}
	})
	if _, err := e.Do(t.Context(), Request{Path: "x", Query: url.Values{"api_key": {"SECRET"}}}, nil); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 3 {
		t.Fatalf("calls = %d", calls.Load())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 {
		t.Fatalf("activities %+v, want a retry and a refresh", got)
	}
	r, f := got[0], got[1]
	if r.Kind != ActivityRetry || r.Vendor != "test" || r.Method != http.MethodGet || r.Path != "x" || r.Attempt != 1 || r.Status != 503 || r.Wait != clk.Slept()[0] {
		t.Errorf("retry %+v (slept %v)", r, clk.Slept())
	}
	if f.Kind != ActivityRefresh || f.Status != 401 {
		t.Errorf("refresh %+v", f)
	}
	if s := r.String(); !strings.Contains(s, "test: retrying GET x (attempt 1, status 503) in") {
		t.Errorf("String() = %q", s)
	}
	for _, a := range got {
		if strings.Contains(a.String(), "SECRET") || strings.Contains(a.Path, "SECRET") {
			t.Errorf("secret in %+v", a)
		}
	}
	cs.Observe(nil)
	if _, err := e.Do(t.Context(), Request{Path: "x"}, nil); err != nil || len(got) != 2 {
		t.Errorf("after Observe(nil): %v, %d activities", err, len(got))
	}
}

// refreshable is an authenticator whose credentials can always be
// refreshed.
type refreshable struct{}

func (refreshable) Authorize(_ context.Context, req *http.Request) error {
	req.Header.Set("Authorization", "Bearer t")
	return nil
}
func (refreshable) Refresh(*http.Request) bool { return true }

func TestPathOnly(t *testing.T) {
	for in, want := range map[string]string{"x?api_key=s": "x", "https://h.example/api/v2/a?page=2": "/api/v2/a", "https://h.example": "/", "Asset/1": "Asset/1"} {
		if got := pathOnly(in); got != want {
			t.Errorf("pathOnly(%q) = %q, want %q", in, got, want)
		}
	}
}
