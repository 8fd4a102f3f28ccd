package reconciletest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/reconcile"
)

// ConformanceKind is the source kind the target suite links assets with.
// No PSA has a column for it, so a target must keep links of kinds it
// does not know.
const ConformanceKind = "conformancerm"

// TargetFixture is a reconcile.Target under test, over a fake of its PSA
// that holds no customers or assets yet.
type TargetFixture struct {
	Target reconcile.Target
	// NameField is a field of the PSA's assets that a mapping can write
	// and that exists without being created ("inventory_number").
	NameField string
	// AssetTypeGroup is the group new asset types go into (0: none).
	AssetTypeGroup int
	// SiteLinkKind is a source kind whose site links the target keeps on
	// customers and sites (default ConformanceKind).
	SiteLinkKind string
}

// RunTarget runs the conformance suite every reconcile.Target must pass:
// what it creates it loads back, an update changes only what it carries,
// links of any source kind survive a load, inactive assets are still
// loaded, a failed write fails alone and in order, and a second Run of an
// unchanged world writes nothing. newFixture is called once per subtest.
func RunTarget(t *testing.T, newFixture func(t *testing.T) TargetFixture) {
	t.Helper()
	newFixture = withDefaults(newFixture)
	t.Run("CreatesAndLoadsBack", func(t *testing.T) { targetCreates(t, newFixture(t)) })
	t.Run("UpdatesOnlyWhatItCarries", func(t *testing.T) { targetUpdates(t, newFixture(t)) })
	t.Run("FailedWriteFailsAlone", func(t *testing.T) { targetFailsAlone(t, newFixture(t)) })
	t.Run("SecondRunWritesNothing", func(t *testing.T) { targetIdempotent(t, newFixture(t)) })
	t.Run("KeepsSiteLinks", func(t *testing.T) { targetSiteLinks(t, newFixture(t)) })
}

// targetSiteLinks checks a target that says it keeps site links: the link
// of a created customer and site loads back, and LinkSite (a SiteLinker)
// links existing ones.
func targetSiteLinks(t *testing.T, f TargetFixture) {
	ctx := t.Context()
	snap := load(t, ctx, f.Target)
	linker, isLinker := f.Target.(reconcile.SiteLinker)
	kind := f.SiteLinkKind
	if !snap.KeepsSiteLinks(kind) {
		if isLinker {
			t.Errorf("the target is a SiteLinker but its snapshot says it keeps no site links of kind %q", kind)
		}
		t.Skip("the target keeps no site links")
	}
	if !isLinker {
		t.Fatal("the snapshot says the target keeps site links, but it is not a SiteLinker")
	}
	link := func(id string) reconcile.SiteLink {
		return reconcile.SiteLink{Kind: kind, SourceSiteID: id}
	}
	cust, _, err := f.Target.CreateCustomer(ctx, reconcile.NewCustomer{Name: "Conformance Linked", MainSiteName: "Main", Link: link("src-1")})
	if err != nil {
		t.Fatal(err)
	}
	branch, err := f.Target.CreateSite(ctx, reconcile.NewSite{CustomerID: cust, Name: "Branch", Link: link("src-2")})
	if err != nil {
		t.Fatal(err)
	}
	other, otherSite, err := f.Target.CreateCustomer(ctx, reconcile.NewCustomer{Name: "Conformance Unlinked", MainSiteName: "Main"})
	if err != nil {
		t.Fatal(err)
	}
	if err := linker.LinkSite(ctx, other, otherSite, link("src-3")); err != nil {
		t.Fatalf("LinkSite: %v", err)
	}
	snap = load(t, ctx, f.Target)
	custLinks := map[int]string{}
	for _, c := range snap.Customers {
		custLinks[c.ID] = c.Links[kind]
	}
	siteLinks := map[int]string{}
	for _, s := range snap.Sites {
		siteLinks[s.ID] = s.Links[kind]
	}
	if custLinks[cust] != "src-1" || siteLinks[branch] != "src-2" || custLinks[other] != "src-3" {
		t.Errorf("links loaded: customer %d=%q (want src-1), site %d=%q (want src-2), linked customer %d=%q (want src-3)",
			cust, custLinks[cust], branch, siteLinks[branch], other, custLinks[other])
	}
}

