package httpx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"golang.org/x/oauth2"
	"golang.org/x/time/rate"

	"github.com/mspsync/mspsync/internal/httpxtest"
)

var fast = RetryPolicy{MaxAttempts: 4, MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond, MaxRetryAfter: time.Second}

func newEngine(t *testing.T, base string, mod func(*Config)) *Engine {
	t.Helper()
	cfg := Config{Vendor: "test", BaseURL: base, Retry: fast}
	if mod != nil {
		mod(&cfg)
	}
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestParseBaseURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want, err string }{
		{"https://acme.halopsa.com", "https://acme.halopsa.com/", ""},
		{"https://acme.halopsa.com/api", "https://acme.halopsa.com/api/", ""},
		{"https://h/api/v3/", "https://h/api/v3/", ""},
		{"acme.halopsa.com/api", "", "must be absolute"},
		{"/api", "", "must be absolute"},
		{"ftp://h/", "", "must be absolute"},
		{"https://h/api?tenant=x", "", "query"},
		{"https://user:hunter2@h/", "", "credentials"},
		{"", "", "empty"},
	} {
		u, err := ParseBaseURL(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseBaseURL(%q) err = %v, want %q", tc.in, err, tc.err)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Errorf("ParseBaseURL error leaks the password: %v", err)
			}
			continue
		}
		if err != nil || u.String() != tc.want {
			t.Errorf("ParseBaseURL(%q) = %v, %v; want %s", tc.in, u, err, tc.want)
		}
	}
}

type listOpts struct {
	ClientID int    `url:"client_id,omitempty"`
	Search   string `url:"search,omitempty"`
	OpenOnly bool   `url:"open_only,omitempty"`
}

func TestDoBuildsRequestUnderBasePath(t *testing.T) {
	t.Parallel()
	mux, base := httpxtest.NewServer(t, "/vendor-test/api")
	mux.HandleFunc("/Tickets", func(w http.ResponseWriter, r *http.Request) {
		httpxtest.Method(t, r, http.MethodPost)
		httpxtest.Query(t, r, url.Values{"client_id": {"12"}, "search": {"disk full"}, "x": {"1"}})
		httpxtest.Header(t, r, "Content-Type", "application/json; charset=utf-8")
		httpxtest.Header(t, r, "User-Agent", "mspsync/0.1.0 (test)")
		httpxtest.Header(t, r, "X-Extra", "yes")
		httpxtest.JSONBody(t, r, `[{"summary":"Disk full","client_id":12}]`)
		w.Header().Set("X-Request-Id", "req-1")
		fmt.Fprint(w, `[{"id":7,"summary":"Disk full"}]`)
	})
	e := newEngine(t, base, nil)
	opts := &listOpts{ClientID: 12, Search: "disk full"}
	var out []struct {
		ID      int    `json:"id"`
		Summary string `json:"summary"`
	}
	resp, err := e.Do(t.Context(), Request{
		Method: http.MethodPost,
		Path:   "/Tickets?x=1", // a leading slash must not drop /vendor-test/api
		Query:  opts,
		Body:   []map[string]any{{"summary": "Disk full", "client_id": 12}},
		Header: http.Header{"X-Extra": {"yes"}},
	}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0].ID != 7 || out[0].Summary != "Disk full" {
		t.Errorf("decoded %+v", out)
	}
	if resp.Header.Get("X-Request-Id") != "req-1" || !strings.Contains(string(resp.Body), `"id":7`) || resp.Attempts != 1 {
		t.Errorf("response = %+v", resp)
	}
	if *opts != (listOpts{ClientID: 12, Search: "disk full"}) {
		t.Errorf("options were modified: %+v", opts)
	}
}

func TestDoRawBodyAndEmptyResponse(t *testing.T) {
	t.Parallel()
	mux, base := httpxtest.NewServer(t, "/p")
	mux.HandleFunc("/raw", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "plain text") })
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	e := newEngine(t, base, nil)
	var raw []byte
	if _, err := e.Do(t.Context(), Request{Path: "raw"}, &raw); err != nil || string(raw) != "plain text" {
		t.Errorf("raw = %q, %v", raw, err)
	}
	v := map[string]int{"kept": 1}
	if _, err := e.Do(t.Context(), Request{Method: http.MethodDelete, Path: "empty"}, &v); err != nil || v["kept"] != 1 {
		t.Errorf("empty body: %v, %v", v, err)
	}
}

