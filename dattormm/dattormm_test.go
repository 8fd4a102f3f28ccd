package dattormm_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/time/rate"

	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/dattormm/dattormmtest"
	"github.com/mspsync/mspsync/fakeapi"
)

func setup(t *testing.T, opts ...dattormmtest.Option) (*dattormmtest.Server, *dattormm.Client) {
	t.Helper()
	srv := dattormmtest.NewServer(t, opts...)
	c, err := srv.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func TestDevicesPageBy250(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, dattormmtest.WithPageMax(250))
	site := srv.SeedSite(dattormm.Site{Name: "Contoso"})
	for i := range 1001 {
		srv.SeedDevice(dattormm.Device{Hostname: fmt.Sprintf("PC-%04d", i), SiteUID: site.UID, DeviceType: dattormm.DeviceType{Category: "Desktop"}})
	}
	n := 0
	for d, err := range c.Account.Devices(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		if d.SiteName != "Contoso" || d.UID == "" {
			t.Fatalf("device = %+v", d)
		}
		n++
	}
	if n != 1001 {
		t.Errorf("devices = %d", n)
	}
	var pages []string
	for _, r := range srv.Requests() {
		if r.Path == "/api/v2/account/devices" {
			pages = append(pages, r.Query.Get("page")+"/"+r.Query.Get("max"))
		}
	}
	if strings.Join(pages, " ") != "0/250 1/250 2/250 3/250 4/250" {
		t.Errorf("list requests = %v, want 5 pages 0..4 of 250", pages)
	}
	if srv.Count(http.MethodGet, "/api/v2/system/pagination") != 1 {
		t.Error("page maximum not read exactly once")
	}
}

