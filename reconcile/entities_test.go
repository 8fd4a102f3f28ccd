package reconcile_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/reconcile"
	"github.com/mspsync/mspsync/reconcile/reconciletest"
)

// TestEntitiesStagesAnImport: an import run in stages. "customers"
// creates Fabrikam (no site, field, type or asset); "sites" then adds the
// Lab site of Contoso that a child source site needs; "all" then creates
// and updates the assets; a run with nothing new writes nothing. No
// limited run asks the Enricher.
func TestEntitiesStagesAnImport(t *testing.T) {
	t.Parallel()
	src, tgt := world()
	src.Sites = append(src.Sites, reconcile.SourceSite{ID: "s-lab", Name: "Lab", ParentID: "s-contoso"})
	src.Devices = append(src.Devices, reconcile.Device{ID: "d5", SiteID: "s-lab", Name: "LAB-PC1",
		Fields: map[string]string{"hostname": "LAB-PC1", "serialNumber": "SN-005", "deviceType.category": "Desktop"}})
	tgt.SiteLinkKinds = []string{"rmm"}
	target := reconciletest.NewTarget(tgt)
	en := &countingEnricher{Source: reconciletest.Source{Snapshot: *src}}
	run := func(entities string) *reconcile.Changeset {
		t.Helper()
		cfg := config()
		cfg.Sites.ChildSites = reconcile.ChildSitesAsSites
		cfg.Entities = entities
		res, err := reconcile.Run(t.Context(), en, target, cfg, reconcile.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return res.Changeset
	}
	kinds := func(cs *reconcile.Changeset) map[reconcile.ActionKind]int {
		m := map[reconcile.ActionKind]int{}
		for _, a := range cs.Actions {
			m[a.Kind]++
		}
		return m
	}

	cs := run(reconcile.EntitiesCustomers)
	// Fabrikam is created, Contoso (matched by name) linked.
	if k := kinds(cs); len(cs.Actions) != 2 || k[reconcile.CreateCustomer] != 1 || k[reconcile.LinkSite] != 1 || cs.Entities != "customers" {
		t.Fatalf("customers run: %v", k)
	}
	for _, a := range cs.Actions {
		if a.Kind == reconcile.CreateCustomer && a.Name != "Fabrikam" || a.Kind == reconcile.LinkSite && a.LinkSiteID != 0 {
			t.Errorf("customers run: %+v", a)
		}
	}
	snap := target.Snapshot()
	if len(snap.Customers) != 2 || len(snap.Assets) != 1 || len(snap.Fields) != 2 || len(snap.AssetTypes) != 1 {
		t.Fatalf("after customers: %d customers, %d assets, %d fields, %d types", len(snap.Customers), len(snap.Assets), len(snap.Fields), len(snap.AssetTypes))
	}
	var buf bytes.Buffer
	if err := cs.WriteTable(&buf, false); err != nil || !strings.Contains(buf.String(), "entities: customers only") {
		t.Errorf("table: %v\n%s", err, buf.String())
	}

	cs = run(reconcile.EntitiesSites)
	if k := kinds(cs); k[reconcile.CreateSite] != 1 || k[reconcile.CreateCustomer] != 0 || k[reconcile.CreateAsset]+k[reconcile.UpdateAsset]+k[reconcile.CreateField] != 0 {
		t.Fatalf("sites run: %v", k)
	}
	snap = target.Snapshot()
	if len(snap.Assets) != 1 || len(snap.Sites) != 3 { // Contoso Main, Fabrikam's main, Lab
		t.Fatalf("after sites: %d assets, %d sites", len(snap.Assets), len(snap.Sites))
	}
	if en.calls != 0 {
		t.Errorf("a limited run enriched %d times", en.calls)
	}

	cs = run("")
	if k := kinds(cs); k[reconcile.CreateAsset] != 4 || k[reconcile.CreateCustomer]+k[reconcile.CreateSite] != 0 {
		t.Fatalf("full run: %v", k)
	}
	if cs = run(""); cs.Writes() != 0 {
		t.Errorf("a run after every stage writes %d", cs.Writes())
	}

	cfg := config()
	cfg.Entities = "assets"
	var ce *reconcile.ConfigError
	if err := cfg.Validate(); !errors.As(err, &ce) || ce.Key != "entities" {
		t.Errorf("bad entities: %v", err)
	}
}

type countingEnricher struct {
	reconciletest.Source
	calls int
}

func (e *countingEnricher) ExpensiveFields() []string { return []string{"serialNumber"} }

func (e *countingEnricher) Enrich(_ context.Context, ds []*reconcile.Device) error {
	e.calls++
	return nil
}

// TestIncompleteListingSaysWhy: a partial listing with deactivation
// configured deactivates nothing and the plan says why, in the source's
// words; a complete one or one without deactivation says nothing.
func TestIncompleteListingSaysWhy(t *testing.T) {
	t.Parallel()
	src, tgt := world()
	tgt.Assets = append(tgt.Assets, reconcile.Asset{ID: 600, CustomerID: 1, SiteID: 10, TypeID: 100, Links: map[string]string{"rmm": "d-gone"}})
	src.Complete, src.IncompleteReason = false, "the token sees only some organizations"
	cs := plan(t, src, tgt, config())
	if find(cs, "d-gone") != nil || len(cs.Notices) != 1 || cs.Notices[0].Kind != reconcile.NoticeSourceIncomplete ||
		!strings.Contains(cs.Notices[0].Message, "the token sees only some organizations") {
		t.Fatalf("notices %+v", cs.Notices)
	}
	var buf bytes.Buffer
	if err := cs.WriteTable(&buf, false); err != nil || !strings.Contains(buf.String(), "notice (source_incomplete): the source listing is incomplete (the token sees only some organizations): nothing is deactivated") {
		t.Errorf("table: %v\n%s", err, buf.String())
	}
	src.IncompleteReason = ""
	if cs = plan(t, src, tgt, config()); len(cs.Notices) != 1 || !strings.Contains(cs.Notices[0].Message, "a listing did not finish") {
		t.Errorf("no reason given: %+v", cs.Notices)
	}
	cfg := config()
	cfg.Lifecycle.DeactivateDeleted = false
	if cs = plan(t, src, tgt, cfg); len(cs.Notices) != 0 {
		t.Errorf("without deactivation: %+v", cs.Notices)
	}
	src.Complete = true
	if cs = plan(t, src, tgt, config()); len(cs.Notices) != 0 || find(cs, "d-gone") == nil {
		t.Errorf("complete: %+v", cs.Notices)
	}
}
