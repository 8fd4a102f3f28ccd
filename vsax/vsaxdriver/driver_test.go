package vsaxdriver_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/boltstore"
	"github.com/mspsync/mspsync/alerting/memstore"
	"github.com/mspsync/mspsync/reconcile"
	"github.com/mspsync/mspsync/reconcile/reconciletest"
	"github.com/mspsync/mspsync/vsax"
	"github.com/mspsync/mspsync/vsax/vsaxdriver"
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

func TestReconcileSourceConforms(t *testing.T) {
	t.Parallel()
	reconciletest.RunSource(t, func(t *testing.T) reconciletest.SourceFixture {
		srv, c := setup(t)
		groups := map[string]int64{}
		return reconciletest.SourceFixture{
			Source: vsaxdriver.NewReconcileSource(c),
			AddSite: func(name string) string {
				org := srv.SeedOrganization(name + " Org")
				st := srv.SeedSite(int64(org.ID), name)
				id := vsaxdriver.SiteSiteID(int64(st.ID))
				groups[id] = int64(srv.SeedGroup(int64(st.ID), "Default").ID)
				return id
			},
			AddDevice: func(site, name string) string {
				return srv.SeedDevice(groups[site], vsax.Device{Name: name}, nil).Identifier
			},
			FailListing: func() {
				srv.Inject(vsaxtest.Fault{Path: "/api/v3/devices", Status: 500, Times: 10})
			},
		}
	})
}

