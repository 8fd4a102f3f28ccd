package dattormmdriver_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/memstore"
	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/dattormm/dattormmdriver"
	"github.com/mspsync/mspsync/dattormm/dattormmtest"
	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halodriver"
	"github.com/mspsync/mspsync/halo/halotest"
	"github.com/mspsync/mspsync/reconcile"
	"github.com/mspsync/mspsync/reconcile/reconciletest"
)

// learnedMappings adapts a reconcile.MappingStore to alerting's neutral
// site mappings (alerting does not import reconcile).
func learnedMappings(store reconcile.MappingStore) alerting.SiteMappingsFunc {
	return func(ctx context.Context, source, account string) ([]alerting.SiteMapping, error) {
		ms, err := store.Mappings(ctx, source, account)
		out := make([]alerting.SiteMapping, 0, len(ms))
		for _, m := range ms {
			sm := alerting.SiteMapping{SourceSite: m.SourceSiteID, Customer: strconv.Itoa(m.CustomerID)}
			if m.SiteID != 0 {
				sm.Site = strconv.Itoa(m.SiteID)
			}
			out = append(out, sm)
		}
		return out, err
	}
}

// dattoAccount is one Datto account feeding the one Halo.
type dattoAccount struct {
	uid    string
	srv    *dattormmtest.Server
	client *dattormm.Client
	site   dattormm.Site
	device dattormm.Device
	alert  dattormm.Alert
	secret string
}

func newDattoAccount(t *testing.T, uid, siteName, secret string) *dattoAccount {
	t.Helper()
	srv, c := setup(t, dattormmtest.WithAccountUID(uid))
	site := srv.SeedSite(dattormm.Site{Name: siteName})
	dev := srv.SeedDevice(dattormm.Device{Hostname: uid + "-PC1", SiteUID: site.UID, DeviceType: dattormm.DeviceType{Category: "Desktop"}})
	al := srv.SeedAlert(dattormm.Alert{Priority: "High", Diagnostics: "C: 3% free",
		AlertSourceInfo: dattormm.AlertSourceInfo{DeviceUID: dev.UID, DeviceName: dev.Hostname, SiteUID: site.UID, SiteName: site.Name}})
	return &dattoAccount{uid: uid, srv: srv, client: c, site: site, device: dev, alert: al, secret: secret}
}

// hook is the account's webhook for an alert, filled in as Datto fills it.
func (d *dattoAccount) hook(alertUID, deviceUID, siteUID, siteName string) string {
	raised, _ := dattormm.WebhookTemplates(d.secret)
	return strings.NewReplacer("[alert_uid]", alertUID, "[device_uid]", deviceUID, "[site_uid]", siteUID,
		"[site_name]", siteName, "[alert_message_en]", "Disk full", "[device_hostname]", "PC").Replace(raised)
}

