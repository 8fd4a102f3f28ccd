package httpx

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/internal/httpxtest"
)

// originServer serves a working token endpoint at /auth/token (form
// client_secret cs-SECRET, or Basic public-client with password grant)
// and answers everything under /api/ with status, redirecting to target.
func originServer(t *testing.T, status int, target string) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /auth/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"at-SECRET","token_type":"Bearer","expires_in":3600}`)
	})
	mux.Handle("/api/", httpxtest.RedirectTo(status, target))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestCredentialedRequestsNeverFollowRedirectToAnotherOrigin(t *testing.T) {
	t.Parallel()
	type flow struct {
		name    string
		auth    func(origin string) Authenticator
		req     Request
		secrets []string
	}
	flows := []flow{
		{name: "bearer", auth: func(string) Authenticator { return BearerToken("bt-SECRET") }, secrets: []string{"bt-SECRET"}},
		{name: "basic", auth: func(string) Authenticator { return BasicAuth("user", "pw-SECRET") }, secrets: []string{"pw-SECRET", "dXNlcjpwdy1TRUNSRVQ="}},
		{name: "api-key header", auth: func(string) Authenticator { return StaticHeader{Name: "X-Api-Key", Value: "ak-SECRET"} }, secrets: []string{"ak-SECRET"}},
		{name: "client credentials", auth: func(origin string) Authenticator {
			return ClientCredentials(TokenAuthConfig{Vendor: "test", TokenURL: origin + "/auth/token"}, "id", "cs-SECRET", nil, nil)
		}, secrets: []string{"at-SECRET", "cs-SECRET"}},
		{name: "password grant", auth: func(origin string) Authenticator {
			return PasswordGrant(TokenAuthConfig{Vendor: "test", TokenURL: origin + "/auth/token"}, "public-client", "public", "key-SECRET", "pw-SECRET")
		}, secrets: []string{"at-SECRET", "key-SECRET", "pw-SECRET"}},
		{name: "form secret", req: Request{Method: http.MethodPost, Body: url.Values{"client_secret": {"fs-SECRET"}}}, secrets: []string{"fs-SECRET"}},
		{name: "api-key request header", req: Request{Header: http.Header{"Api-Key": {"hk-SECRET"}}}, secrets: []string{"hk-SECRET"}},
	}
	for _, status := range httpxtest.RedirectStatuses {
		for _, f := range flows {
			t.Run(fmt.Sprintf("%d/%s", status, f.name), func(t *testing.T) {
				t.Parallel()
				sink := httpxtest.NewSink(t)
				origin := originServer(t, status, sink.URL)
				e := newEngine(t, origin+"/api", func(c *Config) {
					if f.auth != nil {
						c.Auth = f.auth(origin)
					}
				})
				r := f.req
				r.Path = "x"
				_, err := e.Do(t.Context(), r, nil)
				sink.AssertUntouched(t, f.secrets...)
				if !errors.Is(err, ErrRedirect) || !errors.Is(err, ErrForeignHost) {
					t.Fatalf("err = %v, want ErrRedirect and ErrForeignHost", err)
				}
				var re *RedirectError
				if !errors.As(err, &re) || re.Status != status || !strings.HasPrefix(re.To, sink.URL+"/api/x") {
					t.Errorf("redirect error = %#v", re)
				}
				if msg := err.Error(); !strings.Contains(msg, sink.URL) || strings.Contains(msg, "SECRET") {
					t.Errorf("error must name the target and no secret: %s", msg)
				}
				if s := e.Counters().Snapshot(); s.Requests != 1 || s.Retries != 0 {
					t.Errorf("a refused redirect is not retried: %+v", s)
				}
			})
		}
	}
}

func TestTokenRequestFollowsNoRedirect(t *testing.T) {
	t.Parallel()
	for _, status := range httpxtest.RedirectStatuses {
		for _, grant := range []string{"client credentials", "password grant"} {
			t.Run(fmt.Sprintf("%d/%s", status, grant), func(t *testing.T) {
				t.Parallel()
				sink := httpxtest.NewSink(t)
				// The token endpoint redirects to the sink; a second path on
				// the same origin proves that no redirect is followed at all.
				mux := http.NewServeMux()
				mux.Handle("/auth/token", httpxtest.RedirectTo(status, sink.URL))
				sameOrigin := 0
				mux.HandleFunc("/auth/token2", func(w http.ResponseWriter, r *http.Request) { sameOrigin++ })
				mux.Handle("/auth/local", http.RedirectHandler("/auth/token2", status))
				srv := httptest.NewServer(mux)
				t.Cleanup(srv.Close)
				for _, path := range []string{"/auth/token", "/auth/local"} {
					cfg := TokenAuthConfig{Vendor: "test", TokenURL: srv.URL + path + "?tenant=acme"}
					var auth *TokenAuth
					if grant == "client credentials" {
						auth = ClientCredentials(cfg, "id", "cs-SECRET", nil, nil)
					} else {
						auth = PasswordGrant(cfg, "public-client", "public", "key-SECRET", "pw-SECRET")
					}
					e := newEngine(t, srv.URL+"/api", func(c *Config) { c.Auth = auth })
					_, err := e.Do(t.Context(), Request{Path: "x"}, nil)
					sink.AssertUntouched(t, "cs-SECRET", "key-SECRET", "pw-SECRET")
					if !errors.Is(err, ErrRedirect) {
						t.Errorf("%s: err = %v, want ErrRedirect", path, err)
						continue
					}
					if errors.Is(err, ErrForeignHost) != (path == "/auth/token") {
						t.Errorf("%s: ErrForeignHost = %v", path, errors.Is(err, ErrForeignHost))
					}
					if msg := err.Error(); strings.Contains(msg, "SECRET") || !strings.Contains(msg, "redirect to") {
						t.Errorf("%s: err = %s", path, msg)
					}
					if auth.Fetches() != 1 {
						t.Errorf("%s: token fetches = %d, want 1 (no retry)", path, auth.Fetches())
					}
				}
				if sameOrigin != 0 {
					t.Errorf("a same-origin redirect of a token request was followed %d times", sameOrigin)
				}
			})
		}
	}
}

func TestSameOriginRedirectKeepsWorking(t *testing.T) {
	t.Parallel()
	mux, base := httpxtest.NewServer(t, "/api")
	mux.Handle("/old", http.RedirectHandler("/api/new", http.StatusPermanentRedirect))
	mux.HandleFunc("/new", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"ok":true}`)
	})
	e := newEngine(t, base, func(c *Config) { c.Auth = BearerToken("tok") })
	var out struct{ OK bool }
	if _, err := e.Do(t.Context(), Request{Path: "old"}, &out); err != nil || !out.OK {
		t.Fatalf("same-origin redirect: %v, %+v", err, out)
	}
}

