package dattormm_test

import (
	"strings"
	"testing"

	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/internal/apispec"
)

// TestContract calls every client method against dattormmtest and checks
// each request the fake saw against Datto's OpenAPI document.
func TestContract(t *testing.T) {
	t.Parallel()
	spec := apispec.ForTest(t, "dattormm-openapi.json")
	srv, c := setup(t)
	ctx := t.Context()
	site := srv.SeedSite(dattormm.Site{Name: "Contoso"})
	dev := srv.SeedDevice(dattormm.Device{Hostname: "PC-1", SiteUID: site.UID})
	srv.SeedAudit(dev.UID, dattormm.DeviceAudit{NICs: []dattormm.NIC{{MACAddress: "001A2B3C4D5E"}}})
	al := srv.SeedAlert(dattormm.Alert{AlertSourceInfo: dattormm.AlertSourceInfo{DeviceUID: dev.UID, SiteUID: site.UID}})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	muted := false
	_, err := c.System.Status(ctx)
	must(err)
	_, err = c.SyncRateLimit(ctx)
	must(err)
	_, err = c.Account.Get(ctx)
	must(err)
	_, err = dattormm.Collect(c.Account.Sites(ctx, &dattormm.SiteListOptions{SiteName: "Con"}))
	must(err)
	_, err = dattormm.Collect(c.Account.Devices(ctx, &dattormm.DeviceListOptions{FilterID: 1, Hostname: "PC", DeviceType: "Desktop", OperatingSystem: "Windows", SiteName: "Con"}))
	must(err)
	_, err = dattormm.Collect(c.Account.OpenAlerts(ctx, &dattormm.AlertListOptions{Muted: &muted}))
	must(err)
	_, err = dattormm.Collect(c.Account.ResolvedAlerts(ctx, nil))
	must(err)
	_, err = dattormm.Collect(c.Account.Users(ctx))
	must(err)
	_, err = dattormm.Collect(c.Account.Variables(ctx))
	must(err)
	_, err = c.Sites.Get(ctx, site.UID)
	must(err)
	s2, err := c.Sites.Create(ctx, dattormm.SiteRequest{Name: "Fabrikam", Description: "d", Notes: "n"})
	must(err)
	_, err = c.Sites.Update(ctx, s2.UID, dattormm.SiteRequest{Name: "Fabrikam Ltd"})
	must(err)
	_, err = dattormm.Collect(c.Sites.Devices(ctx, site.UID, &dattormm.DeviceListOptions{FilterID: 7}))
	must(err)
	_, err = dattormm.Collect(c.Sites.NetworkInterfaces(ctx, site.UID))
	must(err)
	_, err = dattormm.Collect(c.Sites.OpenAlerts(ctx, site.UID, &dattormm.AlertListOptions{Muted: &muted}))
	must(err)
	_, err = dattormm.Collect(c.Sites.ResolvedAlerts(ctx, site.UID, nil))
	must(err)
	_, err = dattormm.Collect(c.Sites.Variables(ctx, site.UID))
	must(err)
	_, err = c.Sites.Settings(ctx, site.UID)
	must(err)
	d, err := c.Devices.Get(ctx, dev.UID)
	must(err)
	_, err = c.Devices.GetByID(ctx, d.ID)
	must(err)
	_, err = c.Devices.ByMAC(ctx, "00:1a:2b:3c:4d:5e")
	must(err)
	_, err = dattormm.Collect(c.Devices.OpenAlerts(ctx, dev.UID, nil))
	must(err)
	_, err = dattormm.Collect(c.Devices.ResolvedAlerts(ctx, dev.UID, nil))
	must(err)
	must(c.Devices.SetUDFs(ctx, dev.UID, map[int]string{5: "x"}))
	must(c.Devices.Move(ctx, dev.UID, s2.UID))
	_, err = c.Alerts.Get(ctx, al.AlertUID)
	must(err)
	must(c.Alerts.Resolve(ctx, al.AlertUID))
	_, err = c.Audit.Device(ctx, dev.UID)
	must(err)
	_, err = dattormm.Collect(c.Audit.Software(ctx, dev.UID))
	must(err)

	checked := map[string]bool{}
	for _, r := range srv.Requests() {
		if r.Path == "/auth/oauth/token" {
			continue // the OAuth endpoint is not in the document
		}
		path := strings.TrimPrefix(r.Path, "/api")
		if err := spec.Check(r.Method, path, r.Query); err != nil {
			t.Error(err)
		}
		if len(r.Body) > 0 {
			if err := spec.CheckBody(r.Method, path, r.Body); err != nil {
				t.Error(err)
			}
		}
		checked[r.Method+" "+path] = true
	}
	if len(checked) < 25 {
		t.Errorf("only %d distinct requests checked", len(checked))
	}
}
