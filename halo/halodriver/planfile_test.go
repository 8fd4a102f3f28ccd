package halodriver_test

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halodriver"
	"github.com/mspsync/mspsync/halo/halotest"
	"github.com/mspsync/mspsync/reconcile"
	"github.com/mspsync/mspsync/reconcile/reconciletest"
)

// planWorld seeds Halo with Acme Ltd and one linked asset (serial SN1),
// and returns a source that updates it (serial SN2), adds a device to
// Acme and brings a new site, Globex, with one device.
func planWorld(srv *halotest.Server) (*reconciletest.Source, *reconcile.Config, halo.Asset) {
	_, site, _ := estate(srv)
	sn := srv.SeedAssetField(halo.AssetField{Name: "Serial Number"})
	asset := srv.SeedAsset(halo.Asset{InventoryNumber: "PC-1", SiteID: site.ID, AssetTypeID: 1, DattoID: "dev-1",
		Fields: []halo.FieldValue{{ID: sn.ID, Value: halo.TextValue("SN1")}}})
	src := &reconciletest.Source{Snapshot: reconcile.SourceSnapshot{Source: reconcile.SourceInfo{Kind: "datto"}, Complete: true,
		Sites: []reconcile.SourceSite{{ID: "s1", Name: "Acme Ltd"}, {ID: "s2", Name: "Globex"}},
		Devices: []reconcile.Device{
			{ID: "dev-1", SiteID: "s1", Name: "PC-1", Fields: map[string]string{"hostname": "PC-1", "serial": "SN2"}},
			{ID: "dev-2", SiteID: "s1", Name: "PC-2", Fields: map[string]string{"hostname": "PC-2", "serial": "SN3"}},
			{ID: "dev-3", SiteID: "s2", Name: "GLX-1", Fields: map[string]string{"hostname": "GLX-1", "serial": "SN4"}},
		}}}
	cfg := &reconcile.Config{
		Sites:         reconcile.SiteConfig{Method: reconcile.SiteMappings, NewSites: reconcile.NewSitesAsCustomers, MainSiteName: "Main"},
		FieldMappings: []reconcile.FieldMapping{{Source: "hostname", Target: "inventory_number"}, {Source: "serial", Target: "Serial Number"}},
		Matching:      reconcile.MatchingConfig{Field: "Serial Number"},
		AssetTypes:    reconcile.TypeConfig{Mode: reconcile.TypeFixed, Default: "Workstation"},
	}
	return src, cfg, asset
}

