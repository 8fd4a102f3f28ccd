package reconcile_test

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

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
//
// Besides time and allocations it reports:
//   - cpu-ns/op: the process's user and system CPU time per Plan
//     (getrusage), which a busy machine disturbs far less than wall time;
//   - peak-heap-MB: the heap's high-water mark during one extra, untimed
//     Plan that starts from a collected heap: the most live-or-garbage
//     heap (runtime/metrics /memory/classes/heap/objects:bytes, i.e.
//     HeapAlloc) seen by a sampler and once more as Plan returns, before
//     anything is freed. The sampler asks every millisecond but, with
//     -cpu 1, runs when the scheduler lets it (about every 10 ms), so a
//     peak just before a collection may be read a little low. It includes
//     the snapshots Plan reads;
//   - inputs-MB: the heap before that Plan (the snapshots and config), so
//     peak-heap-MB minus inputs-MB is what Plan itself adds at its peak.
func BenchmarkPlan(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		src, tgt, cfg := benchWorld(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			peak, inputs := peakHeap(func() {
				if _, err := reconcile.Plan(src, tgt, cfg); err != nil {
					b.Fatal(err)
				}
			})
			runtime.GC() // the measuring run's plan is garbage; start the loop without it
			cpu := processCPU()
			for b.Loop() {
				cs, err := reconcile.Plan(src, tgt, cfg)
				if err != nil || len(cs.Actions) < n {
					b.Fatal(err)
				}
			}
			if cpu != 0 {
				b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(inputs)/(1<<20), "inputs-MB")
		})
	}
}

// peakHeap runs f on a freshly collected heap and returns the heap's
// high-water mark while it ran and the heap it started from, in bytes
// (objects live or not yet swept; see BenchmarkPlan).
func peakHeap(f func()) (peak, start uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	runtime.GC()
	start = read()
	var high atomic.Uint64
	high.Store(start)
	note := func() {
		if v := read(); v > high.Load() {
			high.Store(v)
		}
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				note()
			}
		}
	}()
	f()
	note()
	close(stop)
	<-done
	return high.Load(), start
}

