package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

// TestDemoPlacesDevicesOnNearestMappedAncestor runs -demo and checks the
// Halo fake: every device under a mapped group is an asset of the customer
// (and site) of its nearest mapped ancestor group, worked out here from
// the demo's tree; devices under no mapped group, and the ungrouped one,
// are not in Halo; the second run writes nothing.
func TestDemoPlacesDevicesOnNearestMappedAncestor(t *testing.T) {
	var out, errOut bytes.Buffer
	var d *demo
	if code := run(t.Context(), options{demo: true, inspect: func(x *demo) { d = x }}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, errOut.String(), out.String())
	}
	var sums []string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "summary: ") {
			sums = append(sums, l)
		}
	}
	if len(sums) != 2 {
		t.Fatalf("summaries = %v\n%s", sums, out.String())
	}
	// 20 assets and the "server" asset type; 5 skipped.
	if sums[0] != "summary: created=21 updated=0 unchanged=0 deactivated=0 skipped=5 ambiguous=0 failed=0" {
		t.Errorf("first run: %s", sums[0])
	}
	if sums[1] != "summary: created=0 updated=0 unchanged=20 deactivated=0 skipped=5 ambiguous=0 failed=0" {
		t.Errorf("second run: %s", sums[1])
	}
	done := regexp.MustCompile(`done: halo \d+ requests \(\d+ reads, (\d+) writes\)`).FindAllStringSubmatch(errOut.String(), -1)
	if len(done) != 2 || done[0][1] == "0" || done[1][1] != "0" {
		t.Errorf("Halo writes per run: %v; want some, then 0\n%s", done, errOut.String())
	}
	for _, want := range []string{`site "Store 12 Back Office" mapped through "Contoso Retail"`, `source site "Contoso Labs" is not mapped`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the plan lacks %q", want)
		}
	}

	// The expected placement, by walking demoTree up from each group.
	byName := map[string]demoGroup{}
	depth := 0
	for _, g := range d.groups {
		byName[g.name] = g
	}
	type place struct{ customer, site string }
	want := map[string]place{} // hostname → customer/site; absent: not imported
	for host, group := range d.devices {
		lvl := 0
		for g, ok := byName[group]; ok; g, ok = byName[g.parent] {
			lvl++
		}
		depth = max(depth, lvl)
		for g, ok := byName[group]; ok; g, ok = byName[g.parent] {
			if g.customer != "" {
				site := g.site
				if site == "" {
					site = "Main"
				}
				want[host] = place{g.customer, site}
				break
			}
		}
	}
	if depth < 5 || len(want) != 20 {
		t.Fatalf("demo tree: depth %d, %d mapped devices", depth, len(want))
	}
	customers := map[int]string{}
	for _, c := range d.hs.Customers() {
		customers[c.ID] = c.Name
	}
	sites := map[int]place{}
	for _, s := range d.hs.Sites() {
		sites[s.ID] = place{customers[s.ClientID], s.Name}
	}
	got := map[string]place{}
	for _, a := range d.hs.Assets() {
		got[a.InventoryNumber] = sites[a.SiteID]
	}
	for host, w := range want {
		if got[host] != w {
			t.Errorf("%s (group %q): in Halo at %+v, want %+v", host, d.devices[host], got[host], w)
		}
	}
	for host := range got {
		if _, ok := want[host]; !ok {
			t.Errorf("%s (group %q) is in Halo; it is under no mapped group", host, d.devices[host])
		}
	}
}

func TestPrintConfigDefaultsToSkip(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(t.Context(), options{demo: true, printConfig: true}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{`"new_sites": "skip"`, `"source_site_id"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("config lacks %s:\n%s", want, out.String())
		}
	}
	if cfg := DefaultConfig(0, func(string) bool { return false }); cfg.Sites.NewSites != "skip" || len(cfg.Sites.Mappings) != 0 {
		t.Errorf("default sites: %+v", cfg.Sites)
	}
}

func TestMissingSettings(t *testing.T) {
	for _, k := range []string{"HALO_URL", "HALO_CLIENT_ID", "HALO_CLIENT_SECRET", "LEVEL_API_KEY"} {
		t.Setenv(k, "")
	}
	var errOut bytes.Buffer
	code := run(t.Context(), options{}, &bytes.Buffer{}, &errOut)
	for _, want := range []string{"HALO_URL", "LEVEL_API_KEY"} {
		if code != exitSettings || !strings.Contains(errOut.String(), want) {
			t.Errorf("exit %d, %q not named: %s", code, want, errOut.String())
		}
	}
}
