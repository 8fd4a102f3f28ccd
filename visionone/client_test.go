package visionone_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mspsync/mspsync/visionone"
	"github.com/mspsync/mspsync/visionone/visiononetest"
)

func setup(t *testing.T, opts ...visiononetest.Option) (*visiononetest.Customer, *visionone.Client) {
	t.Helper()
	srv := visiononetest.NewServer(t, opts...)
	cust := srv.AddCustomer("Contoso Ltd", visionone.RegionEU)
	c, err := cust.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	return cust, c
}

func TestRegionsAndBaseURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		opts []visionone.Option
		want string
	}{
		{nil, "https://api.xdr.trendmicro.com/v3.0"},
		{[]visionone.Option{visionone.WithRegion("EU")}, "https://api.eu.xdr.trendmicro.com/v3.0"},
		{[]visionone.Option{visionone.WithRegion(visionone.RegionJP)}, "https://api.xdr.trendmicro.co.jp/v3.0"},
		{[]visionone.Option{visionone.WithRegion(visionone.RegionMEA)}, "https://api.mea.xdr.trendmicro.com/v3.0"},
		{[]visionone.Option{visionone.WithBaseURL("https://proxy.example/")}, "https://proxy.example/v3.0"},
		{[]visionone.Option{visionone.WithBaseURL("https://proxy.example/v3.0")}, "https://proxy.example/v3.0"},
		{[]visionone.Option{visionone.WithBaseURL(" api.xdr.trendmicro.com/v3.0/ ")}, "https://api.xdr.trendmicro.com/v3.0"},
	} {
		c, err := visionone.NewClient(append([]visionone.Option{visionone.WithAPIKey("k")}, tc.opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		if c.BaseURL() != tc.want {
			t.Errorf("BaseURL = %s, want %s", c.BaseURL(), tc.want)
		}
	}
	if len(visionone.Regions()) != 11 {
		t.Errorf("Regions() = %v, want the 11 of the vendor doc", visionone.Regions())
	}
	if _, err := visionone.NewClient(visionone.WithAPIKey("k"), visionone.WithRegion("mars")); err == nil || !strings.Contains(err.Error(), "mars") {
		t.Errorf("unknown region: %v", err)
	}
	if _, err := visionone.NewClient(); err == nil {
		t.Error("NewClient without a key succeeded")
	}
	if _, err := visionone.NewClient(visionone.WithAPIKey("k"), visionone.WithPageSize(500)); err == nil {
		t.Error("page size 500 (not taken by highRiskUsers) accepted")
	}
}

// TestPagingFollowsNextLinkWithFilter: every page carries the Bearer key
// and the same TMV1-Filter, the second and later pages are the nextLink
// verbatim (skipToken, no parameter added twice), and the walk stops when
// nextLink is absent.
func TestPagingFollowsNextLinkWithFilter(t *testing.T) {
	t.Parallel()
	cust, c := setup(t, visiononetest.WithWorkbenchPageSize(2))
	base := time.Date(2025, 1, 15, 8, 0, 0, 0, time.UTC)
	for i := range 5 {
		ts := base.Add(time.Duration(i) * time.Minute)
		cust.AddAlert(visionone.WorkbenchAlert{Severity: "high", CreatedDateTime: &ts})
	}
	ts := base.Add(time.Hour)
	cust.AddAlert(visionone.WorkbenchAlert{Severity: "low", CreatedDateTime: &ts})
	filter := visionone.Eq("severity", "high")
	got, err := visionone.Collect(c.Workbench.Alerts(t.Context(), &visionone.AlertListOptions{
		Start: base.Add(-time.Hour), End: base.Add(2 * time.Hour), DateTimeTarget: visionone.TargetCreated,
		OrderBy: "createdDateTime asc", Filter: filter,
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("got %d alerts, want the 5 high ones", len(got))
	}
	for i := 1; i < len(got); i++ {
		if got[i].CreatedDateTime.Before(*got[i-1].CreatedDateTime) {
			t.Errorf("not in createdDateTime asc order at %d", i)
		}
	}
	reqs := cust.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3 pages", len(reqs))
	}
	for i, r := range reqs {
		if h := r.Header.Get("Authorization"); h != "Bearer "+cust.Key {
			t.Errorf("page %d: Authorization %q", i, h)
		}
		if h := r.Header.Get("TMV1-Filter"); h != filter {
			t.Errorf("page %d: TMV1-Filter %q, want %q", i, h, filter)
		}
		if r.Query.Get("startDateTime") != "2025-01-15T07:00:00Z" || len(r.Query["startDateTime"]) != 1 {
			t.Errorf("page %d: startDateTime %v", i, r.Query["startDateTime"])
		}
		if (i == 0) == r.Query.Has("skipToken") {
			t.Errorf("page %d: skipToken %q", i, r.Query.Get("skipToken"))
		}
		if r.Query.Has("top") {
			t.Errorf("page %d: top sent to the workbench list", i)
		}
	}
}

// TestFakeRefusesPageWithoutFilter: the fake insists on the filter on
// every page, as Vision One documents, so a client that dropped it would
// fail the test above.
func TestFakeRefusesPageWithoutFilter(t *testing.T) {
	t.Parallel()
	cust, c := setup(t, visiononetest.WithWorkbenchPageSize(1))
	cust.AddAlert(visionone.WorkbenchAlert{Severity: "high"})
	cust.AddAlert(visionone.WorkbenchAlert{Severity: "high"})
	p, err := c.Workbench.AlertsPage(t.Context(), &visionone.AlertListOptions{Filter: visionone.Eq("severity", "high")}, "")
	if err != nil || p.Next == "" {
		t.Fatalf("first page: %+v, %v", p, err)
	}
	_, err = c.Workbench.AlertsPage(t.Context(), nil, p.Next)
	if err == nil || !strings.Contains(err.Error(), "TMV1-Filter") {
		t.Errorf("page without the filter: %v, want a 400 naming TMV1-Filter", err)
	}
}

// TestNextLinkToAnotherHostIsRefused: a nextLink on another host ends the
// walk with ErrForeignHost and the key never goes there.
func TestNextLinkToAnotherHostIsRefused(t *testing.T) {
	t.Parallel()
	var foreign atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { foreign.Add(1) }))
	defer evil.Close()
	var home atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		home.Add(1)
		fmt.Fprintf(w, `{"totalCount":2,"count":1,"items":[{"id":"u1"}],"nextLink":%q}`, evil.URL+"/v3.0/asrm/highRiskUsers?skipToken=x")
	}))
	defer srv.Close()
	c, err := visionone.NewClient(visionone.WithBaseURL(srv.URL), visionone.WithAPIKey("secret-key"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := visionone.Collect(c.AttackSurface.HighRiskUsers(t.Context(), nil))
	if !errors.Is(err, visionone.ErrForeignHost) || len(got) != 1 {
		t.Fatalf("got %d users, %v; want 1 then ErrForeignHost", len(got), err)
	}
	if foreign.Load() != 0 || home.Load() != 1 {
		t.Errorf("requests: home %d, foreign %d", home.Load(), foreign.Load())
	}
	if strings.Contains(err.Error(), "secret-key") {
		t.Errorf("error shows the key: %v", err)
	}
}

// TestNextLinkRepeatingItselfStops: a nextLink naming the page it is on
// is ErrNoProgress, not a loop.
func TestNextLinkRepeatingItselfStops(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	var self string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		fmt.Fprintf(w, `{"items":[{"id":"u1"}],"nextLink":%q}`, self)
	}))
	defer srv.Close()
	self = srv.URL + "/v3.0/asrm/highRiskUsers?top=100&skipToken=same"
	c, _ := visionone.NewClient(visionone.WithBaseURL(srv.URL), visionone.WithAPIKey("k"))
	_, err := visionone.Collect(c.AttackSurface.HighRiskUsers(t.Context(), nil))
	if !errors.Is(err, visionone.ErrNoProgress) || n.Load() != 2 {
		t.Errorf("err %v after %d requests; want ErrNoProgress after 2", err, n.Load())
	}
}