func TestAbsoluteURLMustStayOnBaseHost(t *testing.T) {
	t.Parallel()
	mux, base := httpxtest.NewServer(t, "/api")
	mux.HandleFunc("/v2/devices", func(w http.ResponseWriter, r *http.Request) {
		httpxtest.Query(t, r, url.Values{"page": {"1"}, "max": {"250"}})
		fmt.Fprint(w, `{}`)
	})
	e := newEngine(t, base, nil)
	if _, err := e.Do(t.Context(), Request{Path: base + "/v2/devices?page=1&max=250"}, nil); err != nil {
		t.Fatalf("same-host absolute URL: %v", err)
	}
	_, err := e.Do(t.Context(), Request{Path: "https://evil.example/api/v2/devices?page=1"}, nil)
	if !errors.Is(err, ErrForeignHost) {
		t.Fatalf("foreign host err = %v, want ErrForeignHost", err)
	}
}

// countingServer answers with the statuses in order (the last one repeats),
// recording each request body.
func countingServer(t *testing.T, hdr http.Header, statuses ...int) (base string, calls *atomic.Int32, bodies func() []string) {
	t.Helper()
	var mu sync.Mutex
	var got []string
	calls = new(atomic.Int32)
	mux, base := httpxtest.NewServer(t, "/api")
	mux.HandleFunc("/x", func(w http.ResponseWriter, r *http.Request) {
		n := int(calls.Add(1))
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, string(b))
		mu.Unlock()
		st := statuses[min(n, len(statuses))-1]
		for k, v := range hdr {
			w.Header()[k] = v
		}
		w.WriteHeader(st)
		if st < 300 {
			fmt.Fprint(w, `{"ok":true}`)
		} else {
			fmt.Fprintf(w, `{"message":"status %d"}`, st)
		}
	})
	return base, calls, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), got...) }
}

func TestRetryIdempotentOn5xx(t *testing.T) {
	t.Parallel()
	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		base, calls, _ := countingServer(t, nil, 502, 503, 504, 200)
		e := newEngine(t, base, nil)
		resp, err := e.Do(t.Context(), Request{Method: method, Path: "x"}, nil)
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		if calls.Load() != 4 || resp.Attempts != 4 {
			t.Errorf("%s: calls = %d, attempts = %d, want 4", method, calls.Load(), resp.Attempts)
		}
		if s := e.Counters().Snapshot(); s.Retries != 3 || s.Requests != 4 {
			t.Errorf("%s: stats = %+v", method, s)
		}
	}
}

func TestRetryGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	base, calls, _ := countingServer(t, nil, 503)
	e := newEngine(t, base, nil)
	_, err := e.Do(t.Context(), Request{Path: "x"}, nil)
	if !errors.Is(err, ErrServerError) || calls.Load() != 4 {
		t.Fatalf("err = %v, calls = %d; want server error after 4", err, calls.Load())
	}
	var he *Error
	if !errors.As(err, &he) || he.StatusCode != 503 || he.Message != "status 503" {
		t.Errorf("error = %#v", he)
	}
}

func TestNoRetryOfPOSTAfterServerError(t *testing.T) {
	t.Parallel()
	base, calls, _ := countingServer(t, nil, 500, 200)
	e := newEngine(t, base, nil)
	_, err := e.Do(t.Context(), Request{Method: http.MethodPost, Path: "x", Body: map[string]int{"a": 1}}, nil)
	if !errors.Is(err, ErrServerError) || calls.Load() != 1 {
		t.Fatalf("err = %v, calls = %d; want one call", err, calls.Load())
	}
	base, calls, _ = countingServer(t, nil, 503, 200)
	e = newEngine(t, base, nil)
	if _, err := e.Do(t.Context(), Request{Method: http.MethodPost, Path: "x"}, nil); err == nil || calls.Load() != 1 {
		t.Fatalf("503 on POST: err = %v, calls = %d; want one call", err, calls.Load())
	}
}

