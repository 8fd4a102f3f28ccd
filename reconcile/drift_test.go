package reconcile_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/reconcile"
	"github.com/mspsync/mspsync/reconcile/reconciletest"
)

// These tests run the import the way an MSP schedules it: again and again,
// with people changing things on both sides in between.

// unlinked is a Target that keeps no site links (like a PSA with nowhere
// to put them): only the mapping store remembers what the import learned.
type unlinked struct{ *reconciletest.Target }

func (u unlinked) LoadTarget(ctx context.Context) (*reconcile.TargetSnapshot, error) {
	snap, err := u.Target.LoadTarget(ctx)
	if snap != nil {
		snap.SiteLinkKinds = nil
		for i := range snap.Customers {
			snap.Customers[i].Links = nil
		}
		for i := range snap.Sites {
			snap.Sites[i].Links = nil
		}
	}
	return snap, err
}

func run(t *testing.T, src reconcile.Source, tgt reconcile.Target, cfg *reconcile.Config, store reconcile.MappingStore) *reconcile.Changeset {
	t.Helper()
	res, err := reconcile.Run(t.Context(), src, tgt, cfg, reconcile.RunOptions{Mappings: store})
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Changeset.Summary(); s.Failed != 0 {
		t.Fatalf("run failed: %s", s)
	}
	return res.Changeset
}

func countKind(cs *reconcile.Changeset, k reconcile.ActionKind) int {
	n := 0
	for _, a := range cs.Actions {
		if a.Kind == k {
			n++
		}
	}
	return n
}

func hasNotice(cs *reconcile.Changeset, k reconcile.NoticeKind, text string) bool {
	return slices.ContainsFunc(cs.Notices, func(n reconcile.Notice) bool { return n.Kind == k && strings.Contains(n.Message, text) })
}

func TestRenamedSourceSiteCreatesNoSecondCustomer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		links bool // the target keeps site links
		store bool // a mapping store is kept
	}{{"by link", true, false}, {"by learned mapping", false, true}, {"by both", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			srcSnap, tgtSnap := world()
			src := &reconciletest.Source{Snapshot: *srcSnap}
			mem := reconciletest.NewTarget(tgtSnap)
			var tgt reconcile.Target = mem
			if !tc.links {
				tgt = unlinked{mem}
			}
			var store reconcile.MappingStore
			if tc.store {
				store = &reconciletest.Mappings{}
			}
			first := run(t, src, tgt, config(), store)
			if countKind(first, reconcile.CreateCustomer) != 1 {
				t.Fatalf("first run created %d customers; want Fabrikam", countKind(first, reconcile.CreateCustomer))
			}
			if tc.store {
				ms, _ := store.Mappings(t.Context(), "rmm", "")
				if len(ms) != 2 || ms[1].SourceSiteID != "s-fab" || ms[1].CustomerID == 0 || ms[1].SiteID == 0 {
					t.Fatalf("learned mappings = %+v; want Contoso (by name) and Fabrikam (created) with their IDs", ms)
				}
			}
			src.Snapshot.Sites[1].Name = "Fabrikam Holdings" // renamed in the RMM
			second := run(t, src, tgt, config(), store)
			if n := countKind(second, reconcile.CreateCustomer); n != 0 || second.Writes() != 0 {
				t.Fatalf("after a rename: %d customers created, %d writes; want none", n, second.Writes())
			}
			if !hasNotice(second, reconcile.NoticeRenamed, `"Fabrikam Holdings" is PSA customer "Fabrikam"`) {
				t.Errorf("the rename is not reported: %+v", second.Notices)
			}
		})
	}
	// Without links or a store, the rename is a new customer: what the
	// features above prevent.
	srcSnap, tgtSnap := world()
	src := &reconciletest.Source{Snapshot: *srcSnap}
	tgt := unlinked{reconciletest.NewTarget(tgtSnap)}
	run(t, src, tgt, config(), nil)
	src.Snapshot.Sites[1].Name = "Fabrikam Holdings"
	if n := countKind(run(t, src, tgt, config(), nil), reconcile.CreateCustomer); n != 1 {
		t.Errorf("control: %d customers created; the test no longer shows what links and mappings prevent", n)
	}
}

