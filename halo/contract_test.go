package halo_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halotest"
	"github.com/mspsync/mspsync/internal/apispec"
)

// TestContract calls every client method against halotest, then checks each
// request the fake saw against Halo's OpenAPI document: the path, the
// method, every query parameter name and the top-level fields of every
// JSON body.
func TestContract(t *testing.T) {
	t.Parallel()
	spec := apispec.ForTest(t, "halo-openapi.json")
	srv := halotest.NewServer(t)
	c, err := halo.NewClient(srv.URL(), append(srv.ClientOptions(), halo.WithAuthDiscovery())...)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	cust, _, typ := estate(srv)
	srv.SeedAssetField(halo.AssetField{Name: "Serial Number"})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	drain := func(seq func(func(halo.Asset, error) bool)) {
		for _, err := range seq {
			must(err)
		}
	}

	_, err = c.AuthInfo(ctx)
	must(err)
	c2, err := c.Clients.Save(ctx, halo.Customer{Name: "Contoso"})
	must(err)
	_, err = c.Clients.Get(ctx, c2.ID)
	must(err)
	_, err = c.Clients.ListPage(ctx, &halo.ClientListOptions{Search: "Con", IncludeInactive: true, IncludeActive: true}, "")
	must(err)
	for _, err := range c.Clients.All(ctx, nil) {
		must(err)
	}
	site, err := c.Sites.Save(ctx, halo.Site{Name: "HQ", ClientID: c2.ID})
	must(err)
	_, err = c.Sites.Get(ctx, site.ID)
	must(err)
	_, err = c.Sites.ListPage(ctx, &halo.SiteListOptions{ClientID: c2.ID, Search: "H", IncludeInactive: true}, "")
	must(err)
	u, err := c.Users.Save(ctx, halo.User{Name: "Bo", EmailAddress: "bo@contoso.example", ClientID: c2.ID, SiteID: site.ID})
	must(err)
	_, err = c.Users.Get(ctx, u.ID)
	must(err)
	_, err = c.Users.ListPage(ctx, &halo.UserListOptions{ClientID: c2.ID, SiteID: site.ID, Search: "bo", IncludeInactive: true}, "")
	must(err)
	_, err = c.Users.FindByEmail(ctx, c2.ID, "bo@contoso.example")
	must(err)

	grp, err := c.AssetGroups.Save(ctx, halo.AssetGroup{Name: "Servers"})
	must(err)
	_, err = c.AssetGroups.Get(ctx, grp.ID)
	must(err)
	_, err = c.AssetGroups.List(ctx)
	must(err)
	at, err := c.AssetTypes.Save(ctx, halo.AssetType{Name: "Server", AssetGroupID: grp.ID})
	must(err)
	_, err = c.AssetTypes.Get(ctx, at.ID)
	must(err)
	_, err = c.AssetTypes.List(ctx, &halo.AssetTypeListOptions{AssetGroupID: grp.ID})
	must(err)
	_, err = c.Fields.SaveAssetField(ctx, halo.AssetField{Name: "Manufacturer"})
	must(err)
	ref, err := c.Fields.Resolve(ctx, "Serial Number")
	must(err)
	a := halo.Asset{InventoryNumber: "SRV-1", SiteID: site.ID, AssetTypeID: at.ID, DattoID: "dev-1", Inactive: halo.Ptr(false)}
	a.SetField(ref, halo.TextValue("SN-1"))
	saved, err := c.Assets.Save(ctx, a)
	must(err)
	_, err = c.Assets.Get(ctx, saved.ID)
	must(err)
	_, err = c.Assets.ListPage(ctx, &halo.AssetListOptions{ClientID: c2.ID, SiteID: site.ID, AssetTypeID: typ.ID, AssetGroupID: grp.ID,
		Search: "SRV", InventoryNumber: "SRV-1", IncludeInactive: true, IncludeActive: true, IncludeAssetFields: true}, "")
	must(err)
	drain(c.Assets.All(ctx, nil))
	for _, r := range c.Assets.SaveBatch(ctx, []halo.Asset{{ID: saved.ID, Notes: "n"}, {InventoryNumber: "SRV-2", SiteID: site.ID, AssetTypeID: at.ID}}) {
		must(r.Err)
	}
	must(c.Assets.Delete(ctx, saved.ID))

	tk, err := c.Tickets.Create(ctx, halo.NewTicket{TicketTypeID: 1, ClientID: cust.ID, Summary: "s", UseGeneralUser: true})
	must(err)
	_, err = c.Tickets.Get(ctx, tk.ID)
	must(err)
	_, err = c.Tickets.ListPage(ctx, &halo.TicketListOptions{ClientID: cust.ID, SiteID: 1, UserID: 1, AgentID: 1, StatusID: 1, AssetID: 1,
		RequestTypeID: 1, OpenOnly: true, TicketIDs: "1,2", Search: "s", SearchSummary: "s", DateSearch: "dateoccured",
		StartDate: halo.FormatTime(time.Now()), EndDate: halo.FormatTime(time.Now()), Order: "id", OrderDesc: true}, "")
	must(err)
	for _, err := range c.Tickets.ClosedSince(ctx, time.Now().Add(-time.Hour)) {
		must(err)
	}
	_, _, err = c.Tickets.State(ctx, tk.ID)
	must(err)
	note, err := c.Tickets.AddNote(ctx, tk.ID, "n", &halo.NoteOptions{HTML: true})
	must(err)
	_, err = c.Actions.Get(ctx, tk.ID, note.ID)
	must(err)
	_, err = c.Actions.List(ctx, tk.ID)
	must(err)
	_, err = c.Tickets.Close(ctx, tk.ID, &halo.CloseOptions{Note: "done", AgentID: 1})
	must(err)
	must(c.Actions.Delete(ctx, note.ID))
	_, err = c.TicketTypes.List(ctx, &halo.TicketTypeListOptions{ShowAll: true, ShowInactive: true, ClientID: cust.ID})
	must(err)
	_, err = c.TicketTypes.Get(ctx, 1)
	must(err)
	_, err = c.Statuses.List(ctx, &halo.StatusListOptions{ExcludeClosed: true, TicketTypeID: 1, ShowAll: true})
	must(err)
	_, err = c.Statuses.Get(ctx, 9)
	must(err)
	tt, err := c.TicketTypes.Save(ctx, halo.TicketType{Name: "Security alert"})
	must(err)
	st, err := c.Statuses.Save(ctx, halo.Status{Name: "Waiting on vendor"})
	must(err)
	must(c.TicketTypes.Delete(ctx, tt.ID))
	must(c.Statuses.Delete(ctx, st.ID))
	must(c.Tickets.Delete(ctx, tk.ID, "duplicate"))
	must(c.Users.Delete(ctx, u.ID))
	must(c.Sites.Delete(ctx, site.ID))
	must(c.Clients.Delete(ctx, c2.ID))
	must(c.AssetTypes.Delete(ctx, at.ID))
	must(c.AssetGroups.Delete(ctx, grp.ID))

	checked := map[string]bool{}
	for _, r := range srv.Requests() {
		if r.Path == "/auth/token" {
			continue // the OAuth endpoint is not part of the API document
		}
		path := strings.TrimPrefix(r.Path, "/api")
		if err := spec.Check(r.Method, path, r.Query); err != nil {
			t.Error(err)
		}
		if len(r.Body) > 0 {
			// userlookup binds the General User; Halo accepts it but its
			// document lacks it (vendors/halo.md §12.1).
			if err := spec.CheckBody(r.Method, path, r.Body, "userlookup"); err != nil {
				t.Error(err)
			}
		}
		checked[r.Method+" "+path] = true
	}
	if len(checked) < 30 {
		t.Errorf("only %d distinct requests checked", len(checked))
	}
}
