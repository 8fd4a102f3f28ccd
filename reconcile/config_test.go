package reconcile_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	mspconfig "github.com/mspsync/mspsync/config" // reconcile_test has a func config
	"github.com/mspsync/mspsync/reconcile"
)

// valid is the smallest addition that makes DefaultConfig valid.
const valid = `"asset_types":{"default":"PC"}`

func TestLoadConfigNamesUnknownKeys(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ body, key, problem string }{
		{`{"feld_mappings":[],` + valid + `}`, "feld_mappings", `unknown key (did you mean "field_mappings"?)`},
		{`{"sites":{"methd":"rules"},` + valid + `}`, "sites.methd", `unknown key (did you mean "method"?)`},
		{`{"sites":{"default_site":{"customer":1}},` + valid + `}`, "sites.default_site.customer", `unknown key (did you mean "customer_id"?)`},
		{`{"field_mappings":[{"source":"a","target":"b"},{"source":"c","target":"d","only_fill_emtpy":true}],` + valid + `}`, "field_mappings[1].only_fill_emtpy", `did you mean "only_fill_empty"?`},
		{`{"sites":{"method":"rules","rules":[{"customer_id":1,"criteria":[]},{"customer_id":2,"criteria":[]},{"customer_id":3,"criteria":[{"field":"hostname","opp":"equals"}]}]},` + valid + `}`, "sites.rules[2].criteria[0].opp", `unknown key (did you mean "op"?)`},
		{`{"asset_types":{"default":"PC","rules":[{"type":"S","criteria":[{"field":"a","op":"empty","case_sensitiv":true}]}]}}`, "asset_types.rules[0].criteria[0].case_sensitiv", `did you mean "case_sensitive"?`},
	} {
		_, err := reconcile.LoadConfig(strings.NewReader(tc.body))
		var ce *mspconfig.Error
		if !errors.As(err, &ce) || ce.Key != tc.key || !strings.Contains(ce.Problem, tc.problem) {
			t.Errorf("%s:\n err = %v, want key %s and %q", tc.body, err, tc.key, tc.problem)
		}
	}
}

func TestLoadConfigNamesTypeErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ body, want string }{
		{`{"asset_types":{"default":"PC","rules":[{"sequence":"a"}]}}`, `reconcile: config asset_types.rules[0].sequence: want a number, got "a"`},
		{`{"sites":{"top_level_id":1.5},` + valid + `}`, `reconcile: config sites.top_level_id: want a whole number, got 1.5`},
		{`{"lifecycle":{"dont_create":"yes"}}`, `reconcile: config lifecycle.dont_create: want true or false, got "yes"`},
		{`{"field_mappings":{"source":"a"},` + valid + `}`, `reconcile: config field_mappings: want an array, got an object`},
		{`{"matching":{"exclusions":["N/A",0]},` + valid + `}`, `reconcile: config matching.exclusions[1]: want a string, got 0`},
		{`{"sites":{"mappings":[{"source_site_id":7,"customer_id":"1"}]},` + valid + `}`, "reconcile: config sites.mappings[0].source_site_id: want a string, got 7\n" +
			`config sites.mappings[0].customer_id: want a number, got "1"`},
		{`{"users":`, `reconcile: config: invalid JSON: the document ends early`},
	} {
		_, err := reconcile.LoadConfig(strings.NewReader(tc.body))
		var ce *reconcile.ConfigError
		if !errors.As(err, &ce) || err.Error() != tc.want {
			t.Errorf("%s:\n err = %v\nwant %s", tc.body, err, tc.want)
		}
	}
}

