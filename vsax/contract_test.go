package vsax_test

import (
	"context"
	"testing"
	"time"

	"github.com/mspsync/mspsync/internal/apispec"
	"github.com/mspsync/mspsync/vsax"
)

// TestContract calls every exported method of the client and its
// services against vsaxtest — the list comes from the client itself
// (apispec.Operations), so a method without an entry here fails the test —
// and checks each request against testdata/vsax-reference.json, the
// routes, query parameters and webhook body of vendors/vsax.md transcribed
// as OpenAPI (VSA X publishes no document). Pages hold two items, so the
// walks page with $skip.
func TestContract(t *testing.T) {
	t.Parallel()
	spec, err := apispec.Load("testdata/vsax-reference.json")
	if err != nil {
		t.Fatal(err)
	}
	srv, c := setup(t)
	c2, err := srv.NewClient(vsax.WithPageSize(2))
	if err != nil {
		t.Fatal(err)
	}
	c = c2
	org := srv.SeedOrganization("Contoso")
	srv.SeedOrganization("Fabrikam")
	srv.SeedOrganization("Northwind")
	site := srv.SeedSite(int64(org.ID), "HQ")
	srv.SeedSite(int64(org.ID), "Branch")
	srv.SeedSite(int64(org.ID), "Lab")
	g := srv.SeedGroup(int64(site.ID), "G1")
	srv.SeedGroup(int64(site.ID), "G2")
	srv.SeedGroup(int64(site.ID), "G3")
	var devs []vsax.Device
	for _, n := range []string{"PC-1", "PC-2", "PC-3"} {
		devs = append(devs, srv.SeedDevice(int64(g.ID), vsax.Device{Name: n}, nil))
	}
	dev := devs[0]
	var notes []vsax.Notification
	for range 4 {
		notes = append(notes, srv.SeedNotification(dev.Identifier, "Disk low", vsax.PriorityElevated, time.Now()))
	}
	for _, n := range []string{"A", "B", "C"} {
		srv.SeedCustomField(n, "Text")
	}
	filter := &vsax.ListOptions{Filter: "Name eq 'Contoso'", OrderBy: "Name asc"}
	wreq := vsax.WebhookRequest{Name: "psa", Description: "d", Priorities: []vsax.Priority{vsax.PriorityCritical},
		OrganizationIDs: []int64{int64(org.ID)}, Headers: map[string]string{"X-Extra": "v"}, URL: "https://psa.example/h", Language: "en"}
	var hookID int64
	hook := func(ctx context.Context) int64 {
		if hookID == 0 {
			wh, err := c.Webhooks.Create(ctx, wreq)
			if err != nil {
				t.Fatal(err)
			}
			hookID = int64(wh.ID)
		}
		return hookID
	}
	id := func(n vsax.FlexInt) int64 { return int64(n) }

	calls := map[string]func(ctx context.Context) error{
		"Client.BaseURL":  func(context.Context) error { c.BaseURL(); return nil },
		"Client.Ping":     func(ctx context.Context) error { _, err := c.Ping(ctx); return err },
		"Client.Counters": func(context.Context) error { c.Counters(); return nil },
		"Client.Stats":    func(context.Context) error { c.Stats(); return nil },

		"Environment.Get": func(ctx context.Context) error { _, err := c.Environment.Get(ctx); return err },

		"Organizations.All": func(ctx context.Context) error { return apispec.Drain(c.Organizations.All(ctx, filter)) },
		"Organizations.ListPage": apispec.Pages(func(ctx context.Context, cur string) (*vsax.Page[vsax.Organization], error) {
			return c.Organizations.ListPage(ctx, nil, cur)
		}),
		"Organizations.Get":          func(ctx context.Context) error { _, err := c.Organizations.Get(ctx, id(org.ID)); return err },
		"Organizations.CustomFields": func(ctx context.Context) error { _, err := c.Organizations.CustomFields(ctx, id(org.ID)); return err },

		"Sites.All": func(ctx context.Context) error { return apispec.Drain(c.Sites.All(ctx, filter)) },
		"Sites.ListPage": apispec.Pages(func(ctx context.Context, cur string) (*vsax.Page[vsax.Site], error) {
			return c.Sites.ListPage(ctx, nil, cur)
		}),
		"Sites.Get":          func(ctx context.Context) error { _, err := c.Sites.Get(ctx, id(site.ID)); return err },
		"Sites.CustomFields": func(ctx context.Context) error { _, err := c.Sites.CustomFields(ctx, id(site.ID)); return err },

		"Groups.All": func(ctx context.Context) error { return apispec.Drain(c.Groups.All(ctx, nil)) },
		"Groups.ListPage": apispec.Pages(func(ctx context.Context, cur string) (*vsax.Page[vsax.Group], error) {
			return c.Groups.ListPage(ctx, nil, cur)
		}),
		"Groups.Get":          func(ctx context.Context) error { _, err := c.Groups.Get(ctx, id(g.ID)); return err },
		"Groups.CustomFields": func(ctx context.Context) error { _, err := c.Groups.CustomFields(ctx, id(g.ID)); return err },

		"Devices.All": func(ctx context.Context) error {
			return apispec.Drain(c.Devices.All(ctx, &vsax.ListOptions{Extra: map[string]string{"scopeId": "1"}}))
		},
		"Devices.ListPage": apispec.Pages(func(ctx context.Context, cur string) (*vsax.Page[vsax.Device], error) {
			return c.Devices.ListPage(ctx, nil, cur)
		}),
		"Devices.Get":          func(ctx context.Context) error { _, err := c.Devices.Get(ctx, dev.Identifier); return err },
		"Devices.CustomFields": func(ctx context.Context) error { _, err := c.Devices.CustomFields(ctx, dev.Identifier); return err },
		"Devices.Notifications": func(ctx context.Context) error {
			return apispec.Drain(c.Devices.Notifications(ctx, dev.Identifier, nil))
		},
		"Devices.NotificationsPage": apispec.Pages(func(ctx context.Context, cur string) (*vsax.Page[vsax.Notification], error) {
			return c.Devices.NotificationsPage(ctx, dev.Identifier, nil, cur)
		}),

		"Assets.All": func(ctx context.Context) error { return apispec.Drain(c.Assets.All(ctx, nil)) },
		"Assets.ListPage": apispec.Pages(func(ctx context.Context, cur string) (*vsax.Page[vsax.Asset], error) {
			return c.Assets.ListPage(ctx, nil, cur)
		}),
		"Assets.Get": func(ctx context.Context) error { _, err := c.Assets.Get(ctx, dev.Identifier); return err },

		"Notifications.All": func(ctx context.Context) error { return apispec.Drain(c.Notifications.All(ctx, nil)) },
		"Notifications.ListPage": apispec.Pages(func(ctx context.Context, cur string) (*vsax.Page[vsax.Notification], error) {
			return c.Notifications.ListPage(ctx, nil, cur)
		}),
		"Notifications.Get":    func(ctx context.Context) error { _, err := c.Notifications.Get(ctx, id(notes[0].ID)); return err },
		"Notifications.Delete": func(ctx context.Context) error { return c.Notifications.Delete(ctx, id(notes[3].ID)) },

		"Webhooks.Create": func(ctx context.Context) error { hook(ctx); return nil },
		"Webhooks.All":    func(ctx context.Context) error { return apispec.Drain(c.Webhooks.All(ctx, nil)) },
		"Webhooks.ListPage": apispec.Pages(func(ctx context.Context, cur string) (*vsax.Page[vsax.Webhook], error) {
			return c.Webhooks.ListPage(ctx, nil, cur)
		}),
		"Webhooks.Get":    func(ctx context.Context) error { _, err := c.Webhooks.Get(ctx, hook(ctx)); return err },
		"Webhooks.Update": func(ctx context.Context) error { _, err := c.Webhooks.Update(ctx, hook(ctx), wreq); return err },
		"Webhooks.RegenerateSecret": func(ctx context.Context) error {
			_, err := c.Webhooks.RegenerateSecret(ctx, hook(ctx))
			return err
		},
		"Webhooks.Delete": func(ctx context.Context) error { err := c.Webhooks.Delete(ctx, hook(ctx)); hookID = 0; return err },

		"CustomFields.All": func(ctx context.Context) error { return apispec.Drain(c.CustomFields.All(ctx, nil)) },
		"CustomFields.ListPage": apispec.Pages(func(ctx context.Context, cur string) (*vsax.Page[vsax.CustomField], error) {
			return c.CustomFields.ListPage(ctx, nil, cur)
		}),
		"CustomFields.Get": func(ctx context.Context) error { _, err := c.CustomFields.Get(ctx, 1); return err },
	}
	ops, reqs := apispec.Contract{
		Spec:   spec,
		Client: c,
		Calls:  calls,
		Quiet: map[string]string{
			"Client.BaseURL":  "returns the configured base URL",
			"Client.Counters": "returns the client's counters",
			"Client.Stats":    "snapshots the client's counters",
		},
		Log:   apispec.FakeLog(srv.Requests, "/api/v3"),
		Reset: srv.ResetRequests,
	}.Run(t)
	t.Logf("%d operations invoked, %d requests checked", ops, reqs)
}
