package vsax_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mspsync/mspsync/internal/httpxtest"
	"github.com/mspsync/mspsync/vsax"
	"github.com/mspsync/mspsync/vsax/vsaxtest"
)

func setup(t *testing.T) (*vsaxtest.Server, *vsax.Client) {
	t.Helper()
	srv := vsaxtest.NewServer(t)
	c, err := srv.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// TestPaging1001Devices: 1,001 devices take exactly 11 requests, each with
// $top=100, the next $skip and $count=true, "$" sent literally.
func TestPaging1001Devices(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	org := srv.SeedOrganization("Contoso")
	site := srv.SeedSite(int64(org.ID), "HQ")
	g := srv.SeedGroup(int64(site.ID), "Workstations")
	for i := range 1001 {
		srv.SeedDevice(int64(g.ID), vsax.Device{Name: fmt.Sprintf("PC-%04d", i)}, nil)
	}
	srv.ResetRequests()
	got, err := vsax.Collect(c.Devices.All(t.Context(), nil))
	if err != nil || len(got) != 1001 {
		t.Fatalf("%d devices, %v", len(got), err)
	}
	reqs := srv.Requests()
	if len(reqs) != 11 {
		t.Fatalf("%d requests; want 11", len(reqs))
	}
	for i, r := range reqs {
		want := fmt.Sprintf("$top=100&$skip=%d&$count=true", i*100)
		if r.Method != "GET" || r.Path != "/api/v3/devices" || r.RawQuery != want {
			t.Errorf("request %d: %s %s?%s; want GET /api/v3/devices?%s", i, r.Method, r.Path, r.RawQuery, want)
		}
	}
	if d := got[1000]; d.OrganizationID != org.ID || d.SiteID != site.ID || d.GroupID != g.ID || d.SiteName != "HQ" || !vsax.IsIdentifier(d.Identifier) {
		t.Errorf("device %+v", d)
	}
}

func TestFilterAndOrderBy(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	a := srv.SeedOrganization("A")
	srv.SeedSite(int64(a.ID), "A1")
	b := srv.SeedOrganization("B")
	srv.SeedSite(int64(b.ID), "B1")
	srv.SeedSite(int64(b.ID), "O'Brien")
	srv.ResetRequests()
	got, err := vsax.Collect(c.Sites.All(t.Context(), &vsax.ListOptions{Filter: fmt.Sprintf("ParentId eq %d and Name eq 'O''Brien'", b.ID), OrderBy: "Name asc"}))
	if err != nil || len(got) != 1 || got[0].Name != "O'Brien" || got[0].ParentID != b.ID || got[0].ParentName != "B" {
		t.Fatalf("%+v %v", got, err)
	}
	r := srv.Requests()[0]
	if want := "$top=100&$skip=0&$count=true&$filter=ParentId%20eq%20" + fmt.Sprint(b.ID) + "%20and%20Name%20eq%20%27O%27%27Brien%27&$orderby=Name%20asc"; r.RawQuery != want {
		t.Errorf("query %s\nwant  %s", r.RawQuery, want)
	}
}

func TestPageCall(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	for i := range 150 {
		srv.SeedOrganization(fmt.Sprintf("Org %d", i))
	}
	p, err := c.Organizations.ListPage(t.Context(), nil, "")
	if err != nil || len(p.Items) != 100 || p.Total != 150 || p.Next != "100" {
		t.Fatalf("page 1: %d items total %d next %q %v", len(p.Items), p.Total, p.Next, err)
	}
	p, err = c.Organizations.ListPage(t.Context(), nil, p.Next)
	if err != nil || len(p.Items) != 50 || p.Next != "" || p.Items[0].Name != "Org 100" {
		t.Fatalf("page 2: %d items next %q %v", len(p.Items), p.Next, err)
	}
}

// TestListStops: a walk ends on a short page, on TotalCount and on an
// empty page; pages that do not add up to TotalCount end in ErrIncomplete.
func TestListStops(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct {
		pages    []string
		requests int
		wantErr  error
	}{
		"short page":     {[]string{`{"Data":[{"Id":1}],"Meta":{"TotalCount":1}}`}, 1, nil},
		"empty page":     {[]string{`{"Data":[],"Meta":{}}`}, 1, nil},
		"count mismatch": {[]string{`{"Data":[{"Id":1}],"Meta":{"TotalCount":5}}`}, 1, vsax.ErrIncomplete},
		"no count, full": {[]string{`{"Data":[{"Id":1},{"Id":2}],"Meta":{}}`, `{"Data":[],"Meta":{}}`}, 2, nil},
		"total reached":  {[]string{`{"Data":[{"Id":1},{"Id":2}],"Meta":{"TotalCount":2}}`}, 1, nil},
		// An item removed while paging: the count adds up to the last
		// total, but one item may have shifted past $skip unread.
		"total changed": {[]string{`{"Data":[{"Id":1},{"Id":2}],"Meta":{"TotalCount":4}}`, `{"Data":[{"Id":4}],"Meta":{"TotalCount":3}}`}, 2, vsax.ErrIncomplete},
	} {
		n := 0
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, c.pages[min(n, len(c.pages)-1)])
			n++
		}))
		cl, err := vsax.NewClient(ts.URL, append(quick(ts), vsax.WithPageSize(2))...)
		if err != nil {
			t.Fatal(err)
		}
		_, err = vsax.Collect(cl.Organizations.All(t.Context(), nil))
		if n != c.requests || !errors.Is(err, c.wantErr) && err != c.wantErr {
			t.Errorf("%s: %d requests, err %v; want %d, %v", name, n, err, c.requests, c.wantErr)
		}
		ts.Close()
	}
}