func TestLoadConfigMergesDefaults(t *testing.T) {
	t.Parallel()
	got, err := reconcile.LoadConfig(strings.NewReader(`{"sites":{"top_level_id":4},` + valid + `}`))
	if err != nil {
		t.Fatal(err)
	}
	want := reconcile.DefaultConfig()
	want.Sites.TopLevelID = 4
	want.AssetTypes.Default = "PC"
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("got  %+v\nwant %+v", *got, want)
	}
	if got.Sites.Method != reconcile.SiteMappings || got.Sites.NewSites != reconcile.NewSitesAsCustomers || got.Sites.MainSiteName != "Main" {
		t.Errorf("setting one site field lost the other defaults: %+v", got.Sites)
	}

	got, err = reconcile.LoadConfig(strings.NewReader(`{"sites":{"method":"rules","default_site":{"customer_id":1}},"asset_types":{"field":"type"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got.Sites.Method != reconcile.SiteRules || got.Sites.MainSiteName != "Main" || got.AssetTypes.Mode != "" {
		t.Errorf("got %+v", got)
	}
}

func TestDefaultConfigNeedsAnAssetType(t *testing.T) {
	t.Parallel()
	c := reconcile.DefaultConfig()
	var ce *reconcile.ConfigError
	if err := c.Validate(); !errors.As(err, &ce) || ce.Key != "asset_types.default" {
		t.Errorf("Validate(DefaultConfig()) = %v, want asset_types.default", err)
	}
	if _, err := reconcile.LoadConfig(strings.NewReader(`{}`)); !errors.As(err, &ce) || ce.Key != "asset_types.default" {
		t.Errorf("LoadConfig({}) = %v, want asset_types.default", err)
	}
}

func TestValidationErrorsAreTheSharedType(t *testing.T) {
	t.Parallel()
	bad := reconcile.DefaultConfig()
	bad.AssetTypes.Default = "PC"
	bad.Sites.Method = "magic"
	for name, err := range map[string]error{
		"Validate": bad.Validate(),
		"LoadConfig": func() error {
			_, err := reconcile.LoadConfig(strings.NewReader(`{"sites":{"method":"magic"},` + valid + `}`))
			return err
		}(),
		"Plan": func() error {
			_, err := reconcile.Plan(&reconcile.SourceSnapshot{Source: reconcile.SourceInfo{Kind: "datto"}}, &reconcile.TargetSnapshot{}, &bad)
			return err
		}(),
	} {
		var ce *mspconfig.Error
		if !errors.As(err, &ce) || ce.Key != "sites.method" || ce.Problem != `"magic" is not mappings or rules` {
			t.Errorf("%s: err = %v, want a *config.Error for sites.method", name, err)
		}
		if want := `reconcile: config sites.method: "magic" is not mappings or rules`; err.Error() != want {
			t.Errorf("%s: message %q, want %q", name, err, want)
		}
	}
}

func TestConfigRoundTrip(t *testing.T) {
	t.Parallel()
	minimal := reconcile.DefaultConfig()
	minimal.AssetTypes.Default = "PC"
	full := reconcile.DefaultConfig()
	full.Sites = reconcile.SiteConfig{Method: reconcile.SiteRules, TopLevelID: 2, DontMoveExisting: true, NewSites: reconcile.NewSitesAsSites, NewSitesCustomerID: 9, MainSiteName: "HQ",
		Mappings:    []reconcile.SiteMapping{{SourceSiteID: "s1", CustomerID: 1, SiteID: 2}},
		Rules:       []reconcile.SiteRule{{Sequence: 1, CustomerID: 3, Criteria: []reconcile.Criterion{{Field: "hostname", Op: reconcile.InList, Values: []string{"a", "b"}, CaseSensitive: true}}}},
		DefaultSite: &reconcile.SiteRef{CustomerID: 4, SiteID: 5}}
	full.FieldMappings = []reconcile.FieldMapping{{Source: "serialNumber", Target: "Serial Number", OnlyFillEmpty: true, CreateMissing: true, NoTriggerUpdate: true}}
	full.Matching = reconcile.MatchingConfig{Field: "Serial Number", NoVendorID: true, Exclusions: []string{"TBD"}, ScopeToCustomer: true}
	full.AssetTypes = reconcile.TypeConfig{Mode: reconcile.TypeRules, Default: "PC", NewTypeGroupID: 3, DontRetypeExisting: true,
		Rules: []reconcile.TypeRule{{Sequence: 2, Type: "Server", Criteria: []reconcile.Criterion{{Field: "os", Op: reconcile.Contains, Value: "Server"}}}}}
	full.Lifecycle = reconcile.LifecycleConfig{DontCreate: true, NewStatusID: 1, DeactivateDeleted: true, DeletedStatusID: 2}
	full.Users = reconcile.UserConfig{Mode: reconcile.UsersField, SourceField: "udf1", PrimaryField: "email", SecondaryField: "name"}
	for name, in := range map[string]reconcile.Config{"minimal": minimal, "full": full} {
		data, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		out, err := reconcile.LoadConfig(strings.NewReader(string(data)))
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, data)
		}
		if !reflect.DeepEqual(*out, in) {
			t.Errorf("%s round trip:\n got  %+v\n want %+v", name, *out, in)
		}
	}
}

func TestLoadConfigFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.json", `{`+valid+`}`)
	if c, err := reconcile.LoadConfigFile(good); err != nil || c.AssetTypes.Default != "PC" || c.Sites.MainSiteName != "Main" {
		t.Errorf("LoadConfigFile = %+v, %v", c, err)
	}
	for body, want := range map[string]string{
		`{"sites":{"mthod":"rules"},` + valid + `}`:  `config sites.mthod: unknown key (did you mean "method"?)`,
		`{"sites":{"method":"magic"},` + valid + `}`: `config sites.method: "magic" is not mappings or rules`,
	} {
		p := write("bad.json", body)
		_, err := reconcile.LoadConfigFile(p)
		var ce *reconcile.ConfigError
		if !errors.As(err, &ce) || err.Error() != "reconcile: "+p+": "+want {
			t.Errorf("%s: err = %v", body, err)
		}
	}
	if _, err := reconcile.LoadConfigFile(filepath.Join(dir, "missing.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