func TestReplaySafePOSTAndUnsafePUT(t *testing.T) {
	t.Parallel()
	base, calls, bodies := countingServer(t, nil, 503, 502, 200)
	e := newEngine(t, base, nil)
	if _, err := e.Do(t.Context(), Request{Method: http.MethodPost, Path: "x", Body: []map[string]int{{"id": 5, "status_id": 9}}, Replay: ReplaySafe}, nil); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 3 {
		t.Errorf("calls = %d, want 3", calls.Load())
	}
	for i, b := range bodies() { // bodies are rewound for every attempt
		if b != `[{"id":5,"status_id":9}]` {
			t.Errorf("attempt %d body = %q", i+1, b)
		}
	}
	base, calls, _ = countingServer(t, nil, 503, 200)
	e = newEngine(t, base, nil)
	if _, err := e.Do(t.Context(), Request{Method: http.MethodPut, Path: "x", Replay: ReplayUnsafe}, nil); err == nil || calls.Load() != 1 {
		t.Errorf("unsafe PUT: err = %v, calls = %d", err, calls.Load())
	}
}

func TestRetry429AnyMethodHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	base, calls, bodies := countingServer(t, http.Header{"Retry-After": {"0.2"}}, 429, 200)
	e := newEngine(t, base, nil)
	start := time.Now()
	if _, err := e.Do(t.Context(), Request{Method: http.MethodPost, Path: "x", Body: map[string]string{"summary": "s"}}, nil); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 200*time.Millisecond {
		t.Errorf("returned after %s, before Retry-After", el)
	}
	if calls.Load() != 2 {
		t.Errorf("calls = %d, want 2", calls.Load())
	}
	if b := bodies(); b[0] != b[1] || b[1] != `{"summary":"s"}` {
		t.Errorf("bodies = %q", b)
	}
	if s := e.Counters().Snapshot(); s.Retries != 1 || s.RetryWait < 200*time.Millisecond {
		t.Errorf("stats = %+v", s)
	}
}