// TestETagRoundTrip: Get returns the ETag, Update sends it in If-Match and
// gets 204; the old ETag is then stale (412, ErrPreconditionFailed and
// ErrConflict), and an unquoted ETag is quoted.
func TestETagRoundTrip(t *testing.T) {
	t.Parallel()
	cust, c := setup(t)
	a := cust.AddAlert(visionone.WorkbenchAlert{Model: "Ransomware Behavior", Severity: "critical"})
	got, err := c.Workbench.Get(t.Context(), a.ID)
	if err != nil || got.ETag == "" || got.Model != "Ransomware Behavior" {
		t.Fatalf("Get: %+v, %v", got, err)
	}
	upd := visionone.AlertUpdate{Status: visionone.StatusClosed, InvestigationResult: visionone.ResultTruePositive}
	if err := c.Workbench.Update(t.Context(), a.ID, strings.Trim(got.ETag, `"`), upd); err != nil {
		t.Fatalf("Update: %v", err)
	}
	reqs := cust.Requests()
	patch := reqs[len(reqs)-1]
	if patch.Method != http.MethodPatch || patch.Header.Get("If-Match") != got.ETag {
		t.Errorf("PATCH If-Match %q, want %q", patch.Header.Get("If-Match"), got.ETag)
	}
	var body map[string]string
	if err := json.Unmarshal(patch.Body, &body); err != nil || body["status"] != "Closed" || body["investigationResult"] != "True Positive" || len(body) != 2 {
		t.Errorf("PATCH body %s", patch.Body)
	}
	if now, _ := cust.Alert(a.ID); now.Status != visionone.StatusClosed || now.InvestigationResult != visionone.ResultTruePositive {
		t.Errorf("fake has %s / %s", now.Status, now.InvestigationResult)
	}
	err = c.Workbench.Update(t.Context(), a.ID, got.ETag, upd)
	if !errors.Is(err, visionone.ErrPreconditionFailed) || !errors.Is(err, visionone.ErrConflict) {
		t.Errorf("stale ETag: %v, want ErrPreconditionFailed", err)
	}
	var ve *visionone.Error
	if !errors.As(err, &ve) || ve.Code != "ConditionNotMet" || ve.StatusCode != 412 {
		t.Errorf("error %+v", ve)
	}
	if err := c.Workbench.Update(t.Context(), a.ID, "", upd); err == nil {
		t.Error("Update without an ETag was sent")
	}
}

