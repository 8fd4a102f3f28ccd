package reconcile_test

import (
	"fmt"
	"testing"

	"github.com/mspsync/mspsync/reconcile"
)

// benchWorld builds n devices and n assets (half linked, a quarter matched
// by serial, a quarter new) over 200 sites, with 10 field mappings, 20
// site rules and 10 type rules.
func benchWorld(n int) (*reconcile.SourceSnapshot, *reconcile.TargetSnapshot, *reconcile.Config) {
	src := &reconcile.SourceSnapshot{Source: reconcile.SourceInfo{Kind: "rmm"}, Complete: true}
	tgt := &reconcile.TargetSnapshot{}
	cats := []string{"Desktop", "Laptop", "Server", "Printer", "Network", "VM", "Tablet", "Phone", "ESXi", "NAS"}
	for s := range 200 {
		src.Sites = append(src.Sites, reconcile.SourceSite{ID: fmt.Sprint("site-", s), Name: fmt.Sprint("Customer ", s)})
		tgt.Customers = append(tgt.Customers, reconcile.Customer{ID: s + 1, Name: fmt.Sprint("Customer ", s), MainSiteID: 1000 + s})
		tgt.Sites = append(tgt.Sites, reconcile.Site{ID: 1000 + s, CustomerID: s + 1, Name: "Main"})
	}
	for i, c := range cats {
		tgt.AssetTypes = append(tgt.AssetTypes, reconcile.AssetType{ID: 100 + i, Name: c})
	}
	cfg := &reconcile.Config{
		Matching:   reconcile.MatchingConfig{Field: "Serial Number"},
		AssetTypes: reconcile.TypeConfig{Mode: reconcile.TypeRules, Default: "Desktop"},
		Sites:      reconcile.SiteConfig{Method: reconcile.SiteRules, DefaultSite: &reconcile.SiteRef{CustomerID: 1}},
	}
	for f := range 10 {
		name := fmt.Sprint("Field ", f)
		cfg.FieldMappings = append(cfg.FieldMappings, reconcile.FieldMapping{Source: fmt.Sprint("f", f), Target: name})
		tgt.Fields = append(tgt.Fields, reconcile.FieldDef{Name: name})
	}
	cfg.FieldMappings[0] = reconcile.FieldMapping{Source: "serial", Target: "Serial Number"}
	tgt.Fields[0].Name = "Serial Number"
	for r := range 20 {
		cfg.Sites.Rules = append(cfg.Sites.Rules, reconcile.SiteRule{Sequence: r, CustomerID: r*10 + 1,
			Criteria: []reconcile.Criterion{{Field: "site", Op: reconcile.Equals, Value: fmt.Sprint("site-", r*10)}}})
	}
	for r, c := range cats {
		cfg.AssetTypes.Rules = append(cfg.AssetTypes.Rules, reconcile.TypeRule{Sequence: r, Type: c,
			Criteria: []reconcile.Criterion{{Field: "category", Op: reconcile.Equals, Value: c}}})
	}
	for i := range n {
		fields := map[string]string{"hostname": fmt.Sprintf("PC-%06d", i), "serial": fmt.Sprintf("SN%08d", i),
			"site": fmt.Sprint("site-", i%200), "category": cats[i%10]}
		for f := 1; f < 10; f++ {
			fields[fmt.Sprint("f", f)] = fmt.Sprintf("v%d-%d", f, i)
		}
		src.Devices = append(src.Devices, reconcile.Device{ID: fmt.Sprintf("dev-%06d", i), SiteID: fmt.Sprint("site-", i%200), Fields: fields})
		a := reconcile.Asset{ID: i + 1, CustomerID: 1, SiteID: 1000, TypeID: 100, Fields: map[string]string{"Serial Number": fmt.Sprintf("SN%08d", i)}}
		switch i % 4 {
		case 0, 1:
			a.Links = map[string]string{"rmm": fmt.Sprintf("dev-%06d", i)}
		case 3:
			a.Fields["Serial Number"] = fmt.Sprintf("OTHER%08d", i)
		}
		tgt.Assets = append(tgt.Assets, a)
	}
	return src, tgt, cfg
}

// BenchmarkPlan plans 10k and 100k devices against as many assets.
func BenchmarkPlan(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		src, tgt, cfg := benchWorld(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				cs, err := reconcile.Plan(src, tgt, cfg)
				if err != nil || len(cs.Actions) < n {
					b.Fatal(err)
				}
			}
		})
	}
}