func TestMatchedCustomersAreLinked(t *testing.T) {
	t.Parallel()
	srcSnap, tgtSnap := world()
	tgtSnap.Customers[0].Name = "  CONTOSO " // spaces and case do not count
	tgt := reconciletest.NewTarget(tgtSnap)
	cs := run(t, &reconciletest.Source{Snapshot: *srcSnap}, tgt, config(), nil)
	if tgt.Calls("LinkSite") != 1 || countKind(cs, reconcile.CreateCustomer) != 1 {
		t.Fatalf("LinkSite calls %d, customers created %d; want Contoso linked and Fabrikam created", tgt.Calls("LinkSite"), countKind(cs, reconcile.CreateCustomer))
	}
	snap := tgt.Snapshot()
	if snap.Customers[0].Links["rmm"] != "s-contoso" {
		t.Errorf("Contoso links = %v", snap.Customers[0].Links)
	}
	if fab := snap.Customers[1]; fab.Links["rmm"] != "s-fab" {
		t.Errorf("created Fabrikam links = %v", fab.Links)
	}
}

func TestSimilarNamesAreReportedAndCanBeHeld(t *testing.T) {
	t.Parallel()
	for _, review := range []bool{false, true} {
		srcSnap, tgtSnap := world()
		tgtSnap.Customers = append(tgtSnap.Customers, reconcile.Customer{ID: 2, Name: "Fabrikam, Inc."}, reconcile.Customer{ID: 3, Name: "Fabricam"})
		tgtSnap.Sites = append(tgtSnap.Sites, reconcile.Site{ID: 20, CustomerID: 2, Name: "Main"}, reconcile.Site{ID: 30, CustomerID: 3, Name: "Main"})
		cfg := config()
		cfg.Sites.ReviewSimilar = review
		cs := plan(t, srcSnap, tgtSnap, cfg)
		if !hasNotice(cs, reconcile.NoticePossibleDuplicate, `"Fabrikam" may be the PSA customer "Fabrikam, Inc." or "Fabricam"`) {
			t.Errorf("review=%v: notices %+v", review, cs.Notices)
		}
		created := countKind(cs, reconcile.CreateCustomer)
		if a := find(cs, "d3"); review && (created != 0 || a.Kind != reconcile.SkipDevice || !strings.Contains(a.Reason, "held back")) {
			t.Errorf("review on: %d created, FAB-PC1 %s (%s); want it held back", created, a.Kind, a.Reason)
		}
		if !review && created != 1 {
			t.Errorf("review off: %d customers created; want the new one", created)
		}
	}
	srcSnap, tgtSnap := world()
	tgtSnap.Customers = append(tgtSnap.Customers, reconcile.Customer{ID: 2, Name: "fabrikam"}, reconcile.Customer{ID: 3, Name: "Fabrikam "})
	tgtSnap.Sites = append(tgtSnap.Sites, reconcile.Site{ID: 20, CustomerID: 2, Name: "Main"}, reconcile.Site{ID: 30, CustomerID: 3, Name: "Main"})
	if a := find(plan(t, srcSnap, tgtSnap, config()), "d3"); a.Kind != reconcile.SkipDevice || !strings.Contains(a.Reason, "2 PSA customers have that name") {
		t.Errorf("two customers of the same name: %s %s", a.Kind, a.Reason)
	}
}

func TestDeletedStatusWithoutDeactivation(t *testing.T) {
	t.Parallel()
	srcSnap, tgtSnap := world()
	tgtSnap.Assets = append(tgtSnap.Assets, reconcile.Asset{ID: 501, CustomerID: 1, SiteID: 10, TypeID: 100, StatusID: 1, Name: "GONE",
		Links: map[string]string{"rmm": "d-gone"}})
	cfg := config()
	cfg.Lifecycle = reconcile.LifecycleConfig{DeletedStatusID: 7}
	tgt := reconciletest.NewTarget(tgtSnap)
	cs := run(t, &reconciletest.Source{Snapshot: *srcSnap}, tgt, cfg, nil)
	if countKind(cs, reconcile.DeactivateAsset) != 1 {
		t.Fatalf("status-only retirement planned %d actions", countKind(cs, reconcile.DeactivateAsset))
	}
	snap := tgt.Snapshot()
	if a := snap.Assets[1]; a.StatusID != 7 || a.Inactive {
		t.Errorf("retired asset = status %d inactive %v; want status 7, still active", a.StatusID, a.Inactive)
	}
	if again := run(t, &reconciletest.Source{Snapshot: *srcSnap}, tgt, cfg, nil); again.Writes() != 0 {
		t.Errorf("second run writes %d", again.Writes())
	}
}

