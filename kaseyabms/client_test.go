package kaseyabms_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mspsync/mspsync/kaseyabms"
	"github.com/mspsync/mspsync/kaseyabms/kaseyabmstest"
)

func TestAuthenticateSendsFormFields(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, kaseyabmstest.WithCredentials("superior managed it services llc", "api.user", "s3cret"))
	if _, err := c.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	var auth *kaseyabmstest.Request
	for _, r := range srv.Requests() {
		if r.Path == "/v2/security/authenticate" {
			auth = &r
		}
	}
	if auth == nil {
		t.Fatal("no authenticate request")
	}
	if ct := auth.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type = %q", ct)
	}
	form, err := url.ParseQuery(string(auth.Body))
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{"UserName": {"api.user"}, "Password": {"s3cret"}, "Tenant": {"superior managed it services llc"}, "GrantType": {"password"}}
	for k, v := range want {
		if form.Get(k) != v[0] {
			t.Errorf("form %s = %q, want %q", k, form.Get(k), v[0])
		}
	}
	if len(form) != len(want) {
		t.Errorf("form has %d fields, want %d: %v", len(form), len(want), form)
	}
	if h := srv.Requests()[len(srv.Requests())-1].Header.Get("Authorization"); !strings.HasPrefix(h, "Bearer ") {
		t.Errorf("userinfo Authorization = %q, want a bearer token", h)
	}
}

func TestTokenRefreshedBeforeExpiry(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, kaseyabmstest.WithTokenTTL(10*time.Minute, time.Hour))
	ctx := t.Context()
	if _, err := c.Lookups.Statuses(ctx); err != nil {
		t.Fatal(err)
	}
	srv.Advance(9*time.Minute + 30*time.Second) // inside the 60 s margin: the token still works but is renewed
	if _, err := c.Lookups.Priorities(ctx); err != nil {
		t.Fatal(err)
	}
	if n := srv.Count(http.MethodPost, "/v2/security/refreshtoken"); n != 1 {
		t.Errorf("refreshes = %d, want 1", n)
	}
	if n := srv.Count(http.MethodPost, "/v2/security/authenticate"); n != 1 {
		t.Errorf("authentications = %d, want 1 (the refresh kept the session)", n)
	}
	if n := srv.Count("", "/v2/system/"); n != 2 {
		t.Errorf("API calls = %d, want 2 (no 401 and replay)", n)
	}
	form, _ := url.ParseQuery(string(lastRequest(srv, "/v2/security/refreshtoken").Body))
	if form.Get("AccessToken") == "" || form.Get("RefreshToken") == "" {
		t.Errorf("refresh form = %v, want AccessToken and RefreshToken", form)
	}
	if st := c.AuthStats(); st.Authentications != 1 || st.Refreshes != 1 || st.RefreshFailures != 0 {
		t.Errorf("AuthStats = %+v", st)
	}
}

func lastRequest(srv *kaseyabmstest.Server, path string) kaseyabmstest.Request {
	var out kaseyabmstest.Request
	for _, r := range srv.Requests() {
		if r.Path == path {
			out = r
		}
	}
	return out
}

func TestReauthenticatesWhenRefreshFails(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, kaseyabmstest.WithTokenTTL(10*time.Minute, time.Hour))
	ctx := t.Context()
	if _, err := c.Lookups.Statuses(ctx); err != nil {
		t.Fatal(err)
	}
	srv.RevokeRefreshTokens()
	srv.Advance(11 * time.Minute)
	if _, err := c.Lookups.Statuses(ctx); err != nil {
		t.Fatal(err)
	}
	if n := srv.Count(http.MethodPost, "/v2/security/authenticate"); n != 2 {
		t.Errorf("authentications = %d, want 2 (the refresh failed)", n)
	}
	if st := c.AuthStats(); st.Refreshes != 1 || st.RefreshFailures != 1 || st.Authentications != 2 {
		t.Errorf("AuthStats = %+v, want one failed refresh and two authentications", st)
	}
}

