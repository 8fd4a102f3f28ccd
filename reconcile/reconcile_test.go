package reconcile_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/reconcile"
	"github.com/mspsync/mspsync/reconcile/reconciletest"
)

// world is a small Datto-like estate and a Halo-like PSA.
func world() (*reconcile.SourceSnapshot, reconcile.TargetSnapshot) {
	src := &reconcile.SourceSnapshot{Source: reconcile.SourceInfo{Kind: "rmm", UserField: "lastLoggedInUser"}, Complete: true,
		Sites: []reconcile.SourceSite{{ID: "s-contoso", Name: "Contoso"}, {ID: "s-fab", Name: "Fabrikam"}, {ID: "s-del", Name: "Deleted Devices", Excluded: true}}}
	dev := func(id, site, host, serial, cat string) reconcile.Device {
		return reconcile.Device{ID: id, SiteID: site, Name: host, Fields: map[string]string{"hostname": host, "serialNumber": serial, "deviceType.category": cat, "operatingSystem": "Windows 11"}}
	}
	src.Devices = []reconcile.Device{
		dev("d1", "s-contoso", "CON-PC1", "SN-001", "Desktop"),
		dev("d2", "s-contoso", "CON-PC2", "SN-002", "Laptop"),
		dev("d3", "s-fab", "FAB-PC1", "SN-003", "Desktop"),
		dev("d4", "s-fab", "FAB-SRV", "To be filled by O.E.M.", "Server"),
	}
	tgt := reconcile.TargetSnapshot{
		Customers:  []reconcile.Customer{{ID: 1, Name: "Contoso", MainSiteID: 10}},
		Sites:      []reconcile.Site{{ID: 10, CustomerID: 1, Name: "Main"}},
		AssetTypes: []reconcile.AssetType{{ID: 100, Name: "Desktop"}},
		Fields:     []reconcile.FieldDef{{Name: "inventory_number", Native: true}, {Name: "Serial Number", ID: 117}},
		Assets: []reconcile.Asset{
			// CON-PC1 exists, found by serial, not linked yet.
			{ID: 500, CustomerID: 1, SiteID: 10, TypeID: 100, Fields: map[string]string{"inventory_number": "CON-PC1", "Serial Number": "SN-001"}},
		},
	}
	return src, tgt
}

func config() *reconcile.Config {
	return &reconcile.Config{
		FieldMappings: []reconcile.FieldMapping{
			{Source: "hostname", Target: "inventory_number"},
			{Source: "serialNumber", Target: "Serial Number"},
			{Source: "operatingSystem", Target: "Operating System", CreateMissing: true},
		},
		Matching:   reconcile.MatchingConfig{Field: "Serial Number"},
		AssetTypes: reconcile.TypeConfig{Mode: reconcile.TypeField, Field: "deviceType.category", Default: "Desktop"},
		Lifecycle:  reconcile.LifecycleConfig{DeactivateDeleted: true},
	}
}

