package reconcile_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/mspsync/mspsync/reconcile"
	"github.com/mspsync/mspsync/reconcile/reconciletest"
)

func TestPlanFileRoundTrip(t *testing.T) {
	t.Parallel()
	src, tgt := world()
	cs := plan(t, src, tgt, config())
	var buf bytes.Buffer
	if _, err := cs.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "{\n  \"format\": \"mspsync-reconcile-plan\",\n  \"version\": 2,") {
		t.Errorf("plan file starts %.80q", buf.String())
	}
	back, err := reconcile.ReadChangeset(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	back.WriteTo(&again)
	if again.String() != buf.String() {
		t.Errorf("the plan changed on the way through its file")
	}

	edit := func(f func(s string) string) string { return f(buf.String()) }
	for name, tc := range map[string]struct{ file, want string }{
		"version":     {edit(func(s string) string { return strings.Replace(s, `"version": 2`, `"version": 3`, 1) }), "version 3"},
		"version 1":   {edit(func(s string) string { return strings.Replace(s, `"version": 2`, `"version": 1`, 1) }), "make the plan again"},
		"format":      {edit(func(s string) string { return strings.Replace(s, `mspsync-reconcile-plan`, `other`, 1) }), `format "other"`},
		"unknown key": {edit(func(s string) string { return strings.Replace(s, `"version": 2,`, `"version": 2, "extra": 1,`, 1) }), `unknown field "extra"`},
		"no match":    {edit(func(s string) string { return strings.Replace(s, `"match": {`, `"match": null, "x": {`, 1) }), `unknown field "x"`},
		"match link": {edit(func(s string) string {
			i := strings.Index(s, `"match": {`)
			return s[:i] + strings.Replace(s[i:], `"link_id": "d2"`, `"link_id": "d9"`, 1)
		}), `match record's link rmm "d9" is not the device's`},
		"trailing": {buf.String() + "{}", "data after the plan"},
		"applied":  {edit(func(s string) string { return strings.Replace(s, `"reason"`, `"result": {"ok": true}, "reason"`, 1) }), "was applied already"},
		"no write": {edit(func(s string) string { return strings.Replace(s, `"write": {`, `"nowrite": {`, 1) }), "unknown field"},
		"kind":     {edit(func(s string) string { return strings.Replace(s, `"kind": "create_asset"`, `"kind": "explode"`, 1) }), "unknown action kind"},
		"dangling ref": {edit(func(s string) string {
			return strings.Replace(s, `"site_ref": "site:s-fab"`, `"site_ref": "site:nowhere"`, 1)
		}), `is created by no action`},
		"empty": {"", "not a plan file"},
	} {
		_, err := reconcile.ReadChangeset(strings.NewReader(tc.file))
		var pe *reconcile.PlanFileError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want a *PlanFileError saying %q", name, err, tc.want)
		}
	}
}

