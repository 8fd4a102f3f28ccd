package halo_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halotest"
)

// TestURLForms builds clients from the resource and auth URLs in the forms
// users paste (Halo's settings page shows the resource server with /api)
// and checks that each one reaches /api/... and /auth/token under the
// instance's own prefix.
func TestURLForms(t *testing.T) {
	t.Parallel()
	srv := halotest.NewServer(t)
	u := srv.URL() // http://127.0.0.1:port/halo: an on-premises prefix
	for _, tc := range []struct {
		name, resource, auth string
	}{
		{"bare", u, ""},
		{"trailing slash", u + "/", ""},
		{"with /api", u + "/api", ""},
		{"with /api/", u + "/api/", ""},
		{"with /API//", u + "/API//", ""},
		{"spaces", "  " + u + "/api \n", ""},
		{"auth given", u + "/api", u + "/auth"},
		{"auth with slash", u, u + "/auth/"},
		{"auth as token URL", u, u + "/auth/token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := srv.ClientOptions()
			if tc.auth != "" {
				opts = append(opts, halo.WithAuthURL(tc.auth))
			}
			c, err := halo.NewClient(tc.resource, opts...)
			if err != nil {
				t.Fatal(err)
			}
			before := len(srv.Requests())
			info, err := c.Ping(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			reqs := srv.Requests()[before:]
			var paths []string
			for _, r := range reqs {
				paths = append(paths, r.Method+" "+r.Path)
			}
			if strings.Join(paths, ", ") != "POST /auth/token, GET /api/Agent/me" {
				t.Errorf("requests %v", paths)
			}
			if info.URL != u || info.AuthURL != u+"/auth" {
				t.Errorf("info %+v", info)
			}
		})
	}
	for _, bad := range []string{"", "ftp://halo.example", "https://halo.example/?tenant=x", "https://user:pw@halo.example"} {
		if _, err := halo.NewClient(bad, srv.ClientOptions()...); err == nil || !strings.Contains(err.Error(), "halo: resource URL") || strings.Contains(err.Error(), "pw") {
			t.Errorf("NewClient(%q): err = %v", bad, err)
		}
	}
	if got, err := halo.CleanResourceURL("acme.halopsa.com/api/"); err != nil || got != "https://acme.halopsa.com" {
		t.Errorf("CleanResourceURL without scheme = %q, %v", got, err)
	}
}

func TestPing(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	info, err := c.Ping(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := halo.PingInfo{URL: srv.URL(), AuthURL: srv.URL() + "/auth", Tenant: halotest.DefaultTenant, AgentID: halotest.APIAgentID, AgentName: "API"}
	if *info != want {
		t.Errorf("info = %+v, want %+v", *info, want)
	}
	line := info.String()
	for _, s := range []string{srv.URL(), "tenant " + halotest.DefaultTenant, `agent "API" (#1)`} {
		if !strings.Contains(line, s) {
			t.Errorf("String() = %q lacks %q", line, s)
		}
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("%d requests, want the token and one read", n)
	}

	// Wrong secret: ErrUnauthorized, naming the token URL, without the secret.
	bad, err := halo.NewClient(srv.URL(), append(srv.ClientOptions(), halo.WithClientCredentials(srv.ClientID, "wrong-SECRET"))...)
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Ping(t.Context())
	if !errors.Is(err, halo.ErrUnauthorized) || !strings.Contains(err.Error(), srv.URL()+"/auth/token") || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("wrong secret: err = %v", err)
	}
}