// variedWorld is a smaller world that takes the paths benchWorld does not:
// deleted and absent devices, placeholder, shared, padded, mixed-case and
// non-ASCII matching values, field names in another case, users, inactive
// assets, ambiguous assets and rule values with capitals and accents.
func variedWorld(n int) (*reconcile.SourceSnapshot, *reconcile.TargetSnapshot) {
	src, tgt, _ := benchWorld(n)
	src.Source.Account = "acct-1"
	src.Source.UserField = "lastUser"
	src.Sites = append(src.Sites,
		reconcile.SourceSite{ID: "site-x1", Name: "Ärzte  Praxis GmbH"},
		reconcile.SourceSite{ID: "site-x2", Name: "Customer 7 Ltd"},
		reconcile.SourceSite{ID: "site-x3", Name: "customer   12", URL: "https://rmm/site-x3"},
		reconcile.SourceSite{ID: "site-x4", Name: "Deleted Devices", Excluded: true},
		reconcile.SourceSite{ID: "site-x5", Name: "Child", ParentID: "site-x1"},
	)
	tgt.Customers = append(tgt.Customers, reconcile.Customer{ID: 900, Name: "ärzte praxis", Links: map[string]string{"rmm": "site-7"}})
	tgt.Sites = append(tgt.Sites, reconcile.Site{ID: 9000, CustomerID: 900, Name: "Main", Links: map[string]string{"rmm": "site-9"}})
	tgt.AssetTypes = append(tgt.AssetTypes, reconcile.AssetType{ID: 200, Name: "Ärztliches Gerät"})
	tgt.Users = []reconcile.User{
		{ID: 1, CustomerID: 1, Fields: map[string]string{"email": "jdoe@example.com", "login": "jdoe"}},
		{ID: 2, CustomerID: 2, Fields: map[string]string{"email": "JDoe@Other.example", "login": "jdoe"}},
		{ID: 3, CustomerID: 1, Fields: map[string]string{"Email": " Ölaf@example.com ", "login": "olaf"}},
	}
	serials := []string{"To be filled by O.E.M.", " sn-00000003 ", "ＳＮ００１", "Ser-Ä-0001", "AAAAAA", "12", "SN00000001", "sn:0000:0002", "N/A", "Sérïal-Ü"}
	cats := []string{"DESKTOP", "laptop ", "Ärztliches Gerät", "Server", "Kelvin \u212a", "", "NAS", "ſerver"}
	users := []string{`CORP\jdoe`, "jdoe@example.com", "ölaf@example.com", "nobody", `DOMAIN\`, "JDOE"}
	for i := range src.Devices {
		d := &src.Devices[i]
		switch {
		case i%17 == 0:
			d.Fields["serial"] = serials[(i/17)%len(serials)]
		case i%19 == 0:
			delete(d.Fields, "serial")
			d.Fields["SERIAL"] = fmt.Sprintf("sn%08d", i)
		}
		if i%13 == 0 {
			d.Fields["category"] = cats[(i/13)%len(cats)]
		}
		if i%11 == 0 {
			d.Fields["lastUser"] = users[(i/11)%len(users)]
		}
		if i%23 == 0 {
			d.Deleted = true
		}
		if i%29 == 0 {
			d.SiteID = fmt.Sprint("site-x", 1+(i/29)%6) // site-x6 is unknown
		}
		if i%31 == 0 {
			d.Fields["f3"] = "  "
		}
		if i%46 == 1 {
			d.Fields["serial"] = fmt.Sprintf("SN%08d", i-1) // the serial of a deleted device
		}
	}
	for i := range tgt.Assets {
		a := &tgt.Assets[i]
		if i%244 == 2 {
			a.Links = map[string]string{"rmm": fmt.Sprintf("dev-%06d", i-1)} // a second asset linked to a device
		}
		if i%59 == 0 {
			a.Fields["Serial Number"] = "sn0000-0006" // a second, third… asset with a device's serial
		}
		switch {
		case i%37 == 0:
			a.Inactive = true
		case i%41 == 0:
			a.Fields["Serial Number"] = "SN00000003" // a second asset with that serial
		case i%43 == 0:
			a.Fields["field 2"] = fmt.Sprintf("v2-%d", i)
		case i%47 == 0:
			a.Links = map[string]string{"rmm": fmt.Sprintf("gone-%d", i)}
			a.LinkAccounts = map[string]string{"rmm": "acct-1"}
		case i%53 == 0 && a.Links != nil:
			a.LinkAccounts = map[string]string{"rmm": "acct-2"}
		}
	}
	return src, tgt
}

// goldenConfigs are the configurations the golden plans are made with.
func goldenConfigs() map[string]func() *reconcile.Config {
	base := func() *reconcile.Config {
		_, _, cfg := benchWorld(0)
		return cfg
	}
	return map[string]func() *reconcile.Config{
		"rules": func() *reconcile.Config {
			cfg := base()
			cfg.Sites.Rules = append(cfg.Sites.Rules,
				reconcile.SiteRule{Sequence: -3, CustomerID: 900, Criteria: []reconcile.Criterion{{Field: "category", Op: reconcile.InList, Values: []string{"ärztliches gerät", "NAS"}}}},
				reconcile.SiteRule{Sequence: -2, CustomerID: 2, SiteID: 1001, Criteria: []reconcile.Criterion{{Field: "Field 1", Op: reconcile.StartsWith, Value: "V1-1"}, {Field: "hostname", Op: reconcile.EndsWith, Value: "7"}}},
				reconcile.SiteRule{Sequence: -1, CustomerID: 3, Criteria: []reconcile.Criterion{{Field: "SERIAL NUMBER", Op: reconcile.Contains, Value: "Ä"}}},
				reconcile.SiteRule{Sequence: 100, CustomerID: 4, SiteID: 77, Criteria: []reconcile.Criterion{{Field: "lastUser", Op: reconcile.NotEmpty}}},
			)
			cfg.AssetTypes.Rules = append([]reconcile.TypeRule{
				{Sequence: -5, Type: "Ärztliches Gerät", Criteria: []reconcile.Criterion{{Field: "category", Op: reconcile.Equals, Value: "ÄRZTLICHES GERÄT"}}},
				{Sequence: -4, Type: "Kelvin", Criteria: []reconcile.Criterion{{Field: "category", Op: reconcile.Contains, Value: "kelvin k"}}},
				{Sequence: -3, Type: "Server", Criteria: []reconcile.Criterion{{Field: "category", Op: reconcile.Equals, Value: "SERVER"}}},
				{Sequence: -2, Type: "Laptop", Criteria: []reconcile.Criterion{{Field: "category", Op: reconcile.Equals, Value: "laptop", CaseSensitive: true}}},
				{Sequence: -1, Type: "Blank", Criteria: []reconcile.Criterion{{Field: "category", Op: reconcile.Empty}, {Field: "f2", Op: reconcile.Regex, Value: `^V2-\d*5$`}}},
				{Sequence: 0, Type: "Not desktop", Criteria: []reconcile.Criterion{{Field: "category", Op: reconcile.NotEquals, Value: "desktop"}, {Field: "hostname", Op: reconcile.EndsWith, Value: "3"}}},
			}, cfg.AssetTypes.Rules...)
			cfg.Users = reconcile.UserConfig{Mode: reconcile.UsersLastLoggedIn, PrimaryField: "email", SecondaryField: "login"}
			cfg.Lifecycle = reconcile.LifecycleConfig{DeactivateDeleted: true, DeletedStatusID: 9, NewStatusID: 1}
			cfg.Matching.Exclusions = []string{"SER-Ä-0001"}
			cfg.FieldMappings[2].NoTriggerUpdate = true
			cfg.FieldMappings[3].Policy = reconcile.PolicyFillEmpty
			cfg.FieldMappings[4].Policy = reconcile.PolicyCreateOnly
			cfg.FieldMappings[5].Policy = reconcile.PolicyMatchOnly
			cfg.FieldMappings = append(cfg.FieldMappings, reconcile.FieldMapping{Source: "lastUser", Target: "Last User", CreateMissing: true},
				reconcile.FieldMapping{Source: "nowhere", Target: "Missing Field"})
			return cfg
		},
		"mappings": func() *reconcile.Config {
			cfg := base()
			cfg.Sites = reconcile.SiteConfig{Mappings: []reconcile.SiteMapping{{SourceSiteID: "site-3", CustomerID: 4}, {SourceSiteID: "site-x1", CustomerID: 5, SiteID: 1004}, {SourceSiteID: "site-5", CustomerID: 4242}}}
			cfg.AssetTypes = reconcile.TypeConfig{Mode: reconcile.TypeField, Field: "category", Default: "Desktop", DontRetypeExisting: true}
			cfg.Matching.ScopeToCustomer = true
			cfg.Users = reconcile.UserConfig{Mode: reconcile.UsersField, SourceField: "LASTUSER", PrimaryField: "login"}
			cfg.Lifecycle = reconcile.LifecycleConfig{DeletedStatusID: 9}
			return cfg
		},
		"new sites": func() *reconcile.Config {
			cfg := base()
			cfg.Sites = reconcile.SiteConfig{NewSites: reconcile.NewSitesAsSites, NewSitesCustomerID: 1, DontMoveExisting: true}
			cfg.AssetTypes = reconcile.TypeConfig{Mode: reconcile.TypeFixed, Default: "Workstation", NewTypeGroupID: 3}
			cfg.Matching.NoVendorID = true
			return cfg
		},
		"review": func() *reconcile.Config {
			cfg := base()
			cfg.Sites = reconcile.SiteConfig{ReviewSimilar: true, DefaultSite: &reconcile.SiteRef{CustomerID: 2}}
			cfg.AssetTypes = reconcile.TypeConfig{Mode: reconcile.TypeField, Field: "Category", Default: "Desktop"}
			cfg.Lifecycle = reconcile.LifecycleConfig{DeactivateDeleted: true, DontCreate: true}
			return cfg
		},
	}
}

// planHash plans and returns the SHA-256 of the plan's JSON without the
// asset creates' match records (added after the hashes were taken, and
// tested in planfile_test.go); every create must carry one.
func planHash(t *testing.T, src *reconcile.SourceSnapshot, tgt *reconcile.TargetSnapshot, cfg *reconcile.Config, opts ...reconcile.PlanOption) string {
	t.Helper()
	cs, err := reconcile.Plan(src, tgt, cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	for i := range cs.Actions {
		a := &cs.Actions[i]
		if (a.Match != nil) != (a.Kind == reconcile.CreateAsset) {
			t.Fatalf("action %d (%s %s): match record %+v", i, a.Kind, a.Name, a.Match)
		}
		a.Match = nil
	}
	b, err := json.Marshal(cs)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

// TestPlanJSONIsUnchanged pins the JSON of plans of the benchmark's world
// and of variedWorld: the hashes were computed before Plan was optimised,
// so a faster Plan must still say exactly the same thing.
func TestPlanJSONIsUnchanged(t *testing.T) {
	t.Parallel()
	src, tgt, cfg := benchWorld(10_000)
	if got, want := planHash(t, src, tgt, cfg), goldenBench; got != want {
		t.Errorf("bench world plan hash = %s, want %s", got, want)
	}
	learned := reconcile.WithLearnedMappings([]reconcile.Mapping{
		{Kind: "rmm", Account: "acct-1", SourceSiteID: "site-x2", CustomerID: 8},
		{Kind: "rmm", Account: "acct-1", SourceSiteID: "site-11", CustomerID: 999},
		{Kind: "rmm", Account: "other", SourceSiteID: "site-12", CustomerID: 3},
	})
	for name, mk := range goldenConfigs() {
		src, tgt := variedWorld(3000)
		for _, links := range []bool{false, true} {
			tgt.SiteLinkKinds = nil
			if links {
				tgt.SiteLinkKinds = []string{"*"}
			}
			key := fmt.Sprintf("%s/links=%v", name, links)
			if got, want := planHash(t, src, tgt, mk(), learned), goldenVaried[key]; got != want {
				t.Errorf("%s: plan hash = %s, want %s", key, got, want)
			}
		}
	}
}

// The golden hashes of TestPlanJSONIsUnchanged.
var (
	goldenBench  = "4e0fb5fb9c3d6b28e270cd9468d2666f09fc98ff2a89b8cfe03ae5e61c18f6be"
	goldenVaried = map[string]string{
		"rules/links=false":     "cb3fd578a037498eea2a9560e6081ac3e541a0c17883b8bdc5c36a82ea5da1e1",
		"rules/links=true":      "cb3fd578a037498eea2a9560e6081ac3e541a0c17883b8bdc5c36a82ea5da1e1",
		"mappings/links=false":  "5a879fb7024d5c86de0c517f283a6c163fdd98ca3505e969b440bad24d478cdd",
		"mappings/links=true":   "6bdb89bcf34c1f651d2b40f1816ba471d90294a6a188245436f0527a009d5aa1",
		"new sites/links=false": "9e73ef6b40dea83297a0e786d379f720426f1276f9eba7dded6d87d0e8e85a29",
		"new sites/links=true":  "9e73ef6b40dea83297a0e786d379f720426f1276f9eba7dded6d87d0e8e85a29",
		"review/links=false":    "b9ff5d80e064224c307acc2ef6cef576d057517bf597d2bc392b1ef106280d4f",
		"review/links=true":     "219e1dff81f672ab7d6f16f6785b9311e22a11f6c9efa418360e8b01a6c82537",
	}
)

// TestPlanAllocatesLittlePerDevice guards what BenchmarkPlan measures in
// the one way a test can, deterministically: Plan allocates a few times
// per device (its reason, the normalised matching values), not once per
// field, string or map entry as it did (about 40 times).
func TestPlanAllocatesLittlePerDevice(t *testing.T) {
	const n = 10_000
	src, tgt, cfg := benchWorld(n)
	allocs := testing.AllocsPerRun(2, func() {
		if _, err := reconcile.Plan(src, tgt, cfg); err != nil {
			t.Fatal(err)
		}
	})
	if perDevice := allocs / n; perDevice > 4 {
		t.Errorf("Plan allocates %.1f times per device, want at most 4", perDevice)
	}
}