// withDefaults fills a fixture's defaults.
func withDefaults(newFixture func(t *testing.T) TargetFixture) func(t *testing.T) TargetFixture {
	return func(t *testing.T) TargetFixture {
		f := newFixture(t)
		if f.SiteLinkKind == "" {
			f.SiteLinkKind = ConformanceKind
		}
		return f
	}
}

// world is what the target suite creates before writing assets.
type world struct {
	customer, site, siteB, typ int
	serial                     string
}

func setUp(t *testing.T, ctx context.Context, f TargetFixture) world {
	t.Helper()
	tg := f.Target
	cust, site, err := tg.CreateCustomer(ctx, reconcile.NewCustomer{Name: "Conformance Customer", MainSiteName: "Main"})
	if err != nil || cust == 0 || site == 0 {
		t.Fatalf("CreateCustomer = %d, %d, %v; want two ids", cust, site, err)
	}
	siteB, err := tg.CreateSite(ctx, reconcile.NewSite{CustomerID: cust, Name: "Branch"})
	if err != nil || siteB == 0 {
		t.Fatalf("CreateSite = %d, %v", siteB, err)
	}
	typ, err := tg.CreateAssetType(ctx, reconcile.NewAssetType{Name: "Conformance Type", GroupID: f.AssetTypeGroup})
	if err != nil || typ == 0 {
		t.Fatalf("CreateAssetType = %d, %v", typ, err)
	}
	w := world{customer: cust, site: site, siteB: siteB, typ: typ, serial: "Conformance Serial"}
	if err := tg.CreateField(ctx, reconcile.NewField{Name: w.serial}); err != nil {
		t.Fatalf("CreateField: %v", err)
	}
	return w
}

func load(t *testing.T, ctx context.Context, tg reconcile.Target) *reconcile.TargetSnapshot {
	t.Helper()
	snap, err := tg.LoadTarget(ctx)
	if err != nil {
		t.Fatalf("LoadTarget: %v", err)
	}
	return snap
}

func assetByID(snap *reconcile.TargetSnapshot, id int) *reconcile.Asset {
	for i := range snap.Assets {
		if snap.Assets[i].ID == id {
			return &snap.Assets[i]
		}
	}
	return nil
}