func plan(t *testing.T, src *reconcile.SourceSnapshot, tgt reconcile.TargetSnapshot, cfg *reconcile.Config) *reconcile.Changeset {
	t.Helper()
	cs, err := reconcile.Plan(src, &tgt, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func find(cs *reconcile.Changeset, device string) *reconcile.Action {
	for i := range cs.Actions {
		if cs.Actions[i].DeviceID == device {
			return &cs.Actions[i]
		}
	}
	return nil
}

func TestSecondRunChangesNothing(t *testing.T) {
	t.Parallel()
	src, tgt := world()
	target := reconciletest.NewTarget(tgt)
	cs := plan(t, src, target.Snapshot(), config())
	kinds := map[reconcile.ActionKind]int{}
	for _, a := range cs.Actions {
		kinds[a.Kind]++
	}
	// Operating System field, Fabrikam customer, Laptop and Server types;
	// d2, d3, d4 created; d1 linked and given its OS.
	want := map[reconcile.ActionKind]int{reconcile.CreateField: 1, reconcile.CreateCustomer: 1, reconcile.CreateAssetType: 2,
		reconcile.CreateAsset: 3, reconcile.UpdateAsset: 1}
	if fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Fatalf("actions = %v, want %v\n%s", kinds, want, table(cs))
	}
	if err := reconcile.Apply(t.Context(), cs, target, reconcile.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if s := cs.Summary(); s.Failed != 0 || s.Created != 7 || s.Updated != 1 {
		t.Fatalf("summary = %s\n%s", s, table(cs))
	}
	writes := target.Writes()
	second := plan(t, src, target.Snapshot(), config())
	if n := second.Writes(); n != 0 {
		t.Fatalf("second run plans %d writes:\n%s", n, table(second))
	}
	if err := reconcile.Apply(t.Context(), second, target, reconcile.ApplyOptions{}); err != nil || target.Writes() != writes {
		t.Errorf("second apply wrote %d times (err %v)", target.Writes()-writes, err)
	}
	if s := second.Summary(); s.Unchanged != 4 || s.String() != "summary: created=0 updated=0 unchanged=4 deactivated=0 skipped=0 ambiguous=0 failed=0" {
		t.Errorf("second summary = %s", s)
	}
	snap := target.Snapshot()
	a500 := snap.Assets[0]
	if a500.Links["rmm"] != "d1" || a500.Fields["Operating System"] != "Windows 11" {
		t.Errorf("existing asset = %+v", a500)
	}
	for _, a := range snap.Assets[1:] {
		if a.CustomerID == 0 || a.SiteID == 0 || a.TypeID == 0 || a.Links["rmm"] == "" {
			t.Errorf("created asset incomplete: %+v", a)
		}
	}
}

func TestPlanIsDeterministic(t *testing.T) {
	t.Parallel()
	src, tgt := world()
	var a, b bytes.Buffer
	plan(t, src, tgt, config()).WriteJSON(&a)
	slices.Reverse(src.Devices)
	slices.Reverse(src.Sites)
	slices.Reverse(tgt.Fields)
	plan(t, src, tgt, config()).WriteJSON(&b)
	if a.String() != b.String() {
		t.Errorf("plans differ:\n%s\n---\n%s", a.String(), b.String())
	}
}

func TestExcludedValuesNeverMatch(t *testing.T) {
	t.Parallel()
	src, tgt := world()
	// A PSA asset carries the same placeholder serial as FAB-SRV.
	tgt.Assets = append(tgt.Assets, reconcile.Asset{ID: 501, CustomerID: 1, SiteID: 10, TypeID: 100,
		Fields: map[string]string{"inventory_number": "OTHER", "Serial Number": "to be filled by o.e.m"}})
	cs := plan(t, src, tgt, config())
	a := find(cs, "d4")
	if a.Kind != reconcile.CreateAsset || !strings.Contains(a.Reason, "excluded from matching") {
		t.Errorf("d4 = %s: %s", a.Kind, a.Reason)
	}
	// User exclusions add to the defaults.
	cfg := config()
	cfg.Matching.Exclusions = []string{"SN-003"}
	src.Devices[2].Fields["serialNumber"] = "SN-003"
	tgt.Assets = append(tgt.Assets, reconcile.Asset{ID: 502, CustomerID: 1, SiteID: 10, TypeID: 100, Fields: map[string]string{"Serial Number": "SN-003"}})
	cs = plan(t, src, tgt, cfg)
	if a := find(cs, "d3"); a.Kind != reconcile.CreateAsset || !strings.Contains(a.Reason, "excluded") {
		t.Errorf("user exclusion: d3 = %s: %s", a.Kind, a.Reason)
	}
	if a := find(cs, "d4"); !strings.Contains(a.Reason, "excluded") {
		t.Errorf("defaults lost when the user adds exclusions: %s", a.Reason)
	}
	for _, v := range []string{"ab", "XXXXXXX", "0000-0000", "n/a", "  None "} {
		src.Devices[2].Fields["serialNumber"] = v
		tgt.Assets[len(tgt.Assets)-1].Fields["Serial Number"] = v
		if a := find(plan(t, src, tgt, cfg), "d3"); a.Kind == reconcile.UpdateAsset || a.Kind == reconcile.UnchangedAsset {
			t.Errorf("%q matched: %s", v, a.Reason)
		}
	}
}

func TestAmbiguousAssetsAreNotApplied(t *testing.T) {
	t.Parallel()
	src, tgt := world()
	tgt.Assets = append(tgt.Assets, reconcile.Asset{ID: 501, CustomerID: 1, SiteID: 10, TypeID: 100, Fields: map[string]string{"Serial Number": "sn-001"}})
	target := reconciletest.NewTarget(tgt)
	cs := plan(t, src, tgt, config())
	a := find(cs, "d1")
	if a.Kind != reconcile.AmbiguousDevice || fmt.Sprint(a.Candidates) != "[500 501]" || a.Write != nil {
		t.Fatalf("d1 = %+v", a)
	}
	if err := reconcile.Apply(t.Context(), cs, target, reconcile.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, as := range target.Snapshot().Assets {
		if as.ID == 500 || as.ID == 501 {
			if len(as.Links) > 0 || as.Fields["Operating System"] != "" {
				t.Errorf("ambiguous asset %d was written: %+v", as.ID, as)
			}
		}
	}
	if s := cs.Summary(); s.Ambiguous != 1 {
		t.Errorf("summary = %s", s)
	}
}

func TestSharedSourceValueIsDroppedFromMatching(t *testing.T) {
	t.Parallel()
	src, tgt := world()
	src.Devices[1].Fields["serialNumber"] = "SN-001" // two VMs share a serial
	cs := plan(t, src, tgt, config())
	for _, id := range []string{"d1", "d2"} {
		if a := find(cs, id); a.Kind != reconcile.CreateAsset || !strings.Contains(a.Reason, "shared by 2 source devices") {
			t.Errorf("%s = %s: %s", id, a.Kind, a.Reason)
		}
	}
}

func TestEmptyAndOnlyFillEmptyNeverOverwrite(t *testing.T) {
	t.Parallel()
	src, tgt := world()
	tgt.Assets[0].Links = map[string]string{"rmm": "d1"}
	tgt.Assets[0].Fields["Operating System"] = "Windows 10 (set by a technician)"
	tgt.Assets[0].Fields["Owner"] = "Finance"
	tgt.Fields = append(tgt.Fields, reconcile.FieldDef{Name: "Operating System", ID: 120}, reconcile.FieldDef{Name: "Owner", ID: 121})
	src.Devices[0].Fields["udf1"] = "" // empty source value
	cfg := config()
	cfg.FieldMappings[2].OnlyFillEmpty = true
	cfg.FieldMappings = append(cfg.FieldMappings, reconcile.FieldMapping{Source: "udf1", Target: "Owner"})
	cs := plan(t, src, tgt, cfg)
	if a := find(cs, "d1"); a.Kind != reconcile.UnchangedAsset {
		t.Errorf("d1 = %s %+v", a.Kind, a.Changes)
	}
	// Once the PSA value is empty, only-fill-empty fills it.
	tgt.Assets[0].Fields["Operating System"] = ""
	if a := find(plan(t, src, tgt, cfg), "d1"); a.Kind != reconcile.UpdateAsset || field(a.Write, "Operating System") != "Windows 11" || len(a.Write.Fields) != 1 {
		t.Errorf("fill empty: %s %+v", a.Kind, a.Write)
	}
}

func TestNoTriggerUpdateFields(t *testing.T) {
	t.Parallel()
	src, tgt := world()
	tgt.Assets[0].Links = map[string]string{"rmm": "d1"}
	tgt.Assets[0].Fields["Operating System"] = "Windows 11"
	tgt.Assets[0].Fields["Last Seen"] = "yesterday"
	tgt.Fields = append(tgt.Fields, reconcile.FieldDef{Name: "Operating System"}, reconcile.FieldDef{Name: "Last Seen"})
	src.Devices[0].Fields["lastSeen"] = "today"
	cfg := config()
	cfg.FieldMappings = append(cfg.FieldMappings, reconcile.FieldMapping{Source: "lastSeen", Target: "Last Seen", NoTriggerUpdate: true})
	a := find(plan(t, src, tgt, cfg), "d1")
	if a.Kind != reconcile.UnchangedAsset || !strings.Contains(a.Reason, "do not trigger updates") {
		t.Errorf("churn-only change: %s: %s", a.Kind, a.Reason)
	}
	src.Devices[0].Fields["hostname"] = "CON-PC1-RENAMED"
	a = find(plan(t, src, tgt, cfg), "d1")
	if a.Kind != reconcile.UpdateAsset || field(a.Write, "Last Seen") != "today" || field(a.Write, "inventory_number") != "CON-PC1-RENAMED" {
		t.Errorf("real change carries the quiet field too: %s %+v", a.Kind, a.Write)
	}
}

func TestDeletedDevicesAndPartialListings(t *testing.T) {
	t.Parallel()
	src, tgt := world()
	tgt.Assets[0].Links = map[string]string{"rmm": "d1"}
	tgt.Assets = append(tgt.Assets, reconcile.Asset{ID: 600, CustomerID: 1, SiteID: 10, TypeID: 100,
		Fields: map[string]string{"inventory_number": "OLD-PC"}, Links: map[string]string{"rmm": "d-gone"}})
	tgt.Assets = append(tgt.Assets, reconcile.Asset{ID: 601, CustomerID: 1, SiteID: 10, TypeID: 100,
		Fields: map[string]string{"inventory_number": "MANUAL"}}) // not linked: never touched
	src.Devices[0].Deleted = true
	cfg := config()
	cfg.Lifecycle.DeletedStatusID = 4
	cs := plan(t, src, tgt, cfg)
	if a := find(cs, "d1"); a.Kind != reconcile.DeactivateAsset || a.Write.StatusID != 4 || !*a.Write.Inactive {
		t.Errorf("deleted d1 = %+v", a)
	}
	if a := find(cs, "d-gone"); a == nil || a.Kind != reconcile.DeactivateAsset || !a.Absent || a.AssetID != 600 {
		t.Errorf("absent device = %+v", a)
	}
	for _, a := range cs.Actions {
		if a.AssetID == 601 {
			t.Errorf("unlinked asset touched: %+v", a)
		}
	}
	// A partial listing deactivates nothing for being absent.
	src.Complete = false
	cs = plan(t, src, tgt, cfg)
	if a := find(cs, "d-gone"); a != nil {
		t.Errorf("partial listing planned %+v", a)
	}
	// And Apply refuses one that a complete plan would have had.
	src.Complete = true
	cs = plan(t, src, tgt, cfg)
	cs.SourceComplete = false
	target := reconciletest.NewTarget(tgt)
	if err := reconcile.Apply(t.Context(), cs, target, reconcile.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if a := find(cs, "d-gone"); a.Result == nil || a.Result.OK {
		t.Errorf("absent deactivation applied from a partial listing: %+v", a.Result)
	}
	for _, as := range target.Snapshot().Assets {
		if as.ID == 600 && as.Inactive {
			t.Error("asset 600 deactivated")
		}
	}
}

func TestSiteRulesTypeRulesAndUsers(t *testing.T) {
	t.Parallel()
	src, tgt := world()
	tgt.Customers = append(tgt.Customers, reconcile.Customer{ID: 2, Name: "Servers Inc"})
	tgt.Sites = append(tgt.Sites, reconcile.Site{ID: 20, CustomerID: 2, Name: "DC"})
	tgt.AssetTypes = append(tgt.AssetTypes, reconcile.AssetType{ID: 101, Name: "Server"})
	tgt.Users = []reconcile.User{{ID: 7, CustomerID: 1, Fields: map[string]string{"login": "jdoe"}}}
	src.Devices[1].Fields["lastLoggedInUser"] = `CONTOSO\jdoe`
	cfg := config()
	cfg.Sites = reconcile.SiteConfig{Method: reconcile.SiteRules,
		Rules: []reconcile.SiteRule{
			{Sequence: 20, CustomerID: 1, Criteria: []reconcile.Criterion{{Field: "inventory_number", Op: reconcile.StartsWith, Value: "con-"}}},
			{Sequence: 10, CustomerID: 2, SiteID: 20, Criteria: []reconcile.Criterion{{Field: "deviceType.category", Op: reconcile.Equals, Value: "server"}}},
		}}
	cfg.AssetTypes = reconcile.TypeConfig{Mode: reconcile.TypeRules, Default: "Desktop",
		Rules: []reconcile.TypeRule{{Sequence: 1, Type: "Server", Criteria: []reconcile.Criterion{{Field: "inventory_number", Op: reconcile.Regex, Value: `-srv$`}}}}}
	cfg.Users = reconcile.UserConfig{Mode: reconcile.UsersLastLoggedIn, PrimaryField: "email", SecondaryField: "login"}
	cs := plan(t, src, tgt, cfg)
	if a := find(cs, "d4"); a.Kind != reconcile.CreateAsset || a.Write.SiteID != 20 || a.Write.TypeID != 101 {
		t.Errorf("server = %+v (%s)", a.Write, a.Reason)
	}
	if a := find(cs, "d2"); a.Write.SiteID != 10 || a.Write.TypeID != 100 || a.Write.UserID != 7 {
		t.Errorf("laptop = %+v", a.Write)
	}
	if a := find(cs, "d3"); a.Kind != reconcile.SkipDevice || !strings.Contains(a.Reason, "no site rule matched and no default site") {
		t.Errorf("FAB-PC1 = %s: %s", a.Kind, a.Reason)
	}
}

func TestNewSitesUnderOneCustomerAndMappings(t *testing.T) {
	t.Parallel()
	src, tgt := world()
	tgt.Sites = append(tgt.Sites, reconcile.Site{ID: 11, CustomerID: 1, Name: "fabrikam"})
	cfg := config()
	cfg.Sites = reconcile.SiteConfig{NewSites: reconcile.NewSitesAsSites, NewSitesCustomerID: 1,
		Mappings: []reconcile.SiteMapping{{SourceSiteID: "s-contoso", CustomerID: 1}}}
	cs := plan(t, src, tgt, cfg)
	if a := find(cs, "d3"); a.Write.SiteID != 11 {
		t.Errorf("Fabrikam device placed on %+v (%s)", a.Write, a.Reason)
	}
	if len(cs.NewMappings) != 1 || cs.NewMappings[0].SiteID != 11 {
		t.Errorf("new mappings = %+v", cs.NewMappings)
	}
	for _, a := range cs.Actions {
		if a.Kind == reconcile.CreateCustomer || a.Kind == reconcile.CreateSite {
			t.Errorf("unexpected %+v", a)
		}
	}
}

func TestApplyOrdersBatchesAndBoundsConcurrency(t *testing.T) {
	t.Parallel()
	src := &reconcile.SourceSnapshot{Source: reconcile.SourceInfo{Kind: "rmm"}, Complete: true, Sites: []reconcile.SourceSite{{ID: "s1", Name: "New Co"}}}
	for i := range 95 {
		src.Devices = append(src.Devices, reconcile.Device{ID: fmt.Sprintf("d%03d", i), SiteID: "s1",
			Fields: map[string]string{"hostname": fmt.Sprintf("PC%03d", i), "deviceType.category": "Desktop"}})
	}
	target := reconciletest.NewTarget(reconcile.TargetSnapshot{Fields: []reconcile.FieldDef{{Name: "inventory_number", Native: true}}})
	cfg := &reconcile.Config{FieldMappings: []reconcile.FieldMapping{{Source: "hostname", Target: "inventory_number"}},
		AssetTypes: reconcile.TypeConfig{Mode: reconcile.TypeField, Field: "deviceType.category", Default: "Desktop"}}
	cs := plan(t, src, target.Snapshot(), cfg)
	var progress []int
	release := target.Block()
	done := make(chan error)
	go func() {
		done <- reconcile.Apply(t.Context(), cs, target, reconcile.ApplyOptions{Concurrency: 2, BatchSize: 10,
			Progress: func(d, total int) { progress = append(progress, d) }})
	}()
	for target.Calls("SaveAssets") < 2 {
		runtime.Gosched() // wait until two batches are in flight
	}
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if target.Calls("CreateCustomer") != 1 || target.Calls("CreateAssetType") != 1 {
		t.Errorf("creates: customer %d, type %d", target.Calls("CreateCustomer"), target.Calls("CreateAssetType"))
	}
	b := target.Batches()
	slices.Sort(b)
	if len(b) != 10 || b[0] != 5 || b[9] != 10 || target.MaxConcurrent() != 2 {
		t.Errorf("batches %v, max concurrent %d", b, target.MaxConcurrent())
	}
	if s := cs.Summary(); s.Failed != 0 || s.Created != 97 || progress[len(progress)-1] != 97 {
		t.Errorf("summary %s, progress %v", s, progress)
	}
}

func TestApplyFailuresAndCancellation(t *testing.T) {
	t.Parallel()
	src, tgt := world()
	target := reconciletest.NewTarget(tgt)
	target.FailCustomers(1) // Fabrikam's customer fails: its devices fail too
	cs := plan(t, src, tgt, config())
	if err := reconcile.Apply(t.Context(), cs, target, reconcile.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if a := find(cs, "d3"); a.Result.OK || !strings.Contains(a.Result.Error, "site:s-fab was not created") {
		t.Errorf("d3 result = %+v", a.Result)
	}
	if a := find(cs, "d2"); !a.Result.OK {
		t.Errorf("d2 failed: %+v", a.Result)
	}
	if s := cs.Summary(); s.Failed != 3 { // the customer and its two devices
		t.Errorf("summary = %s\n%s", s, table(cs))
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	cs = plan(t, src, tgt, config())
	if err := reconcile.Apply(ctx, cs, reconciletest.NewTarget(tgt), reconcile.ApplyOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
	for _, a := range cs.Actions {
		if a.IsWrite() && (a.Result == nil || a.Result.OK) {
			t.Errorf("action ran or unmarked after cancel: %+v", a)
		}
	}
}

func TestConfigErrorsNameTheKey(t *testing.T) {
	t.Parallel()
	for body, key := range map[string]string{
		`{"sites":{"method":"magic"}}`: "sites.method",
		`{"sites":{"method":"rules","rules":[{"sequence":1,"customer_id":1,"criteria":[{"field":"hostname","op":"regex","value":"(["}]}]},"asset_types":{"default":"PC"}}`: "sites.rules[0].criteria",
		`{"field_mappings":[{"source":"a","target":"X"}],"matching":{"field":"Y"},"asset_types":{"default":"PC"}}`:                                                         "matching.field",
		`{"asset_types":{"mode":"rules","default":"PC","rules":[{"type":"S","criteria":[{"field":"a","op":"like","value":"x"}]}]}}`:                                        "asset_types.rules[0].criteria",
		`{"asset_types":{"mode":"fixed"}}`:                                                "asset_types.default",
		`{"sites":{"new_sites":"sites"},"asset_types":{"default":"PC"}}`:                  "sites.new_sites_customer_id",
		`{"users":{"mode":"field","source_field":"udf1"},"asset_types":{"default":"PC"}}`: "users.primary_field",
		`{"bogus":1}`: "bogus",
	} {
		_, err := reconcile.LoadConfig(strings.NewReader(body))
		var ce *reconcile.ConfigError
		if !errors.As(err, &ce) || ce.Key != key {
			t.Errorf("%s: err = %v, want key %s", body, err, key)
		}
	}
}

func field(w *reconcile.AssetWrite, name string) string {
	v, _ := w.Field(name)
	return v
}

func table(cs *reconcile.Changeset) string {
	var b bytes.Buffer
	cs.WriteTable(&b, true)
	return b.String()
}

func TestNearestMappedAncestor(t *testing.T) {
	t.Parallel()
	src := &reconcile.SourceSnapshot{Source: reconcile.SourceInfo{Kind: "groups"}, Complete: true, Sites: []reconcile.SourceSite{
		{ID: "g-root", Name: "Acme"}, {ID: "g-hq", Name: "HQ", ParentID: "g-root"}, {ID: "g-lab", Name: "Lab", ParentID: "g-hq"},
		{ID: "g-loop1", Name: "L1", ParentID: "g-loop2"}, {ID: "g-loop2", Name: "L2", ParentID: "g-loop1"},
	}, Devices: []reconcile.Device{
		{ID: "d1", SiteID: "g-lab", Fields: map[string]string{"hostname": "LAB-1"}},
		{ID: "d2", SiteID: "g-loop1", Fields: map[string]string{"hostname": "LOOP"}},
	}}
	tgt := reconcile.TargetSnapshot{Customers: []reconcile.Customer{{ID: 1, Name: "Acme Corp", MainSiteID: 10}}, Sites: []reconcile.Site{{ID: 10, CustomerID: 1, Name: "Main"}},
		AssetTypes: []reconcile.AssetType{{ID: 3, Name: "PC"}}, Fields: []reconcile.FieldDef{{Name: "inventory_number", Native: true}}}
	cfg := &reconcile.Config{FieldMappings: []reconcile.FieldMapping{{Source: "hostname", Target: "inventory_number"}},
		AssetTypes: reconcile.TypeConfig{Mode: reconcile.TypeFixed, Default: "PC"},
		Sites:      reconcile.SiteConfig{NewSites: reconcile.NewSitesSkip, Mappings: []reconcile.SiteMapping{{SourceSiteID: "g-root", CustomerID: 1}}}}
	cs := plan(t, src, tgt, cfg)
	if a := find(cs, "d1"); a.Kind != reconcile.CreateAsset || a.Write.SiteID != 10 || !strings.Contains(a.Reason, `mapped through "Acme"`) {
		t.Errorf("d1 = %s %+v: %s", a.Kind, a.Write, a.Reason)
	}
	if a := find(cs, "d2"); a.Kind != reconcile.SkipDevice {
		t.Errorf("a parent loop must end in a skip, not a hang: %+v", a)
	}
}

// childSitesWorld is an organisation → site estate (VSA X-like): Contoso
// has no customer yet, Fabrikam is mapped, Tailspin matches a customer by
// name; their sites are unmapped.
func childSitesWorld() (*reconcile.SourceSnapshot, reconcile.TargetSnapshot, *reconcile.Config) {
	src := &reconcile.SourceSnapshot{Source: reconcile.SourceInfo{Kind: "orgs"}, Complete: true, Sites: []reconcile.SourceSite{
		{ID: "org-1", Name: "Contoso"}, {ID: "site-11", Name: "HQ", ParentID: "org-1"}, {ID: "site-12", Name: "Branch", ParentID: "org-1"},
		{ID: "org-2", Name: "Fabrikam"}, {ID: "site-21", Name: "warehouse", ParentID: "org-2"}, {ID: "site-22", Name: "Lab", ParentID: "org-2"},
		{ID: "org-3", Name: "Tailspin"}, {ID: "site-31", Name: "Remote", ParentID: "org-3"},
		{ID: "org-4", Name: "Gone", Excluded: true}, {ID: "site-41", Name: "Old", ParentID: "org-4"},
		{ID: "loop-1", Name: "L1", ParentID: "loop-2"}, {ID: "loop-2", Name: "L2", ParentID: "loop-1"},
	}}
	for i, site := range []string{"org-1", "site-11", "site-12", "site-21", "site-22", "site-31", "site-41", "loop-1"} {
		src.Devices = append(src.Devices, reconcile.Device{ID: fmt.Sprintf("d%d", i), SiteID: site, Fields: map[string]string{"hostname": fmt.Sprintf("PC-%d", i)}})
	}
	tgt := reconcile.TargetSnapshot{
		Customers: []reconcile.Customer{{ID: 2, Name: "Fabrikam Ltd", MainSiteID: 20}, {ID: 3, Name: "Tailspin", MainSiteID: 30}},
		Sites: []reconcile.Site{{ID: 20, CustomerID: 2, Name: "Main"}, {ID: 21, CustomerID: 2, Name: "Warehouse"},
			{ID: 30, CustomerID: 3, Name: "Main"}},
		AssetTypes: []reconcile.AssetType{{ID: 3, Name: "PC"}}, Fields: []reconcile.FieldDef{{Name: "inventory_number", Native: true}},
		SiteLinkKinds: []string{"*"},
	}
	cfg := &reconcile.Config{FieldMappings: []reconcile.FieldMapping{{Source: "hostname", Target: "inventory_number"}},
		AssetTypes: reconcile.TypeConfig{Mode: reconcile.TypeFixed, Default: "PC"},
		Sites: reconcile.SiteConfig{ChildSites: reconcile.ChildSitesAsSites,
			Mappings: []reconcile.SiteMapping{{SourceSiteID: "org-2", CustomerID: 2}}}}
	return src, tgt, cfg
}

// TestChildSitesBecomeSitesOfTheirParentsCustomer: with child_sites
// "sites" an unmapped child site becomes a site of the customer its
// parent is placed on (created, mapped or matched by name), matched by
// name under it first; a second run writes nothing.
func TestChildSitesBecomeSitesOfTheirParentsCustomer(t *testing.T) {
	t.Parallel()
	src, tgt, cfg := childSitesWorld()
	target := reconciletest.NewTarget(tgt)
	cs := plan(t, src, target.Snapshot(), cfg)
	var made []string
	for _, a := range cs.Actions {
		switch a.Kind {
		case reconcile.CreateCustomer:
			made = append(made, "customer "+a.Name)
		case reconcile.CreateSite:
			made = append(made, fmt.Sprintf("site %s under %d%s", a.Name, a.Site.CustomerID, a.Site.CustomerRef))
		case reconcile.LinkSite:
			made = append(made, fmt.Sprintf("link %s to site %d", a.Name, a.LinkSiteID))
		}
	}
	want := []string{"customer Contoso", "site HQ under 0customer:org-1", "site Branch under 0customer:org-1",
		"link warehouse to site 21", "site Lab under 2", "link Tailspin to site 0", "site Remote under 3", "customer L2", "site L1 under 0customer:loop-2"}
	if !slices.Equal(made, want) {
		t.Errorf("creations\n got %q\nwant %q\n%s", made, want, table(cs))
	}
	if a := find(cs, "d3"); a.Write.SiteID != 21 {
		t.Errorf("warehouse device on %+v (%s)", a.Write, a.Reason)
	}
	if a := find(cs, "d6"); a.Kind != reconcile.SkipDevice || !strings.Contains(a.Reason, `parent "Gone" places nothing`) {
		t.Errorf("child of an excluded parent: %s %s", a.Kind, a.Reason)
	}
	if err := reconcile.Apply(t.Context(), cs, target, reconcile.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if s := cs.Summary(); s.Failed != 0 {
		t.Fatalf("summary = %s\n%s", s, table(cs))
	}
	snap := target.Snapshot()
	siteOf := map[int]reconcile.Site{}
	for _, s := range snap.Sites {
		siteOf[s.ID] = s
	}
	custOf := map[string]string{}
	for _, c := range snap.Customers {
		custOf[fmt.Sprint(c.ID)] = c.Name
	}
	got := map[string]string{}
	for _, a := range snap.Assets {
		got[a.Fields["inventory_number"]] = custOf[fmt.Sprint(a.CustomerID)] + "/" + siteOf[a.SiteID].Name
	}
	wantAt := map[string]string{"PC-0": "Contoso/Main", "PC-1": "Contoso/HQ", "PC-2": "Contoso/Branch", "PC-3": "Fabrikam Ltd/Warehouse",
		"PC-4": "Fabrikam Ltd/Lab", "PC-5": "Tailspin/Remote", "PC-7": "L2/L1"}
	if fmt.Sprint(got) != fmt.Sprint(wantAt) {
		t.Errorf("assets at\n got %v\nwant %v", got, wantAt)
	}
	second := plan(t, src, target.Snapshot(), cfg)
	if n := second.Writes(); n != 0 {
		t.Fatalf("second run plans %d writes:\n%s", n, table(second))
	}
	for _, n := range second.Notices {
		if n.SourceSiteID != "org-2" { // Fabrikam is "Fabrikam Ltd" in the PSA
			t.Errorf("second run notice: %+v", n)
		}
	}
	// The learned mappings alone (no links) place them the same.
	noLinks := target.Snapshot()
	noLinks.SiteLinkKinds = nil
	for i := range noLinks.Sites {
		noLinks.Sites[i].Links = nil
	}
	for i := range noLinks.Customers {
		noLinks.Customers[i].Links = nil
	}
	var learned []reconcile.Mapping
	for _, m := range cs.NewMappings {
		learned = append(learned, reconcile.Mapping{Kind: "orgs", SourceSiteID: m.SourceSiteID, CustomerID: m.CustomerID, SiteID: m.SiteID})
	}
	third, err := reconcile.Plan(src, &noLinks, cfg, reconcile.WithLearnedMappings(learned))
	if err != nil || third.Writes() != 0 || len(third.Notices) != len(second.Notices) {
		t.Fatalf("with learned mappings: %v, %d writes:\n%s", err, third.Writes(), table(third))
	}
}

// TestChildSitesOfAPooledParent: a parent placed on the default site
// stands for no customer, so its child goes where new_sites says (the
// default site), not into a new site of the default customer.
func TestChildSitesOfAPooledParent(t *testing.T) {
	t.Parallel()
	src, tgt, cfg := childSitesWorld()
	cfg.Sites.NewSites = reconcile.NewSitesSkip
	cfg.Sites.DefaultSite = &reconcile.SiteRef{CustomerID: 3, SiteID: 30}
	cs := plan(t, src, tgt, cfg)
	if a := find(cs, "d1"); a.Kind != reconcile.CreateAsset || a.Write.SiteID != 30 || !strings.Contains(a.Reason, "default site") {
		t.Errorf("child of a pooled parent: %s %+v %s", a.Kind, a.Write, a.Reason)
	}
	if a := find(cs, "d4"); a.Write.SiteRef == "" {
		t.Errorf("child of a mapped parent must still get a site of its own: %+v %s", a.Write, a.Reason)
	}
	cfg.Sites.ChildSites = "nested"
	if _, err := reconcile.Plan(src, &tgt, cfg); err == nil || !strings.Contains(err.Error(), "sites.child_sites") {
		t.Errorf("bad child_sites: %v", err)
	}
}
