package halo_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/internal/httpxtest"
)

// redirectingHalo serves a Halo whose token endpoint (redirectToken) or
// whose API answers status with a Location on sinkURL; the other one works.
func redirectingHalo(t *testing.T, status int, sinkURL string, redirectToken bool) string {
	t.Helper()
	mux := http.NewServeMux()
	token := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"at-SECRET","token_type":"Bearer","expires_in":3600}`)
	})
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"id":7}`) })
	if redirectToken {
		mux.Handle("/auth/token", httpxtest.RedirectTo(status, sinkURL))
		mux.Handle("/api/", api)
	} else {
		mux.Handle("/auth/token", token)
		mux.Handle("/api/", httpxtest.RedirectTo(status, sinkURL))
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func quick() []halo.Option {
	return []halo.Option{
		halo.WithRateLimit(rate.NewLimiter(rate.Inf, 0)),
		halo.WithRetryPolicy(halo.RetryPolicy{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: time.Millisecond}),
	}
}

func TestCredentialsNeverFollowARedirectToAnotherHost(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		for _, tc := range []struct {
			name          string
			redirectToken bool
			opts          []halo.Option
			secrets       []string
		}{
			{"client credentials: token request", true, []halo.Option{halo.WithClientCredentials("hid", "hs-SECRET"), halo.WithTenant("acme")}, []string{"hs-SECRET"}},
			{"client credentials: resource request", false, []halo.Option{halo.WithClientCredentials("hid", "hs-SECRET"), halo.WithTenant("acme")}, []string{"hs-SECRET", "at-SECRET"}},
			{"static token: resource request", false, []halo.Option{halo.WithStaticToken("st-SECRET")}, []string{"st-SECRET"}},
		} {
			t.Run(fmt.Sprintf("%d/%s", status, tc.name), func(t *testing.T) {
				t.Parallel()
				sink := httpxtest.NewSink(t)
				base := redirectingHalo(t, status, sink.URL, tc.redirectToken)
				c, err := halo.NewClient(base, append(quick(), tc.opts...)...)
				if err != nil {
					t.Fatal(err)
				}
				_, err = c.Tickets.Get(t.Context(), 7)
				sink.AssertUntouched(t, tc.secrets...)
				if !errors.Is(err, halo.ErrRedirect) {
					t.Fatalf("err = %v, want ErrRedirect", err)
				}
				var re *halo.RedirectError
				if !errors.As(err, &re) || !strings.HasPrefix(re.To, sink.URL) {
					t.Errorf("redirect error = %+v", re)
				}
				if msg := err.Error(); !strings.Contains(msg, sink.URL) || strings.Contains(msg, "SECRET") {
					t.Errorf("err = %s: want the target named and no secret", msg)
				}
			})
		}
	}
}

// authInfoHalo answers GET /api/AuthInfo with authURL and serves a token
// endpoint of its own.
func authInfoHalo(t *testing.T, authURL string) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/api/AuthInfo", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"auth_url":%q,"tenant_id":"acme"}`, authURL)
	})
	mux.HandleFunc("/auth/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"at-SECRET","token_type":"Bearer","expires_in":3600}`)
	})
	mux.HandleFunc("/api/Tickets/7", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"id":7}`) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestAuthDiscoveryPostsTheSecretOnlyToConfiguredOrigins(t *testing.T) {
	t.Parallel()
	sink := httpxtest.NewSink(t)
	base := authInfoHalo(t, sink.URL+"/auth")
	opts := append(quick(), halo.WithClientCredentials("hid", "hs-SECRET"), halo.WithAuthDiscovery())
	c, err := halo.NewClient(base, opts...)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Tickets.Get(t.Context(), 7)
	sink.AssertUntouched(t, "hs-SECRET")
	if !errors.Is(err, halo.ErrForeignHost) || !strings.Contains(err.Error(), sink.URL) || !strings.Contains(err.Error(), "WithAuthOrigins") {
		t.Errorf("err = %v, want ErrForeignHost naming %s", err, sink.URL)
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Errorf("secret in error: %v", err)
	}

	// An empty auth_url falls back to <resource URL>/auth.
	base2 := authInfoHalo(t, "")
	c, err = halo.NewClient(base2, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Tickets.Get(t.Context(), 7); err != nil {
		t.Errorf("empty auth_url falls back to <resource>/auth: %v", err)
	}

	// Allowed explicitly: the secret goes there.
	c, err = halo.NewClient(base, append(opts, halo.WithAuthOrigins(sink.URL))...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Tickets.Get(t.Context(), 7); err != nil {
		t.Fatal(err)
	}
	if reqs := sink.Requests(); len(reqs) != 1 || reqs[0].Path != "/auth/token" || reqs[0].RawQuery != "tenant=acme" {
		t.Errorf("allowed auth server got %+v", reqs)
	}
}

func TestAuthDiscoveryAcceptsTheConfiguredAuthURLOrigin(t *testing.T) {
	t.Parallel()
	authSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"at-SECRET","token_type":"Bearer","expires_in":3600}`)
	}))
	t.Cleanup(authSrv.Close)
	base := authInfoHalo(t, authSrv.URL+"/other-auth")
	c, err := halo.NewClient(base, append(quick(), halo.WithClientCredentials("hid", "hs-SECRET"),
		halo.WithAuthURL(authSrv.URL+"/auth"), halo.WithAuthDiscovery())...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Tickets.Get(t.Context(), 7); err != nil {
		t.Errorf("auth_url on the WithAuthURL origin: %v", err)
	}
}