func TestRetryAfterAboveCeilingIsReturned(t *testing.T) {
	t.Parallel()
	base, calls, _ := countingServer(t, http.Header{"Retry-After": {"3600"}}, 429, 200)
	e := newEngine(t, base, nil)
	start := time.Now()
	_, err := e.Do(t.Context(), Request{Path: "x"}, nil)
	if !errors.Is(err, ErrRateLimited) {
		t.Fatalf("err = %v, want ErrRateLimited", err)
	}
	var he *Error
	if !errors.As(err, &he) || he.RetryAfter != time.Hour {
		t.Errorf("RetryAfter = %v, want 1h", he.RetryAfter)
	}
	if calls.Load() != 1 || time.Since(start) > time.Second {
		t.Errorf("calls = %d after %s: slept instead of returning", calls.Load(), time.Since(start))
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"":                              0,
		"120":                           2 * time.Minute,
		"0":                             0,
		"-5":                            0,
		"soon":                          0,
		"Wed, 25 Nov 2026 12:00:30 GMT": 30 * time.Second,
		"Wed, 25 Nov 2026 11:00:00 GMT": 0,
	} {
		if got := ParseRetryAfter(in, now); got != want {
			t.Errorf("ParseRetryAfter(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestBackoffFullJitterWithinBounds(t *testing.T) {
	t.Parallel()
	p := policy{MinWait: 100 * time.Millisecond, MaxWait: time.Second}.withDefaults()
	seenLow := false
	for n := range 8 {
		ceil := min(p.MinWait<<n, p.MaxWait)
		for range 200 {
			d := p.backoff(n)
			if d < 0 || d > ceil {
				t.Fatalf("backoff(%d) = %s outside [0, %s]", n, d, ceil)
			}
			if d < ceil/4 {
				seenLow = true
			}
		}
	}
	if !seenLow {
		t.Error("no jitter below a quarter of the ceiling in 1600 draws")
	}
}

func TestContextCancelStopsRetries(t *testing.T) {
	t.Parallel()
	base, calls, _ := countingServer(t, http.Header{"Retry-After": {"0.9"}}, 429)
	e := newEngine(t, base, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := e.Do(ctx, Request{Path: "x"}, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
	if time.Since(start) > 500*time.Millisecond || calls.Load() != 1 {
		t.Errorf("took %s with %d calls", time.Since(start), calls.Load())
	}
}

// hangUpServer reads each request fully, then closes the connection without
// answering: the request was sent, its outcome unknown.
func hangUpServer(t *testing.T) (string, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		io.Copy(io.Discard, r.Body)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/api", &calls
}

func TestNoRetryOfPOSTAfterRequestWasSent(t *testing.T) {
	t.Parallel()
	base, calls := hangUpServer(t)
	e := newEngine(t, base, nil)
	_, err := e.Do(t.Context(), Request{Method: http.MethodPost, Path: "Tickets", Body: []map[string]string{{"summary": "x"}}}, nil)
	if err == nil || calls.Load() != 1 {
		t.Fatalf("POST: err = %v, calls = %d; want an error after exactly one call", err, calls.Load())
	}
	var he *Error
	if !errors.As(err, &he) || he.StatusCode != 0 {
		t.Errorf("want a transport *Error, got %#v", err)
	}
	base, calls = hangUpServer(t)
	e = newEngine(t, base, nil)
	if _, err := e.Do(t.Context(), Request{Path: "Tickets"}, nil); err == nil || calls.Load() != 4 {
		t.Errorf("GET: err = %v, calls = %d; want 4 attempts", err, calls.Load())
	}
}

// dialFailures fails the first n round trips as a refused dial would, before
// anything is written, then hands over to next.
type dialFailures struct {
	n    atomic.Int32
	next http.RoundTripper
}

func (d *dialFailures) RoundTrip(r *http.Request) (*http.Response, error) {
	if d.n.Add(-1) >= 0 {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	}
	return d.next.RoundTrip(r)
}

func TestPOSTRetriedWhenConnectionNeverOpened(t *testing.T) {
	t.Parallel()
	base, calls, bodies := countingServer(t, nil, 200)
	df := &dialFailures{next: http.DefaultTransport}
	df.n.Store(2)
	e := newEngine(t, base, func(c *Config) { c.HTTPClient = &http.Client{Transport: df} })
	if _, err := e.Do(t.Context(), Request{Method: http.MethodPost, Path: "x", Body: map[string]int{"n": 1}}, nil); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 1 || bodies()[0] != `{"n":1}` {
		t.Errorf("calls = %d, bodies = %q", calls.Load(), bodies())
	}
	if s := e.Counters().Snapshot(); s.Retries != 2 || s.Requests != 3 {
		t.Errorf("stats = %+v", s)
	}
}

func TestTransportErrorsStayUnwrappable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	e2, err := New(Config{Vendor: "test", BaseURL: "http://" + addr + "/api", Retry: RetryPolicy{MaxAttempts: 2, MinWait: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e2.Do(t.Context(), Request{Path: "x", Query: url.Values{"api_key": {"s3cr3t"}}}, nil)
	var op *net.OpError
	if !errors.As(err, &op) {
		t.Fatalf("err = %v (%T), want a *net.OpError inside", err, err)
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("secret in error: %v", err)
	}
}

func TestSecretsNeverInErrors(t *testing.T) {
	t.Parallel()
	mux, base := httpxtest.NewServer(t, "/api")
	mux.HandleFunc("/x", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":"invalid_request","error_description":"bad thing"}`, http.StatusBadRequest)
	})
	e := newEngine(t, base, nil)
	_, err := e.Do(t.Context(), Request{Path: "x", Query: url.Values{
		"client_secret": {"cs-SECRET"}, "access_token": {"at-SECRET"}, "password": {"pw-SECRET"}, "apikey": {"ak-SECRET"}, "page": {"2"},
	}}, nil)
	if err == nil {
		t.Fatal("want an error")
	}
	msg := err.Error()
	if strings.Contains(msg, "SECRET") {
		t.Errorf("secret in error string: %s", msg)
	}
	if !strings.Contains(msg, "page=2") || !strings.Contains(msg, "bad thing") || !strings.Contains(msg, "400") {
		t.Errorf("error lacks context: %s", msg)
	}
}

func TestSanitizeURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://h/api/x?page=2":                          "https://h/api/x?page=2",
		"https://h/x?tenant=acme&client_secret=abc":       "https://h/x?client_secret=REDACTED&tenant=acme",
		"https://user:pw@h/x":                             "https://user:REDACTED@h/x",
		"https://tok@h/x":                                 "https://REDACTED@h/x",
		"https://h/x?X-Api-Key=1&refresh_token=2&state=3": "https://h/x?X-Api-Key=REDACTED&refresh_token=REDACTED&state=REDACTED",
		"https://h/x#frag":                                "https://h/x",
		"https://user:pw@h/%zz?password=1":                "https://REDACTED@h/%zz",
	} {
		if got := SanitizeURL(in); got != want {
			t.Errorf("SanitizeURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestErrorIsSentinels(t *testing.T) {
	t.Parallel()
	for status, want := range map[int]error{
		401: ErrUnauthorized, 403: ErrForbidden, 404: ErrNotFound, 429: ErrRateLimited,
		409: ErrConflict, 412: ErrConflict, 500: ErrServerError, 503: ErrServerError,
	} {
		e := &Error{StatusCode: status}
		if !errors.Is(e, want) {
			t.Errorf("%d does not match %v", status, want)
		}
		if errors.Is(e, ErrNotFound) && status != 404 {
			t.Errorf("%d matches ErrNotFound", status)
		}
	}
	k := &Error{StatusCode: 200, Kind: ErrNotFound}
	if !errors.Is(k, ErrNotFound) || errors.Is(k, ErrServerError) {
		t.Error("Kind does not override the status mapping")
	}
}

func TestErrorCapturesVendorDetails(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", MaxErrorBody+100)
	mux, base := httpxtest.NewServer(t, "/api")
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "abc-123")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, big)
	})
	mux.HandleFunc("/custom", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK + 218) // 418
		fmt.Fprint(w, `{"Success":false,"Error":{"Code":"E42","Message":"nope"}}`)
	})
	e := newEngine(t, base, func(c *Config) {
		c.ExtractMessage = func(status int, h http.Header, body []byte) Extracted {
			var env struct {
				Error struct{ Code, Message string }
			}
			if json.Unmarshal(body, &env) == nil && env.Error.Message != "" {
				return Extracted{Message: env.Error.Message, Code: env.Error.Code, Kind: ErrNotFound}
			}
			return Extracted{}
		}
	})
	_, err := e.Do(t.Context(), Request{Path: "big"}, nil)
	var he *Error
	if !errors.As(err, &he) {
		t.Fatal(err)
	}
	if len(he.Body) != MaxErrorBody || he.RequestID != "abc-123" || len(he.Message) > 520 {
		t.Errorf("body %d bytes, request id %q, message %d bytes", len(he.Body), he.RequestID, len(he.Message))
	}
	_, err = e.Do(t.Context(), Request{Path: "custom"}, nil)
	if !errors.As(err, &he) || he.Code != "E42" || he.Message != "nope" || !errors.Is(err, ErrNotFound) {
		t.Errorf("custom extractor: %#v", he)
	}
}

func TestDefaultMessage(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]Extracted{
		`{"message":"Device not found"}`:                                  {Message: "Device not found"},
		`{"Message":"An error has occurred."}`:                            {Message: "An error has occurred."},
		`{"errorMessage":"Invalid ticket type"}`:                          {Message: "Invalid ticket type"},
		`{"error":"invalid_client"}`:                                      {Message: "invalid_client"},
		`{"error":"invalid_grant","error_description":"Bad credentials"}`: {Message: "Bad credentials", Code: "invalid_grant"},
		`{"error":{"code":"InvalidParameter","message":"Bad filter"}}`:    {Message: "Bad filter", Code: "InvalidParameter"},
		`{"timestamp":1,"status":404,"error":"Not Found","path":"/v2/x"}`: {Message: "Not Found"},
		"Rate Limit Reached - 300 Requests per rolling 5 minute window":   {Message: "Rate Limit Reached - 300 Requests per rolling 5 minute window"},
		"<html><body>502 Bad Gateway</body></html>":                       {},
		"": {},
	} {
		if got := DefaultMessage(400, nil, []byte(body)); got != want {
			t.Errorf("DefaultMessage(%s) = %+v, want %+v", body, got, want)
		}
	}
}

