package halodriver_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halodriver"
	"github.com/mspsync/mspsync/reconcile"
)

// Customers and sites the import creates or matches carry the source
// site's ID (Datto: datto_id and datto_url on the client and the site),
// and LoadTarget reads them back, inactive records included.
func TestSiteLinksAreWrittenAndRead(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	cust, site, _ := estate(srv)
	gone := srv.SeedCustomer(halo.Customer{Name: "Gone Ltd", Inactive: halo.Ptr(true), DattoID: "s-old"})
	srv.SeedSite(halo.Site{Name: "Closed", ClientID: gone.ID, Inactive: halo.Ptr(true), DattoID: "s-old"})
	tg := halodriver.NewReconcileTarget(c)
	if _, err := tg.LoadTarget(t.Context()); err != nil {
		t.Fatal(err)
	}
	link := reconcile.SiteLink{Kind: "datto", Account: "acct-A", SourceSiteID: "s-new", URL: "https://merlot.centrastage.net/site/s-new"}
	cid, sid, err := tg.CreateCustomer(t.Context(), reconcile.NewCustomer{Name: "Fabrikam", MainSiteName: "Main", Link: link})
	if err != nil {
		t.Fatal(err)
	}
	sid2, err := tg.CreateSite(t.Context(), reconcile.NewSite{CustomerID: cid, Name: "Branch", Link: reconcile.SiteLink{Kind: "datto", SourceSiteID: "s-branch"}})
	if err != nil {
		t.Fatal(err)
	}
	// An existing client and site, matched by name: linked in place.
	srv.ResetRequests()
	if err := tg.LinkSite(t.Context(), cust.ID, site.ID, reconcile.SiteLink{Kind: "datto", SourceSiteID: "s-acme"}); err != nil {
		t.Fatal(err)
	}
	if n := srv.Count(http.MethodPost, ""); n != 2 {
		t.Errorf("linking a client and a site took %d POSTs, want 2", n)
	}
	// Kinds Halo has no column for are not kept on clients and sites.
	if err := tg.LinkSite(t.Context(), cust.ID, site.ID, reconcile.SiteLink{Kind: "acmermm", SourceSiteID: "grp-1"}); err != nil {
		t.Fatal(err)
	}
	snap, err := tg.LoadTarget(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	custs, sites := map[int]reconcile.Customer{}, map[int]reconcile.Site{}
	for _, v := range snap.Customers {
		custs[v.ID] = v
	}
	for _, v := range snap.Sites {
		sites[v.ID] = v
	}
	if custs[cid].Links["datto"] != "s-new" || sites[sid].Links["datto"] != "s-new" || sites[sid2].Links["datto"] != "s-branch" {
		t.Errorf("created: customer %+v, main site %+v, site %+v", custs[cid], sites[sid], sites[sid2])
	}
	if custs[cust.ID].Links["datto"] != "s-acme" || sites[site.ID].Links["datto"] != "s-acme" || len(custs[cust.ID].Links) != 1 {
		t.Errorf("linked: customer %+v, site %+v", custs[cust.ID], sites[site.ID])
	}
	if g := custs[gone.ID]; !g.Inactive || g.Links["datto"] != "s-old" {
		t.Errorf("inactive customer = %+v", g)
	}
	for _, s := range snap.Sites {
		if s.CustomerID == gone.ID && (!s.Inactive || s.Links["datto"] != "s-old") {
			t.Errorf("inactive site = %+v", s)
		}
	}
	for _, v := range srv.Customers() {
		if v.ID == cid && v.DattoURL != link.URL {
			t.Errorf("datto_url = %q", v.DattoURL)
		}
	}
	// Linking again what is linked writes nothing.
	srv.ResetRequests()
	if err := tg.LinkSite(t.Context(), cust.ID, site.ID, reconcile.SiteLink{Kind: "datto", SourceSiteID: "s-acme"}); err != nil {
		t.Fatal(err)
	}
	if n := srv.Count(http.MethodPost, ""); n != 0 {
		t.Errorf("linking again took %d POSTs", n)
	}
}

// An asset's link account is kept in the info field "<kind> account",
// created once even by concurrent batches, and read back into
// LinkAccounts.
func TestLinkAccountsAreWrittenAndRead(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	_, site, typ := estate(srv)
	tg := halodriver.NewReconcileTarget(c)
	var wg sync.WaitGroup
	res := make([][]reconcile.SaveResult, 4)
	for i := range res {
		wg.Go(func() {
			res[i] = tg.SaveAssets(t.Context(), []reconcile.AssetWrite{{SiteID: site.ID, TypeID: typ.ID,
				Fields:   []reconcile.FieldWrite{{Name: "inventory_number", Value: string(rune('A'+i)) + "-PC"}},
				LinkKind: "datto", LinkID: "dev-" + string(rune('a'+i)), LinkAccount: "acct-A"}})
		})
	}
	wg.Wait()
	for i, r := range res {
		if r[0].Err != nil {
			t.Fatalf("write %d: %v", i, r[0].Err)
		}
	}
	n := 0
	for _, f := range srv.Records("Field") {
		if f["name"] == "datto account" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d fields named %q, want 1", n, "datto account")
	}
	snap, err := tg.LoadTarget(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range snap.Assets {
		if a.Links["datto"] == "" || a.LinkAccounts["datto"] != "acct-A" {
			t.Errorf("asset %+v", a)
		}
	}
	// The account changes with the link's other fields kept.
	r := tg.SaveAssets(t.Context(), []reconcile.AssetWrite{{ID: snap.Assets[0].ID, LinkKind: "datto", LinkID: snap.Assets[0].Links["datto"], LinkAccount: "acct-B"}})
	if r[0].Err != nil {
		t.Fatal(r[0].Err)
	}
	snap, _ = tg.LoadTarget(t.Context())
	if a := snap.Assets[0]; a.LinkAccounts["datto"] != "acct-B" || a.Name == "" {
		t.Errorf("after the account change: %+v", a)
	}
}
