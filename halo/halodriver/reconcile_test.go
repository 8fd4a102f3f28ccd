package halodriver_test

import (
	"errors"
	"testing"

	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halodriver"
	"github.com/mspsync/mspsync/reconcile"
)

func TestReconcileTargetLoadsAndWrites(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	cust, site, typ := estate(srv)
	sn := srv.SeedAssetField(halo.AssetField{Name: "Serial Number"})
	srv.SeedCustomField(halo.CustomFieldDef{Name: "CFOwner", Label: "Owner"})
	srv.SeedAsset(halo.Asset{InventoryNumber: "PC-1", SiteID: site.ID, AssetTypeID: typ.ID, DattoID: "dev-1",
		Fields: []halo.FieldValue{{ID: sn.ID, Value: halo.TextValue("SN1")}}})
	srv.SeedAsset(halo.Asset{InventoryNumber: "OLD", SiteID: site.ID, AssetTypeID: typ.ID, Inactive: halo.Ptr(true)})
	srv.SeedUser(halo.User{Name: "Ann", EmailAddress: "ann@acme.example", ClientID: cust.ID, SiteID: site.ID})
	tg := halodriver.NewReconcileTarget(c)
	snap, err := tg.LoadTarget(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Assets) != 2 || snap.Assets[0].Links["datto"] != "dev-1" || snap.Assets[0].Fields["Serial Number"] != "SN1" ||
		snap.Assets[0].Fields["inventory_number"] != "PC-1" || !snap.Assets[1].Inactive || snap.Assets[0].CustomerID != cust.ID {
		t.Errorf("assets = %+v", snap.Assets)
	}
	if len(snap.Users) != 1 || snap.Users[0].Fields["email"] != "ann@acme.example" || len(snap.AssetGroups) != 1 {
		t.Errorf("users %+v groups %+v", snap.Users, snap.AssetGroups)
	}
	names := map[string]bool{}
	for _, f := range snap.Fields {
		names[f.Name] = true
	}
	if !names["Serial Number"] || !names["Owner"] || !names["inventory_number"] {
		t.Errorf("fields = %+v", snap.Fields)
	}

	cid, sid, err := tg.CreateCustomer(t.Context(), reconcile.NewCustomer{Name: "Fabrikam", MainSiteName: "Main"})
	if err != nil || cid == 0 || sid == 0 {
		t.Fatalf("customer %d site %d: %v", cid, sid, err)
	}
	tid, err := tg.CreateAssetType(t.Context(), reconcile.NewAssetType{Name: "Server", GroupID: 1})
	if err != nil {
		t.Fatal(err)
	}
	res := tg.SaveAssets(t.Context(), []reconcile.AssetWrite{
		{SiteID: sid, TypeID: tid, Fields: []reconcile.FieldWrite{{Name: "inventory_number", Value: "SRV-1"}, {Name: "Serial Number", Value: "SN9"}, {Name: "Owner", Value: "IT"}}, LinkKind: "datto", LinkID: "dev-9"},
		{ID: snap.Assets[0].ID, Fields: []reconcile.FieldWrite{{Name: "Serial Number", Value: "SN1b"}}},
		{ID: snap.Assets[0].ID, Fields: []reconcile.FieldWrite{{Name: "Colour", Value: "red"}}},
	})
	if res[0].Err != nil || res[0].ID == 0 || res[1].Err != nil {
		t.Fatalf("results = %+v", res)
	}
	var ue *halo.UnknownFieldError
	if !errors.As(res[2].Err, &ue) || ue.Name != "Colour" {
		t.Errorf("unknown field write: %v", res[2].Err)
	}
	created := srv.Assets()[2]
	if created.DattoID != "dev-9" || created.ClientID != cid || created.AssetTypeID != tid || len(created.CustomFields) != 1 {
		t.Errorf("created = %+v", created)
	}
	if f, _ := srv.Assets()[0].Field(sn.ID); f.Text() != "SN1b" {
		t.Errorf("updated serial = %q", f.Text())
	}
}

// A Datto link carries what Halo's own Datto integration keeps beside
// datto_id: the device's site and its pages.
func TestDattoLinkKeepsSiteAndPages(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	_, site, typ := estate(srv)
	res := halodriver.NewReconcileTarget(c).SaveAssets(t.Context(), []reconcile.AssetWrite{{SiteID: site.ID, TypeID: typ.ID,
		Fields:   []reconcile.FieldWrite{{Name: "inventory_number", Value: "PC-9"}},
		LinkKind: "datto", LinkID: "dev-9", LinkSiteID: "site-uid-1",
		LinkURL: "https://merlot.centrastage.net/device/9", LinkRemoteURL: "https://merlot.centrastage.net/remote/9"}})
	if res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	rec := srv.Records("Asset")[0]
	if rec["datto_id"] != "dev-9" || rec["datto_site_uid"] != "site-uid-1" || rec["datto_url"] != "https://merlot.centrastage.net/device/9" ||
		rec["datto_remote_url"] != "https://merlot.centrastage.net/remote/9" {
		t.Errorf("stored asset = %v", rec)
	}
}