func fieldOf(a *reconcile.Asset, name string) string {
	for k, v := range a.Fields {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func save(t *testing.T, ctx context.Context, tg reconcile.Target, ws ...reconcile.AssetWrite) []reconcile.SaveResult {
	t.Helper()
	res := tg.SaveAssets(ctx, ws)
	if len(res) != len(ws) {
		t.Fatalf("SaveAssets returned %d results for %d writes", len(res), len(ws))
	}
	return res
}

func targetCreates(t *testing.T, f TargetFixture) {
	ctx := t.Context()
	w := setUp(t, ctx, f)
	snap := load(t, ctx, f.Target)
	if !slices.ContainsFunc(snap.Customers, func(c reconcile.Customer) bool { return c.ID == w.customer && c.Name == "Conformance Customer" }) {
		t.Errorf("created customer %d not loaded: %+v", w.customer, snap.Customers)
	}
	for _, id := range []int{w.site, w.siteB} {
		if !slices.ContainsFunc(snap.Sites, func(s reconcile.Site) bool { return s.ID == id && s.CustomerID == w.customer }) {
			t.Errorf("created site %d of customer %d not loaded: %+v", id, w.customer, snap.Sites)
		}
	}
	if !slices.ContainsFunc(snap.AssetTypes, func(at reconcile.AssetType) bool { return at.ID == w.typ && at.Name == "Conformance Type" }) {
		t.Errorf("created asset type %d not loaded: %+v", w.typ, snap.AssetTypes)
	}
	for _, name := range []string{w.serial, f.NameField} {
		if !slices.ContainsFunc(snap.Fields, func(fd reconcile.FieldDef) bool { return strings.EqualFold(fd.Name, name) }) {
			t.Errorf("field %q not loaded: %+v", name, snap.Fields)
		}
	}
	res := save(t, ctx, f.Target,
		reconcile.AssetWrite{CustomerID: w.customer, SiteID: w.site, TypeID: w.typ, LinkKind: ConformanceKind, LinkID: "dev-1",
			Fields: []reconcile.FieldWrite{{Name: f.NameField, Value: "CONF-1"}, {Name: w.serial, Value: "SER-1"}}},
		reconcile.AssetWrite{CustomerID: w.customer, SiteID: w.siteB, TypeID: w.typ, LinkKind: ConformanceKind, LinkID: "dev-2",
			Fields: []reconcile.FieldWrite{{Name: f.NameField, Value: "CONF-2"}}},
	)
	for i, r := range res {
		if r.Err != nil || r.ID == 0 {
			t.Fatalf("create %d = %+v", i, r)
		}
	}
	snap = load(t, ctx, f.Target)
	for i, want := range []struct {
		site         int
		name, serial string
		link         string
	}{{w.site, "CONF-1", "SER-1", "dev-1"}, {w.siteB, "CONF-2", "", "dev-2"}} {
		a := assetByID(snap, res[i].ID)
		switch {
		case a == nil:
			t.Errorf("created asset %d not loaded", res[i].ID)
		case a.CustomerID != w.customer || a.SiteID != want.site || a.TypeID != w.typ:
			t.Errorf("asset %d placed at customer %d site %d type %d; want %d, %d, %d", a.ID, a.CustomerID, a.SiteID, a.TypeID, w.customer, want.site, w.typ)
		case fieldOf(a, f.NameField) != want.name || fieldOf(a, w.serial) != want.serial:
			t.Errorf("asset %d fields = %v; want %s=%q, %s=%q", a.ID, a.Fields, f.NameField, want.name, w.serial, want.serial)
		case a.Links[ConformanceKind] != want.link:
			t.Errorf("asset %d links = %v; want %s=%q (a target keeps links of every kind)", a.ID, a.Links, ConformanceKind, want.link)
		case a.Inactive:
			t.Errorf("new asset %d is inactive", a.ID)
		}
	}
}

func targetUpdates(t *testing.T, f TargetFixture) {
	ctx := t.Context()
	w := setUp(t, ctx, f)
	res := save(t, ctx, f.Target, reconcile.AssetWrite{CustomerID: w.customer, SiteID: w.site, TypeID: w.typ, LinkKind: ConformanceKind, LinkID: "dev-1",
		Fields: []reconcile.FieldWrite{{Name: f.NameField, Value: "CONF-1"}, {Name: w.serial, Value: "SER-1"}}})
	id := res[0].ID
	if res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	if r := save(t, ctx, f.Target, reconcile.AssetWrite{ID: id, Fields: []reconcile.FieldWrite{{Name: w.serial, Value: "SER-2"}}}); r[0].Err != nil || r[0].ID != id {
		t.Fatalf("update = %+v; want id %d", r[0], id)
	}
	a := assetByID(load(t, ctx, f.Target), id)
	if a == nil || fieldOf(a, w.serial) != "SER-2" || fieldOf(a, f.NameField) != "CONF-1" || a.Links[ConformanceKind] != "dev-1" ||
		a.SiteID != w.site || a.TypeID != w.typ {
		t.Fatalf("after a one-field update: %+v; want serial SER-2 and everything else kept", a)
	}
	if r := save(t, ctx, f.Target, reconcile.AssetWrite{ID: id, SiteID: w.siteB}); r[0].Err != nil {
		t.Fatalf("move: %v", r[0].Err)
	}
	if a := assetByID(load(t, ctx, f.Target), id); a == nil || a.SiteID != w.siteB || fieldOf(a, w.serial) != "SER-2" {
		t.Fatalf("after a move: %+v; want site %d, fields kept", a, w.siteB)
	}
	yes := true
	if r := save(t, ctx, f.Target, reconcile.AssetWrite{ID: id, Inactive: &yes}); r[0].Err != nil {
		t.Fatalf("deactivate: %v", r[0].Err)
	}
	if a := assetByID(load(t, ctx, f.Target), id); a == nil || !a.Inactive || a.Links[ConformanceKind] != "dev-1" {
		t.Fatalf("after deactivation: %+v; want it loaded, inactive, still linked", a)
	}
	if r := save(t, ctx, f.Target, reconcile.AssetWrite{ID: id, LinkKind: ConformanceKind, LinkID: "dev-9"}); r[0].Err != nil {
		t.Fatalf("relink: %v", r[0].Err)
	}
	if a := assetByID(load(t, ctx, f.Target), id); a == nil || a.Links[ConformanceKind] != "dev-9" {
		t.Fatalf("after a relink: %+v; want link dev-9", a)
	}
}

func targetFailsAlone(t *testing.T, f TargetFixture) {
	ctx := t.Context()
	w := setUp(t, ctx, f)
	res := save(t, ctx, f.Target,
		reconcile.AssetWrite{CustomerID: w.customer, SiteID: w.site, TypeID: w.typ, Fields: []reconcile.FieldWrite{{Name: f.NameField, Value: "OK-1"}}},
		reconcile.AssetWrite{ID: 987654321, Fields: []reconcile.FieldWrite{{Name: f.NameField, Value: "NOBODY"}}},
		reconcile.AssetWrite{CustomerID: w.customer, SiteID: w.site, TypeID: w.typ, Fields: []reconcile.FieldWrite{{Name: f.NameField, Value: "OK-2"}}},
	)
	if res[0].Err != nil || res[2].Err != nil || res[0].ID == 0 || res[2].ID == 0 || res[0].ID == res[2].ID {
		t.Fatalf("results = %+v; want the two creates to succeed with their own ids", res)
	}
	if res[1].Err == nil {
		t.Fatalf("an update of an asset that does not exist succeeded: %+v", res[1])
	}
	snap := load(t, ctx, f.Target)
	for i, name := range map[int]string{0: "OK-1", 2: "OK-2"} {
		if a := assetByID(snap, res[i].ID); a == nil || fieldOf(a, f.NameField) != name {
			t.Errorf("result %d (id %d) does not hold %q: %+v", i, res[i].ID, name, a)
		}
	}
	if slices.ContainsFunc(snap.Assets, func(a reconcile.Asset) bool { return fieldOf(&a, f.NameField) == "NOBODY" }) {
		t.Error("the failed update created an asset")
	}
}

func targetIdempotent(t *testing.T, f TargetFixture) {
	ctx := t.Context()
	src := &Source{Snapshot: reconcile.SourceSnapshot{Source: reconcile.SourceInfo{Kind: ConformanceKind}, Complete: true,
		Sites: []reconcile.SourceSite{{ID: "s1", Name: "Conformance Imported"}}}}
	for i := range 3 {
		name := fmt.Sprintf("CONF-%d", i)
		src.Snapshot.Devices = append(src.Snapshot.Devices, reconcile.Device{ID: fmt.Sprint("dev-", i), SiteID: "s1", Name: name,
			Fields: map[string]string{"name": name, "kind": "Conformance Type"}})
	}
	cfg := &reconcile.Config{
		FieldMappings: []reconcile.FieldMapping{{Source: "name", Target: f.NameField}},
		AssetTypes:    reconcile.TypeConfig{Mode: reconcile.TypeField, Field: "kind", Default: "Conformance Type", NewTypeGroupID: f.AssetTypeGroup},
	}
	first, err := reconcile.Run(ctx, src, f.Target, cfg, reconcile.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created := 0
	for _, a := range first.Changeset.Actions {
		if a.Kind == reconcile.CreateAsset && a.Result != nil && a.Result.OK {
			created++
		}
	}
	if s := first.Changeset.Summary(); created != 3 || s.Failed != 0 {
		t.Fatalf("first run: %d assets created (%+v); want 3", created, s)
	}
	second, err := reconcile.Run(ctx, src, f.Target, cfg, reconcile.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := second.Changeset.Writes(); n != 0 {
		var kinds []string
		for _, a := range second.Changeset.Actions {
			if a.IsWrite() {
				kinds = append(kinds, fmt.Sprintf("%s %s (%s)", a.Kind, a.Name, a.Reason))
			}
		}
		t.Fatalf("second run of an unchanged world plans %d writes: %v", n, kinds)
	}
}

// SourceFixture is a reconcile.Source under test, over a fake of its RMM
// that holds no sites or devices yet, with the means to add them.
type SourceFixture struct {
	Source reconcile.Source
	// AddSite adds a site and returns its ID.
	AddSite func(name string) string
	// AddDevice adds a device named name to a site and returns its ID.
	AddDevice func(siteID, name string) string
	// FailListing makes the next device listing fail part-way (a 5xx that
	// retries do not cure).
	FailListing func()
}

// RunSource runs the conformance suite every reconcile.Source must pass:
// it declares a kind, loads every site and device with stable IDs and
// names, marks a full listing Complete, and never returns a partial
// listing as complete. A Source that is also an Enricher must enrich
// without changing identities, and stop when its context ends.
func RunSource(t *testing.T, newFixture func(t *testing.T) SourceFixture) {
	t.Helper()
	t.Run("LoadsEverything", func(t *testing.T) { sourceLoads(t, newFixture(t)) })
	t.Run("PartialListingIsNotComplete", func(t *testing.T) { sourcePartial(t, newFixture(t)) })
	t.Run("Enriches", func(t *testing.T) { sourceEnriches(t, newFixture(t)) })
}

func seedSource(f SourceFixture) (sites map[string]string, devices map[string]string) {
	sites, devices = map[string]string{}, map[string]string{}
	for _, s := range []string{"Conformance A", "Conformance B"} {
		id := f.AddSite(s)
		sites[id] = s
		for i := range 3 {
			devices[f.AddDevice(id, fmt.Sprintf("%s-PC%d", s[len(s)-1:], i))] = id
		}
	}
	return sites, devices
}

func sourceLoads(t *testing.T, f SourceFixture) {
	ctx := t.Context()
	sites, devices := seedSource(f)
	snap, err := f.Source.LoadSource(ctx)
	if err != nil {
		t.Fatal(err)
	}
	info := snap.Source
	if info.Kind == "" || info.Kind != strings.ToLower(strings.TrimSpace(info.Kind)) {
		t.Errorf("source kind %q: want a non-empty lower-case name", info.Kind)
	}
	if info.UserField != "" && len(info.Fields) > 0 && !slices.Contains(info.Fields, info.UserField) {
		t.Errorf("user field %q is not among the declared fields %v", info.UserField, info.Fields)
	}
	if !snap.Complete {
		t.Error("a listing that finished is not marked Complete")
	}
	gotSites := map[string]string{}
	for _, s := range snap.Sites {
		gotSites[s.ID] = s.Name
	}
	for id, name := range sites {
		if gotSites[id] != name {
			t.Errorf("site %s = %q; want %q", id, gotSites[id], name)
		}
	}
	seen := map[string]bool{}
	for _, d := range snap.Devices {
		if seen[d.ID] {
			t.Errorf("device %s listed twice", d.ID)
		}
		seen[d.ID] = true
		if want, ok := devices[d.ID]; ok && (d.SiteID != want || d.Name == "") {
			t.Errorf("device %s: site %q name %q; want site %q and a name", d.ID, d.SiteID, d.Name, want)
		}
	}
	for id := range devices {
		if !seen[id] {
			t.Errorf("device %s not loaded", id)
		}
	}
	again, err := f.Source.LoadSource(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Devices) != len(snap.Devices) {
		t.Fatalf("second load: %d devices, first %d", len(again.Devices), len(snap.Devices))
	}
	for _, d := range again.Devices {
		if !seen[d.ID] {
			t.Errorf("device ID %s of the second load was not in the first: IDs must be stable", d.ID)
		}
	}
}

func sourcePartial(t *testing.T, f SourceFixture) {
	seedSource(f)
	f.FailListing()
	snap, err := f.Source.LoadSource(t.Context())
	if err == nil && snap != nil && snap.Complete {
		t.Fatal("a listing that failed part-way was returned as Complete: its missing devices would read as deleted")
	}
}

func sourceEnriches(t *testing.T, f SourceFixture) {
	en, ok := f.Source.(reconcile.Enricher)
	if !ok {
		t.Skip("the source is not an Enricher")
	}
	seedSource(f)
	snap, err := f.Source.LoadSource(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(en.ExpensiveFields()) == 0 {
		t.Error("an Enricher names no expensive fields")
	}
	ptrs := make([]*reconcile.Device, len(snap.Devices))
	before := map[*reconcile.Device][2]string{}
	for i := range snap.Devices {
		ptrs[i] = &snap.Devices[i]
		before[ptrs[i]] = [2]string{snap.Devices[i].ID, snap.Devices[i].SiteID}
	}
	if err := en.Enrich(t.Context(), ptrs); err != nil {
		t.Fatalf("Enrich: %v", err)
	}
	for d, ids := range before {
		if d.ID != ids[0] || d.SiteID != ids[1] {
			t.Errorf("Enrich changed a device's identity: %v → %s/%s", ids, d.ID, d.SiteID)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := en.Enrich(ctx, ptrs); err == nil && len(ptrs) > 0 {
		t.Error("Enrich with an ended context returned no error")
	}
}