func seed(srv *vsaxtest.Server) (vsax.Organization, vsax.Site, vsax.Device) {
	org := srv.SeedOrganization("Contoso")
	st := srv.SeedSite(int64(org.ID), "HQ")
	g := srv.SeedGroup(int64(st.ID), "Workstations")
	d := srv.SeedDevice(int64(g.ID), vsax.Device{Name: "CON-PC01"}, &vsax.Asset{Type: "windows",
		LastSeenOnline: vsax.Time{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		AssetInfo:      []vsax.AssetInfoCategory{{CategoryName: "BIOS", CategoryData: map[string]string{"Serial Number": "SN-1"}}}})
	return org, st, d
}

// TestLoadSourceHierarchy: organizations become top sites, sites their
// children (ParentID), devices carry asset fields from the listing, and
// only Enrich reads the per-device detail.
func TestLoadSourceHierarchy(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	org, st, d := seed(srv)
	src := vsaxdriver.NewReconcileSource(c)
	snap, err := src.LoadSource(t.Context())
	if err != nil || !snap.Complete || snap.Source.Kind != "vsax" {
		t.Fatalf("%+v %v", snap, err)
	}
	if len(snap.Sites) != 2 || snap.Sites[0].ID != vsaxdriver.OrgSiteID(int64(org.ID)) || snap.Sites[1].ParentID != snap.Sites[0].ID || snap.Sites[1].ID != vsaxdriver.SiteSiteID(int64(st.ID)) {
		t.Errorf("sites %+v", snap.Sites)
	}
	dev := snap.Devices[0]
	if dev.ID != d.Identifier || dev.SiteID != vsaxdriver.SiteSiteID(int64(st.ID)) || dev.Fields["serialNumber"] != "SN-1" || dev.Fields["type"] != "windows" || dev.Fields["lastSeenOnline"] != "2026-01-02T03:04:05Z" || dev.Fields["groupName"] != "Workstations" {
		t.Errorf("device %+v", dev)
	}
	if n := srv.Count("GET", "/api/v3/devices/"); n != 0 {
		t.Errorf("%d detail reads during LoadSource", n)
	}
	ptrs := []*reconcile.Device{&snap.Devices[0]}
	if err := src.Enrich(t.Context(), ptrs); err != nil {
		t.Fatal(err)
	}
	if n := srv.Count("GET", "/api/v3/devices/"+d.Identifier); n != 1 || src.DetailReads() != 1 || ptrs[0].Fields["isOnline"] != "false" {
		t.Errorf("%d detail reads, fields %v", n, ptrs[0].Fields)
	}
}

// TestSitesUnderTheirOrganization: with reconcile's sites.child_sites
// "sites" an organization becomes a customer and its VSA X sites sites
// of it, devices on their site; a second run writes nothing.
func TestSitesUnderTheirOrganization(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	org, st, _ := seed(srv)
	lab := srv.SeedSite(int64(org.ID), "Lab")
	srv.SeedDevice(int64(srv.SeedGroup(int64(lab.ID), "Servers").ID), vsax.Device{Name: "CON-SRV1"}, nil)
	target := reconciletest.NewTarget(reconcile.TargetSnapshot{SiteLinkKinds: []string{vsaxdriver.Kind},
		Fields: []reconcile.FieldDef{{Name: "inventory_number", Native: true}}, AssetTypes: []reconcile.AssetType{{ID: 1, Name: "PC"}}})
	cfg := &reconcile.Config{FieldMappings: []reconcile.FieldMapping{{Source: "name", Target: "inventory_number"}},
		AssetTypes: reconcile.TypeConfig{Mode: reconcile.TypeFixed, Default: "PC"},
		Sites:      reconcile.SiteConfig{ChildSites: reconcile.ChildSitesAsSites}}
	for run := 1; run <= 2; run++ {
		res, err := reconcile.Run(t.Context(), vsaxdriver.NewReconcileSource(c), target, cfg, reconcile.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if n := res.Changeset.Writes(); run == 2 && n != 0 {
			t.Fatalf("second run: %d writes", n)
		}
	}
	snap := target.Snapshot()
	if len(snap.Customers) != 1 || snap.Customers[0].Name != "Contoso" || snap.Customers[0].Links[vsaxdriver.Kind] != vsaxdriver.OrgSiteID(int64(org.ID)) {
		t.Fatalf("customers %+v", snap.Customers)
	}
	names := map[int]string{}
	for _, s := range snap.Sites {
		if s.CustomerID != snap.Customers[0].ID {
			t.Errorf("site %+v not under Contoso", s)
		}
		names[s.ID] = s.Name + "=" + s.Links[vsaxdriver.Kind]
	}
	var at []string
	for _, a := range snap.Assets {
		at = append(at, a.Fields["inventory_number"]+"@"+names[a.SiteID])
	}
	slices.Sort(at)
	want := []string{"CON-PC01@HQ=" + vsaxdriver.SiteSiteID(int64(st.ID)), "CON-SRV1@Lab=" + vsaxdriver.SiteSiteID(int64(lab.ID))}
	if !slices.Equal(at, want) {
		t.Errorf("assets %v; want %v", at, want)
	}
}

const hookSecret = "7F3A9C2E4B6D8F0A1C3E5A7B9D1F3A5C7E9B1D3F5A7C9E1B3D5F7A9C1E3B5D7F"

func payload(id int, dev string) vsax.WebhookPayload {
	return vsax.WebhookPayload{ID: vsax.FlexInt(id), Title: "Low disk space", Message: "The free space on C: is below 9%",
		DateTime: vsax.Time{Time: time.Date(2026, 9, 24, 16, 15, 2, 0, time.UTC)}, Priority: vsax.PriorityCritical,
		DeviceIdentifier: dev, OrganizationID: 4821}
}

func post(h http.Handler, method string, body []byte, sig string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "/vsax", bytes.NewReader(body))
	if sig != "" {
		r.Header.Set("X-Hmac-Signature", sig)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func signed(p vsax.WebhookPayload) ([]byte, string) {
	b, _ := json.Marshal(p)
	return b, vsax.Sign(hookSecret, b)
}

func handler(t *testing.T, rec *alertingtest.Recorder) http.Handler {
	v, err := vsax.NewWebhookVerifier(hookSecret)
	if err != nil {
		t.Fatal(err)
	}
	return vsaxdriver.NewWebhookHandler(v, rec)
}

// TestWebhookHandlerConforms: the webhook intake passes
// alertingtest.RunIntake as a raise-only intake (VSA X sends no resolve).
func TestWebhookHandlerConforms(t *testing.T) {
	t.Parallel()
	alertingtest.RunIntake(t, func(t *testing.T, rec *alertingtest.Recorder) alertingtest.IntakeFixture {
		body, sig := signed(payload(2733, "8f3c2a1d-4b5e-6f70-8192-a3b4c5d6e7f8"))
		hdr := func(sig string) http.Header { return http.Header{"X-Hmac-Signature": {sig}} }
		malformed := []byte(`{"Id":2733,"Title":`)
		return alertingtest.IntakeFixture{
			Handler:   handler(t, rec),
			Source:    vsaxdriver.Kind,
			Raise:     alertingtest.Delivery{Body: body, Header: hdr(sig)},
			RaiseOnly: true,
			Forged:    alertingtest.Delivery{Body: body, Header: hdr(vsax.Sign("forged-secret", body))},
			Malformed: alertingtest.Delivery{Body: malformed, Header: hdr(vsax.Sign(hookSecret, malformed))},
		}
	})
}

// TestWebhookIntake: a valid delivery becomes one raise of source vsax,
// a redelivery keeps its event ID, the hex-keyed signature variant is
// accepted too, and routing fields come from DeviceIdentifier and
// OrganizationId.
func TestWebhookIntake(t *testing.T) {
	t.Parallel()
	rec := &alertingtest.Recorder{}
	h := handler(t, rec)
	dev := "8f3c2a1d-4b5e-6f70-8192-a3b4c5d6e7f8"
	body, sig := signed(payload(2733, dev))
	for i := range 2 {
		if w := post(h, "POST", body, sig); w.Code != 200 {
			t.Fatalf("delivery %d: %d %s", i, w.Code, w.Body)
		}
	}
	key, _ := hex.DecodeString(hookSecret)
	m := hmac.New(sha256.New, key)
	m.Write(body)
	if w := post(h, "POST", body, base64.StdEncoding.EncodeToString(m.Sum(nil))); w.Code != 200 {
		t.Errorf("hex-keyed signature: %d", w.Code)
	}
	got := rec.Accepted()
	if len(got) != 3 {
		t.Fatalf("%d alerts", len(got))
	}
	a := got[0]
	if a.Source != "vsax" || a.Kind != alerting.Raise || a.EventID != "2733" || got[1].EventID != a.EventID || a.Device.ID != dev ||
		a.Customer.ID != "org-4821" || a.Severity != alerting.SeverityCritical || a.Type != "Low disk space" || a.Time.Year() != 2026 {
		t.Errorf("%+v", a)
	}
	// OrganizationId as a string decodes the same.
	sbody := bytes.Replace(body, []byte(`"OrganizationId":4821`), []byte(`"OrganizationId":"4821"`), 1)
	if w := post(h, "POST", sbody, vsax.Sign(hookSecret, sbody)); w.Code != 200 || rec.Accepted()[3].Customer.ID != "org-4821" {
		t.Errorf("string OrganizationId: %d", w.Code)
	}
}

func TestWebhookRefusals(t *testing.T) {
	t.Parallel()
	rec := &alertingtest.Recorder{}
	h := handler(t, rec)
	body, sig := signed(payload(1, "8f3c2a1d-4b5e-6f70-8192-a3b4c5d6e7f8"))
	altered := bytes.Replace(body, []byte("Low disk"), []byte("LOW DISK"), 1)
	bad, _ := json.Marshal(map[string]any{"Id": 0})
	for name, c := range map[string]struct {
		method string
		body   []byte
		sig    string
		status int
		reason alerting.Reason
	}{
		"wrong secret": {"POST", body, vsax.Sign("wrong", body), 401, alerting.ReasonBadSignature},
		"altered body": {"POST", altered, sig, 401, alerting.ReasonBadSignature},
		"no header":    {"POST", body, "", 401, alerting.ReasonBadSignature},
		"empty body":   {"POST", nil, vsax.Sign(hookSecret, nil), 400, alerting.ReasonMalformedPayload},
		"no Id":        {"POST", bad, vsax.Sign(hookSecret, bad), 400, alerting.ReasonMalformedPayload},
		"oversize":     {"POST", bytes.Repeat([]byte(" "), 2<<20), sig, 413, alerting.ReasonMalformedPayload},
		"GET":          {"GET", body, sig, 405, ""},
	} {
		before := len(rec.Rejected())
		if w := post(h, c.method, c.body, c.sig); w.Code != c.status {
			t.Errorf("%s: %d; want %d", name, w.Code, c.status)
		}
		if c.reason != "" {
			if r := rec.Rejected(); len(r) != before+1 || r[len(r)-1] != c.reason {
				t.Errorf("%s: rejections %v", name, r)
			}
		}
	}
	if len(rec.Accepted()) != 0 {
		t.Errorf("bad input made alerts")
	}
	rec.FailNext(errors.New("store down"))
	if w := post(h, "POST", body, sig); w.Code != 503 {
		t.Errorf("store failure: %d", w.Code)
	}
	rec.FailNext(&alerting.RejectedError{Reason: alerting.ReasonUnmappedCustomer, EventKey: "x"})
	if w := post(h, "POST", body, sig); w.Code/100 != 4 {
		t.Errorf("rejected: %d", w.Code)
	}
}

// TestEnsureWebhook: created once, updated (not duplicated) after, the
// secret kept in the alert store's database (boltstore, reopened) and
// reused, regenerated when that database has none, and VSA X's delivery
// verifies with what EnsureWebhook returned.
func TestEnsureWebhook(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	path := filepath.Join(t.TempDir(), "alerts.db")
	store, err := boltstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	req := vsax.WebhookRequest{Name: "psa", URL: "https://psa.example/vsax", Priorities: []vsax.Priority{vsax.PriorityCritical}}
	_, s1, err := vsaxdriver.EnsureWebhook(t.Context(), c, store, "", req)
	if err != nil || len(s1) != 64 || s1 != srv.Webhooks()[0].SecretKey {
		t.Fatalf("%q %v", s1, err)
	}
	if v, _ := store.Secret(t.Context(), vsaxdriver.WebhookSecretName("", req.URL)); v != s1 {
		t.Fatalf("stored %q", v)
	}
	store.Close()
	if store, err = boltstore.Open(path); err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	srv.ResetRequests()
	req.Priorities = append(req.Priorities, vsax.PriorityElevated)
	req.URL += "/" // the same webhook
	_, s2, err := vsaxdriver.EnsureWebhook(t.Context(), c, store, "", req)
	if err != nil || s2 != s1 || len(srv.Webhooks()) != 1 || len(srv.Webhooks()[0].Priorities) != 2 {
		t.Fatalf("second: %q %v %+v", s2, err, srv.Webhooks())
	}
	if n := srv.Count("PUT", "/api/v3/notifications/webhooks/"); n != 1 || srv.Count("POST", "/api/v3/notifications/webhooks") != 0 {
		t.Errorf("second run: %d updates, %d posts; want 1 update, no create or regenerate", n, srv.Count("POST", "/api/v3/notifications/webhooks"))
	}
	fresh := memstore.New()
	_, s3, err := vsaxdriver.EnsureWebhook(t.Context(), c, fresh, "", req)
	if err != nil || s3 == s1 || s3 != srv.Webhooks()[0].SecretKey || len(srv.Webhooks()) != 1 {
		t.Fatalf("no stored secret: %q %v", s3, err)
	}
	if n := srv.Count("POST", "/api/v3/notifications/webhooks/"+fmt.Sprint(srv.Webhooks()[0].ID)+"/regenerateSecretKey"); n != 1 {
		t.Errorf("%d regenerations", n)
	}
	// VSA X delivers with the secret EnsureWebhook returned.
	rec := &alertingtest.Recorder{}
	v, _ := vsax.NewWebhookVerifier(s3)
	ts := httptest.NewServer(vsaxdriver.NewWebhookHandler(v, rec))
	defer ts.Close()
	if st, err := vsaxtest.Deliver(t.Context(), ts.Client(), ts.URL, s3, payload(5, "")); err != nil || st != 200 || len(rec.Accepted()) != 1 {
		t.Errorf("%d %v", st, err)
	}
}

// TestEnsureWebhookLostCreateReply: a create that reached VSA X but whose
// answer was lost (502 after it took effect) is not sent again: the
// webhook is found by its URL and its secret regenerated and stored.
func TestEnsureWebhookLostCreateReply(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	store := memstore.New()
	srv.Inject(vsaxtest.Fault{Method: "POST", Path: "/api/v3/notifications/webhooks", Status: 502, Applied: true})
	req := vsax.WebhookRequest{Name: "psa", URL: "https://psa.example/vsax", Priorities: []vsax.Priority{vsax.PriorityCritical}}
	_, secret, err := vsaxdriver.EnsureWebhook(t.Context(), c, store, "east", req)
	if err != nil || len(srv.Webhooks()) != 1 || secret != srv.Webhooks()[0].SecretKey {
		t.Fatalf("%q %v %+v", secret, err, srv.Webhooks())
	}
	if n := srv.Count("POST", "/api/v3/notifications/webhooks"); n != 2 { // the create, once, and the regenerate
		t.Errorf("%d POSTs; want the create once and one regenerate", n)
	}
	if v, _ := store.Secret(t.Context(), vsaxdriver.WebhookSecretName("east", req.URL)); v != secret {
		t.Errorf("stored %q", v)
	}
	// A refusal creates nothing and stores nothing.
	bad := req
	bad.URL, bad.Priorities = "https://psa.example/other", nil
	if _, _, err := vsaxdriver.EnsureWebhook(t.Context(), c, store, "east", bad); err == nil || len(srv.Webhooks()) != 1 {
		t.Errorf("refused create: %v, %d webhooks", err, len(srv.Webhooks()))
	}
}