func TestAnonymousRequestMayLeaveTheOrigin(t *testing.T) {
	t.Parallel()
	sink := httpxtest.NewSink(t)
	origin := originServer(t, http.StatusFound, sink.URL)
	e := newEngine(t, origin+"/api", func(c *Config) { c.Auth = BearerToken("bt-SECRET") })
	if _, err := e.Do(t.Context(), Request{Path: "info", NoAuth: true}, nil); err != nil {
		t.Fatal(err)
	}
	reqs := sink.Requests()
	if len(reqs) != 1 || reqs[0].Header.Get("Authorization") != "" {
		t.Errorf("sink requests = %+v", reqs)
	}
}

func TestCallerRedirectPolicyStillApplies(t *testing.T) {
	t.Parallel()
	mux, base := httpxtest.NewServer(t, "/api")
	mux.Handle("/old", http.RedirectHandler("/api/new", http.StatusFound))
	mux.HandleFunc("/new", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{}`) })
	stop := errors.New("caller says no")
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return stop }}
	e := newEngine(t, base, func(c *Config) { c.HTTPClient = hc })
	if _, err := e.Do(t.Context(), Request{Path: "old"}, nil); !errors.Is(err, stop) {
		t.Errorf("err = %v, want the caller's policy error", err)
	}
	if _, err := hc.Get(base + "/old"); !errors.Is(err, stop) {
		t.Errorf("the caller's client was modified: %v", err)
	}
}

func TestCheckCredentialedRedirect(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		from, to string
		ok       bool
	}{
		{"https://h.example/api/x", "https://h.example/api/y", true},
		{"https://h.example/api/x", "https://H.EXAMPLE:443/api/y", true},
		{"http://h.example/api/x", "http://h.example:80/y", true},
		{"https://h.example/api/x", "http://h.example/api/x", false},
		{"https://h.example/api/x", "https://h.example:8443/api/x", false},
		{"https://h.example/api/x", "https://evil.example/api/x", false},
		{"https://h.example/api/x", "https://sub.h.example/api/x", false},
		{"http://h.example/api/x", "https://h.example/api/x", false},
		{"http://127.0.0.1:8080/x", "http://127.0.0.1:8081/x", false},
	} {
		from, _ := http.NewRequest(http.MethodGet, tc.from, nil)
		to, _ := http.NewRequest(http.MethodGet, tc.to, nil)
		to.Response = &http.Response{StatusCode: http.StatusTemporaryRedirect}
		err := checkCredentialedRedirect(to, from)
		if (err == nil) != tc.ok {
			t.Errorf("%s → %s: err = %v, want allowed = %v", tc.from, tc.to, err, tc.ok)
		}
	}
}
