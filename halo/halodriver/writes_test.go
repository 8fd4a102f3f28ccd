package halodriver_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halodriver"
	"github.com/mspsync/mspsync/reconcile"
	"github.com/mspsync/mspsync/reconcile/reconciletest"
)

// Halo replaces an asset's whole fields (and customfields) array with the
// one a POST carries (halo.md §11.3; halotest does the same). An import
// that updates one info field and one custom field must keep the values a
// technician typed into the others, and an update that changes no field
// must send no array.
func TestImportKeepsHandEnteredFieldValues(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	cust, site, typ := estate(srv)
	serial := srv.SeedAssetField(halo.AssetField{Name: "Serial Number"})
	model := srv.SeedAssetField(halo.AssetField{Name: "Model"})
	warranty := srv.SeedAssetField(halo.AssetField{Name: "Warranty Expiry"})
	owner := srv.SeedCustomField(halo.CustomFieldDef{Name: "CFOwner", Label: "Owner"})
	centre := srv.SeedCustomField(halo.CustomFieldDef{Name: "CFCostCentre", Label: "Cost Centre"})
	asset := srv.SeedAsset(halo.Asset{InventoryNumber: "PC-1", SiteID: site.ID, AssetTypeID: typ.ID, DattoID: "dev-1",
		Fields: []halo.FieldValue{{ID: serial.ID, Value: halo.TextValue("SN1")}, {ID: model.ID, Value: halo.TextValue("T14")},
			{ID: warranty.ID, Value: halo.TextValue("2027-03-31")}},
		CustomFields: []halo.CustomField{{ID: owner.ID, Value: halo.TextValue("Facilities")}, {ID: centre.ID, Value: halo.TextValue("CC-1")}}})

	src := &reconciletest.Source{Snapshot: reconcile.SourceSnapshot{
		Source:   reconcile.SourceInfo{Kind: "datto"},
		Sites:    []reconcile.SourceSite{{ID: "s1", Name: "Acme Ltd"}},
		Devices:  []reconcile.Device{{ID: "dev-1", SiteID: "s1", Name: "PC-1", Fields: map[string]string{"hostname": "PC-1", "serial": "SN1", "model": "T16", "cost": "CC-2"}}},
		Complete: true,
	}}
	cfg := &reconcile.Config{
		Sites: reconcile.SiteConfig{Method: reconcile.SiteMappings, Mappings: []reconcile.SiteMapping{{SourceSiteID: "s1", CustomerID: cust.ID, SiteID: site.ID}}},
		FieldMappings: []reconcile.FieldMapping{{Source: "hostname", Target: "inventory_number"}, {Source: "serial", Target: "Serial Number"},
			{Source: "model", Target: "Model"}, {Source: "cost", Target: "Cost Centre"}},
		AssetTypes: reconcile.TypeConfig{Mode: reconcile.TypeField, Field: "kind", Default: "Workstation"},
	}
	target := halodriver.NewReconcileTarget(c)
	res, err := reconcile.Run(t.Context(), src, target, cfg, reconcile.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Changeset.Summary(); s.Updated != 1 || s.Failed != 0 {
		t.Fatalf("summary = %+v; want one update", s)
	}
	got := srv.Assets()[0]
	want := map[int]string{serial.ID: "SN1", model.ID: "T16", warranty.ID: "2027-03-31"}
	for id, v := range want {
		if f, ok := got.Field(id); !ok || f.Text() != v {
			t.Errorf("info field %d = %q (present %v); want %q", id, f.Text(), ok, v)
		}
	}
	cf := map[int]string{}
	for _, f := range got.CustomFields {
		cf[f.ID] = f.Text()
	}
	if cf[owner.ID] != "Facilities" || cf[centre.ID] != "CC-2" || len(got.Fields) != 3 || len(got.CustomFields) != 2 {
		t.Errorf("after the import: fields %+v, custom fields %v; want the hand-entered Warranty Expiry and Owner kept", got.Fields, cf)
	}
	again, err := reconcile.Run(t.Context(), src, target, cfg, reconcile.RunOptions{})
	if err != nil || again.Changeset.Writes() != 0 {
		t.Fatalf("second run: %d writes, %v", again.Changeset.Writes(), err)
	}

	// A write that changes no info or custom field sends neither array;
	// one that changes only an info field sends no customfields.
	srv.ResetRequests()
	r := target.SaveAssets(t.Context(), []reconcile.AssetWrite{{ID: asset.ID, StatusID: 2}})
	r = append(r, target.SaveAssets(t.Context(), []reconcile.AssetWrite{{ID: asset.ID, Fields: []reconcile.FieldWrite{{Name: "Model", Value: "T17"}}}})...)
	var bodies [][]map[string]json.RawMessage
	for _, req := range srv.Requests() {
		if req.Method == http.MethodPost {
			var b []map[string]json.RawMessage
			json.Unmarshal(req.Body, &b)
			bodies = append(bodies, b)
		}
	}
	if r[0].Err != nil || r[1].Err != nil || len(bodies) != 2 {
		t.Fatalf("results %+v, %d POSTs", r, len(bodies))
	}
	if _, ok := bodies[0][0]["fields"]; ok {
		t.Errorf("a status update sent fields: %s", bodies[0][0]["fields"])
	}
	if _, ok := bodies[0][0]["customfields"]; ok {
		t.Errorf("a status update sent customfields")
	}
	if _, ok := bodies[1][0]["customfields"]; ok {
		t.Errorf("an info field update sent customfields")
	}
	if got := srv.Assets()[0]; len(got.Fields) != 3 || len(got.CustomFields) != 2 {
		t.Errorf("after single writes: %+v / %+v", got.Fields, got.CustomFields)
	}
}

// A 400-device first import into Halo takes at most 30 writes (creates
// and updates travel 50 to a POST; a batch's created ids are found by one
// read); the second run writes nothing.
func TestImportOf400DevicesIsBatched(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	cust, _, _ := estate(srv)
	srv.SeedAssetField(halo.AssetField{Name: "Serial Number"})
	snap := reconcile.SourceSnapshot{Source: reconcile.SourceInfo{Kind: "datto"}, Complete: true}
	for s := range 5 {
		id := fmt.Sprint("site-", s)
		name := fmt.Sprint("Customer ", s)
		if s == 0 {
			name = cust.Name // matched by name
		}
		snap.Sites = append(snap.Sites, reconcile.SourceSite{ID: id, Name: name})
		for d := range 80 {
			host := fmt.Sprintf("C%d-PC%03d", s, d)
			snap.Devices = append(snap.Devices, reconcile.Device{ID: fmt.Sprintf("dev-%d-%d", s, d), SiteID: id, Name: host,
				Fields: map[string]string{"hostname": host, "serial": "SN-" + host, "kind": []string{"Workstation", "Laptop"}[d%2]}})
		}
	}
	src := &reconciletest.Source{Snapshot: snap}
	cfg := &reconcile.Config{
		Sites:         reconcile.SiteConfig{Method: reconcile.SiteMappings, NewSites: reconcile.NewSitesAsCustomers, MainSiteName: "Main"},
		FieldMappings: []reconcile.FieldMapping{{Source: "hostname", Target: "inventory_number"}, {Source: "serial", Target: "Serial Number"}},
		Matching:      reconcile.MatchingConfig{Field: "Serial Number"},
		AssetTypes:    reconcile.TypeConfig{Mode: reconcile.TypeField, Field: "kind", Default: "Workstation", NewTypeGroupID: 1},
	}
	target := halodriver.NewReconcileTarget(c)
	before := c.Stats()
	res, err := reconcile.Run(t.Context(), src, target, cfg, reconcile.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	first := c.Stats().Sub(before)
	if s := res.Changeset.Summary(); s.Created != 400+4+1 || s.Failed != 0 {
		for _, a := range res.Changeset.Actions {
			if a.Result != nil && a.Result.Error != "" {
				t.Log(a.Kind, a.Name, a.Result.Error)
			}
		}
		t.Fatalf("first run: %+v", s)
	}
	byLink := map[string]int{}
	for _, a := range srv.Assets() {
		byLink[a.DattoID]++
		if (a.ClientID == cust.ID) != strings.HasPrefix(a.InventoryNumber, "C0-") {
			t.Errorf("asset %s placed at customer %d", a.InventoryNumber, a.ClientID)
		}
	}
	if len(byLink) != 400 || len(srv.Assets()) != 400 {
		t.Errorf("%d assets, %d distinct links; want 400 of each", len(srv.Assets()), len(byLink))
	}
	t.Logf("first run: %s", first)
	if first.Writes > 30 {
		t.Errorf("first run: %d writes, want at most 30", first.Writes)
	}
	before = c.Stats()
	again, err := reconcile.Run(t.Context(), src, target, cfg, reconcile.RunOptions{})
	if err != nil || again.Changeset.Writes() != 0 {
		t.Fatalf("second run: %d writes, %v", again.Changeset.Writes(), err)
	}
	t.Logf("second run: %s", c.Stats().Sub(before))
	if w := c.Stats().Sub(before).Writes; w != 0 {
		t.Errorf("second run: %d Halo writes", w)
	}
}
