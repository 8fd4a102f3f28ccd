package visionone_test

import (
	"context"
	"iter"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mspsync/mspsync/internal/apispec"
	"github.com/mspsync/mspsync/visionone"
	"github.com/mspsync/mspsync/visionone/visiononetest"
)

// dateParam matches a date-time as Vision One takes it: UTC, whole seconds.
var dateParam = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)

// TestContract calls every exported method of the client and its
// services against visiononetest — the list comes from the client itself
// (apispec.Operations), so a method without an entry here fails the test —
// and checks each request against testdata/visionone-reference.json, the
// routes, query parameters and bodies of vendors/visionone.md transcribed
// as OpenAPI (Vision One's own document is not kept), and against the
// header rules of the vendor doc: the Bearer key on every request, the
// list's TMV1-Filter on every page, If-Match with a quoted ETag on PATCH,
// JSON bodies, date-times without fractions. Pages are small (two
// workbench alerts, ten attack-surface items), so every walk follows
// nextLink.
func TestContract(t *testing.T) {
	t.Parallel()
	spec, err := apispec.Load("testdata/visionone-reference.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := visiononetest.NewServer(t, visiononetest.WithWorkbenchPageSize(2))
	cust := srv.AddCustomer("Contoso Ltd", visionone.RegionEU)
	c, err := cust.NewClient(visionone.WithPageSize(10))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	var alerts []visionone.WorkbenchAlert
	for i := range 5 {
		ts := now.Add(-time.Duration(i+1) * time.Minute)
		alerts = append(alerts, cust.AddAlert(visionone.WorkbenchAlert{Severity: "high", CreatedDateTime: &ts}))
	}
	score := 80
	for range 11 {
		cust.AddHighRiskUser(visionone.HighRiskUser{UserName: "u", RiskScore: &score})
		cust.AddHighRiskDevice(visionone.HighRiskDevice{DeviceName: "d", RiskScore: &score})
		cust.AddDevice(visionone.AttackSurfaceDevice{DeviceName: "dev", LatestRiskScore: &score})
		for _, l := range []string{"attackSurfaceDomainAccounts", "attackSurfaceServiceAccounts", "attackSurfaceGlobalFqdns",
			"attackSurfacePublicIpAddresses", "attackSurfaceCloudAssets", "attackSurfaceLocalApps", "attackSurfaceCustomTags"} {
			first := now.Add(-time.Hour)
			cust.AddAsset(l, visionone.Asset{Name: "a", FirstSeenDateTime: &first})
		}
	}
	const filter = "id ne 'none'"
	wopts := &visionone.AlertListOptions{Start: now.Add(-time.Hour), End: now.Add(time.Minute), DateTimeTarget: visionone.TargetCreated, OrderBy: "createdDateTime asc", Filter: filter}
	ropts := &visionone.ListOptions{OrderBy: "riskScore desc", Filter: filter}
	aopts := &visionone.AssetListOptions{Filter: filter, FirstSeenStart: now.Add(-2 * time.Hour), FirstSeenEnd: now, LastDetectedStart: time.Time{}}
	topts := &visionone.ListOptions{Filter: filter}
	nopts := &visionone.NoteListOptions{Top: 50, Filter: filter}
	if _, err := c.Workbench.AddNote(t.Context(), alerts[1].ID, "seed note"); err != nil {
		t.Fatal(err)
	}

	type assetLister struct {
		all  func(context.Context, *visionone.AssetListOptions) iter.Seq2[visionone.Asset, error]
		page func(context.Context, *visionone.AssetListOptions, string) (*visionone.Page[visionone.Asset], error)
	}
	calls := map[string]func(ctx context.Context) error{
		"Client.BaseURL":  func(context.Context) error { c.BaseURL(); return nil },
		"Client.Region":   func(context.Context) error { c.Region(); return nil },
		"Client.Counters": func(context.Context) error { c.Counters(); return nil },
		"Client.Stats":    func(context.Context) error { c.Stats(); return nil },
		"Client.Ping":     func(ctx context.Context) error { _, err := c.Ping(ctx); return err },

		"Workbench.Alerts": func(ctx context.Context) error { return apispec.Drain(c.Workbench.Alerts(ctx, wopts)) },
		"Workbench.AlertsPage": apispec.Pages(func(ctx context.Context, cur string) (*visionone.Page[visionone.WorkbenchAlert], error) {
			return c.Workbench.AlertsPage(ctx, wopts, cur)
		}),
		"Workbench.Get": func(ctx context.Context) error { _, err := c.Workbench.Get(ctx, alerts[0].ID); return err },
		"Workbench.Update": func(ctx context.Context) error {
			a, _ := cust.Alert(alerts[0].ID) // the ETag, without a request
			return c.Workbench.Update(ctx, a.ID, a.ETag, visionone.AlertUpdate{Status: visionone.StatusClosed, InvestigationResult: visionone.ResultFalsePositive})
		},
		"Workbench.AddNote": func(ctx context.Context) error { _, err := c.Workbench.AddNote(ctx, alerts[1].ID, "note"); return err },
		"Workbench.Notes":   func(ctx context.Context) error { return apispec.Drain(c.Workbench.Notes(ctx, alerts[1].ID, nopts)) },
		"Workbench.NotesPage": apispec.Pages(func(ctx context.Context, cur string) (*visionone.Page[visionone.Note], error) {
			return c.Workbench.NotesPage(ctx, alerts[1].ID, nopts, cur)
		}),

		"AttackSurface.HighRiskUsers": func(ctx context.Context) error { return apispec.Drain(c.AttackSurface.HighRiskUsers(ctx, ropts)) },
		"AttackSurface.HighRiskUsersPage": apispec.Pages(func(ctx context.Context, cur string) (*visionone.Page[visionone.HighRiskUser], error) {
			return c.AttackSurface.HighRiskUsersPage(ctx, ropts, cur)
		}),
		"AttackSurface.HighRiskDevices": func(ctx context.Context) error { return apispec.Drain(c.AttackSurface.HighRiskDevices(ctx, ropts)) },
		"AttackSurface.HighRiskDevicesPage": apispec.Pages(func(ctx context.Context, cur string) (*visionone.Page[visionone.HighRiskDevice], error) {
			return c.AttackSurface.HighRiskDevicesPage(ctx, ropts, cur)
		}),
		"AttackSurface.Devices": func(ctx context.Context) error { return apispec.Drain(c.AttackSurface.Devices(ctx, aopts)) },
		"AttackSurface.DevicesPage": apispec.Pages(func(ctx context.Context, cur string) (*visionone.Page[visionone.AttackSurfaceDevice], error) {
			return c.AttackSurface.DevicesPage(ctx, aopts, cur)
		}),
		"AttackSurface.CustomTags": func(ctx context.Context) error { return apispec.Drain(c.AttackSurface.CustomTags(ctx, topts)) },
		"AttackSurface.CustomTagsPage": apispec.Pages(func(ctx context.Context, cur string) (*visionone.Page[visionone.Asset], error) {
			return c.AttackSurface.CustomTagsPage(ctx, topts, cur)
		}),
	}
	as := c.AttackSurface
	for name, l := range map[string]assetLister{
		"DomainAccounts":    {all: as.DomainAccounts, page: as.DomainAccountsPage},
		"ServiceAccounts":   {all: as.ServiceAccounts, page: as.ServiceAccountsPage},
		"GlobalFQDNs":       {all: as.GlobalFQDNs, page: as.GlobalFQDNsPage},
		"PublicIPAddresses": {all: as.PublicIPAddresses, page: as.PublicIPAddressesPage},
		"CloudAssets":       {all: as.CloudAssets, page: as.CloudAssetsPage},
		"LocalApps":         {all: as.LocalApps, page: as.LocalAppsPage},
	} {
		calls["AttackSurface."+name] = func(ctx context.Context) error { return apispec.Drain(l.all(ctx, aopts)) }
		calls["AttackSurface."+name+"Page"] = apispec.Pages(func(ctx context.Context, cur string) (*visionone.Page[visionone.Asset], error) {
			return l.page(ctx, aopts, cur)
		})
	}
	pages := map[string]int{}
	log := func() []apispec.Request {
		var out []apispec.Request
		for _, r := range cust.HostRequests() {
			checkHeaders(t, r, cust.Key, filter)
			if r.Method == http.MethodGet && strings.Contains(r.RawQuery, "skipToken") {
				pages[r.Path]++
			}
			out = append(out, apispec.Request{Method: r.Method, Path: strings.TrimPrefix(r.Path, "/v3.0"), Query: r.Query, Body: r.Body})
		}
		return out
	}
	ops, reqs := apispec.Contract{
		Spec:   spec,
		Client: c,
		Calls:  calls,
		Quiet: map[string]string{
			"Client.BaseURL":  "returns the configured base URL",
			"Client.Region":   "returns the configured region",
			"Client.Counters": "returns the client's counters",
			"Client.Stats":    "snapshots the client's counters",
		},
		Log:   log,
		Reset: cust.ResetRequests,
	}.Run(t)
	for _, p := range []string{"/v3.0/workbench/alerts", "/v3.0/asrm/highRiskUsers", "/v3.0/asrm/attackSurfaceCloudAssets"} {
		if pages[p] == 0 {
			t.Errorf("no walk of %s followed a nextLink", p)
		}
	}
	t.Logf("%d operations invoked, %d requests checked", ops, reqs)
}

// checkHeaders applies the vendor doc's header rules to one request.
func checkHeaders(t *testing.T, r visiononetest.Request, key, filter string) {
	t.Helper()
	where := r.Method + " " + r.Path + "?" + r.RawQuery
	if r.Header.Get("Authorization") != "Bearer "+key {
		t.Errorf("%s: no Bearer key", where)
	}
	if !strings.HasPrefix(r.Header.Get("User-Agent"), "mspsync/") {
		t.Errorf("%s: User-Agent %q", where, r.Header.Get("User-Agent"))
	}
	for k, vs := range r.Query {
		if strings.HasSuffix(k, "DateTime") && !dateParam.MatchString(vs[0]) {
			t.Errorf("%s: %s=%q is not yyyy-MM-ddThh:mm:ssZ", where, k, vs[0])
		}
	}
	isList := r.Method == http.MethodGet && (strings.HasPrefix(r.Path, "/v3.0/asrm/") || strings.HasSuffix(r.Path, "/alerts") || strings.HasSuffix(r.Path, "/notes"))
	ping := r.Query.Get("top") == "10" && r.Path == "/v3.0/asrm/highRiskUsers" || (r.Path == "/v3.0/workbench/alerts" && r.Query.Get("orderBy") == "")
	if isList && !ping && r.Header.Get("TMV1-Filter") != filter {
		t.Errorf("%s: TMV1-Filter %q, want %q on every page", where, r.Header.Get("TMV1-Filter"), filter)
	}
	switch r.Method {
	case http.MethodPatch:
		if im := r.Header.Get("If-Match"); !strings.HasPrefix(im, `"`) || !strings.HasSuffix(im, `"`) {
			t.Errorf("%s: If-Match %q is not a quoted ETag", where, im)
		}
		fallthrough
	case http.MethodPost:
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s: Content-Type %q", where, r.Header.Get("Content-Type"))
		}
	}
}