// Two Datto accounts (imported into one Halo by reconcile, which links
// each asset to its device and account and learns each site's customer)
// feed one alert engine, each through its own webhook, enricher and
// resolver. Each alert lands on its own device's asset, customer and site,
// even when Datto's API cannot be asked (the webhook's device_uid routes
// it); a device UID of the other account routes nothing; an alert without
// a linked device follows the learned site mapping; and closing the tickets
// in Halo resolves each alert in its own account only.
func TestTwoAccountsRouteAndResolveApart(t *testing.T) {
	t.Parallel()
	hs := halotest.NewServer(t)
	hc, err := hs.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	grp := hs.SeedAssetGroup(halo.AssetGroup{Name: "Devices"})
	hs.SeedAssetType(halo.AssetType{Name: "Desktop", AssetGroupID: grp.ID})
	hs.SeedTicketType(halo.TicketType{Name: "Alert"})

	a := newDattoAccount(t, "acct-a", "Contoso", "secret-a-0123456789abcdef0123")
	b := newDattoAccount(t, "acct-b", "Fabrikam", "secret-b-0123456789abcdef0123")
	store := &reconciletest.Mappings{}
	cfg := &reconcile.Config{
		FieldMappings: []reconcile.FieldMapping{{Source: "hostname", Target: "inventory_number"}},
		AssetTypes:    reconcile.TypeConfig{Mode: reconcile.TypeFixed, Default: "Desktop"},
	}
	for _, acct := range []*dattoAccount{a, b} {
		src := dattormmdriver.NewReconcileSource(acct.client)
		src.Account = acct.uid
		res, err := reconcile.Run(t.Context(), src, halodriver.NewReconcileTarget(hc), cfg, reconcile.RunOptions{Mappings: store})
		if err != nil {
			t.Fatal(err)
		}
		if s := res.Changeset.Summary(); s.Failed != 0 {
			t.Fatalf("%s: %s", acct.uid, s)
		}
	}
	assetOf := map[string]halo.Asset{}
	for _, as := range hs.Assets() {
		assetOf[as.DattoID] = as
	}
	assetA, assetB := assetOf[a.device.UID], assetOf[b.device.UID]
	if assetA.ID == 0 || assetB.ID == 0 || assetA.ClientID == assetB.ClientID {
		t.Fatalf("import: assets %+v / %+v; want one per account, on two customers", assetA, assetB)
	}

	eng, err := alerting.New(alerting.Config{LinkAsset: true}, memstore.New(), halodriver.NewAlertSink(hc, halodriver.WithTicketType(1)),
		alerting.WithAccountEnricher(dattormmdriver.Kind, a.uid, dattormmdriver.NewAccountEnricher(a.client, a.uid)),
		alerting.WithAccountEnricher(dattormmdriver.Kind, b.uid, dattormmdriver.NewAccountEnricher(b.client, b.uid)),
		alerting.WithAccountResolver(dattormmdriver.Kind, a.uid, dattormmdriver.NewAccountResolver(a.client, a.uid)),
		alerting.WithAccountResolver(dattormmdriver.Kind, b.uid, dattormmdriver.NewAccountResolver(b.client, b.uid)),
		alerting.WithSiteMappings(learnedMappings(store)))
	if err != nil {
		t.Fatal(err)
	}
	handler := func(acct *dattoAccount) http.Handler {
		v, err := dattormm.NewWebhookVerifier(acct.secret)
		if err != nil {
			t.Fatal(err)
		}
		h := dattormmdriver.NewWebhookHandler(v, eng)
		h.Account = acct.uid
		return h
	}
	ha, hb := handler(a), handler(b)
	deliver := func(h http.Handler, body string) {
		t.Helper()
		if w := post(h, http.MethodPost, body); w.Code != http.StatusOK {
			t.Fatalf("webhook answered %d %s", w.Code, w.Body)
		}
		if _, err := eng.ProcessPending(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	ticketOf := func(alertUID string) halo.Ticket {
		t.Helper()
		for _, tk := range hs.Tickets() {
			if strings.Contains(tk.Details, alertUID) {
				return tk
			}
		}
		t.Fatalf("no Halo ticket for alert %s", alertUID)
		return halo.Ticket{}
	}

	// Account a's API is down: the webhook's device_uid still routes by
	// the link. The site name says nothing Halo knows.
	a.srv.Inject(dattormmtest.Fault{Method: http.MethodGet, Path: "/api/v2/alert/", Status: http.StatusServiceUnavailable, Times: 100})
	deliver(ha, a.hook(a.alert.AlertUID, a.device.UID, a.site.UID, "Contoso (renamed)"))
	deliver(hb, b.hook(b.alert.AlertUID, b.device.UID, b.site.UID, "Fabrikam"))
	for _, c := range []struct {
		acct  *dattoAccount
		asset halo.Asset
	}{{a, assetA}, {b, assetB}} {
		tk := ticketOf(c.acct.alert.AlertUID)
		if fromWebhook := strings.Contains(tk.Details, "Fields are the webhook's"); fromWebhook != (c.acct == a) {
			t.Errorf("%s: ticket made from the webhook's fields alone: %v; want it only for a, whose API is down", c.acct.uid, fromWebhook)
		}
		if tk.ClientID != c.asset.ClientID || tk.SiteID != c.asset.SiteID || len(tk.Assets) != 1 || tk.Assets[0].ID != c.asset.ID {
			t.Errorf("%s: ticket client %d site %d assets %v; want the asset %d's client %d and site %d", c.acct.uid, tk.ClientID, tk.SiteID, tk.Assets,
				c.asset.ID, c.asset.ClientID, c.asset.SiteID)
		}
	}

	// Account a's webhook naming account b's device and site: no asset of
	// b is located for it, and a has no mapping of b's site.
	const stray = "3f0e0000-0000-4000-8000-0000000000aa"
	before := len(hs.Tickets())
	deliver(ha, a.hook(stray, b.device.UID, b.site.UID, "Nowhere"))
	if n := len(hs.Tickets()); n != before {
		t.Errorf("account a's alert naming account b's device made %d tickets; want none (no asset of b is a's)", n-before)
	}

	// An alert of b whose device is not linked follows b's learned site
	// mapping.
	const unlinked = "3f0e0000-0000-4000-8000-0000000000bb"
	deliver(hb, b.hook(unlinked, "", b.site.UID, "Fabrikam"))
	if tk := ticketOf(unlinked); tk.ClientID != assetB.ClientID || len(tk.Assets) != 0 {
		t.Errorf("unlinked b alert: ticket client %d assets %v; want b's learned customer %d and no asset", tk.ClientID, tk.Assets, assetB.ClientID)
	}

	// Closing a's and b's tickets in Halo resolves each alert in its own
	// account, and nothing in the other.
	for _, acct := range []*dattoAccount{a, b} {
		hs.CloseTicket(ticketOf(acct.alert.AlertUID).ID)
	}
	if _, err := eng.SyncResolved(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ self, other *dattoAccount }{{a, b}, {b, a}} {
		if al, _ := c.self.srv.Alert(c.self.alert.AlertUID); !al.Resolved {
			t.Errorf("%s's alert is not resolved in %s", c.self.uid, c.self.uid)
		}
		if n := c.other.srv.Count(http.MethodPost, "/api/v2/alert/"+c.self.alert.AlertUID); n != 0 {
			t.Errorf("%s's alert was sent to %s's API %d times", c.self.uid, c.other.uid, n)
		}
		if n := c.self.srv.Count(http.MethodPost, "/api/v2/alert/"); n != 1 {
			t.Errorf("%s's API got %d resolve requests; want 1 (its own alert)", c.self.uid, n)
		}
	}
}

// Without the API, the webhook's device_uid and site_uid are the alert's
// device and customer; the handler stamps its account on every alert; an
// account's resolver refuses another account's alert.
func TestWebhookRoutingKeysAndAccount(t *testing.T) {
	t.Parallel()
	const dev, site = "00000002-0000-4000-8000-000000000007", "00000001-0000-4000-8000-000000000001"
	a := dattormmdriver.ToAlert(&dattormm.WebhookAlert{AlertUID: "b8f3e2a1-7c4d-4e9b-a0f1-2d3c4b5a6978", DeviceUID: dev, SiteUID: site, SiteName: "Contoso"}, nil)
	if a.Device.ID != dev || a.Customer.ID != site || a.Customer.Name != "Contoso" {
		t.Errorf("ToAlert without the API: device %+v customer %+v; want the webhook's UIDs", a.Device, a.Customer)
	}
	v, _ := dattormm.NewWebhookVerifier(hookSecret)
	rec := &alertingtest.Recorder{}
	h := dattormmdriver.NewWebhookHandler(v, rec)
	h.Account = "acct-a"
	raised, _ := dattormm.WebhookTemplates(hookSecret)
	body := strings.NewReplacer("[alert_uid]", "b8f3e2a1-7c4d-4e9b-a0f1-2d3c4b5a6978", "[device_uid]", dev, "[site_uid]", site).Replace(raised)
	if w := post(h, http.MethodPost, body); w.Code != http.StatusOK {
		t.Fatalf("webhook answered %d %s", w.Code, w.Body)
	}
	if got := rec.Accepted()[0]; got.Account != "acct-a" || got.Device.ID != dev || got.Customer.ID != site || got.EventKey() != "datto:acct-a/raise/b8f3e2a1-7c4d-4e9b-a0f1-2d3c4b5a6978" {
		t.Errorf("accepted %+v (key %s)", got, got.EventKey())
	}
	_, c := setup(t)
	r := dattormmdriver.NewAccountResolver(c, "acct-a")
	if err := r.ResolveAlert(t.Context(), alerting.AlertRef{Source: "datto", Account: "acct-b", AlertID: "b8f3e2a1-7c4d-4e9b-a0f1-2d3c4b5a6978"}); !alerting.IsPermanent(err) {
		t.Errorf("resolver of acct-a on an alert of acct-b: %v; want a permanent refusal", err)
	}
}