func TestPageSizeClampedToAccountMaximum(t *testing.T) {
	t.Parallel()
	srv := dattormmtest.NewServer(t, dattormmtest.WithPageMax(100))
	c, err := srv.NewClient(dattormm.WithPageSize(500))
	if err != nil {
		t.Fatal(err)
	}
	site := srv.SeedSite(dattormm.Site{Name: "A"})
	for range 150 {
		srv.SeedDevice(dattormm.Device{SiteUID: site.UID})
	}
	p, err := c.Sites.DevicesPage(t.Context(), site.UID, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 100 || p.Total != 150 || !strings.Contains(p.Next, "page=1") {
		t.Errorf("page: %d items, total %d, next %q", len(p.Items), p.Total, p.Next)
	}
	last := srv.Requests()[len(srv.Requests())-1]
	if last.Query.Get("max") != "100" || last.Query.Get("page") != "0" {
		t.Errorf("first page query = %s", last.RawQuery)
	}
}

func TestTokenOnceThenAfterExpiry(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	srv.SeedSite(dattormm.Site{Name: "A"})
	for range 5 {
		if _, err := dattormm.Collect(c.Account.Sites(t.Context(), nil)); err != nil {
			t.Fatal(err)
		}
	}
	if srv.TokensIssued() != 1 {
		t.Errorf("tokens = %d, want 1", srv.TokensIssued())
	}
	tok := srv.Requests()[0]
	if tok.Path != "/auth/oauth/token" || tok.Header.Get("Authorization") != "Basic cHVibGljLWNsaWVudDpwdWJsaWM=" ||
		!strings.Contains(string(tok.Body), "grant_type=password") || !strings.Contains(string(tok.Body), "username="+dattormmtest.DefaultAPIKey) {
		t.Errorf("token request %s %v %s", tok.Path, tok.Header, tok.Body)
	}
	srv.ExpireTokens()
	if _, err := c.Account.Get(t.Context()); err != nil {
		t.Fatal(err)
	}
	if srv.TokensIssued() != 2 || c.TokensFetched() != 2 {
		t.Errorf("tokens after expiry = %d, want 2", srv.TokensIssued())
	}
}

func TestBadKeyIsUnauthorizedWithoutSecret(t *testing.T) {
	t.Parallel()
	srv := dattormmtest.NewServer(t)
	c, err := srv.NewClient(dattormm.WithAPIKey("k", "WRONG-secret-123"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Account.Get(t.Context())
	if !errors.Is(err, dattormm.ErrUnauthorized) || strings.Contains(err.Error(), "WRONG-secret-123") || !strings.Contains(err.Error(), "Bad credentials") {
		t.Errorf("err = %v", err)
	}
}

func TestResolveAlert(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	site := srv.SeedSite(dattormm.Site{Name: "A"})
	dev := srv.SeedDevice(dattormm.Device{Hostname: "PC-1", SiteUID: site.UID})
	al := srv.SeedAlert(dattormm.Alert{Priority: "High", AlertSourceInfo: dattormm.AlertSourceInfo{DeviceUID: dev.UID, SiteUID: site.UID}})
	if err := c.Alerts.Resolve(t.Context(), al.AlertUID); err != nil {
		t.Fatal(err)
	}
	if n := srv.Count(http.MethodPost, "/api/v2/alert/"+al.AlertUID+"/resolve"); n != 1 {
		t.Errorf("resolve requests = %d", n)
	}
	got, _ := srv.Alert(al.AlertUID)
	if !got.Resolved || got.ResolvedOn.IsZero() {
		t.Errorf("alert = %+v", got)
	}
	// A failure on an alert that is resolved anyway counts as success.
	srv.Inject(fakeapi.Fault{Method: http.MethodPost, Path: "/api/v2/alert/", Status: http.StatusBadRequest})
	if err := c.Alerts.Resolve(t.Context(), al.AlertUID); err != nil {
		t.Errorf("resolve of a resolved alert: %v", err)
	}
	if err := c.Alerts.Resolve(t.Context(), "no-such-alert"); !errors.Is(err, dattormm.ErrNotFound) {
		t.Errorf("unknown alert: %v", err)
	}
	if _, err := c.Alerts.Get(t.Context(), "no-such-alert"); !errors.Is(err, dattormm.ErrNotFound) {
		t.Errorf("get unknown alert: %v", err)
	}
	if err := c.Alerts.Mute(t.Context(), al.AlertUID); !errors.Is(err, dattormm.ErrMutingRemoved) {
		t.Errorf("mute: %v", err)
	}
	open, err := dattormm.Collect(c.Account.OpenAlerts(t.Context(), nil))
	if err != nil || len(open) != 0 {
		t.Errorf("open alerts = %v, %v", open, err)
	}
	res, err := dattormm.Collect(c.Devices.ResolvedAlerts(t.Context(), dev.UID, nil))
	if err != nil || len(res) != 1 {
		t.Errorf("resolved alerts of the device = %v, %v", res, err)
	}
}

func TestUDFsMoveAndSites(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	a := srv.SeedSite(dattormm.Site{Name: "Alpha"})
	b := srv.SeedSite(dattormm.Site{Name: "Beta"})
	dev := srv.SeedDevice(dattormm.Device{Hostname: "PC-1", SiteUID: a.UID, UDF: dattormm.UDF{"udf1": "keep", "udf2": "old"}})
	ctx := t.Context()
	if err := c.Devices.SetUDFs(ctx, dev.UID, map[int]string{2: "new", 3: "CUST-42", 1: ""}); err != nil {
		t.Fatal(err)
	}
	body := lastBody(srv, http.MethodPost, "/api/v2/device/"+dev.UID+"/udf")
	if body != `{"udf1":"","udf2":"new","udf3":"CUST-42"}` {
		t.Errorf("udf body = %s", body)
	}
	got, _ := srv.Device(dev.UID)
	if got.UDF.Get(1) != "" || got.UDF.Get(2) != "new" || got.UDF.Get(3) != "CUST-42" {
		t.Errorf("udfs = %v", got.UDF)
	}
	if err := c.Devices.SetUDFs(ctx, dev.UID, map[int]string{301: "x"}); err == nil {
		t.Error("udf301 accepted")
	}
	if err := c.Devices.SetUDFs(ctx, dev.UID, map[int]string{4: strings.Repeat("x", 256)}); err == nil {
		t.Error("256-character value accepted")
	}
	if err := c.Devices.Move(ctx, dev.UID, b.UID); err != nil {
		t.Fatal(err)
	}
	if got, _ := srv.Device(dev.UID); got.SiteName != "Beta" {
		t.Errorf("moved device in %q", got.SiteName)
	}

	if _, err := c.Sites.Create(ctx, dattormm.SiteRequest{Name: "Alpha"}); !errors.Is(err, dattormm.ErrSiteExists) {
		t.Errorf("duplicate site: %v", err)
	}
	srv.Inject(fakeapi.Fault{Method: http.MethodPut, Path: "/api/v2/site", Status: http.StatusInternalServerError})
	if _, err := c.Sites.Create(ctx, dattormm.SiteRequest{Name: "Gamma"}); !errors.Is(err, dattormm.ErrServerError) {
		t.Errorf("create on 500: %v", err)
	}
	if n := srv.Count(http.MethodPut, "/api/v2/site"); n != 1 {
		t.Errorf("site PUTs = %d, want 1 (a create is never replayed)", n)
	}
	g, err := c.Sites.Create(ctx, dattormm.SiteRequest{Name: "Gamma", Description: "new"})
	if err != nil || g.UID == "" || g.Name != "Gamma" {
		t.Fatalf("create = %+v, %v", g, err)
	}
	upd, err := c.Sites.Update(ctx, g.UID, dattormm.SiteUpdate{Name: dattormm.Ptr("Gamma Ltd")})
	if err != nil || upd.Name != "Gamma Ltd" || upd.Description != "new" {
		t.Errorf("update = %+v, %v", upd, err)
	}
}

// Sites.Update changes only what the caller sets: Datto may clear what a
// body omits (dattormmtest does), so the flags it was not asked to change
// are sent as they are.
func TestSiteUpdateKeepsWhatItDoesNotSet(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	s := srv.SeedSite(dattormm.Site{Name: "Alpha", Description: "d", Notes: "n", OnDemand: true, SplashtopAutoInstall: true})
	if _, err := c.Sites.Update(t.Context(), s.UID, dattormm.SiteUpdate{Description: dattormm.Ptr("new")}); err != nil {
		t.Fatal(err)
	}
	got, err := c.Sites.Get(t.Context(), s.UID)
	if err != nil || got.Name != "Alpha" || got.Description != "new" || got.Notes != "n" || !got.OnDemand || !got.SplashtopAutoInstall {
		t.Errorf("site after update = %+v, %v", got, err)
	}
	if _, err := c.Sites.Update(t.Context(), s.UID, dattormm.SiteUpdate{OnDemand: dattormm.Ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Sites.Get(t.Context(), s.UID); got.OnDemand || !got.SplashtopAutoInstall || got.Description != "new" {
		t.Errorf("site after clearing onDemand = %+v", got)
	}
	if _, err := c.Sites.Update(t.Context(), s.UID, dattormm.SiteUpdate{Name: dattormm.Ptr(" ")}); err == nil {
		t.Error("blank name sent")
	}
}

func TestAuditAndMAC(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	site := srv.SeedSite(dattormm.Site{Name: "A"})
	dev := srv.SeedDevice(dattormm.Device{Hostname: "PC-1", SiteUID: site.UID})
	printer := srv.SeedDevice(dattormm.Device{Hostname: "PRN", SiteUID: site.UID, DeviceClass: "printer"})
	srv.SeedAudit(dev.UID, dattormm.DeviceAudit{
		SystemInfo: dattormm.SystemInfo{Manufacturer: "Dell Inc.", Model: "OptiPlex 7090"},
		BIOS:       dattormm.BIOS{SerialNumber: "ABC1234"},
		NICs:       []dattormm.NIC{{Instance: "Ethernet", MACAddress: "00:1a:2b:3c:4d:5e"}},
	}, dattormm.Software{Name: "7-Zip", Version: "23.01"})
	a, err := c.Audit.Device(t.Context(), dev.UID)
	if err != nil || a.BIOS.SerialNumber != "ABC1234" || a.SystemInfo.Model != "OptiPlex 7090" {
		t.Fatalf("audit = %+v, %v", a, err)
	}
	if _, err := c.Audit.Device(t.Context(), printer.UID); err == nil || !strings.Contains(err.Error(), "not of class device") {
		t.Errorf("printer audit: %v", err)
	}
	sw, err := dattormm.Collect(c.Audit.Software(t.Context(), dev.UID))
	if err != nil || len(sw) != 1 || sw[0].Name != "7-Zip" {
		t.Errorf("software = %v, %v", sw, err)
	}
	ds, err := c.Devices.ByMAC(t.Context(), "00-1A-2B-3C-4D-5E")
	if err != nil || len(ds) != 1 || ds[0].UID != dev.UID {
		t.Errorf("by MAC = %v, %v", ds, err)
	}
	if last := srv.Requests()[len(srv.Requests())-1]; last.Path != "/api/v2/device/macAddress/001A2B3C4D5E" {
		t.Errorf("MAC path = %s", last.Path)
	}
	nds, err := dattormm.Collect(c.Sites.NetworkInterfaces(t.Context(), site.UID))
	if err != nil || len(nds) != 2 || len(nds[0].NICs) != 1 {
		t.Errorf("network interfaces = %+v, %v", nds, err)
	}
}

func TestSyncRateLimit(t *testing.T) {
	t.Parallel()
	srv := dattormmtest.NewServer(t, dattormmtest.WithRateStatus(dattormm.RateStatus{
		SlidingTimeWindowSizeSeconds: 60, AccountRateLimit: 300, AccountWriteRateLimit: 120,
		OperationWriteStatus: map[string]dattormm.OperationCount{"alert-resolve": {Limit: 30}},
	}))
	lim := rate.NewLimiter(10, 10)
	c, err := srv.NewClient(dattormm.WithRateLimit(lim))
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.SyncRateLimit(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.AccountRateLimit != 300 || lim.Limit() != rate.Limit(300*0.8/60) {
		t.Errorf("read limit = %v after sync to %d", lim.Limit(), st.AccountRateLimit)
	}
}

func TestForbiddenBlockAndSpringErrors(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	if _, err := c.Devices.Get(t.Context(), "nope"); !errors.Is(err, dattormm.ErrNotFound) || !strings.Contains(err.Error(), "Device was not found.") {
		t.Errorf("404: %v", err)
	}
	srv.Inject(fakeapi.Fault{Path: "/api/v2/account", Status: http.StatusForbidden, Message: "Too many requests: rate exceeded, address blocked"})
	_, err := c.Account.Get(t.Context())
	if !errors.Is(err, dattormm.ErrBlocked) || !errors.Is(err, dattormm.ErrForbidden) || !errors.Is(err, dattormm.ErrRateLimited) {
		t.Errorf("block: %v", err)
	}
	srv.Inject(fakeapi.Fault{Path: "/api/v2/account", Status: http.StatusForbidden, Message: "Authenticated user doesn't have access to this resource."})
	_, err = c.Account.Get(t.Context())
	if !errors.Is(err, dattormm.ErrForbidden) || errors.Is(err, dattormm.ErrBlocked) {
		t.Errorf("plain 403: %v", err)
	}
}

func TestTruncatedPageIsMalformed(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	srv.SeedSite(dattormm.Site{Name: "A"})
	if _, err := dattormm.Collect(c.Account.Sites(t.Context(), nil)); err != nil {
		t.Fatal(err)
	}
	srv.Inject(fakeapi.Fault{Path: "/api/v2/account/sites", Truncate: true})
	if _, err := dattormm.Collect(c.Account.Sites(t.Context(), nil)); !errors.Is(err, dattormm.ErrMalformed) {
		t.Errorf("err = %v", err)
	}
}

func TestRegion(t *testing.T) {
	t.Parallel()
	if u, err := dattormm.Region("Merlot"); err != nil || u != "https://merlot-api.centrastage.net" {
		t.Errorf("merlot = %q, %v", u, err)
	}
	if _, err := dattormm.Region("shiraz"); err == nil || !strings.Contains(err.Error(), "pinotage") {
		t.Errorf("unknown platform: %v", err)
	}
	for _, p := range dattormm.Platforms {
		if _, err := dattormm.Region(p); err != nil {
			t.Error(err)
		}
	}
}

func lastBody(srv *dattormmtest.Server, method, path string) string {
	reqs := srv.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Method == method && reqs[i].Path == path {
			return string(reqs[i].Body)
		}
	}
	return ""
}