// TestCheckDriftAndApplyPlan: an unchanged target gives no conflicts and
// the plan applies; a changed one lists each conflict and ApplyPlan
// writes nothing.
func TestCheckDriftAndApplyPlan(t *testing.T) {
	t.Parallel()
	src, tgt := world()
	tgt.Assets[0].Links = map[string]string{"rmm": "d1"}
	tgt.Assets[0].Fields["Serial Number"] = "SN-OLD" // d1's update changes it
	cs := plan(t, src, tgt, config())
	if c := reconcile.CheckDrift(cs, &tgt); len(c) != 0 {
		t.Fatalf("conflicts on the unchanged target: %v", c)
	}

	changed := tgt
	changed.Assets = []reconcile.Asset{tgt.Assets[0]}
	changed.Assets[0].Fields = map[string]string{"inventory_number": "CON-PC1", "Serial Number": "SN-TECH"}
	changed.Assets = append(changed.Assets, reconcile.Asset{ID: 501, CustomerID: 1, SiteID: 10, TypeID: 100, Links: map[string]string{"rmm": "d2"}})
	changed.Customers = append(changed.Customers, reconcile.Customer{ID: 2, Name: "fabrikam"})
	changed.AssetTypes = append(changed.AssetTypes, reconcile.AssetType{ID: 101, Name: "LAPTOP"})
	conflicts := reconcile.CheckDrift(cs, &changed)
	var got []string
	for _, c := range conflicts {
		got = append(got, c.String())
	}
	want := []string{
		`(update_asset CON-PC1): asset 500: changed since the plan was made (Serial Number: planned from "SN-OLD", now "SN-TECH")`,
		`(create_asset CON-PC2): asset 501: asset 501 is linked to device d2 now; creating another would duplicate it`,
		`(create_customer Fabrikam): customer 2: a customer named "fabrikam" exists now`,
		`(create_asset_type Laptop): asset type "Laptop": an asset type of that name exists now`,
	}
	if len(got) != len(want) {
		t.Fatalf("conflicts:\n%s", strings.Join(got, "\n"))
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || strings.Contains(g, w)
		}
		if !found {
			t.Errorf("no conflict %q in:\n%s", w, strings.Join(got, "\n"))
		}
	}
	deleted := tgt
	deleted.Assets = nil
	if c := reconcile.CheckDrift(cs, &deleted); len(c) != 1 || c[0].Reason != "the asset no longer exists" {
		t.Errorf("deleted asset: %v", c)
	}

	// ApplyPlan: nothing written on conflicts, everything on none.
	target := reconciletest.NewTarget(changed)
	res, err := reconcile.ApplyPlan(t.Context(), cs, target, reconcile.RunOptions{})
	var de *reconcile.DriftError
	if !errors.As(err, &de) || len(de.Conflicts) != 4 || target.Writes() != 0 || res.Changeset.WriteCounts().Applied != 0 {
		t.Fatalf("ApplyPlan on a changed target: %v, %d writes", err, target.Writes())
	}
	if !strings.Contains(err.Error(), "nothing was written") || strings.Count(err.Error(), "\n  action ") != 4 {
		t.Errorf("error text:\n%v", err)
	}
	target = reconciletest.NewTarget(tgt)
	var events []reconcile.ProgressEvent
	res, err = reconcile.ApplyPlan(t.Context(), cs, target, reconcile.RunOptions{OnProgress: func(e reconcile.ProgressEvent) { events = append(events, e) }})
	if err != nil {
		t.Fatal(err)
	}
	if w := res.Changeset.WriteCounts(); w.Applied != cs.Writes() || target.Writes() == 0 {
		t.Errorf("writes %+v, target writes %d", w, target.Writes())
	}
	if last := events[len(events)-1]; last.Kind != reconcile.PhaseDone || last.Phase != reconcile.PhaseApply || last.Done != cs.Writes() || last.Err != nil {
		t.Errorf("last event %+v", last)
	}
}