func TestAccountsOfOneKindNeverTouchEachOther(t *testing.T) {
	t.Parallel()
	tgt := reconciletest.NewTarget(reconcile.TargetSnapshot{AssetTypes: []reconcile.AssetType{{ID: 1, Name: "PC"}},
		Fields: []reconcile.FieldDef{{Name: "name", Native: true}, {Name: "serial"}}})
	account := func(acc string, serials ...string) *reconciletest.Source {
		s := &reconciletest.Source{Snapshot: reconcile.SourceSnapshot{Source: reconcile.SourceInfo{Kind: "rmm", Account: acc}, Complete: true,
			Sites: []reconcile.SourceSite{{ID: acc + "-site", Name: "Contoso"}}}}
		for i, sn := range serials {
			name := fmt.Sprintf("%s-PC%d", strings.ToUpper(acc), i)
			s.Snapshot.Devices = append(s.Snapshot.Devices, reconcile.Device{ID: fmt.Sprintf("%s-dev-%d", acc, i), SiteID: acc + "-site", Name: name,
				Fields: map[string]string{"name": name, "serial": sn}})
		}
		return s
	}
	a, b := account("a", "SN-1", "SHARED-99"), account("b", "SN-2", "SHARED-99")
	cfg := &reconcile.Config{FieldMappings: []reconcile.FieldMapping{{Source: "name", Target: "name"}, {Source: "serial", Target: "serial"}},
		Matching: reconcile.MatchingConfig{Field: "serial", ScopeToCustomer: true}, AssetTypes: reconcile.TypeConfig{Mode: reconcile.TypeFixed, Default: "PC"},
		Lifecycle: reconcile.LifecycleConfig{DeactivateDeleted: true}}
	store := &reconciletest.Mappings{}
	run(t, a, tgt, cfg, store)
	afterA := tgt.Snapshot()
	csB := run(t, b, tgt, cfg, store)
	if n := countKind(csB, reconcile.DeactivateAsset); n != 0 {
		t.Fatalf("account b deactivated %d of account a's assets", n)
	}
	for _, asset := range afterA.Assets {
		now := tgt.Snapshot().Assets[slices.IndexFunc(tgt.Snapshot().Assets, func(x reconcile.Asset) bool { return x.ID == asset.ID })]
		if now.Links["rmm"] != asset.Links["rmm"] || now.LinkAccounts["rmm"] != "a" || now.Inactive {
			t.Errorf("account a's asset %d changed when b ran: %+v → %+v", asset.ID, asset, now)
		}
	}
	for _, src := range []*reconciletest.Source{a, b, a, b} {
		if cs := run(t, src, tgt, cfg, store); cs.Writes() != 0 {
			t.Errorf("account %s again: %d writes", src.Snapshot.Source.Account, cs.Writes())
		}
	}
	// A device that leaves account a retires only a's asset.
	a.Snapshot.Devices = a.Snapshot.Devices[:1]
	if cs := run(t, a, tgt, cfg, store); countKind(cs, reconcile.DeactivateAsset) != 1 {
		t.Errorf("account a lost a device: %d deactivations; want 1", countKind(cs, reconcile.DeactivateAsset))
	}
	ma, _ := store.Mappings(t.Context(), "rmm", "a")
	mb, _ := store.Mappings(t.Context(), "rmm", "b")
	if len(ma) != 1 || len(mb) != 1 || ma[0].SourceSiteID != "a-site" || mb[0].SourceSiteID != "b-site" {
		t.Errorf("mappings a %+v, b %+v; want one each, per account", ma, mb)
	}
}