func TestMalformedJSONIsTypedError(t *testing.T) {
	t.Parallel()
	mux, base := httpxtest.NewServer(t, "/api")
	mux.HandleFunc("/x", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"record_count":3,"assets":[{"id":1},`) })
	e := newEngine(t, base, nil)
	var v map[string]any
	_, err := e.Do(t.Context(), Request{Path: "x"}, &v)
	if !errors.Is(err, ErrMalformedResponse) {
		t.Fatalf("err = %v, want ErrMalformedResponse", err)
	}
}

func TestRateLimiterWaitsAreCounted(t *testing.T) {
	t.Parallel()
	base, calls, _ := countingServer(t, nil, 200)
	lim := rate.NewLimiter(rate.Every(20*time.Millisecond), 1)
	e := newEngine(t, base, func(c *Config) { c.Limiter = lim })
	write := rate.NewLimiter(rate.Every(20*time.Millisecond), 1)
	for range 3 {
		write.Allow() // spend the token, so the request must wait for the next one however slow the machine is
		if _, err := e.Do(t.Context(), Request{Method: http.MethodPut, Path: "x", Limiters: []*rate.Limiter{write}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	s := e.Counters().Snapshot()
	if calls.Load() != 3 || s.Waits < 2 || s.WaitTime <= 0 || s.Writes != 3 || s.Reads != 0 {
		t.Errorf("calls = %d, stats = %+v", calls.Load(), s)
	}
	slow := rate.NewLimiter(rate.Every(time.Hour), 1)
	slow.Allow()
	e = newEngine(t, base, func(c *Config) { c.Limiter = slow })
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
	defer cancel()
	if _, err := e.Do(ctx, Request{Path: "x"}, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("limiter wait past deadline: err = %v", err)
	}
}

// tokenServer is an OAuth token endpoint plus an API that accepts only the
// latest token. It rejects the first token when rejectFirst is set.
type tokenServer struct {
	mu          sync.Mutex
	issued      int
	current     string
	apiCalls    int
	rejectFirst bool
	forms       []url.Values
}

func (ts *tokenServer) start(t *testing.T) (tokenURL, apiBase string) {
	mux, base := httpxtest.NewServer(t, "/vendor")
	mux.HandleFunc("POST /auth/token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		ts.mu.Lock()
		defer ts.mu.Unlock()
		ts.forms = append(ts.forms, r.PostForm)
		if r.PostForm.Get("client_secret") != "cs-SECRET" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid_client"}`)
			return
		}
		ts.issued++
		ts.current = fmt.Sprintf("tok-%d", ts.issued)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":3600}`, ts.current)
	})
	mux.HandleFunc("/api/x", func(w http.ResponseWriter, r *http.Request) {
		ts.mu.Lock()
		defer ts.mu.Unlock()
		ts.apiCalls++
		if r.Header.Get("Authorization") != "Bearer "+ts.current || (ts.rejectFirst && ts.current == "tok-1") {
			http.Error(w, "token expired", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{}`)
	})
	return base + "/auth/token?tenant=acme", base + "/api"
}

func TestTokenRefreshOnceOn401(t *testing.T) {
	t.Parallel()
	ts := &tokenServer{rejectFirst: true}
	tokenURL, api := ts.start(t)
	auth := ClientCredentials(TokenAuthConfig{Vendor: "test", TokenURL: tokenURL}, "id", "cs-SECRET", []string{"all"}, nil)
	e := newEngine(t, api, func(c *Config) { c.Auth = auth })
	if _, err := e.Do(t.Context(), Request{Method: http.MethodPost, Path: "x"}, nil); err != nil {
		t.Fatal(err)
	}
	if ts.issued != 2 || ts.apiCalls != 2 || auth.Fetches() != 2 {
		t.Errorf("tokens issued = %d, api calls = %d", ts.issued, ts.apiCalls)
	}
	if f := ts.forms[0]; f.Get("grant_type") != "client_credentials" || f.Get("client_id") != "id" || f.Get("scope") != "all" {
		t.Errorf("token form = %v", f)
	}
	if s := e.Counters().Snapshot(); s.Refreshes != 1 || s.Retries != 0 {
		t.Errorf("stats = %+v", s)
	}
	// Cached token reused.
	for range 5 {
		if _, err := e.Do(t.Context(), Request{Path: "x"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if ts.issued != 2 {
		t.Errorf("tokens issued = %d after cached calls, want 2", ts.issued)
	}
}

func TestPersistent401IsReturnedAfterOneRefresh(t *testing.T) {
	t.Parallel()
	mux, base := httpxtest.NewServer(t, "/api")
	var calls atomic.Int32
	mux.HandleFunc("/x", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, `{"message":"no rights"}`, http.StatusUnauthorized)
	})
	var fetches atomic.Int32
	auth := NewTokenAuth(TokenAuthConfig{Vendor: "test"}, func(ctx context.Context) (*oauth2.Token, error) {
		return &oauth2.Token{AccessToken: fmt.Sprint("t", fetches.Add(1))}, nil
	})
	e := newEngine(t, base, func(c *Config) { c.Auth = auth })
	_, err := e.Do(t.Context(), Request{Path: "x"}, nil)
	if !errors.Is(err, ErrUnauthorized) || calls.Load() != 2 || fetches.Load() != 2 {
		t.Errorf("err = %v, calls = %d, fetches = %d; want unauthorized after 2 calls", err, calls.Load(), fetches.Load())
	}
}

func TestTokenEndpointRejectionIsUnauthorizedWithoutSecret(t *testing.T) {
	t.Parallel()
	ts := &tokenServer{}
	tokenURL, api := ts.start(t)
	auth := ClientCredentials(TokenAuthConfig{Vendor: "test", TokenURL: tokenURL}, "id", "wrong-SECRET", nil, nil)
	e := newEngine(t, api, func(c *Config) { c.Auth = auth })
	_, err := e.Do(t.Context(), Request{Path: "x"}, nil)
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Errorf("oauth2.RetrieveError not reachable: %#v", err)
	}
	if strings.Contains(err.Error(), "SECRET") || !strings.Contains(err.Error(), "invalid_client") {
		t.Errorf("err = %s", err)
	}
	if ts.apiCalls != 0 || ts.issued != 0 || len(ts.forms) != 1 {
		t.Errorf("api calls = %d, token requests = %d; want 0 and 1", ts.apiCalls, len(ts.forms))
	}
}

func TestTokenSourceSurvivesCancelledRequestContext(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var fetches atomic.Int32
	var fetchCtxErr atomic.Value
	auth := NewTokenAuth(TokenAuthConfig{Vendor: "test"}, func(ctx context.Context) (*oauth2.Token, error) {
		n := fetches.Add(1)
		if n == 1 {
			<-release // the first fetch is slow
		}
		if ctx.Err() != nil {
			fetchCtxErr.Store(ctx.Err())
		}
		return &oauth2.Token{AccessToken: fmt.Sprint("t", n), Expiry: time.Now().Add(-time.Second)}, nil // already stale
	})
	mux, base := httpxtest.NewServer(t, "/api")
	mux.HandleFunc("/x", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{}`) })
	e := newEngine(t, base, func(c *Config) { c.Auth = auth })

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { _, err := e.Do(ctx, Request{Path: "x"}, nil); done <- err }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want Canceled", err)
		}
	case <-time.After(time.Second):
		t.Fatal("request did not stop when its context was cancelled during a token fetch")
	}
	close(release)
	// The stale token forces another fetch; it must run with a live context.
	if _, err := e.Do(t.Context(), Request{Path: "x"}, nil); err != nil {
		t.Fatal(err)
	}
	if v := fetchCtxErr.Load(); v != nil {
		t.Errorf("token fetch ran with a dead context: %v", v)
	}
}

