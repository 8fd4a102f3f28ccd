package httpxtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Captured is one request a Sink received.
type Captured struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   string
}

// Sink is a test server standing for a host credentials must never reach
// (the second listener of a redirect test). It records every request and
// answers as a permissive server would: a token for a POST, {} otherwise,
// so that a client which does follow the redirect carries on and leaks.
type Sink struct {
	URL string // scheme://host:port

	mu   sync.Mutex
	reqs []Captured
}

// NewSink starts a Sink for the test.
func NewSink(t testing.TB) *Sink {
	t.Helper()
	s := &Sink{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, Captured{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: string(b)})
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			fmt.Fprint(w, `{"access_token":"sink-token","token_type":"Bearer","expires_in":3600}`)
			return
		}
		fmt.Fprint(w, `{}`)
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Requests returns what the sink received so far.
func (s *Sink) Requests() []Captured {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Captured(nil), s.reqs...)
}

// AssertUntouched fails the test if the sink received any request, naming
// each secret (and any Authorization header) that reached it.
func (s *Sink) AssertUntouched(t testing.TB, secrets ...string) {
	t.Helper()
	for _, r := range s.Requests() {
		t.Errorf("foreign host received %s %s", r.Method, r.Path)
		if a := r.Header.Get("Authorization"); a != "" {
			t.Errorf("  with Authorization: %s", a)
		}
		all := r.RawQuery + "\n" + r.Body
		for k, vs := range r.Header {
			all += "\n" + k + ": " + strings.Join(vs, ",")
		}
		for _, sec := range secrets {
			if sec != "" && strings.Contains(all, sec) {
				t.Errorf("  carrying the secret %q", sec)
			}
		}
	}
}

// RedirectTo returns a handler that answers every request with status and
// a Location of target plus the request's path and query.
func RedirectTo(status int, target string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		loc := strings.TrimRight(target, "/") + r.URL.Path
		if r.URL.RawQuery != "" {
			loc += "?" + r.URL.RawQuery
		}
		w.Header().Set("Location", loc)
		w.WriteHeader(status)
	})
}

// RedirectStatuses are the redirects a client must refuse to follow to
// another host: 302, 307 and 308.
var RedirectStatuses = []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect}

// RedirectVendor is what RunRedirects needs of a vendor: where its token
// endpoint is, and the JSON its token endpoint and its API answer when
// they work.
type RedirectVendor struct {
	TokenPath string // "/auth/token"
	Token     string // token response; the token should contain "SECRET"
	API       string // answer to any request under /api/
	// Want are the sentinels the error of a refused redirect must match
	// (the vendor's ErrRedirect and ErrForeignHost).
	Want []error
}

// RedirectCase is one way a client meets a redirect to another host.
type RedirectCase struct {
	Name          string
	RedirectToken bool     // the token endpoint redirects; otherwise the API does
	Secrets       []string // what must not reach the other host
	// Call builds a client on base and makes one API request with it.
	Call func(ctx context.Context, base string) error
}

// RunRedirects runs every case under each of RedirectStatuses, as parallel
// subtests "<status>/<name>": the vendor's token endpoint or its API
// answers with a redirect to a Sink, and the call must fail with an error
// matching every sentinel of v.Want that names the status and the sink and
// holds no "SECRET", with the sink untouched by the case's secrets.
func RunRedirects(t *testing.T, v RedirectVendor, cases []RedirectCase) {
	t.Helper()
	for _, status := range RedirectStatuses {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%d/%s", status, tc.Name), func(t *testing.T) {
				t.Parallel()
				sink := NewSink(t)
				err := tc.Call(t.Context(), redirecting(t, v, status, sink.URL, tc.RedirectToken))
				sink.AssertUntouched(t, tc.Secrets...)
				if err == nil {
					t.Fatal("no error; want a refused redirect")
				}
				for _, want := range v.Want {
					if !errors.Is(err, want) {
						t.Errorf("err = %v, want it to match %v", err, want)
					}
				}
				msg := err.Error()
				if !strings.Contains(msg, sink.URL) || !strings.Contains(msg, strconv.Itoa(status)) || strings.Contains(msg, "SECRET") {
					t.Errorf("err = %s: want the status and target named and no secret", msg)
				}
			})
		}
	}
}

// redirecting serves v whose token endpoint (redirectToken) or whose API
// answers status with a Location on target; the other one works.
func redirecting(t *testing.T, v RedirectVendor, status int, target string, redirectToken bool) string {
	t.Helper()
	mux := http.NewServeMux()
	token := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, v.Token)
	})
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, v.API) })
	if redirectToken {
		mux.Handle(v.TokenPath, RedirectTo(status, target))
		mux.Handle("/api/", api)
	} else {
		mux.Handle(v.TokenPath, token)
		mux.Handle("/api/", RedirectTo(status, target))
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}
