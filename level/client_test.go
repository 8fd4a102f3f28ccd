package level_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/mspsync/mspsync/internal/httpxtest"
	"github.com/mspsync/mspsync/level"
	"github.com/mspsync/mspsync/level/leveltest"
)

func setup(t *testing.T, opts ...leveltest.Option) (*leveltest.Server, *level.Client) {
	t.Helper()
	srv := leveltest.NewServer(t, opts...)
	c, err := srv.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func TestAuthHeaderIsTheRawKey(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	if _, err := level.Collect(c.Groups.All(t.Context())); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	if got := reqs[0].Header.Get("Authorization"); got != leveltest.DefaultAPIKey || strings.Contains(got, "Bearer") {
		t.Fatalf("Authorization = %q, want the raw key", got)
	}
}

func TestWrongKeyIsUnauthorizedAndKeyStaysOutOfTheError(t *testing.T) {
	t.Parallel()
	srv := leveltest.NewServer(t)
	c, err := srv.NewClient(level.WithAPIKey("wrong-SECRET-key"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Groups.Get(t.Context(), "x")
	var he *level.Error
	if !errors.Is(err, level.ErrUnauthorized) || !errors.As(err, &he) || he.Message != "Access denied" {
		t.Fatalf("err = %v, want 401 Access denied", err)
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("error leaks the key: %v", err)
	}
	if n := srv.Count("", "/groups"); n != 1 {
		t.Fatalf("%d requests, want 1 (a 401 is final)", n)
	}
}

func TestListsFollowStartingAfterUntilHasMoreIsFalse(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	var ids []string
	for i := range 250 {
		ids = append(ids, srv.SeedGroup(level.Group{Name: fmt.Sprintf("G%03d", i)}).ID)
	}
	got, err := level.Collect(c.Groups.All(t.Context()))
	if err != nil || len(got) != 250 {
		t.Fatalf("%d groups, err %v; want 250", len(got), err)
	}
	seen := map[string]bool{}
	for _, g := range got {
		seen[g.ID] = true
	}
	for _, id := range ids {
		if !seen[id] {
			t.Fatalf("group %s missing from the walk", id)
		}
	}
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	for i, r := range reqs {
		if r.Query.Get("limit") != "100" {
			t.Errorf("request %d: limit %q, want 100", i, r.Query.Get("limit"))
		}
		want := ""
		if i > 0 {
			want = got[i*100-1].ID
		}
		if r.Query.Get("starting_after") != want {
			t.Errorf("request %d: starting_after %q, want %q", i, r.Query.Get("starting_after"), want)
		}
	}
}

func TestPageCall(t *testing.T) {
	t.Parallel()
	srv := leveltest.NewServer(t)
	c, err := srv.NewClient(level.WithPageSize(2))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		srv.SeedTag(level.Tag{Name: fmt.Sprint("t", i)})
	}
	p, err := c.Tags.ListPage(t.Context(), "")
	if err != nil || len(p.Items) != 2 || p.Next != p.Items[1].ID {
		t.Fatalf("first page %+v, err %v", p, err)
	}
	p, err = c.Tags.ListPage(t.Context(), p.Next)
	if err != nil || len(p.Items) != 1 || p.Next != "" {
		t.Fatalf("last page %+v, err %v", p, err)
	}
}

func TestDeviceFiltersAndIncludesAreSentOnEveryPage(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	root := srv.SeedGroup(level.Group{Name: "Acme"})
	child := srv.SeedGroup(level.Group{Name: "Acme Branch", ParentID: root.ID})
	other := srv.SeedGroup(level.Group{Name: "Other"})
	for i := range 200 {
		g := child.ID
		if i%3 == 0 {
			g = other.ID
		}
		srv.SeedDevice(level.Device{Hostname: fmt.Sprint("pc", i), GroupID: g,
			OperatingSystem:   &level.OperatingSystem{FullOperatingSystem: "Windows 11 Pro"},
			NetworkInterfaces: []level.NetworkInterface{{MACAddress: "00:11:22:33:44:55", IPAddresses: []string{"10.0.0.5"}}}})
	}
	opts := &level.DeviceListOptions{AncestorGroupID: root.ID, DeviceIncludes: level.DeviceIncludes{OperatingSystem: true}}
	got, err := level.Collect(c.Devices.All(t.Context(), opts))
	if err != nil || len(got) != 133 {
		t.Fatalf("%d devices, err %v; want the 133 under Acme", len(got), err)
	}
	if got[0].OperatingSystem == nil || got[0].NetworkInterfaces != nil {
		t.Fatalf("device %+v: want operating_system only", got[0])
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	for _, r := range reqs {
		if r.Path != "/devices" || r.Query.Get("ancestor_group_id") != root.ID || r.Query.Get("include_operating_system") != "true" || r.Query.Has("include_cpus") {
			t.Errorf("request %s?%s: want the filter and the one include flag", r.Path, r.RawQuery)
		}
	}
	direct, err := level.Collect(c.Devices.All(t.Context(), &level.DeviceListOptions{GroupID: root.ID}))
	if err != nil || len(direct) != 0 {
		t.Fatalf("group_id=Acme: %d devices, err %v; want 0 (they are in the child)", len(direct), err)
	}
	d, err := c.Devices.Get(t.Context(), got[0].ID, &level.DeviceIncludes{NetworkInterfaces: true})
	if err != nil || len(d.NetworkInterfaces) != 1 || d.OperatingSystem != nil {
		t.Fatalf("Get: %+v, %v", d, err)
	}
}

func TestNonAdvancingCursorIsAnError(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"same last id": `{"data":[{"id":"a"}],"has_more":true}`,
		"empty page":   `{"data":[],"has_more":true}`,
	} {
		t.Run(name, func(t *testing.T) {
			n := 0
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n++
				fmt.Fprint(w, body)
			}))
			t.Cleanup(ts.Close)
			c, err := level.NewClient(level.WithBaseURL(ts.URL), level.WithAPIKey("k"), level.WithRateLimit(rate.NewLimiter(rate.Inf, 0)))
			if err != nil {
				t.Fatal(err)
			}
			_, err = level.Collect(c.Tags.All(t.Context()))
			if !errors.Is(err, level.ErrNoProgress) {
				t.Fatalf("err = %v, want ErrNoProgress", err)
			}
			if n > 2 {
				t.Fatalf("%d requests: the walk looped", n)
			}
		})
	}
}

func TestRateLimitedHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	srv.SeedGroup(level.Group{Name: "Acme"})
	srv.Inject(leveltest.Fault{Path: "/groups", Status: http.StatusTooManyRequests, RetryAfter: "1"})
	start := time.Now()
	got, err := level.Collect(c.Groups.All(t.Context()))
	if err != nil || len(got) != 1 {
		t.Fatalf("%d groups, err %v", len(got), err)
	}
	if time.Since(start) < 900*time.Millisecond {
		t.Fatalf("retried after %v, want Retry-After's 1 s", time.Since(start))
	}
	if st := c.Stats(); st.Retries != 1 || st.Requests != 2 {
		t.Fatalf("stats %+v, want one retry", st)
	}
}

func TestGroupCreateAndUpdate(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	cf := srv.SeedCustomField(level.CustomField{Name: "psa_id"})
	root, err := c.Groups.Create(t.Context(), level.GroupCreate{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	child, err := c.Groups.Create(t.Context(), level.GroupCreate{Name: "Branch", ParentID: root.ID})
	if err != nil || child.ParentID != root.ID {
		t.Fatalf("child %+v, err %v", child, err)
	}
	name := "Acme Corp"
	if _, err := c.Groups.Update(t.Context(), root.ID, level.GroupUpdate{Name: &name, CustomFields: map[string]string{"psa_id": "42"}}); err != nil {
		t.Fatal(err)
	}
	g, err := c.Groups.Get(t.Context(), root.ID)
	if err != nil || g.Name != name || len(g.ChildIDs) != 1 || g.ChildIDs[0] != child.ID || g.CustomFields["psa_id"] != "42" {
		t.Fatalf("group %+v, err %v", g, err)
	}
	reqs := srv.Requests()
	if b := string(reqs[0].Body); b != `{"name":"Acme"}` {
		t.Errorf("create body %s", b)
	}
	if reqs[2].Method != http.MethodPatch || string(reqs[2].Body) != `{"name":"Acme Corp","custom_fields":{"psa_id":"42"}}` {
		t.Errorf("update %s %s", reqs[2].Method, reqs[2].Body)
	}
	// Setting a group's value through the values endpoint is dropped, as Level does.
	if err := c.CustomFields.SetValue(t.Context(), level.ValueUpdate{CustomFieldID: cf.ID, AssignedToID: &root.ID, Value: "7"}); err != nil {
		t.Fatal(err)
	}
	if v, _ := srv.Value(cf.ID, root.ID); v != "42" {
		t.Errorf("group value %v, want 42 kept", v)
	}
	// A group without a name is refused with Level's 400.
	var he *level.Error
	if _, err := c.Groups.Create(t.Context(), level.GroupCreate{}); !errors.As(err, &he) || he.StatusCode != http.StatusBadRequest {
		t.Fatalf("a group without a name: %v, want a 400", err)
	}
}

func TestAlertsListGetResolve(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	d := srv.SeedDevice(level.Device{Hostname: "srv-01"})
	a := srv.SeedAlert(level.Alert{DeviceID: d.ID, Name: "CPU usage", Severity: level.SeverityCritical})
	srv.SeedAlert(level.Alert{DeviceID: d.ID, Name: "Disk", IsResolved: true})
	active, err := level.Collect(c.Alerts.All(t.Context(), &level.AlertListOptions{DeviceID: d.ID, Status: level.StatusActive}))
	if err != nil || len(active) != 1 || active[0].ID != a.ID || active[0].DeviceHostname != "srv-01" {
		t.Fatalf("active %+v, err %v", active, err)
	}
	if err := c.Alerts.Resolve(t.Context(), a.ID); err != nil {
		t.Fatal(err)
	}
	got, err := c.Alerts.Get(t.Context(), a.ID)
	if err != nil || !got.IsResolved || got.ResolvedAt == nil {
		t.Fatalf("after resolve %+v, err %v", got, err)
	}
	last := srv.Requests()[len(srv.Requests())-2]
	if last.Method != http.MethodPost || last.Path != "/alerts/"+a.ID+"/resolve" || len(last.Body) != 0 {
		t.Fatalf("resolve sent %s %s %q", last.Method, last.Path, last.Body)
	}
	if err := c.Alerts.Resolve(t.Context(), "gone"); !errors.Is(err, level.ErrNotFound) {
		t.Fatalf("resolve of a gone alert: %v, want ErrNotFound", err)
	}
}

func TestResolveFallsBackToPutOn405(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, leveltest.WithResolveVerb(http.MethodPut))
	a := srv.SeedAlert(level.Alert{DeviceID: "d", Name: "CPU"})
	if err := c.Alerts.Resolve(t.Context(), a.ID); err != nil {
		t.Fatal(err)
	}
	if n, m := srv.Count(http.MethodPost, "/alerts/"), srv.Count(http.MethodPut, "/alerts/"); n != 1 || m != 1 {
		t.Fatalf("POST %d, PUT %d; want one each", n, m)
	}
	if r := srv.Resolves(); len(r) != 1 || r[0] != a.ID {
		t.Fatalf("resolves %v", r)
	}
}

func TestCustomFieldsAndTags(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	f := srv.SeedCustomField(level.CustomField{Name: "contract"})
	d := srv.SeedDevice(level.Device{Hostname: "pc"})
	if err := c.CustomFields.SetValue(t.Context(), level.ValueUpdate{CustomFieldID: f.ID, AssignedToID: &d.ID, Value: "gold"}); err != nil {
		t.Fatal(err)
	}
	vals, err := level.Collect(c.CustomFields.Values(t.Context(), &level.ValueListOptions{AssignedToID: d.ID}))
	if err != nil || len(vals) != 1 || vals[0].Value != "gold" || vals[0].CustomFieldName != "contract" {
		t.Fatalf("values %+v, err %v", vals, err)
	}
	if r := srv.Requests(); r[len(r)-1].Query.Get("assigned_to_id") != d.ID {
		t.Fatalf("values query %q", r[len(r)-1].RawQuery)
	}
	fs, err := level.Collect(c.CustomFields.All(t.Context()))
	if err != nil || len(fs) != 1 || fs[0].Reference != "cf_contract" {
		t.Fatalf("fields %+v, %v", fs, err)
	}
	if g, err := c.CustomFields.Get(t.Context(), f.ID); err != nil || g.Name != "contract" {
		t.Fatalf("field %+v, %v", g, err)
	}
	tag := srv.SeedTag(level.Tag{Name: "vip"})
	if got, err := c.Tags.Get(t.Context(), tag.ID); err != nil || got.Name != "vip" {
		t.Fatalf("tag %+v, %v", got, err)
	}
}

func TestCredentialsNeverFollowARedirectToAnotherHost(t *testing.T) {
	t.Parallel()
	httpxtest.RunRedirects(t, httpxtest.RedirectVendor{
		TokenPath: "/unused-token",
		API:       `{"id":"g","name":"Acme"}`,
		Want:      []error{level.ErrRedirect, level.ErrForeignHost},
	}, []httpxtest.RedirectCase{{
		Name: "api key", Secrets: []string{"lk-SECRET"},
		Call: func(ctx context.Context, base string) error {
			c, err := level.NewClient(level.WithBaseURL(base+"/api/v2"), level.WithAPIKey("lk-SECRET"),
				level.WithRateLimit(rate.NewLimiter(rate.Inf, 0)),
				level.WithRetryPolicy(level.RetryPolicy{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: time.Millisecond}))
			if err != nil {
				return err
			}
			_, err = c.Groups.Get(ctx, "g")
			return err
		},
	}})
}
