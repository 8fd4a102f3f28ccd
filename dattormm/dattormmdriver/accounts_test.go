package dattormmdriver_test

import (
	"fmt"
	"testing"

	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/dattormm/dattormmdriver"
	"github.com/mspsync/mspsync/dattormm/dattormmtest"
	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halodriver"
	"github.com/mspsync/mspsync/halo/halotest"
	"github.com/mspsync/mspsync/reconcile"
	"github.com/mspsync/mspsync/reconcile/reconciletest"
)

// Two Datto accounts (an MSP that bought another) feed one Halo: overlapping
// site names, one serial on a device of each. Synced in turns, twice each,
// neither touches the other's assets, and second runs write nothing.
func TestTwoDattoAccountsIntoOneHalo(t *testing.T) {
	t.Parallel()
	hs := halotest.NewServer(t)
	hc, err := hs.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	grp := hs.SeedAssetGroup(halo.AssetGroup{Name: "Devices"})
	hs.SeedAssetType(halo.AssetType{Name: "Desktop", AssetGroupID: grp.ID})
	hs.SeedAssetField(halo.AssetField{Name: "Serial Number"})
	target := halodriver.NewReconcileTarget(hc)

	account := func(uid string, serials ...string) *dattormmdriver.ReconcileSource {
		ds := dattormmtest.NewServer(t, dattormmtest.WithAccountUID(uid))
		dc, err := ds.NewClient()
		if err != nil {
			t.Fatal(err)
		}
		site := ds.SeedSite(dattormm.Site{Name: "Contoso"})
		for i, sn := range serials {
			d := ds.SeedDevice(dattormm.Device{Hostname: fmt.Sprintf("%s-PC%d", uid, i), SiteUID: site.UID, DeviceType: dattormm.DeviceType{Category: "Desktop"}})
			ds.SeedAudit(d.UID, dattormm.DeviceAudit{BIOS: dattormm.BIOS{SerialNumber: sn}})
		}
		src := dattormmdriver.NewReconcileSource(dc)
		src.Account = uid
		return src
	}
	a, b := account("acct-a", "SN-A1", "SHARED-SN-77"), account("acct-b", "SN-B1", "SHARED-SN-77")
	cfg := &reconcile.Config{
		FieldMappings: []reconcile.FieldMapping{{Source: "hostname", Target: "inventory_number"}, {Source: "serialNumber", Target: "Serial Number"}},
		Matching:      reconcile.MatchingConfig{Field: "Serial Number", ScopeToCustomer: true},
		AssetTypes:    reconcile.TypeConfig{Mode: reconcile.TypeFixed, Default: "Desktop"},
		Lifecycle:     reconcile.LifecycleConfig{DeactivateDeleted: true},
	}
	store := &reconciletest.Mappings{}
	sync := func(src *dattormmdriver.ReconcileSource) *reconcile.Changeset {
		t.Helper()
		res, err := reconcile.Run(t.Context(), src, target, cfg, reconcile.RunOptions{Mappings: store})
		if err != nil {
			t.Fatal(err)
		}
		if s := res.Changeset.Summary(); s.Failed != 0 {
			t.Fatalf("%s", s)
		}
		return res.Changeset
	}
	sync(a)
	afterA := hs.Assets()
	sync(b)
	assets := hs.Assets()
	if len(afterA) != 2 || len(assets) != 4 {
		t.Fatalf("assets after a: %d, after b: %d; want 2 and 4 (the shared serial must not merge devices of two accounts)", len(afterA), len(assets))
	}
	for i, before := range afterA {
		now := assets[i]
		if now.DattoID != before.DattoID || now.InventoryNumber != before.InventoryNumber || (now.Inactive != nil && *now.Inactive) {
			t.Errorf("account a's asset %d changed when b ran: %s/%s → %s/%s", before.ID, before.DattoID, before.InventoryNumber, now.DattoID, now.InventoryNumber)
		}
	}
	if n := len(hs.Customers()); n != 1 {
		t.Errorf("%d Halo customers; both accounts' Contoso is one customer", n)
	}
	for round := range 2 {
		for name, src := range map[string]*dattormmdriver.ReconcileSource{"a": a, "b": b} {
			if cs := sync(src); cs.Writes() != 0 {
				t.Errorf("round %d, account %s: %d writes", round, name, cs.Writes())
			}
		}
	}
}