// TestApplyReportsHowFarItGot cancels Apply after its first writes: the
// error says how far it got, and the counts agree with the fake's writes.
func TestApplyReportsHowFarItGot(t *testing.T) {
	t.Parallel()
	src := &reconcile.SourceSnapshot{Source: reconcile.SourceInfo{Kind: "rmm"}, Complete: true, Sites: []reconcile.SourceSite{{ID: "s1", Name: "New Co"}}}
	for i := range 40 {
		src.Devices = append(src.Devices, reconcile.Device{ID: fmt.Sprintf("d%03d", i), SiteID: "s1",
			Fields: map[string]string{"hostname": fmt.Sprintf("PC%03d", i), "deviceType.category": "Desktop"}})
	}
	target := reconciletest.NewTarget(reconcile.TargetSnapshot{Fields: []reconcile.FieldDef{{Name: "inventory_number", Native: true}},
		AssetTypes: []reconcile.AssetType{{ID: 100, Name: "Desktop"}}})
	cfg := &reconcile.Config{FieldMappings: []reconcile.FieldMapping{{Source: "hostname", Target: "inventory_number"}},
		AssetTypes: reconcile.TypeConfig{Mode: reconcile.TypeField, Field: "deviceType.category", Default: "Desktop"}}
	cs := plan(t, src, target.Snapshot(), cfg)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	err := reconcile.Apply(ctx, cs, target, reconcile.ApplyOptions{Concurrency: 1, BatchSize: 10, Progress: func(done, total int) {
		if done == 11 { // the customer and the first batch of ten
			cancel()
		}
	}})
	var se *reconcile.StoppedError
	if !errors.As(err, &se) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want a *StoppedError matching context.Canceled", err)
	}
	want := reconcile.WriteCounts{Planned: 41, Applied: 11, NotRun: 30}
	if se.Writes != want || cs.WriteCounts() != want {
		t.Errorf("counts %+v (changeset %+v), want %+v", se.Writes, cs.WriteCounts(), want)
	}
	if got := target.Calls("CreateCustomer") + 10*target.Calls("SaveAssets"); got != 11 || len(target.Snapshot().Assets) != 10 {
		t.Errorf("the fake has %d writes, %d assets; want 11 and 10", got, len(target.Snapshot().Assets))
	}
	if !strings.Contains(err.Error(), "41 planned: 11 applied, 0 failed, 30 not applied") {
		t.Errorf("error text %q", err)
	}
	var buf bytes.Buffer
	cs.WriteReport(&buf, reconcile.ReportOptions{})
	if n := strings.Count(buf.String(), "[not applied]"); n != 30 || !strings.Contains(buf.String(), "writes: 41 planned: 11 applied, 0 failed, 30 not applied") {
		t.Errorf("%d lines not applied in the report:\n%s", n, buf.String())
	}
}

// enricher is a Source whose expensive field ("serialNumber") comes from
// Enrich, through EnrichEach.
type enricher struct{ *reconciletest.Source }

func (enricher) ExpensiveFields() []string { return []string{"serialNumber"} }

func (enricher) Enrich(ctx context.Context, ds []*reconcile.Device) error {
	return reconcile.EnrichEach(ctx, ds, 3, func(_ context.Context, d *reconcile.Device) error {
		d.Fields["serialNumber"] = "SN-" + d.ID
		return nil
	})
}