func TestRateLimitedIsRetried(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	srv.Inject(vsaxtest.Fault{Path: "/api/v3/environment", Status: 429, RetryAfter: "0", Times: 2})
	if _, err := c.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := srv.Count("GET", "/api/v3/environment"); n != 3 {
		t.Errorf("%d requests; want 3", n)
	}
}

func TestErrorEnvelope(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	_, err := c.Organizations.Get(t.Context(), 999)
	var ve *vsax.Error
	if !errors.Is(err, vsax.ErrNotFound) || !errors.As(err, &ve) || ve.Message != "Entity is not found." {
		t.Errorf("%v", err)
	}
	bad, _ := vsaxtest.NewServer(t).NewClient(vsax.WithTokenAuth("wrong", "SECRET-x"))
	_, err = bad.Ping(t.Context())
	if !errors.Is(err, vsax.ErrUnauthorized) || strings.Contains(err.Error(), "SECRET-x") {
		t.Errorf("%v", err)
	}
}

func TestNotifications(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	org := srv.SeedOrganization("Contoso")
	g := srv.SeedGroup(int64(srv.SeedSite(int64(org.ID), "HQ").ID), "G")
	d := srv.SeedDevice(int64(g.ID), vsax.Device{Name: "PC"}, nil)
	at := time.Date(2026, 9, 24, 16, 15, 2, 0, time.UTC)
	n := srv.SeedNotification(d.Identifier, "Disk low", vsax.PriorityElevated, at)
	list, err := vsax.Collect(c.Notifications.All(t.Context(), nil))
	if err != nil || len(list) != 1 || !list[0].DateTime.Equal(at) || list[0].Priority != vsax.PriorityElevated || list[0].ComputerIdentifier != "" {
		t.Fatalf("%+v %v", list, err)
	}
	det, err := c.Notifications.Get(t.Context(), int64(n.ID))
	if err != nil || det.ComputerIdentifier != d.Identifier || !det.DateTime.Equal(at) {
		t.Fatalf("%+v %v", det, err)
	}
	per, err := vsax.Collect(c.Devices.Notifications(t.Context(), d.Identifier, nil))
	if err != nil || len(per) != 1 {
		t.Fatalf("%+v %v", per, err)
	}
	if err := c.Notifications.Delete(t.Context(), int64(n.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Notifications.Get(t.Context(), int64(n.ID)); !errors.Is(err, vsax.ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
}

func TestWebhookLifecycle(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	ctx := t.Context()
	req := vsax.WebhookRequest{Name: "psa", Priorities: []vsax.Priority{vsax.PriorityElevated, vsax.PriorityCritical}, URL: "https://psa.example/hook"}
	wh, err := c.Webhooks.Create(ctx, req)
	if err != nil || len(wh.SecretKey) != 64 || wh.ID == 0 {
		t.Fatalf("%+v %v", wh, err)
	}
	body := string(srv.Requests()[len(srv.Requests())-1].Body)
	if body != `{"Name":"psa","Priorities":["Elevated","Critical"],"OrganizationIds":null,"Url":"https://psa.example/hook"}` {
		t.Errorf("create body %s", body)
	}
	got, err := c.Webhooks.Get(ctx, int64(wh.ID))
	if err != nil || got.SecretKey != "" || got.URL != req.URL {
		t.Errorf("get: %+v %v", got, err)
	}
	req.OrganizationIDs = []int64{7}
	up, err := c.Webhooks.Update(ctx, int64(wh.ID), req)
	if err != nil || len(up.OrganizationIDs) != 1 || up.UpdatedAt.IsZero() {
		t.Errorf("update: %+v %v", up, err)
	}
	sec, err := c.Webhooks.RegenerateSecret(ctx, int64(wh.ID))
	if err != nil || len(sec) != 64 || sec == wh.SecretKey || srv.Webhooks()[0].SecretKey != sec {
		t.Errorf("regenerate: %q %v", sec, err)
	}
	all, err := vsax.Collect(c.Webhooks.All(ctx, nil))
	if err != nil || len(all) != 1 || all[0].SecretKey != "" {
		t.Errorf("list: %+v %v", all, err)
	}
	if _, err := c.Webhooks.Create(ctx, vsax.WebhookRequest{Name: "x", URL: "ftp://x"}); err == nil {
		t.Error("a webhook without priorities and with an ftp URL was accepted")
	}
	if err := c.Webhooks.Delete(ctx, int64(wh.ID)); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"POST", "GET", "PUT", "DELETE"} {
		if srv.Count(m, "/api/v3/notifications/webhooks") == 0 {
			t.Errorf("no %s request", m)
		}
	}
	if n := srv.Count("POST", "/api/v3/notifications/webhooks/"); n != 1 {
		t.Errorf("%d regenerate requests", n)
	}
}

func TestAssetsAndCustomFields(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	org := srv.SeedOrganization("Contoso")
	g := srv.SeedGroup(int64(srv.SeedSite(int64(org.ID), "HQ").ID), "G")
	d := srv.SeedDevice(int64(g.ID), vsax.Device{Name: "PC"}, &vsax.Asset{
		LastSeenOnline: vsax.Time{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		IPAddresses:    []vsax.AssetAdapter{{Name: "eth0", MAC: "00:11:22:33:44:55", IPs: []vsax.AssetIP{{IP: "10.0.0.5"}}}},
		AssetInfo: []vsax.AssetInfoCategory{{CategoryName: "BIOS", CategoryData: map[string]string{"Serial Number": "SN123"}},
			{CategoryName: "Operating System", CategoryData: map[string]string{"Name": "Windows 11 Pro"}}},
	})
	a, err := c.Assets.Get(t.Context(), d.Identifier)
	if err != nil || a.SerialNumber() != "SN123" || a.OperatingSystem() != "Windows 11 Pro" || a.IPs()[0] != "10.0.0.5" || a.MACs()[0] != "00:11:22:33:44:55" || a.LastSeenOnline.Year() != 2026 {
		t.Fatalf("%+v %v", a, err)
	}
	srv.SeedCustomField("Contract", "Text")
	fs, err := vsax.Collect(c.CustomFields.All(t.Context(), nil))
	if err != nil || len(fs) != 1 || fs[0].Name != "Contract" {
		t.Errorf("%+v %v", fs, err)
	}
	if _, err := c.Devices.CustomFields(t.Context(), d.Identifier); err != nil {
		t.Error(err)
	}
}

func TestCredentialsNeverFollowARedirectToAnotherHost(t *testing.T) {
	t.Parallel()
	httpxtest.RunRedirects(t, httpxtest.RedirectVendor{
		TokenPath: "/unused-token",
		Token:     `{}`,
		API:       `{"Data":{},"Meta":{"ResponseCode":200}}`,
		Want:      []error{vsax.ErrRedirect, vsax.ErrForeignHost},
	}, []httpxtest.RedirectCase{{Name: "basic token: resource request", Secrets: []string{"tid-SECRET", "ts-SECRET"},
		Call: func(ctx context.Context, base string) error {
			c, err := vsax.NewClient(base, vsax.WithTokenAuth("tid-SECRET", "ts-SECRET"))
			if err != nil {
				return err
			}
			_, err = c.Ping(ctx)
			return err
		}}})
}

// TestPing: one GET /environment, with the Basic token, and what it
// learned in one line.
func TestPing(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	org := srv.SeedOrganization("Contoso")
	srv.SeedDevice(int64(srv.SeedGroup(int64(srv.SeedSite(int64(org.ID), "HQ").ID), "G").ID), vsax.Device{Name: "PC"}, nil)
	srv.ResetRequests()
	p, err := c.Ping(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Method != "GET" || reqs[0].Path != "/api/v3/environment" {
		t.Fatalf("requests %+v", reqs)
	}
	if p.BaseURL != c.BaseURL() || p.CustomerName != "vsaxtest" || p.ServerType != "SaaS" || p.DevicesInUse != 1 || p.DevicesLimit != 10000 || p.LicenseExpires.Year() != 2099 {
		t.Errorf("%+v", p)
	}
	s := p.String()
	for _, want := range []string{"VSA X " + c.BaseURL() + " ok: ", `"vsaxtest"`, "SaaS", "devices 1/10000", "license until 2099-12-01"} {
		if !strings.Contains(s, want) {
			t.Errorf("String() = %q; lacks %q", s, want)
		}
	}
	if strings.Contains(s, "\n") {
		t.Errorf("String() is not one line: %q", s)
	}
	empty := (&vsax.PingInfo{BaseURL: "https://x/api/v3/", DevicesInUse: -1, DevicesLimit: -1}).String()
	if empty != "VSA X https://x/api/v3/ ok: 0s" {
		t.Errorf("bare PingInfo: %q", empty)
	}
}
