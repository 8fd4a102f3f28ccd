package dattormm_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/dattormm/dattormmtest"
)

// TestAPIURLForms builds clients from the API URL in the forms users paste
// (as Datto shows it, with /api or /api/v2 as the API docs write it,
// trailing slashes) and checks that each reaches /auth/oauth/token and
// /api/v2/... on the account's host.
func TestAPIURLForms(t *testing.T) {
	t.Parallel()
	srv := dattormmtest.NewServer(t)
	u := srv.URL()
	for _, form := range []string{u, u + "/", u + "/api", u + "/api/", u + "/api/v2", u + "/API/V2/", u + "/api/v3", " " + u + "/api\t"} {
		c, err := dattormm.NewClient(form, srv.ClientOptions()...)
		if err != nil {
			t.Fatalf("%q: %v", form, err)
		}
		srv.ResetRequests()
		info, err := c.Ping(t.Context())
		if err != nil {
			t.Fatalf("%q: %v", form, err)
		}
		var paths []string
		for _, r := range srv.Requests() {
			paths = append(paths, r.Method+" "+r.Path)
		}
		if got := strings.Join(paths, ", "); got != "POST /auth/oauth/token, GET /api/v2/account, GET /api/v2/system/status" {
			t.Errorf("%q: requests %s", form, got)
		}
		if info.URL != u {
			t.Errorf("%q: URL %q", form, info.URL)
		}
	}
	for raw, want := range map[string]string{
		"merlot":                     "https://merlot-api.centrastage.net",
		" Syrah ":                    "https://syrah-api.centrastage.net",
		"merlot-api.centrastage.net": "https://merlot-api.centrastage.net",
		"https://vidal-api.centrastage.net/api/v2/": "https://vidal-api.centrastage.net",
		"https://newone-api.centrastage.net":        "https://newone-api.centrastage.net", // a platform added later
	} {
		if got, err := dattormm.CleanAPIURL(raw); err != nil || got != want {
			t.Errorf("CleanAPIURL(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
	for _, bad := range []string{"", "ftp://x.example", "https://k:s@merlot-api.centrastage.net"} {
		if _, err := dattormm.NewClient(bad, srv.ClientOptions()...); err == nil || !strings.Contains(err.Error(), "dattormm: API URL") || strings.Contains(err.Error(), "k:s") {
			t.Errorf("NewClient(%q): err = %v", bad, err)
		}
	}
}

func TestPing(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	srv.SeedDevice(dattormm.Device{Hostname: "PC1", SiteUID: srv.SeedSite(dattormm.Site{Name: "Contoso"}).UID})
	info, err := c.Ping(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := dattormm.PingInfo{URL: srv.URL(), AccountUID: dattormmtest.DefaultAccountUID, AccountName: "Fake MSP", Devices: 1, APIVersion: "fake"}
	if *info != want {
		t.Errorf("info = %+v, want %+v", *info, want)
	}
	line := info.String()
	for _, s := range []string{`account "Fake MSP"`, dattormmtest.DefaultAccountUID, "1 devices", srv.URL(), "API fake"} {
		if !strings.Contains(line, s) {
			t.Errorf("String() = %q lacks %q", line, s)
		}
	}
	if p := (&dattormm.PingInfo{Platform: "merlot"}).String(); !strings.Contains(p, "platform merlot") {
		t.Errorf("platform not shown: %q", p)
	}

	bad, err := dattormm.NewClient(srv.URL(), append(srv.ClientOptions(), dattormm.WithAPIKey("key", "wrong-SECRET"))...)
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Ping(t.Context())
	if !errors.Is(err, dattormm.ErrUnauthorized) || !strings.Contains(err.Error(), srv.URL()+"/auth/oauth/token") || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("wrong secret: err = %v", err)
	}
}