// TestRunProgressEvents checks the typed events of a Run: each phase in
// order, a count per enriched device up to the total, and the writes.
func TestRunProgressEvents(t *testing.T) {
	t.Parallel()
	src, tgt := world()
	for i := range src.Devices {
		delete(src.Devices[i].Fields, "serialNumber")
	}
	var mu sync.Mutex
	var events []reconcile.ProgressEvent
	target := reconciletest.NewTarget(tgt)
	res, err := reconcile.Run(t.Context(), enricher{&reconciletest.Source{Snapshot: *src}}, target, config(), reconcile.RunOptions{
		OnProgress: func(e reconcile.ProgressEvent) { mu.Lock(); events = append(events, e); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	var phases []string
	enriched := 0
	for _, e := range events {
		switch e.Kind {
		case reconcile.PhaseStarted:
			phases = append(phases, string(e.Phase))
		case reconcile.PhaseProgress:
			if e.Phase == reconcile.PhaseEnrich {
				enriched++
				if e.Done != enriched || e.Total != 4 {
					t.Errorf("enrich progress %+v after %d", e, enriched-1)
				}
			}
		}
	}
	if strings.Join(phases, ",") != "load_target,load_source,enrich,plan,apply" || enriched != 4 {
		t.Errorf("phases %v, %d enrich events", phases, enriched)
	}
	if res.Target == nil || len(res.Target.Assets) != 1 {
		t.Errorf("RunResult.Target = %+v", res.Target)
	}
	last := events[len(events)-1]
	if last.Phase != reconcile.PhaseApply || last.Kind != reconcile.PhaseDone || last.Done != res.Changeset.Writes() {
		t.Errorf("last event %+v", last)
	}
}

// TestWriteReport checks the readable plan: grouped by customer, names
// instead of IDs and refs, lines within the width, totals at the end.
func TestWriteReport(t *testing.T) {
	t.Parallel()
	src, tgt := world()
	tgt.Assets[0].Name = "CON-PC1"
	tgt.Assets = append(tgt.Assets, reconcile.Asset{ID: 600, Name: "FAB-OLD", CustomerID: 1, SiteID: 10, TypeID: 100,
		Fields: map[string]string{"Serial Number": strings.Repeat("X", 80)}})
	src.Devices[0].Fields["operatingSystem"] = "Microsoft Windows 11 Pro for Workstations, build 22631"
	cs := plan(t, src, tgt, config())
	var buf bytes.Buffer
	if err := cs.WriteReport(&buf, reconcile.ReportOptions{Target: &tgt}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for i, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if n := utf8.RuneCountInString(l); n > 120 {
			t.Errorf("line %d has %d runes: %q", i+1, n, l)
		}
	}
	for _, want := range []string{
		"PSA setup (fields and asset types) (3)\n  new field",
		"Contoso (2)\n",
		"  update     Main           CON-PC1            CON-PC1          Operating System: \"\" → Microsoft Windows 1…; (+1 more)\n",
		"  create     Main           CON-PC2            (new)            type Laptop (new); inventory_number=CON-PC2",
		"Fabrikam (3)\n  new cust.  Main           Fabrikam",
		"  create     Main           FAB-PC1            (new)            type Desktop; inventory_number=FAB-PC1",
		"summary: created=",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "site:s-fab") || strings.Contains(out, "type:") || strings.Contains(out, " 10 ") {
		t.Errorf("report shows refs or IDs:\n%s", out)
	}
	if i, j := strings.Index(out, "Contoso ("), strings.Index(out, "Fabrikam ("); i < 0 || j < i {
		t.Errorf("groups out of order:\n%s", out)
	}
}

// TestCheckDriftFindsAssetsAddedByHand: an asset someone made in the PSA
// after the plan, which Plan would now match to a device the plan
// creates an asset for, is a conflict naming the device and the asset,
// and ApplyPlan writes nothing. CheckDrift agrees with Plan run again on
// the changed target: a conflict exactly when Plan would match the asset.
func TestCheckDriftFindsAssetsAddedByHand(t *testing.T) {
	t.Parallel()
	src, tgt := world()
	for name, tc := range map[string]struct {
		scope    bool
		asset    reconcile.Asset
		device   string // whose create conflicts; "" for none
		contains string
	}{
		"same serial": {asset: reconcile.Asset{CustomerID: 1, SiteID: 10, Fields: map[string]string{"Serial Number": "sn 002"}},
			device: "d2", contains: `asset 777 has Serial Number "sn 002" now, which matches device d2; creating another would duplicate it`},
		"linked to the device": {asset: reconcile.Asset{CustomerID: 1, SiteID: 10, Links: map[string]string{"rmm": "d2"}},
			device: "d2", contains: "asset 777 is linked to device d2 now"},
		"serial of an asset linked to another device": {asset: reconcile.Asset{CustomerID: 1, SiteID: 10,
			Fields: map[string]string{"Serial Number": "SN-002"}, Links: map[string]string{"rmm": "d9"}}},
		"excluded serial": {asset: reconcile.Asset{CustomerID: 1, SiteID: 10, Fields: map[string]string{"Serial Number": "To be filled by O.E.M."}}},
		"serial of a device going to a new customer": {asset: reconcile.Asset{CustomerID: 1, SiteID: 10, Fields: map[string]string{"Serial Number": "SN-003"}},
			device: "d3", contains: `asset 777 has Serial Number "SN-003" now, which matches device d3`},
		"scoped to another customer": {scope: true, asset: reconcile.Asset{CustomerID: 1, SiteID: 10, Fields: map[string]string{"Serial Number": "SN-003"}}},
		"scoped, same customer": {scope: true, asset: reconcile.Asset{CustomerID: 1, SiteID: 10, Fields: map[string]string{"Serial Number": "SN-002"}},
			device: "d2", contains: "matches device d2"},
	} {
		cfg := config()
		cfg.Matching.ScopeToCustomer = tc.scope
		cs := plan(t, src, tgt, cfg)
		if a := find(cs, "d2"); a.Kind != reconcile.CreateAsset || a.Match == nil ||
			*a.Match != (reconcile.AssetMatch{LinkKind: "rmm", LinkID: "d2", Field: "Serial Number", Value: "SN-002", Scoped: tc.scope, CustomerID: map[bool]int{true: 1}[tc.scope]}) {
			t.Fatalf("%s: d2's create: %+v match %+v", name, a, a.Match)
		}
		if m := find(cs, "d4").Match; m == nil || m.Field != "" || m.LinkID != "d4" {
			t.Fatalf("%s: d4's excluded serial is recorded: %+v", name, m)
		}
		changed := tgt
		tc.asset.ID, tc.asset.TypeID = 777, 100
		changed.Assets = append(slicesClone(tgt.Assets), tc.asset)

		conflicts := reconcile.CheckDrift(cs, &changed)
		again := plan(t, src, changed, cfg)
		if tc.device == "" {
			if len(conflicts) != 0 {
				t.Errorf("%s: conflicts %v", name, conflicts)
			}
			for _, d := range []string{"d2", "d3"} {
				if a := find(again, d); a.Kind != reconcile.CreateAsset {
					t.Errorf("%s: Plan again matches %s (%s %d), CheckDrift saw no conflict", name, d, a.Kind, a.AssetID)
				}
			}
			continue
		}
		if a := find(again, tc.device); a.AssetID != 777 {
			t.Errorf("%s: Plan again: %s %s %d, not asset 777", name, tc.device, a.Kind, a.AssetID)
		}
		dev := find(cs, tc.device)
		if len(conflicts) != 1 || conflicts[0].Kind != reconcile.CreateAsset || conflicts[0].Name != dev.Name || conflicts[0].Record != "asset 777" ||
			!strings.Contains(conflicts[0].Reason, tc.contains) || &cs.Actions[conflicts[0].Action] != dev {
			t.Errorf("%s: conflicts %v", name, conflicts)
		}
		target := reconciletest.NewTarget(changed)
		_, err := reconcile.ApplyPlan(t.Context(), cs, target, reconcile.RunOptions{})
		var de *reconcile.DriftError
		if !errors.As(err, &de) || len(de.Conflicts) != 1 || target.Writes() != 0 || !strings.Contains(err.Error(), "asset 777") {
			t.Errorf("%s: ApplyPlan: %v, %d writes", name, err, target.Writes())
		}
	}
}

// TestCheckDriftFindsSitesLinkedByHand: a customer or site linked to the
// source site since the plan (Plan would place the site there) conflicts
// with the plan's creates for it.
func TestCheckDriftFindsSitesLinkedByHand(t *testing.T) {
	t.Parallel()
	src, tgt := world()
	cs := plan(t, src, tgt, config())
	changed := tgt
	changed.Sites = append(slicesClone(tgt.Sites), reconcile.Site{ID: 20, CustomerID: 1, Name: "FAB office", Links: map[string]string{"rmm": "s-fab"}})
	got := reconcile.CheckDrift(cs, &changed)
	if len(got) != 1 || got[0].Kind != reconcile.CreateCustomer || got[0].Record != "site 20" || !strings.Contains(got[0].Reason, `site "FAB office" is linked to source site s-fab now`) {
		t.Errorf("conflicts %v", got)
	}
}

func slicesClone[T any](s []T) []T { return append([]T(nil), s...) }
