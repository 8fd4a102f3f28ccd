package dattormm_test

import (
	"context"
	"errors"
	"testing"

	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/dattormm/dattormmtest"
	"github.com/mspsync/mspsync/internal/apispec"
)

// TestContract calls every exported method of the client and of each of its
// services against dattormmtest — the list of methods comes from the client
// itself (apispec.Operations), so a method without an entry in the table
// below fails the test — and checks each request the fake saw against
// Datto's OpenAPI document: path, method, query parameter names and values,
// path values, and body fields at every depth. Pages hold two items, so the
// walks follow nextPageUrl and the re-added filters are checked too.
func TestContract(t *testing.T) {
	t.Parallel()
	spec := apispec.ForTest(t, "dattormm-openapi.json")
	srv, c := setup(t, dattormmtest.WithPageMax(2))
	site := srv.SeedSite(dattormm.Site{Name: "Contoso"})
	dest := srv.SeedSite(dattormm.Site{Name: "Contoso Branch"})
	srv.SeedSite(dattormm.Site{Name: "Contoso Lab"})
	var devs []dattormm.Device
	for _, h := range []string{"PC-1", "PC-2", "PC-3", "PC-4", "PC-5", "PC-6"} {
		devs = append(devs, srv.SeedDevice(dattormm.Device{Hostname: h, SiteUID: site.UID, DeviceType: dattormm.DeviceType{Category: "Desktop"}}))
	}
	dev := devs[0]
	srv.SeedAudit(dev.UID, dattormm.DeviceAudit{NICs: []dattormm.NIC{{MACAddress: "001A2B3C4D5E"}}},
		dattormm.Software{Name: "7-Zip", Version: "23.01"}, dattormm.Software{Name: "Chrome"}, dattormm.Software{Name: "Zoom"})
	var alerts []dattormm.Alert
	for range 6 {
		alerts = append(alerts, srv.SeedAlert(dattormm.Alert{AlertSourceInfo: dattormm.AlertSourceInfo{DeviceUID: dev.UID, SiteUID: site.UID}}))
	}
	var resolved dattormm.Alert
	for range 3 {
		resolved = srv.SeedAlert(dattormm.Alert{Resolved: true, AlertSourceInfo: dattormm.AlertSourceInfo{DeviceUID: dev.UID, SiteUID: site.UID}})
	}
	muted := false

	// Options with every filter set, so that every query parameter the
	// client can send is sent and checked.
	devOpts := &dattormm.DeviceListOptions{FilterID: 1, Hostname: "PC", DeviceType: "Desktop", OperatingSystem: "Windows", SiteName: "Con"}
	siteDevOpts := &dattormm.DeviceListOptions{FilterID: 7}
	alertOpts := &dattormm.AlertListOptions{Muted: &muted}
	siteOpts := &dattormm.SiteListOptions{SiteName: "Con"}

	calls := map[string]func(ctx context.Context) error{
		"Client.Counters":      func(context.Context) error { c.Counters(); return nil },
		"Client.Stats":         func(context.Context) error { c.Stats(); return nil },
		"Client.TokensFetched": func(context.Context) error { c.TokensFetched(); return nil },
		"Client.Ping":          func(ctx context.Context) error { _, err := c.Ping(ctx); return err },
		"Client.SyncRateLimit": func(ctx context.Context) error { _, err := c.SyncRateLimit(ctx); return err },

		"Account.Get":   func(ctx context.Context) error { _, err := c.Account.Get(ctx); return err },
		"Account.Sites": func(ctx context.Context) error { return apispec.Drain(c.Account.Sites(ctx, siteOpts)) },
		"Account.SitesPage": apispec.Pages(func(ctx context.Context, cur string) (*dattormm.Page[dattormm.Site], error) {
			return c.Account.SitesPage(ctx, siteOpts, cur)
		}),
		"Account.Devices": func(ctx context.Context) error { return apispec.Drain(c.Account.Devices(ctx, devOpts)) },
		"Account.DevicesPage": apispec.Pages(func(ctx context.Context, cur string) (*dattormm.Page[dattormm.Device], error) {
			return c.Account.DevicesPage(ctx, &dattormm.DeviceListOptions{Hostname: "PC"}, cur)
		}),
		"Account.OpenAlerts": func(ctx context.Context) error { return apispec.Drain(c.Account.OpenAlerts(ctx, alertOpts)) },
		"Account.OpenAlertsPage": apispec.Pages(func(ctx context.Context, cur string) (*dattormm.Page[dattormm.Alert], error) {
			return c.Account.OpenAlertsPage(ctx, alertOpts, cur)
		}),
		"Account.ResolvedAlerts": func(ctx context.Context) error { return apispec.Drain(c.Account.ResolvedAlerts(ctx, nil)) },
		"Account.ResolvedAlertsPage": apispec.Pages(func(ctx context.Context, cur string) (*dattormm.Page[dattormm.Alert], error) {
			return c.Account.ResolvedAlertsPage(ctx, alertOpts, cur)
		}),
		"Account.Users":         func(ctx context.Context) error { return apispec.Drain(c.Account.Users(ctx)) },
		"Account.UsersPage":     apispec.Pages(c.Account.UsersPage),
		"Account.Variables":     func(ctx context.Context) error { return apispec.Drain(c.Account.Variables(ctx)) },
		"Account.VariablesPage": apispec.Pages(c.Account.VariablesPage),

		"Sites.Get": func(ctx context.Context) error { _, err := c.Sites.Get(ctx, site.UID); return err },
		"Sites.Create": func(ctx context.Context) error {
			_, err := c.Sites.Create(ctx, dattormm.SiteRequest{Name: "Fabrikam", Description: "d", Notes: "n", OnDemand: true,
				SplashtopAutoInstall: true, ProxySettings: &dattormm.ProxySettings{Host: "proxy.example", Port: 3128, Type: "http", Username: "u", Password: "p"}})
			return err
		},
		"Sites.FindByName": func(ctx context.Context) error { _, err := c.Sites.FindByName(ctx, "Contoso"); return err },
		"Sites.Update": func(ctx context.Context) error {
			_, err := c.Sites.Update(ctx, dest.UID, dattormm.SiteUpdate{Name: dattormm.Ptr("Contoso Branch"), Description: dattormm.Ptr("d"),
				Notes: dattormm.Ptr("n"), OnDemand: dattormm.Ptr(true), SplashtopAutoInstall: dattormm.Ptr(true)})
			return err
		},
		"Sites.Devices": func(ctx context.Context) error { return apispec.Drain(c.Sites.Devices(ctx, site.UID, siteDevOpts)) },
		"Sites.DevicesPage": apispec.Pages(func(ctx context.Context, cur string) (*dattormm.Page[dattormm.Device], error) {
			return c.Sites.DevicesPage(ctx, site.UID, nil, cur)
		}),
		"Sites.NetworkInterfaces": func(ctx context.Context) error { return apispec.Drain(c.Sites.NetworkInterfaces(ctx, site.UID)) },
		"Sites.NetworkInterfacesPage": apispec.Pages(func(ctx context.Context, cur string) (*dattormm.Page[dattormm.NetworkDevice], error) {
			return c.Sites.NetworkInterfacesPage(ctx, site.UID, cur)
		}),
		"Sites.OpenAlerts": func(ctx context.Context) error { return apispec.Drain(c.Sites.OpenAlerts(ctx, site.UID, alertOpts)) },
		"Sites.OpenAlertsPage": apispec.Pages(func(ctx context.Context, cur string) (*dattormm.Page[dattormm.Alert], error) {
			return c.Sites.OpenAlertsPage(ctx, site.UID, nil, cur)
		}),
		"Sites.ResolvedAlerts": func(ctx context.Context) error {
			return apispec.Drain(c.Sites.ResolvedAlerts(ctx, site.UID, alertOpts))
		},
		"Sites.ResolvedAlertsPage": apispec.Pages(func(ctx context.Context, cur string) (*dattormm.Page[dattormm.Alert], error) {
			return c.Sites.ResolvedAlertsPage(ctx, site.UID, nil, cur)
		}),
		"Sites.Variables": func(ctx context.Context) error { return apispec.Drain(c.Sites.Variables(ctx, site.UID)) },
		"Sites.VariablesPage": apispec.Pages(func(ctx context.Context, cur string) (*dattormm.Page[dattormm.Variable], error) {
			return c.Sites.VariablesPage(ctx, site.UID, cur)
		}),
		"Sites.Settings": func(ctx context.Context) error { _, err := c.Sites.Settings(ctx, site.UID); return err },

		"Devices.Get":     func(ctx context.Context) error { _, err := c.Devices.Get(ctx, dev.UID); return err },
		"Devices.GetByID": func(ctx context.Context) error { _, err := c.Devices.GetByID(ctx, dev.ID); return err },
		"Devices.ByMAC":   func(ctx context.Context) error { _, err := c.Devices.ByMAC(ctx, "00:1a:2b:3c:4d:5e"); return err },
		"Devices.SetUDFs": func(ctx context.Context) error {
			return c.Devices.SetUDFs(ctx, dev.UID, map[int]string{1: "Finance", 30: "", dattormm.MaxUDF: "x"})
		},
		"Devices.Move":       func(ctx context.Context) error { return c.Devices.Move(ctx, devs[5].UID, dest.UID) },
		"Devices.OpenAlerts": func(ctx context.Context) error { return apispec.Drain(c.Devices.OpenAlerts(ctx, dev.UID, alertOpts)) },
		"Devices.OpenAlertsPage": apispec.Pages(func(ctx context.Context, cur string) (*dattormm.Page[dattormm.Alert], error) {
			return c.Devices.OpenAlertsPage(ctx, dev.UID, nil, cur)
		}),
		"Devices.ResolvedAlerts": func(ctx context.Context) error {
			return apispec.Drain(c.Devices.ResolvedAlerts(ctx, dev.UID, alertOpts))
		},
		"Devices.ResolvedAlertsPage": apispec.Pages(func(ctx context.Context, cur string) (*dattormm.Page[dattormm.Alert], error) {
			return c.Devices.ResolvedAlertsPage(ctx, dev.UID, nil, cur)
		}),

		"Alerts.Get": func(ctx context.Context) error { _, err := c.Alerts.Get(ctx, alerts[0].AlertUID); return err },
		"Alerts.Resolve": func(ctx context.Context) error {
			if err := c.Alerts.Resolve(ctx, alerts[1].AlertUID); err != nil {
				return err
			}
			return c.Alerts.Resolve(ctx, resolved.AlertUID) // already resolved: read back, success
		},
		"Alerts.Mute": func(ctx context.Context) error {
			return quietErr(c.Alerts.Mute(ctx, alerts[2].AlertUID), dattormm.ErrMutingRemoved)
		},
		"Alerts.Unmute": func(ctx context.Context) error {
			return quietErr(c.Alerts.Unmute(ctx, alerts[2].AlertUID), dattormm.ErrMutingRemoved)
		},

		"Audit.Device":   func(ctx context.Context) error { _, err := c.Audit.Device(ctx, dev.UID); return err },
		"Audit.Software": func(ctx context.Context) error { return apispec.Drain(c.Audit.Software(ctx, dev.UID)) },
		"Audit.SoftwarePage": apispec.Pages(func(ctx context.Context, cur string) (*dattormm.Page[dattormm.Software], error) {
			return c.Audit.SoftwarePage(ctx, dev.UID, cur)
		}),

		"System.Status":      func(ctx context.Context) error { _, err := c.System.Status(ctx); return err },
		"System.RequestRate": func(ctx context.Context) error { _, err := c.System.RequestRate(ctx); return err },
		"System.Pagination":  func(ctx context.Context) error { _, err := c.System.Pagination(ctx); return err },
	}

	ops, reqs := apispec.Contract{
		Spec:   spec,
		Client: c,
		Calls:  calls,
		Quiet: map[string]string{
			"Client.Counters":      "returns the client's counters",
			"Client.Stats":         "snapshots the client's counters",
			"Client.TokensFetched": "reads the token source's count",
			"Alerts.Mute":          "muting was removed in Datto RMM 8.9.0; returns ErrMutingRemoved",
			"Alerts.Unmute":        "muting was removed in Datto RMM 8.9.0; returns ErrMutingRemoved",
		},
		Log:   apispec.FakeLog(srv.Requests, "/api", "/auth/oauth/token"), // the OAuth endpoint is not in the document
		Reset: srv.ResetRequests,
	}.Run(t)
	t.Logf("%d operations invoked, %d requests checked against %s", ops, reqs, "dattormm-openapi.json")
}

// quietErr turns the expected error of a method that sends nothing into
// success.
func quietErr(err, want error) error {
	if errors.Is(err, want) {
		return nil
	}
	if err == nil {
		return errors.New("no error; want " + want.Error())
	}
	return err
}