// planFile plans without writing and returns the plan as read back from
// its file.
func planFile(t *testing.T, c *halo.Client, src reconcile.Source, cfg *reconcile.Config) *reconcile.Changeset {
	t.Helper()
	res, err := reconcile.Run(t.Context(), src, halodriver.NewReconcileTarget(c), cfg, reconcile.RunOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := res.Changeset.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	cs, err := reconcile.ReadChangeset(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// TestApplyPlanUnchangedTarget: a plan read back from its file applies
// exactly as it was planned when nothing changed in Halo.
func TestApplyPlanUnchangedTarget(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	src, cfg, asset := planWorld(srv)
	cs := planFile(t, c, src, cfg)
	if s := cs.Summary(); s.Created != 3 || s.Updated != 2 { // customer Globex, PC-2 and GLX-1; PC-1's serial and Acme's link
		t.Errorf("plan summary %+v", s)
	}
	srv.ResetRequests()
	res, err := reconcile.ApplyPlan(t.Context(), cs, halodriver.NewReconcileTarget(c), reconcile.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if w := res.Changeset.WriteCounts(); w.Applied != w.Planned || w.Planned == 0 {
		t.Errorf("writes %+v", w)
	}
	if srv.Count("POST", "/api/") == 0 {
		t.Error("nothing was written")
	}
	ref, err := c.Fields.Resolve(t.Context(), "Serial Number")
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Assets.Get(t.Context(), asset.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := got.Field(ref.ID); v.Text() != "SN2" {
		t.Errorf("serial = %q", v.Text())
	}
	if n := len(srv.Assets()); n != 3 {
		t.Errorf("%d assets, want 3", n)
	}
}

// TestApplyPlanRefusesAChangedTarget: edits in Halo after planning (the
// serial the plan updates, a customer of the name it creates) are listed
// as conflicts and nothing is written.
func TestApplyPlanRefusesAChangedTarget(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	src, cfg, asset := planWorld(srv)
	cs := planFile(t, c, src, cfg)

	// A technician edits the asset's serial, and someone adds Globex.
	a, err := c.Assets.Get(t.Context(), asset.ID)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := c.Fields.Resolve(t.Context(), "Serial Number")
	if err != nil {
		t.Fatal(err)
	}
	a.SetField(ref, halo.TextValue("SN-TECH"))
	if _, err := c.Assets.Save(t.Context(), *a); err != nil {
		t.Fatal(err)
	}
	srv.SeedCustomer(halo.Customer{Name: "GLOBEX"})

	srv.ResetRequests()
	res, err := reconcile.ApplyPlan(t.Context(), cs, halodriver.NewReconcileTarget(c), reconcile.RunOptions{})
	var de *reconcile.DriftError
	if !errors.As(err, &de) || !errors.Is(err, reconcile.ErrDrift) {
		t.Fatalf("err = %v, want a *DriftError", err)
	}
	if n := srv.Count("POST", "/api/") + srv.Count("PUT", "/api/") + srv.Count("DELETE", "/api/"); n != 0 {
		t.Errorf("%d writes to Halo after the conflicts", n)
	}
	if res.Changeset.WriteCounts().Applied != 0 {
		t.Errorf("writes applied: %+v", res.Changeset.WriteCounts())
	}
	var fields, customers []string
	for _, c := range de.Conflicts {
		if c.Field != "" {
			fields = append(fields, c.Field+": "+c.Planned+" → now "+c.Now)
		} else {
			customers = append(customers, c.Reason)
		}
	}
	if len(de.Conflicts) != 2 || len(fields) != 1 || fields[0] != "Serial Number: SN1 → now SN-TECH" ||
		len(customers) != 1 || !strings.Contains(customers[0], `a customer named "GLOBEX" exists now`) {
		t.Errorf("conflicts:\n%v", err)
	}
	if !strings.Contains(err.Error(), "nothing was written") || !strings.Contains(err.Error(), "asset "+strconv.Itoa(asset.ID)) {
		t.Errorf("error text: %v", err)
	}
}

// TestApplyPlanRefusesADuplicateMadeByHand: an asset someone added in
// Halo after the plan, with the serial of a device the plan creates an
// asset for, would be duplicated by the create: ApplyPlan refuses with
// the conflict naming the device and the asset, and writes nothing.
func TestApplyPlanRefusesADuplicateMadeByHand(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	src, cfg, asset := planWorld(srv)
	cs := planFile(t, c, src, cfg)

	ref, err := c.Fields.Resolve(t.Context(), "Serial Number")
	if err != nil {
		t.Fatal(err)
	}
	hand := srv.SeedAsset(halo.Asset{InventoryNumber: "pc2 (added by hand)", SiteID: asset.SiteID, AssetTypeID: 1,
		Fields: []halo.FieldValue{{ID: ref.ID, Value: halo.TextValue("sn-3")}}})

	srv.ResetRequests()
	res, err := reconcile.ApplyPlan(t.Context(), cs, halodriver.NewReconcileTarget(c), reconcile.RunOptions{})
	var de *reconcile.DriftError
	if !errors.As(err, &de) {
		t.Fatalf("err = %v, want a *DriftError", err)
	}
	if n := srv.Count("POST", "/api/") + srv.Count("PUT", "/api/") + srv.Count("DELETE", "/api/"); n != 0 || res.Changeset.WriteCounts().Applied != 0 {
		t.Errorf("%d writes to Halo after the conflict (%+v)", n, res.Changeset.WriteCounts())
	}
	if len(de.Conflicts) != 1 {
		t.Fatalf("conflicts:\n%v", err)
	}
	got := de.Conflicts[0]
	if got.Kind != reconcile.CreateAsset || got.Name != "PC-2" || got.Record != "asset "+strconv.Itoa(hand.ID) ||
		!strings.Contains(got.Reason, `has Serial Number "sn-3" now, which matches device dev-2`) {
		t.Errorf("conflict %+v", got)
	}
	if n := len(srv.Assets()); n != 2 {
		t.Errorf("%d assets in Halo, want the 2 there were", n)
	}
}
