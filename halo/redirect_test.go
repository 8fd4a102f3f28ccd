package halo_test

import (
	"context"
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

func quick() []halo.Option {
	return []halo.Option{
		halo.WithRateLimit(rate.NewLimiter(rate.Inf, 0)),
		halo.WithRetryPolicy(halo.RetryPolicy{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: time.Millisecond}),
	}
}

func TestCredentialsNeverFollowARedirectToAnotherHost(t *testing.T) {
	t.Parallel()
	call := func(opts ...halo.Option) func(ctx context.Context, base string) error {
		return func(ctx context.Context, base string) error {
			c, err := halo.NewClient(base, append(quick(), opts...)...)
			if err != nil {
				return fmt.Errorf("NewClient: %w", err)
			}
			_, err = c.Tickets.Get(ctx, 7)
			return err
		}
	}
	credentials := call(halo.WithClientCredentials("hid", "hs-SECRET"), halo.WithTenant("acme"))
	httpxtest.RunRedirects(t, httpxtest.RedirectVendor{
		TokenPath: "/auth/token",
		Token:     `{"access_token":"at-SECRET","token_type":"Bearer","expires_in":3600}`,
		API:       `{"id":7}`,
		Want:      []error{halo.ErrRedirect, halo.ErrForeignHost},
	}, []httpxtest.RedirectCase{
		{Name: "client credentials: token request", RedirectToken: true, Secrets: []string{"hs-SECRET"}, Call: credentials},
		{Name: "client credentials: resource request", Secrets: []string{"hs-SECRET", "at-SECRET"}, Call: credentials},
		{Name: "static token: resource request", Secrets: []string{"st-SECRET"}, Call: call(halo.WithStaticToken("st-SECRET"))},
	})
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
