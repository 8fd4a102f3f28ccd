package httpxtest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
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
