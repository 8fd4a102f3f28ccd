package leveldriver_test

import (
	"strings"
	"testing"

	"github.com/mspsync/mspsync/level"
	"github.com/mspsync/mspsync/level/leveldriver"
	"github.com/mspsync/mspsync/reconcile"
	"github.com/mspsync/mspsync/reconcile/reconciletest"
)

// TestRunPlacesDevicesOnNearestMappedAncestor runs reconcile.Run from a
// five-level Level tree, through leveldriver, into an in-memory PSA. Groups
// at levels 1, 3 and 5 are mapped (level 5 to a site of its own); each
// device lands on the customer and site of its nearest mapped ancestor,
// devices of an unmapped root and an ungrouped device are skipped, and a
// second run writes nothing.
func TestRunPlacesDevicesOnNearestMappedAncestor(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	var chain []level.Group
	parent := ""
	for _, name := range []string{"MSP", "Acme", "Acme EU", "Acme Berlin", "Acme Berlin Lab"} {
		g := srv.SeedGroup(level.Group{Name: name, ParentID: parent})
		chain = append(chain, g)
		parent = g.ID
	}
	other := srv.SeedGroup(level.Group{Name: "Prospects"})
	otherChild := srv.SeedGroup(level.Group{Name: "Prospects Trial", ParentID: other.ID})

	const (
		msp, acme         = 1, 2 // customers
		mspMain, acmeMain = 11, 21
		acmeLab           = 22
	)
	target := reconciletest.NewTarget(reconcile.TargetSnapshot{
		Customers:  []reconcile.Customer{{ID: msp, Name: "MSP Internal", MainSiteID: mspMain}, {ID: acme, Name: "Acme Corp", MainSiteID: acmeMain}},
		Sites:      []reconcile.Site{{ID: mspMain, CustomerID: msp, Name: "Main"}, {ID: acmeMain, CustomerID: acme, Name: "Main"}, {ID: acmeLab, CustomerID: acme, Name: "Lab"}},
		AssetTypes: []reconcile.AssetType{{ID: 5, Name: "Workstation"}},
		Fields:     []reconcile.FieldDef{{Name: "inventory_number", Native: true}},
	})
	cfg := &reconcile.Config{
		Sites: reconcile.SiteConfig{Method: reconcile.SiteMappings, NewSites: reconcile.NewSitesSkip, Mappings: []reconcile.SiteMapping{
			{SourceSiteID: chain[0].ID, CustomerID: msp},
			{SourceSiteID: chain[2].ID, CustomerID: acme},
			{SourceSiteID: chain[4].ID, CustomerID: acme, SiteID: acmeLab},
		}},
		FieldMappings: []reconcile.FieldMapping{{Source: "hostname", Target: "inventory_number"}},
		AssetTypes:    reconcile.TypeConfig{Mode: reconcile.TypeFixed, Default: "Workstation"},
	}

	type place struct{ customer, site int }
	want := map[string]place{} // device ID → placement
	skipped := map[string]bool{}
	for i, g := range chain {
		for _, host := range []string{g.Name + " pc1", g.Name + " pc2"} {
			d := srv.SeedDevice(level.Device{Hostname: host, GroupID: g.ID})
			want[d.ID] = []place{{msp, mspMain}, {msp, mspMain}, {acme, acmeMain}, {acme, acmeMain}, {acme, acmeLab}}[i]
		}
	}
	for _, g := range []string{other.ID, otherChild.ID, ""} {
		skipped[srv.SeedDevice(level.Device{Hostname: "unplaced", GroupID: g}).ID] = true
	}

	src := leveldriver.NewReconcileSource(c)
	res, err := reconcile.Run(t.Context(), src, target, cfg, reconcile.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Changeset.Summary(); s.Created != len(want) || s.Skipped != len(skipped) || s.Failed != 0 {
		var b strings.Builder
		res.Changeset.WriteTable(&b, true)
		t.Errorf("first run: %s\n%s", s, b.String())
	}
	got := map[string]place{}
	for _, a := range target.Snapshot().Assets {
		got[a.Links[leveldriver.Kind]] = place{a.CustomerID, a.SiteID}
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("device %s: placed at %+v, want %+v", id, got[id], w)
		}
	}
	for id := range skipped {
		if p, ok := got[id]; ok {
			t.Errorf("device %s under no mapped group was placed at %+v", id, p)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d assets, want %d", len(got), len(want))
	}

	writes := target.Writes()
	res, err = reconcile.Run(t.Context(), src, target, cfg, reconcile.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Changeset.Summary(); s.Created+s.Updated+s.Deactivated != 0 || s.Unchanged != len(want) || target.Writes() != writes {
		t.Errorf("second run: %s, %d writes", s, target.Writes()-writes)
	}
}
