package halodriver_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/memstore"
	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halodriver"
	"github.com/mspsync/mspsync/halo/halotest"
)

// assetListings counts the asset list requests (GET /api/Asset, any page).
func assetListings(srv *halotest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == http.MethodGet && strings.EqualFold(r.Path, "/api/Asset") {
			n++
		}
	}
	return n
}

type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *manualClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *manualClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func dattoRaise(id, device, site, siteName string) alerting.Alert {
	return alerting.Alert{Source: "datto", EventID: id, Kind: alerting.Raise, Type: "Disk Usage", Title: "Disk full " + id,
		Device: alerting.Device{ID: device, Hostname: "host-" + device}, Customer: alerting.CustomerRef{ID: site, Name: siteName}}
}

// Fifty alerts of fifty linked devices cost one asset listing: look-ups
// are answered from the sink's cache. A device the cache does not know
// reads the assets again, at most once per refresh interval.
func TestAssetLookupsAreCached(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	cust, _, typ := estate(srv)
	branch := srv.SeedSite(halo.Site{Name: "Branch", ClientID: cust.ID})
	for i := range 50 {
		srv.SeedAsset(halo.Asset{InventoryNumber: fmt.Sprintf("PC-%02d", i), SiteID: branch.ID, AssetTypeID: typ.ID, DattoID: fmt.Sprintf("dev-%02d", i)})
	}
	clock := &manualClock{t: time.Date(2026, 6, 12, 9, 0, 0, 0, time.UTC)}
	sink := halodriver.NewAlertSink(c, halodriver.WithTicketType(1), halodriver.WithClock(clock.now), halodriver.WithAssetCache(time.Minute, time.Hour))
	eng, err := alerting.New(alerting.Config{LinkAsset: true}, memstore.New(), sink, alerting.WithClock(clock.now))
	if err != nil {
		t.Fatal(err)
	}
	srv.ResetRequests()
	for i := range 50 {
		// The source site is unknown to Halo: only the link routes it.
		res, err := eng.Submit(t.Context(), dattoRaise(fmt.Sprintf("a%02d", i), fmt.Sprintf("dev-%02d", i), "site-unknown", "Acme (renamed)"))
		if err != nil || res.Outcome != alerting.OutcomeCreated || res.Routing.By != alerting.RouteAsset {
			t.Fatalf("alert %d: %+v, %v", i, res, err)
		}
	}
	if n := assetListings(srv); n != 1 {
		t.Errorf("50 alerts of linked devices made %d asset listings; want 1", n)
	}
	for _, tk := range srv.Tickets() {
		if tk.ClientID != cust.ID || tk.SiteID != branch.ID || len(tk.Assets) != 1 {
			t.Errorf("ticket %d: client %d site %d assets %v; want client %d, site %d (the asset's), one asset", tk.ID, tk.ClientID, tk.SiteID, tk.Assets, cust.ID, branch.ID)
		}
	}

	// A device linked after the cache was read: the miss reads again only
	// once the refresh interval has passed.
	late := srv.SeedAsset(halo.Asset{InventoryNumber: "PC-NEW", SiteID: branch.ID, AssetTypeID: typ.ID, DattoID: "dev-new"})
	srv.ResetRequests()
	clock.add(10 * time.Second)
	for i := range 5 {
		if _, err := sink.LocateAsset(t.Context(), "datto", "", alerting.Device{ID: "dev-new"}); err == nil {
			t.Fatalf("miss %d: found dev-new before the refresh interval passed", i)
		}
	}
	if n := assetListings(srv); n != 0 {
		t.Errorf("5 misses within the refresh interval of the last read made %d asset listings; want none", n)
	}
	clock.add(time.Minute)
	a, err := sink.LocateAsset(t.Context(), "datto", "", alerting.Device{ID: "dev-new"})
	if err != nil || a.ID != strconv.Itoa(late.ID) || a.Customer != strconv.Itoa(cust.ID) || a.Site != strconv.Itoa(branch.ID) {
		t.Errorf("after the refresh interval: %+v, %v; want asset %d", a, err, late.ID)
	}
	if n := assetListings(srv); n != 1 {
		t.Errorf("asset listings for a miss after the interval: %d; want 1", n)
	}
}

// The Halo sink tells the engine users and sites' default users: the
// asset's user is the ticket user; without one, the site's main contact;
// a configured contact of another client is passed over and said so.
func TestHaloTicketUser(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	cust, main, typ := estate(srv)
	other := srv.SeedCustomer(halo.Customer{Name: "Other Ltd"})
	stranger := srv.SeedUser(halo.User{Name: "Stranger", ClientID: other.ID})
	ann := srv.SeedUser(halo.User{Name: "Ann", ClientID: cust.ID, SiteID: main.ID})
	bob := srv.SeedUser(halo.User{Name: "Bob", ClientID: cust.ID})
	branch := srv.SeedSite(halo.Site{Name: "Branch", ClientID: cust.ID, Extra: halo.Extra{"maincontact_id": json.RawMessage(strconv.Itoa(bob.ID))}})
	srv.SeedAsset(halo.Asset{InventoryNumber: "PC-ANN", SiteID: main.ID, AssetTypeID: typ.ID, DattoID: "dev-ann",
		Extra: halo.Extra{"users": json.RawMessage(`[{"id":` + strconv.Itoa(ann.ID) + `}]`)}})
	srv.SeedAsset(halo.Asset{InventoryNumber: "PC-BR", SiteID: branch.ID, AssetTypeID: typ.ID, DattoID: "dev-branch"})
	cfg := alerting.Config{Customers: []alerting.CustomerMapping{
		{Source: "datto", SourceCustomer: "site-acme", Customer: strconv.Itoa(cust.ID), Contact: strconv.Itoa(stranger.ID)},
	}}
	eng, err := alerting.New(cfg, memstore.New(), halodriver.NewAlertSink(c, halodriver.WithTicketType(1)))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		device   string
		wantUser int
		wantSite int
		by       alerting.ContactBy
	}{
		{"dev-ann", ann.ID, main.ID, alerting.ContactAssetUser},
		{"dev-branch", bob.ID, branch.ID, alerting.ContactSiteDefault},
	}
	for i, tc := range cases {
		res, err := eng.Submit(t.Context(), dattoRaise(fmt.Sprint("u", i), tc.device, "site-acme", "Acme"))
		if err != nil {
			t.Fatal(err)
		}
		tk, _ := srv.Ticket(mustAtoi(res.TicketID))
		if tk.UserID != tc.wantUser || tk.SiteID != tc.wantSite || res.Routing.ContactBy != tc.by {
			t.Errorf("%s: ticket user %d site %d, routing %+v; want user %d site %d by %s", tc.device, tk.UserID, tk.SiteID, res.Routing, tc.wantUser, tc.wantSite, tc.by)
		}
		if tc.by == alerting.ContactSiteDefault && !strings.Contains(res.Routing.ContactProblem, "belongs to customer "+strconv.Itoa(other.ID)) {
			t.Errorf("%s: contact problem %q; want the mapping's contact named as another client's", tc.device, res.Routing.ContactProblem)
		}
	}
}