func TestConcurrentRequestsShareOneTokenFetch(t *testing.T) {
	t.Parallel()
	var fetches atomic.Int32
	auth := NewTokenAuth(TokenAuthConfig{Vendor: "test"}, func(ctx context.Context) (*oauth2.Token, error) {
		fetches.Add(1)
		time.Sleep(10 * time.Millisecond)
		return &oauth2.Token{AccessToken: "t", ExpiresIn: 3600}, nil
	})
	mux, base := httpxtest.NewServer(t, "/api")
	mux.HandleFunc("/x", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{}`) })
	e := newEngine(t, base, func(c *Config) { c.Auth = auth })
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := e.Do(t.Context(), Request{Path: "x"}, nil); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if fetches.Load() != 1 {
		t.Errorf("fetches = %d, want 1", fetches.Load())
	}
}

func TestPasswordGrantUsesBasicClientAuth(t *testing.T) {
	t.Parallel()
	mux, base := httpxtest.NewServer(t, "/dat")
	mux.HandleFunc("POST /auth/oauth/token", func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		r.ParseForm()
		if !ok || u != "public-client" || p != "public" || r.PostForm.Get("grant_type") != "password" ||
			r.PostForm.Get("username") != "KEY" || r.PostForm.Get("password") != "SECRET" {
			t.Errorf("token request: basic %q/%q form %v", u, p, r.PostForm)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"dt","token_type":"bearer","expires_in":359999}`)
	})
	mux.HandleFunc("/api/v2/x", func(w http.ResponseWriter, r *http.Request) {
		httpxtest.Header(t, r, "Authorization", "Bearer dt")
		fmt.Fprint(w, `{}`)
	})
	auth := PasswordGrant(TokenAuthConfig{Vendor: "datto", TokenURL: base + "/auth/oauth/token"}, "public-client", "public", "KEY", "SECRET")
	e := newEngine(t, base+"/api", func(c *Config) { c.Auth = auth })
	if _, err := e.Do(t.Context(), Request{Path: "v2/x"}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestStaticHeaderAuth(t *testing.T) {
	t.Parallel()
	mux, base := httpxtest.NewServer(t, "/api")
	var calls atomic.Int32
	mux.HandleFunc("/x", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		httpxtest.Header(t, r, "Authorization", "Basic dXNlcjpwYXNz")
		http.Error(w, "bad key", http.StatusUnauthorized)
	})
	e := newEngine(t, base, func(c *Config) { c.Auth = BasicAuth("user", "pass") })
	if _, err := e.Do(t.Context(), Request{Path: "x"}, nil); !errors.Is(err, ErrUnauthorized) || calls.Load() != 1 {
		t.Errorf("err = %v, calls = %d; a static credential is not replayed", err, calls.Load())
	}
}

func TestHTTPMockPerTestTransport(t *testing.T) {
	t.Parallel()
	hc, mt := httpxtest.MockClient(t)
	u := "https://acme.example/api/Tickets/7"
	mt.RegisterResponder(http.MethodGet, u, httpmock.ResponderFromMultipleResponses([]*http.Response{
		httpmock.NewStringResponse(http.StatusTooManyRequests, "Rate Limit Reached - 300 Requests per rolling 5 minute window"),
		httpmock.NewStringResponse(http.StatusOK, `{"id":7}`),
	}))
	e := newEngine(t, "https://acme.example/api", func(c *Config) { c.HTTPClient = hc })
	var v struct{ ID int }
	if _, err := e.Do(t.Context(), Request{Path: "Tickets/7"}, &v); err != nil || v.ID != 7 {
		t.Fatalf("v = %+v, err = %v", v, err)
	}
	if n := mt.GetCallCountInfo()["GET "+u]; n != 2 {
		t.Errorf("calls = %d, want 2", n)
	}
}