func TestPoliciesSurviveEditsInThePSA(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		adjust func(*reconcile.Config)
		edit   func(*reconcile.Asset)
		check  func(a reconcile.Asset) string
	}{
		{"create_only keeps a hand-edited name", func(c *reconcile.Config) { c.FieldMappings[0].Policy = reconcile.PolicyCreateOnly },
			func(a *reconcile.Asset) { a.Fields["inventory_number"] = "Reception PC" },
			func(a reconcile.Asset) string { return a.Fields["inventory_number"] }},
		{"fill_empty keeps a typed serial", func(c *reconcile.Config) { c.FieldMappings[1].Policy = reconcile.PolicyFillEmpty },
			func(a *reconcile.Asset) { a.Fields["Serial Number"] = "Reception PC" },
			func(a reconcile.Asset) string { return a.Fields["Serial Number"] }},
		{"dont_move_existing keeps a moved asset", func(c *reconcile.Config) { c.Sites.DontMoveExisting = true },
			func(a *reconcile.Asset) { a.SiteID = 11; a.Fields["moved"] = "Reception PC" },
			func(a reconcile.Asset) string {
				if a.SiteID != 11 {
					return "moved back"
				}
				return a.Fields["moved"]
			}},
		{"dont_retype_existing keeps a retyped asset", func(c *reconcile.Config) { c.AssetTypes.DontRetypeExisting = true },
			func(a *reconcile.Asset) { a.TypeID = 101; a.Fields["typed"] = "Reception PC" },
			func(a reconcile.Asset) string {
				if a.TypeID != 101 {
					return "retyped"
				}
				return a.Fields["typed"]
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srcSnap, tgtSnap := world()
			tgtSnap.Sites = append(tgtSnap.Sites, reconcile.Site{ID: 11, CustomerID: 1, Name: "Branch"})
			tgtSnap.AssetTypes = append(tgtSnap.AssetTypes, reconcile.AssetType{ID: 101, Name: "Kiosk"})
			cfg := config()
			tc.adjust(cfg)
			tgt := reconciletest.NewTarget(tgtSnap)
			src := &reconciletest.Source{Snapshot: *srcSnap}
			run(t, src, tgt, cfg, nil)
			tgt.EditAsset(500, tc.edit) // a technician edits CON-PC1
			cs := run(t, src, tgt, cfg, nil)
			if cs.Writes() != 0 {
				t.Errorf("the run after the edit writes %d: %+v", cs.Writes(), find(cs, "d1"))
			}
			snap := tgt.Snapshot()
			if got := tc.check(snap.Assets[0]); got != "Reception PC" {
				t.Errorf("after the run: %q", got)
			}
		})
	}
	// Without the switches the import puts its values back (the control).
	srcSnap, tgtSnap := world()
	tgt := reconciletest.NewTarget(tgtSnap)
	src := &reconciletest.Source{Snapshot: *srcSnap}
	run(t, src, tgt, config(), nil)
	tgt.EditAsset(500, func(a *reconcile.Asset) { a.Fields["inventory_number"] = "Reception PC" })
	if cs := run(t, src, tgt, config(), nil); cs.Writes() != 1 || tgt.Snapshot().Assets[0].Fields["inventory_number"] != "CON-PC1" {
		t.Errorf("control: %d writes, name %q", cs.Writes(), tgt.Snapshot().Assets[0].Fields["inventory_number"])
	}
	// match_only is never written, even on create.
	cfg := config()
	cfg.FieldMappings[1].Policy = reconcile.PolicyMatchOnly
	srcSnap, tgtSnap = world()
	for _, a := range plan(t, srcSnap, tgtSnap, cfg).Actions {
		if a.Write != nil && slices.ContainsFunc(a.Write.Fields, func(f reconcile.FieldWrite) bool { return f.Name == "Serial Number" }) {
			t.Errorf("match_only field written by %s %s", a.Kind, a.Name)
		}
	}
	cfg.FieldMappings[1].OnlyFillEmpty = true
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "field_mappings[1].only_fill_empty") {
		t.Errorf("contradicting policy and only_fill_empty: %v", err)
	}
}