// TestPatchRetriedAfter429: a 429 was not processed, so even the PATCH is
// sent again (with the same ETag, which still matches); a 503 on a PATCH
// is not retried.
func TestPatchRetriedAfter429(t *testing.T) {
	t.Parallel()
	cust, c := setup(t)
	a := cust.AddAlert(visionone.WorkbenchAlert{})
	cust.Inject(visiononetest.Fault{Method: http.MethodPatch, Status: http.StatusTooManyRequests, Message: "Too many API requests"})
	if err := c.Workbench.Update(t.Context(), a.ID, a.ETag, visionone.AlertUpdate{Status: visionone.StatusInProgress}); err != nil {
		t.Fatalf("Update after a 429: %v", err)
	}
	n := 0
	for _, r := range cust.Requests() {
		if r.Method == http.MethodPatch {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d PATCH requests, want 2", n)
	}
	b, _ := cust.Alert(a.ID)
	cust.Inject(visiononetest.Fault{Method: http.MethodPatch, Status: http.StatusServiceUnavailable})
	err := c.Workbench.Update(t.Context(), a.ID, b.ETag, visionone.AlertUpdate{Status: visionone.StatusOpen})
	if !errors.Is(err, visionone.ErrServerError) {
		t.Errorf("503: %v", err)
	}
	if got := len(cust.Requests()); got != 3 {
		t.Errorf("%d requests after the 503, want 3 (no replay)", got)
	}
}

func TestErrorBody(t *testing.T) {
	t.Parallel()
	cust, c := setup(t)
	cust.Inject(visiononetest.Fault{Status: http.StatusTooManyRequests, Message: "Too many API requests"})
	c2, _ := cust.NewClient(visionone.WithRetryPolicy(visionone.RetryPolicy{MaxAttempts: 1}))
	_, err := c2.Workbench.Get(t.Context(), "WB-1")
	var ve *visionone.Error
	if !errors.As(err, &ve) || ve.Code != "TooManyRequests" || ve.Message != "Too many API requests" || !errors.Is(err, visionone.ErrRateLimited) {
		t.Errorf("429: %v", err)
	}
	_, err = c.Workbench.Get(t.Context(), "WB-nope")
	if !errors.As(err, &ve) || ve.Code != "NotFound" || !errors.Is(err, visionone.ErrNotFound) {
		t.Errorf("missing alert: %v", err)
	}
}

// TestPingTellsRegionFromLicence: a key used on another region's host is
// ErrWrongRegion; a customer without ASRM licence pings with the attack
// surface forbidden and workbench ok.
func TestPingTellsRegionFromLicence(t *testing.T) {
	t.Parallel()
	srv := visiononetest.NewServer(t)
	eu := srv.AddCustomer("Contoso Ltd", visionone.RegionEU)
	us := srv.AddCustomer("Fabrikam", visionone.RegionUS)
	c, _ := eu.NewClient()
	info, err := c.Ping(t.Context())
	if err != nil || info.Workbench != visionone.AccessOK || info.AttackSurface != visionone.AccessOK {
		t.Fatalf("Ping: %+v, %v", info, err)
	}
	if s := info.String(); !strings.Contains(s, "key valid") || !strings.Contains(s, "workbench ok") {
		t.Errorf("String() = %q", s)
	}
	wrong, _ := visionone.NewClient(append(eu.ClientOptions(), visionone.WithAPIKey(us.Key))...)
	if _, err := wrong.Ping(t.Context()); !errors.Is(err, visionone.ErrWrongRegion) || !errors.Is(err, visionone.ErrUnauthorized) {
		t.Errorf("US key on the EU host: %v, want ErrWrongRegion", err)
	}
	eu.SetAttackSurfaceLicensed(false)
	info, err = c.Ping(t.Context())
	if err != nil || info.Workbench != visionone.AccessOK || info.AttackSurface != visionone.AccessForbidden {
		t.Fatalf("unlicensed Ping: %+v, %v", info, err)
	}
	if s := info.String(); !strings.Contains(s, "attack surface forbidden") {
		t.Errorf("String() = %q", s)
	}
}

// TestEntityValueIsStringOrObject decodes both forms and encodes each back
// to its own form.
func TestEntityValueIsStringOrObject(t *testing.T) {
	t.Parallel()
	raw := `{"id":"WB-9002-20220906-00022","status":"Open","severity":"high","score":64,"createdDateTime":"2022-09-06T02:49:31Z",
"impactScope":{"desktopCount":1,"accountCount":1,"entities":[
 {"entityType":"host","entityValue":{"guid":"35FA11DA-A24E-40CF-8B56-BAF8828CC15E","name":"nimda","ips":["10.10.58.51"]},"entityId":"35FA11DA-A24E-40CF-8B56-BAF8828CC15E"},
 {"entityType":"account","entityValue":"CORP\\alice","entityId":"CORP\\alice"}]},"indicators":[],"futureField":1}`
	var a visionone.WorkbenchAlert
	if err := json.Unmarshal([]byte(raw), &a); err != nil {
		t.Fatal(err)
	}
	hosts, accounts := a.Entities(visionone.EntityHost), a.Entities(visionone.EntityAccount)
	if len(hosts) != 1 || !hosts[0].EntityValue.IsObject || hosts[0].EntityValue.Name != "nimda" || hosts[0].EntityValue.IPs[0] != "10.10.58.51" {
		t.Errorf("host %+v", hosts)
	}
	if len(accounts) != 1 || accounts[0].EntityValue.IsObject || accounts[0].EntityValue.String() != `CORP\alice` {
		t.Errorf("account %+v", accounts)
	}
	if _, ok := a.Extra["futureField"]; !ok {
		t.Error("unknown field not kept")
	}
	out, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	json.Unmarshal(out, &back)
	ents := back["impactScope"].(map[string]any)["entities"].([]any)
	if _, ok := ents[0].(map[string]any)["entityValue"].(map[string]any); !ok {
		t.Errorf("host entityValue re-encoded as %v", ents[0])
	}
	if s, ok := ents[1].(map[string]any)["entityValue"].(string); !ok || s != `CORP\alice` {
		t.Errorf("account entityValue re-encoded as %v", ents[1])
	}
	var bad visionone.EntityValue
	if err := json.Unmarshal([]byte(`12`), &bad); err == nil {
		t.Error("a number decoded as an entityValue")
	}
}

func TestQuote(t *testing.T) {
	t.Parallel()
	if got := visionone.Eq("userName", "O'Brien"); got != "userName eq 'O''Brien'" {
		t.Errorf("Eq = %s", got)
	}
	if got := visionone.FormatTime(time.Date(2025, 1, 2, 3, 4, 5, 999, time.FixedZone("x", 3600))); got != "2025-01-02T02:04:05Z" {
		t.Errorf("FormatTime = %s", got)
	}
}

// TestNotes: AddNote posts {"content"} and returns the Location's ID;
// Notes lists it.
func TestNotes(t *testing.T) {
	t.Parallel()
	cust, c := setup(t)
	a := cust.AddAlert(visionone.WorkbenchAlert{})
	id, err := c.Workbench.AddNote(t.Context(), a.ID, "Ticket 42 opened in the PSA")
	if err != nil || id == "" {
		t.Fatalf("AddNote: %q, %v", id, err)
	}
	notes, err := visionone.Collect(c.Workbench.Notes(t.Context(), a.ID, &visionone.NoteListOptions{Top: 50}))
	if err != nil || len(notes) != 1 || notes[0].Content != "Ticket 42 opened in the PSA" || notes[0].ID.String() != id {
		t.Errorf("Notes: %+v, %v", notes, err)
	}
	if _, err := visionone.Collect(c.Workbench.Notes(t.Context(), a.ID, &visionone.NoteListOptions{Top: 7})); err == nil {
		t.Error("notes top 7 accepted")
	}
}

// TestAttackSurfaceDevicesFirstSeen: the first-seen window goes out as
// firstSeenStartDateTime/firstSeenEndDateTime with top, and the fake
// selects by it.
func TestAttackSurfaceDevicesFirstSeen(t *testing.T) {
	t.Parallel()
	cust, c := setup(t)
	old := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	recent := time.Date(2025, 1, 15, 0, 0, 0, 0, time.UTC)
	cust.AddDevice(visionone.AttackSurfaceDevice{DeviceName: "OLD-PC", FirstSeenDateTime: &old, Criticality: "high"})
	cust.AddDevice(visionone.AttackSurfaceDevice{DeviceName: "NEW-PC", FirstSeenDateTime: &recent, Criticality: "high"})
	cust.AddDevice(visionone.AttackSurfaceDevice{DeviceName: "NEW-PRINTER", FirstSeenDateTime: &recent, Criticality: "low"})
	got, err := visionone.Collect(c.AttackSurface.Devices(t.Context(), &visionone.AssetListOptions{
		FirstSeenStart: recent.Add(-time.Hour), FirstSeenEnd: recent.Add(time.Hour), Filter: visionone.Eq("criticality", "high")}))
	if err != nil || len(got) != 1 || got[0].DeviceName != "NEW-PC" {
		t.Fatalf("Devices: %+v, %v", got, err)
	}
	r := cust.Requests()[0]
	if r.Query.Get("firstSeenStartDateTime") != "2025-01-14T23:00:00Z" || r.Query.Get("top") != "100" || r.Header.Get("TMV1-Filter") != "criticality eq 'high'" {
		t.Errorf("request %s %v %v", r.Path, r.Query, r.Header.Get("TMV1-Filter"))
	}
}