func TestRefreshesOnceAfter401(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := t.Context()
	if _, err := c.Lookups.Queues(ctx); err != nil {
		t.Fatal(err)
	}
	srv.ExpireTokens() // BMS revoked the token early
	if _, err := c.Lookups.Queues(ctx); err != nil {
		t.Fatal(err)
	}
	if n := srv.Count(http.MethodGet, "/v2/system/queues/lookup"); n != 3 {
		t.Errorf("queue lookups = %d, want 3 (ok, 401, replay)", n)
	}
	if n := srv.Count(http.MethodPost, "/v2/security/refreshtoken"); n != 1 {
		t.Errorf("refreshes = %d, want 1", n)
	}
}

func TestBadCredentialsAreNotRetried(t *testing.T) {
	t.Parallel()
	srv := kaseyabmstest.NewServer(t)
	c, err := srv.NewClient(kaseyabms.WithCredentials(srv.Tenant, srv.Username, "wrong"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Ping(t.Context())
	if !errors.Is(err, kaseyabms.ErrUnauthorized) || !errors.Is(err, kaseyabms.ErrUnsuccessful) {
		t.Fatalf("Ping = %v, want ErrUnauthorized and ErrUnsuccessful", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("error shows the password: %v", err)
	}
	if info, ok := kaseyabms.ErrorInfoOf(err); !ok || !strings.Contains(info.Message, "Invalid username") {
		t.Errorf("ErrorInfoOf = %+v, %v", info, ok)
	}
	if n := srv.Count(http.MethodPost, "/v2/security/authenticate"); n != 1 {
		t.Errorf("authentications = %d, want 1", n)
	}
	if n := srv.Count(http.MethodGet, "/v2/security/userinfo"); n != 0 {
		t.Errorf("userinfo calls = %d, want none without a token", n)
	}
}

func TestSuccessFalseOnHTTP200IsAnError(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	_, err := c.Tickets.Get(t.Context(), 4242)
	var he *kaseyabms.Error
	if !errors.As(err, &he) || he.StatusCode != http.StatusOK {
		t.Fatalf("Get(missing) = %v, want an *Error with status 200", err)
	}
	if !errors.Is(err, kaseyabms.ErrNotFound) || !errors.Is(err, kaseyabms.ErrUnsuccessful) {
		t.Errorf("error %v does not match ErrNotFound and ErrUnsuccessful", err)
	}
	info, ok := kaseyabms.ErrorInfoOf(err)
	if !ok || info.Code != 404 || info.Message != "Ticket not found" {
		t.Errorf("ErrorInfoOf = %+v, %v; want code 404, message Ticket not found", info, ok)
	}
}

// TestBaseURLForms: a region, or a base URL pasted with or without a
// scheme, "/v2" or a trailing slash, gives the same API root.
func TestBaseURLForms(t *testing.T) {
	t.Parallel()
	us, err := kaseyabms.RegionURL(kaseyabms.Region("us"))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.TrimSuffix(us, "/") + "/"
	for _, opt := range []kaseyabms.Option{
		kaseyabms.WithRegion("US"),
		kaseyabms.WithBaseURL(us),
		kaseyabms.WithBaseURL(strings.TrimSuffix(us, "/") + "/v2/"),
		kaseyabms.WithBaseURL(" " + strings.TrimPrefix(strings.TrimSuffix(us, "/"), "https://") + "/v2 "),
	} {
		c, err := kaseyabms.NewClient(opt, kaseyabms.WithCredentials("t", "u", "p"))
		if err != nil {
			t.Fatal(err)
		}
		if c.BaseURL() != want {
			t.Errorf("BaseURL = %q, want %q", c.BaseURL(), want)
		}
	}
	if _, err := kaseyabms.NewClient(kaseyabms.WithBaseURL("https://u:p@bms.example"), kaseyabms.WithCredentials("t", "u", "p")); err == nil {
		t.Error("a base URL with credentials was accepted")
	}
}
