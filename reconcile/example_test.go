package reconcile_test

import (
	"context"
	"fmt"

	"github.com/mspsync/mspsync/reconcile"
	"github.com/mspsync/mspsync/reconcile/reconciletest"
)

// exampleWorld is an RMM with two sites and three devices, and a PSA that
// knows one customer and, by serial number, one of the devices.
func exampleWorld() (*reconciletest.Source, *reconciletest.Target, *reconcile.Config) {
	src := &reconciletest.Source{Snapshot: reconcile.SourceSnapshot{
		Source:   reconcile.SourceInfo{Kind: "myrmm"},
		Complete: true,
		Sites:    []reconcile.SourceSite{{ID: "s1", Name: "Contoso"}, {ID: "s2", Name: "Fabrikam"}},
		Devices: []reconcile.Device{
			{ID: "d1", SiteID: "s1", Name: "CON-PC01", Fields: map[string]string{"hostname": "CON-PC01", "serial": "SN-1", "type": "Desktop"}},
			{ID: "d2", SiteID: "s1", Name: "CON-SRV01", Fields: map[string]string{"hostname": "CON-SRV01", "serial": "SN-2", "type": "Server"}},
			{ID: "d3", SiteID: "s2", Name: "FAB-LT07", Fields: map[string]string{"hostname": "FAB-LT07", "serial": "SN-3", "type": "Laptop"}},
		},
	}}
	tgt := reconciletest.NewTarget(reconcile.TargetSnapshot{
		Customers:   []reconcile.Customer{{ID: 1, Name: "Contoso", MainSiteID: 10}},
		Sites:       []reconcile.Site{{ID: 10, CustomerID: 1, Name: "Main"}},
		AssetTypes:  []reconcile.AssetType{{ID: 5, Name: "Desktop", GroupID: 1}, {ID: 6, Name: "Server", GroupID: 1}, {ID: 7, Name: "Laptop", GroupID: 1}},
		AssetGroups: []reconcile.AssetGroup{{ID: 1, Name: "Devices"}},
		Fields:      []reconcile.FieldDef{{Name: "inventory_number", Native: true}, {ID: 100, Name: "Serial Number"}},
		Assets: []reconcile.Asset{{ID: 50, Name: "CON-PC01", CustomerID: 1, SiteID: 10, TypeID: 5,
			Fields: map[string]string{"inventory_number": "CON-PC01", "Serial Number": "SN-1"}}},
	})
	cfg := reconcile.DefaultConfig()
	cfg.FieldMappings = []reconcile.FieldMapping{
		{Source: "hostname", Target: "inventory_number"},
		{Source: "serial", Target: "Serial Number"},
	}
	cfg.Matching.Field = "Serial Number"
	cfg.AssetTypes = reconcile.TypeConfig{Mode: reconcile.TypeField, Field: "type", Default: "Desktop"}
	return src, tgt, &cfg
}

// Plan is pure: it compares the two sides and says what it would do, and
// why, without a request to anyone.
func ExamplePlan() {
	src, tgt, cfg := exampleWorld()
	ctx := context.Background()
	s, _ := src.LoadSource(ctx)
	t, _ := tgt.LoadTarget(ctx)
	cs, err := reconcile.Plan(s, t, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range cs.Actions {
		fmt.Printf("%-15s %-9s %s\n", a.Kind, a.Name, a.Reason)
	}
	fmt.Println(cs.Summary())
	// Output:
	// link_site       Contoso   customer 1 matched source site "Contoso" by name; linking it so a rename never splits them
	// create_customer Fabrikam  source site "Fabrikam" is not mapped and no customer has its name
	// update_asset    CON-PC01  matched by Serial Number "SN-1"; changed: myrmm link
	// create_asset    CON-SRV01 no asset with Serial Number "SN-2"; customer "Contoso" matched by name; type from type "Server"
	// create_asset    FAB-LT07  no asset with Serial Number "SN-3"; new customer "Fabrikam"; type from type "Laptop"
	// summary: created=3 updated=2 unchanged=0 deactivated=0 skipped=0 ambiguous=0 failed=0
}

// Apply carries a plan out: customers and sites first, then the assets in
// batches. Planning again afterwards finds nothing to do.
func ExampleApply() {
	src, tgt, cfg := exampleWorld()
	ctx := context.Background()
	s, _ := src.LoadSource(ctx)
	t, _ := tgt.LoadTarget(ctx)
	cs, err := reconcile.Plan(s, t, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := reconcile.Apply(ctx, cs, tgt, reconcile.ApplyOptions{BatchSize: 50, Concurrency: 2}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("applied:", cs.Summary())
	t, _ = tgt.LoadTarget(ctx)
	again, _ := reconcile.Plan(s, t, cfg)
	fmt.Println("then:   ", again.Summary())
	// Output:
	// applied: summary: created=3 updated=2 unchanged=0 deactivated=0 skipped=0 ambiguous=0 failed=0
	// then:    summary: created=0 updated=0 unchanged=3 deactivated=0 skipped=0 ambiguous=0 failed=0
}

// Run does it all: load both sides, plan, and apply unless DryRun. With
// real vendors, src and tgt are drivers:
// dattormmdriver.NewReconcileSource(dc) and halodriver.NewReconcileTarget(hc).
func ExampleRun() {
	src, tgt, cfg := exampleWorld()
	ctx := context.Background()
	for _, dry := range []bool{true, false, false} {
		res, err := reconcile.Run(ctx, src, tgt, cfg, reconcile.RunOptions{DryRun: dry})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("dry run %-5v %s\n", dry, res.Changeset.Summary())
	}
	// Output:
	// dry run true  summary: created=3 updated=2 unchanged=0 deactivated=0 skipped=0 ambiguous=0 failed=0
	// dry run false summary: created=3 updated=2 unchanged=0 deactivated=0 skipped=0 ambiguous=0 failed=0
	// dry run false summary: created=0 updated=0 unchanged=3 deactivated=0 skipped=0 ambiguous=0 failed=0
}
