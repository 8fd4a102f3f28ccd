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
	_, err = c.Account.Sites(&dattormm.SiteListOptions{SiteName: "Con"}).Collect(ctx)
	must(err)
	_, err = c.Account.Devices(&dattormm.DeviceListOptions{FilterID: 1, Hostname: "PC", DeviceType: "Desktop", OperatingSystem: "Windows", SiteName: "Con"}).Collect(ctx)
	must(err)
	_, err = c.Account.OpenAlerts(&dattormm.AlertListOptions{Muted: &muted}).Collect(ctx)
	must(err)
	_, err = c.Account.ResolvedAlerts(nil).Collect(ctx)
	must(err)
	_, err = c.Account.Users().Collect(ctx)
	must(err)
	_, err = c.Account.Variables().Collect(ctx)
	must(err)
	_, err = c.Sites.Get(ctx, site.UID)
	must(err)
	s2, err := c.Sites.Create(ctx, dattormm.SiteRequest{Name: "Fabrikam", Description: "d", Notes: "n"})
	must(err)
	_, err = c.Sites.Update(ctx, s2.UID, dattormm.SiteUpdate{Name: dattormm.Ptr("Fabrikam Ltd"), OnDemand: dattormm.Ptr(true)})
	must(err)
	_, err = c.Sites.Devices(site.UID, &dattormm.DeviceListOptions{FilterID: 7}).Collect(ctx)
	must(err)
	_, err = c.Sites.NetworkInterfaces(site.UID).Collect(ctx)
	must(err)
	_, err = c.Sites.OpenAlerts(site.UID, &dattormm.AlertListOptions{Muted: &muted}).Collect(ctx)
	must(err)
	_, err = c.Sites.ResolvedAlerts(site.UID, nil).Collect(ctx)
	must(err)
	_, err = c.Sites.Variables(site.UID).Collect(ctx)
	must(err)
	_, err = c.Sites.Settings(ctx, site.UID)
	must(err)
	d, err := c.Devices.Get(ctx, dev.UID)
	must(err)
	_, err = c.Devices.GetByID(ctx, d.ID)
	must(err)
	_, err = c.Devices.ByMAC(ctx, "00:1a:2b:3c:4d:5e")
	must(err)
	_, err = c.Devices.OpenAlerts(dev.UID, nil).Collect(ctx)
	must(err)
	_, err = c.Devices.ResolvedAlerts(dev.UID, nil).Collect(ctx)
	must(err)
	must(c.Devices.SetUDFs(ctx, dev.UID, map[int]string{5: "x"}))
	must(c.Devices.Move(ctx, dev.UID, s2.UID))
	_, err = c.Alerts.Get(ctx, al.AlertUID)
	must(err)
	must(c.Alerts.Resolve(ctx, al.AlertUID))
	_, err = c.Audit.Device(ctx, dev.UID)
	must(err)
	_, err = c.Audit.Software(dev.UID).Collect(ctx)
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
