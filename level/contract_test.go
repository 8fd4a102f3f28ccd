package level_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/mspsync/mspsync/internal/apispec"
	"github.com/mspsync/mspsync/level"
	"github.com/mspsync/mspsync/level/leveltest"
)

// TestContract calls every exported method of the client and its
// services against leveltest — the list comes from the client itself
// (apispec.Operations), so a method without an entry here fails the test —
// and checks each request against testdata/level-reference.json, the
// routes, query parameters and bodies of vendors/level.md transcribed as
// OpenAPI (Level's own document is not kept with the specs). Pages hold
// two items, so every walk follows starting_after.
func TestContract(t *testing.T) {
	t.Parallel()
	spec, err := apispec.Load("testdata/level-reference.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := leveltest.NewServer(t, leveltest.WithResolveVerb(http.MethodPut))
	c, err := srv.NewClient(level.WithPageSize(2))
	if err != nil {
		t.Fatal(err)
	}
	var groups []level.Group
	for _, n := range []string{"Acme", "Globex", "Initech"} {
		groups = append(groups, srv.SeedGroup(level.Group{Name: n}))
	}
	sub := srv.SeedGroup(level.Group{Name: "Acme Branch", ParentID: groups[0].ID})
	var devs []level.Device
	for _, n := range []string{"pc-1", "pc-2", "pc-3"} {
		devs = append(devs, srv.SeedDevice(level.Device{Hostname: n, GroupID: sub.ID}))
	}
	var alerts []level.Alert
	for _, n := range []string{"CPU usage", "Disk space", "Memory"} {
		alerts = append(alerts, srv.SeedAlert(level.Alert{DeviceID: devs[0].ID, Name: n, Severity: level.SeverityWarning}))
	}
	var fields []level.CustomField
	for _, n := range []string{"contract", "tier", "owner"} {
		f := srv.SeedCustomField(level.CustomField{Name: n})
		fields = append(fields, f)
		srv.SetValue(f.ID, devs[0].ID, "v")
	}
	var tags []level.Tag
	for _, n := range []string{"vip", "lab", "eol"} {
		tags = append(tags, srv.SeedTag(level.Tag{Name: n}))
	}
	inc := level.DeviceIncludes{OperatingSystem: true, CPUs: true, Memory: true, Disks: true, NetworkInterfaces: true, Security: true}
	name := "Acme Corp"

	calls := map[string]func(ctx context.Context) error{
		"Client.BaseURL":  func(context.Context) error { c.BaseURL(); return nil },
		"Client.Counters": func(context.Context) error { c.Counters(); return nil },
		"Client.Stats":    func(context.Context) error { c.Stats(); return nil },
		"Client.Ping":     func(ctx context.Context) error { _, err := c.Ping(ctx); return err },

		"Groups.All": func(ctx context.Context) error { return apispec.Drain(c.Groups.All(ctx)) },
		"Groups.ListPage": apispec.Pages(func(ctx context.Context, cur string) (*level.Page[level.Group], error) {
			return c.Groups.ListPage(ctx, cur)
		}),
		"Groups.Get": func(ctx context.Context) error { _, err := c.Groups.Get(ctx, groups[0].ID); return err },
		"Groups.Create": func(ctx context.Context) error {
			_, err := c.Groups.Create(ctx, level.GroupCreate{Name: "New", ParentID: groups[1].ID})
			return err
		},
		"Groups.Update": func(ctx context.Context) error {
			_, err := c.Groups.Update(ctx, groups[0].ID, level.GroupUpdate{Name: &name, CustomFields: map[string]string{"tier": "gold"}})
			return err
		},

		"Devices.All": func(ctx context.Context) error {
			return apispec.Drain(c.Devices.All(ctx, &level.DeviceListOptions{AncestorGroupID: groups[0].ID, DeviceIncludes: inc}))
		},
		"Devices.ListPage": apispec.Pages(func(ctx context.Context, cur string) (*level.Page[level.Device], error) {
			return c.Devices.ListPage(ctx, &level.DeviceListOptions{GroupID: sub.ID}, cur)
		}),
		"Devices.Get": func(ctx context.Context) error { _, err := c.Devices.Get(ctx, devs[0].ID, &inc); return err },

		"Alerts.All": func(ctx context.Context) error {
			return apispec.Drain(c.Alerts.All(ctx, &level.AlertListOptions{DeviceID: devs[0].ID, Status: level.StatusActive}))
		},
		"Alerts.ListPage": apispec.Pages(func(ctx context.Context, cur string) (*level.Page[level.Alert], error) {
			return c.Alerts.ListPage(ctx, nil, cur)
		}),
		"Alerts.Get":     func(ctx context.Context) error { _, err := c.Alerts.Get(ctx, alerts[0].ID); return err },
		"Alerts.Resolve": func(ctx context.Context) error { return c.Alerts.Resolve(ctx, alerts[2].ID) },

		"CustomFields.All": func(ctx context.Context) error { return apispec.Drain(c.CustomFields.All(ctx)) },
		"CustomFields.ListPage": apispec.Pages(func(ctx context.Context, cur string) (*level.Page[level.CustomField], error) {
			return c.CustomFields.ListPage(ctx, cur)
		}),
		"CustomFields.Get": func(ctx context.Context) error { _, err := c.CustomFields.Get(ctx, fields[0].ID); return err },
		"CustomFields.Values": func(ctx context.Context) error {
			return apispec.Drain(c.CustomFields.Values(ctx, &level.ValueListOptions{AssignedToID: devs[0].ID}))
		},
		"CustomFields.ValuesPage": apispec.Pages(func(ctx context.Context, cur string) (*level.Page[level.CustomFieldValue], error) {
			return c.CustomFields.ValuesPage(ctx, &level.ValueListOptions{AssignedToID: devs[0].ID}, cur)
		}),
		"CustomFields.SetValue": func(ctx context.Context) error {
			return c.CustomFields.SetValue(ctx, level.ValueUpdate{CustomFieldID: fields[1].ID, AssignedToID: &devs[1].ID, Value: "gold"})
		},

		"Tags.All": func(ctx context.Context) error { return apispec.Drain(c.Tags.All(ctx)) },
		"Tags.ListPage": apispec.Pages(func(ctx context.Context, cur string) (*level.Page[level.Tag], error) {
			return c.Tags.ListPage(ctx, cur)
		}),
		"Tags.Get": func(ctx context.Context) error { _, err := c.Tags.Get(ctx, tags[0].ID); return err },
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
		Log:   apispec.FakeLog(srv.Requests, ""),
		Reset: srv.ResetRequests,
	}.Run(t)
	t.Logf("%d operations invoked, %d requests checked", ops, reqs)
}
