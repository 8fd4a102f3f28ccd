package reconcile

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/mspsync/mspsync/config"
	"github.com/mspsync/mspsync/criteria"
)

// Config is what a reconcile does, as data: load it from JSON with
// LoadConfig or LoadConfigFile (over DefaultConfig), check it with Validate
// (Plan does too), print it with json.Marshal.
type Config struct {
	// Sites says which PSA customer and site each device belongs to.
	Sites SiteConfig `json:"sites"`
	// FieldMappings copy source fields to PSA asset fields.
	FieldMappings []FieldMapping `json:"field_mappings"`
	// Matching finds the PSA asset of a device.
	Matching MatchingConfig `json:"matching"`
	// AssetTypes gives every asset a type.
	AssetTypes TypeConfig `json:"asset_types"`
	// Lifecycle: creation and deletion.
	Lifecycle LifecycleConfig `json:"lifecycle"`
	// Users sets the asset's user.
	Users UserConfig `json:"users"`
	// Entities limits what a run writes, for an import done in stages:
	// "customers" creates and links customers only, "sites" customers and
	// sites, "all" (the default, "") assets too. Devices are still placed
	// (that is how customers and sites are found), but no field, asset
	// type or asset is created, updated or deactivated.
	Entities string `json:"entities,omitempty"`
}

// Entities values: how far a run goes.
const (
	EntitiesAll       = "all"       // customers, sites and assets (the default)
	EntitiesCustomers = "customers" // customers only
	EntitiesSites     = "sites"     // customers and sites
)

// Site matching methods and new-site modes.
const (
	SiteMappings = "mappings" // explicit source site → customer + site table
	SiteRules    = "rules"    // ordered criteria rules

	NewSitesAsCustomers = "customers" // an unmapped source site becomes a customer with a main site
	NewSitesAsSites     = "sites"     // ... a site under NewSitesCustomerID
	NewSitesSkip        = "skip"      // ... is skipped

	ChildSitesAsCustomers = "customers" // an unmapped child site is placed like any unmapped site (after its ancestors' mappings)
	ChildSitesAsSites     = "sites"     // ... becomes a site of the customer its parent is placed on
)

// SiteConfig chooses customers and sites.
type SiteConfig struct {
	Method string `json:"method"` // "mappings" (default) or "rules"
	// Mappings places the devices of each listed source site (method
	// "mappings"); unlisted sites follow NewSites.
	Mappings []SiteMapping `json:"mappings,omitempty"`
	// Rules places devices by criteria on their fields (method "rules"),
	// lowest sequence first, the first match winning.
	Rules []SiteRule `json:"rules,omitempty"`
	// DefaultSite takes devices no mapping or rule places.
	DefaultSite *SiteRef `json:"default_site,omitempty"`
	// TopLevelID is the top level of customers created by the import.
	TopLevelID int `json:"top_level_id,omitempty"`
	// DontMoveExisting leaves a matched asset on its current site.
	DontMoveExisting bool `json:"dont_move_existing,omitempty"`
	// NewSites is what an unmapped source site becomes (mappings method):
	// "customers" (default), "sites" or "skip". A PSA customer (or, for
	// "sites", a site of NewSitesCustomerID) of the same name is reused.
	NewSites string `json:"new_sites,omitempty"`
	// NewSitesCustomerID is the PSA customer new sites are created under
	// (new_sites "sites").
	NewSitesCustomerID int `json:"new_sites_customer_id,omitempty"`
	// ChildSites is what an unmapped source site with a parent
	// (SourceSite.ParentID) becomes (mappings method). "customers"
	// (default): its nearest mapped ancestor's mapping places it, else
	// new_sites does, as for a top-level site. "sites": it becomes a site
	// of the customer its parent is placed on (mapped, learned, linked,
	// matched by name or created), matched by name under that customer
	// first, else created with its link, and its devices go there; a
	// parent placed on the default site or by new_sites "sites" stands
	// for no customer of its own, and new_sites places the child; a parent
	// that places nothing holds the child back. For sources whose sites
	// sit under organisations (VSA X: organisation → site).
	ChildSites string `json:"child_sites,omitempty"`
	// ReviewSimilar holds back an unmapped source site whose name is close
	// to an existing customer's but not equal (punctuation, a company
	// suffix, a typo), instead of creating a second customer; the plan
	// names both.
	ReviewSimilar bool `json:"review_similar,omitempty"`
	// MainSiteName names the main site of created customers (default "Main").
	MainSiteName string `json:"main_site_name,omitempty"`
}

// SiteMapping maps one source site to a PSA customer and site (0: the
// customer's main site).
type SiteMapping struct {
	// SourceSiteID is the source's site (group, organisation) ID.
	SourceSiteID string `json:"source_site_id"`
	// CustomerID is the PSA customer its devices go to.
	CustomerID int `json:"customer_id"`
	// SiteID is the PSA site of that customer (0: its main site).
	SiteID int `json:"site_id,omitempty"`
}

// SiteRef is a PSA customer and site.
type SiteRef struct {
	// CustomerID is the PSA customer.
	CustomerID int `json:"customer_id"`
	// SiteID is the PSA site of that customer (0: its main site).
	SiteID int `json:"site_id,omitempty"`
}

// SiteRule places the devices its criteria match (on PSA-side field names,
// then source field names). Lower Sequence runs first; the first match
// wins.
type SiteRule struct {
	// Sequence orders the rules, lowest first.
	Sequence int `json:"sequence"`
	// CustomerID is the PSA customer the matched devices go to.
	CustomerID int `json:"customer_id"`
	// SiteID is the PSA site of that customer (0: its main site).
	SiteID int `json:"site_id,omitempty"`
	// Criteria must all hold for a device to match (see Criterion):
	// [{"field": "hostname", "op": "starts_with", "value": "CON-"}].
	Criteria []Criterion `json:"criteria"`
}

// FieldMapping copies one source field to one PSA field.
type FieldMapping struct {
	Source string `json:"source"` // source field name ("serialNumber")
	Target string `json:"target"` // PSA field name ("Serial Number", "inventory_number")
	// Policy says when the mapping writes (default "always"): see the
	// Policy constants.
	Policy string `json:"policy,omitempty"`
	// OnlyFillEmpty is policy "fill_empty", kept for older configs.
	OnlyFillEmpty bool `json:"only_fill_empty,omitempty"`
	// CreateMissing plans the field's creation when the PSA lacks it.
	CreateMissing bool `json:"create_missing,omitempty"`
	// NoTriggerUpdate: a change of this field alone does not update the
	// asset (fields that churn, such as last seen).
	NoTriggerUpdate bool `json:"no_trigger_update,omitempty"`
}

// Field mapping policies: when a mapping writes its value.
const (
	PolicyAlways     = "always"      // on create, and on update whenever the source value changes
	PolicyCreateOnly = "create_only" // on create only: a technician's later edit is never overwritten
	PolicyFillEmpty  = "fill_empty"  // on create, and on update only where the PSA value is empty
	PolicyMatchOnly  = "match_only"  // never written: the value only matches assets and feeds rules
)

// MatchingConfig finds existing assets: the vendor link first, then the
// matching field.
type MatchingConfig struct {
	// Field is the PSA field (one of the mapping targets) whose value
	// identifies a device, e.g. "Serial Number". Empty: link only.
	Field string `json:"field,omitempty"`
	// NoVendorID disables matching on the stored vendor link.
	NoVendorID bool `json:"no_vendor_id,omitempty"`
	// Exclusions are values never used to match, added to
	// DefaultExclusions.
	Exclusions []string `json:"exclusions,omitempty"`
	// ScopeToCustomer matches only assets of the device's customer.
	ScopeToCustomer bool `json:"scope_to_customer,omitempty"`
}

// DefaultExclusions are matching values that identify nothing (placeholder
// serials). Values shorter than 3 characters or of one repeated character
// are excluded too.
var DefaultExclusions = []string{"", "0", "00000000", "0000000000", "123456789", "0123456789", "None", "N/A",
	"Not Specified", "Not Applicable", "Unknown", "Default string", "To be filled by O.E.M.", "System Serial Number",
	"System Asset Tag", "Chassis Serial Number", "Base Board Serial Number", "INVALID"}

// Asset type modes.
const (
	TypeFixed = "fixed" // one type for all
	TypeField = "field" // a source field holds the type's name
	TypeRules = "rules" // ordered criteria rules
)

// TypeConfig gives assets a type.
type TypeConfig struct {
	Mode string `json:"mode"` // "fixed", "field" (default) or "rules"
	// Field is the source field holding the type name (mode "field"),
	// e.g. "deviceType.category".
	Field string `json:"field,omitempty"`
	// Rules name the type of the devices they match (mode "rules"),
	// lowest sequence first, the first match winning.
	Rules []TypeRule `json:"rules,omitempty"`
	// Default is the type's name for mode "fixed", and for devices whose
	// field is empty or that no rule matches.
	Default string `json:"default,omitempty"`
	// NewTypeGroupID is the asset group of types the import creates.
	NewTypeGroupID int `json:"new_type_group_id,omitempty"`
	// DontRetypeExisting never changes the type of a matched asset.
	DontRetypeExisting bool `json:"dont_retype_existing,omitempty"`
}

// TypeRule gives the devices its criteria match the named type.
type TypeRule struct {
	// Sequence orders the rules, lowest first.
	Sequence int `json:"sequence"`
	// Type is the PSA asset type's name (created when missing).
	Type string `json:"type"`
	// Criteria must all hold for a device to match (see Criterion).
	Criteria []Criterion `json:"criteria"`
}

// LifecycleConfig says what is created and what happens to deleted
// devices.
type LifecycleConfig struct {
	// DontCreate creates no asset: devices without a matching asset are
	// skipped (updates only).
	DontCreate bool `json:"dont_create,omitempty"`
	// NewStatusID is the PSA status of created assets (0: the PSA's
	// default).
	NewStatusID int `json:"new_status_id,omitempty"`
	// DeactivateDeleted marks the linked asset of a deleted device (flagged,
	// or absent from a complete listing) inactive.
	DeactivateDeleted bool `json:"deactivate_deleted,omitempty"`
	// DeletedStatusID sets this status on those assets.
	DeletedStatusID int `json:"deleted_status_id,omitempty"`
}

// User modes.
const (
	UsersNone         = ""
	UsersField        = "field"          // a source field holds a username or email
	UsersLastLoggedIn = "last_logged_in" // the field the source declares as its last logged-in user
)

// UserConfig sets the asset's user.
type UserConfig struct {
	// Mode is "" (no user is set), "field" (SourceField holds a username
	// or e-mail) or "last_logged_in" (the source's last logged-in user).
	Mode string `json:"mode,omitempty"`
	// SourceField is the device field holding the user; for mode
	// "last_logged_in" it defaults to the source's SourceInfo.UserField.
	SourceField    string `json:"source_field,omitempty"`
	PrimaryField   string `json:"primary_field,omitempty"`   // PSA user field ("email")
	SecondaryField string `json:"secondary_field,omitempty"` // tried when the primary finds nobody
}

// ConfigError is the SDK's one configuration error type, config.Error:
// Key is the path of the setting at fault ("sites.rules[0].criteria"),
// Problem what is wrong with it. LoadConfig, LoadConfigFile, Validate and
// Plan report configuration problems as one; find it with errors.As.
type ConfigError = config.Error

// DefaultConfig returns the settings a configuration file is laid over:
// the mappings site method, unmapped sites becoming customers with a
// "Main" site, and everything else off or empty. The asset type mode is
// left to be inferred ("field" when asset_types.field is set, else
// "fixed").
//
// DefaultConfig alone does not validate: a Config must at least name the
// asset type of new assets (asset_types.default or asset_types.field), or
// set lifecycle.dont_create.
func DefaultConfig() Config {
	return Config{Sites: SiteConfig{Method: SiteMappings, NewSites: NewSitesAsCustomers, MainSiteName: "Main"}}
}

// LoadConfig reads a JSON Config from r over DefaultConfig, strictly (see
// package config: unknown keys and values of the wrong type are errors
// naming their key path), and validates it. Every problem is a
// *ConfigError.
func LoadConfig(r io.Reader) (*Config, error) {
	c := DefaultConfig()
	if err := config.Decode(r, &c); err != nil {
		return nil, fmt.Errorf("reconcile: %w", err)
	}
	if _, err := c.compile(SourceInfo{}); err != nil {
		return nil, err
	}
	return &c, nil
}

// LoadConfigFile is LoadConfig reading the file at path. Its errors name
// the file: "reconcile: sync.json: config sites.method: …".
func LoadConfigFile(path string) (*Config, error) {
	c := DefaultConfig()
	if err := config.LoadFile(path, &c); err != nil {
		return nil, fmt.Errorf("reconcile: %w", err)
	}
	if _, err := c.check(SourceInfo{}); err != nil {
		return nil, fmt.Errorf("reconcile: %s: %w", path, err)
	}
	return &c, nil
}

// bad returns the *ConfigError for key.
func bad(key, format string, args ...any) *ConfigError {
	return &ConfigError{Key: key, Problem: fmt.Sprintf(format, args...)}
}

// compiled is a validated Config with its rules ready to run.
type compiled struct {
	Config
	lowerTargets []string       // FieldMappings[i].Target, lower-cased
	targetIdx    map[string]int // lower-cased target → mapping index
	matchIdx     int            // index of the matching field's mapping, -1 for none
	siteRules    []compiledSiteRule
	typeRules    []compiledTypeRule
	typeWhy      string // why a device has the type its field names ("type from <field>")
	exclude      map[string]bool
}

// compiledSiteRule is a site rule ready to run, with the reason its
// placements give.
type compiledSiteRule struct {
	SiteRule
	m   *criteria.Matcher
	why string // "site rule <sequence>"
}

// compiledTypeRule is a type rule ready to run, with the reason its
// types give.
type compiledTypeRule struct {
	TypeRule
	m   *criteria.Matcher
	why string // "type rule <sequence>"
}

// Validate checks c and reports the first wrong key as a *ConfigError
// (wrapped: "reconcile: config <key>: <problem>").
func (c *Config) Validate() error {
	_, err := c.compile(SourceInfo{})
	return err
}

// compile validates c for a source. Without a source (Validate), what
// depends on the source's declaration is not checked.
func (c *Config) compile(src SourceInfo) (*compiled, error) {
	cc, err := c.check(src)
	if err != nil {
		return nil, fmt.Errorf("reconcile: %w", err)
	}
	return cc, nil
}

// check is compile with the bare *ConfigError.
func (c *Config) check(src SourceInfo) (*compiled, error) {
	cc := &compiled{Config: *c, targetIdx: map[string]int{}, matchIdx: -1}
	// Each step fills in defaults, checks its part and compiles its rules;
	// the first error wins, so the order is the order keys are reported in.
	for _, step := range []func() error{
		cc.compileSites,
		cc.compileFieldMappings,
		cc.compileMatching,
		cc.compileAssetTypes,
		func() error { return cc.compileUsers(src) },
		cc.compileEntities,
	} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return cc, nil
}

// compileEntities checks entities.
func (cc *compiled) compileEntities() error {
	switch cc.Entities {
	case "":
		cc.Entities = EntitiesAll
	case EntitiesAll, EntitiesCustomers, EntitiesSites:
	default:
		return bad("entities", "%q is not all, customers or sites", cc.Entities)
	}
	return nil
}

// assetsLimited reports whether entities leaves assets out.
func (c *Config) assetsLimited() bool {
	return c.Entities == EntitiesCustomers || c.Entities == EntitiesSites
}

// compileSites checks sites (method, new sites, mappings) and compiles the
// site rules in sequence order.
func (cc *compiled) compileSites() error {
	switch cc.Sites.Method {
	case "":
		cc.Sites.Method = SiteMappings
	case SiteMappings, SiteRules:
	default:
		return bad("sites.method", "%q is not mappings or rules", cc.Sites.Method)
	}
	switch cc.Sites.NewSites {
	case "":
		cc.Sites.NewSites = NewSitesAsCustomers
	case NewSitesAsCustomers, NewSitesSkip:
	case NewSitesAsSites:
		if cc.Sites.NewSitesCustomerID == 0 {
			return bad("sites.new_sites_customer_id", `required when new_sites is "sites"`)
		}
	default:
		return bad("sites.new_sites", "%q is not customers, sites or skip", cc.Sites.NewSites)
	}
	switch cc.Sites.ChildSites {
	case "":
		cc.Sites.ChildSites = ChildSitesAsCustomers
	case ChildSitesAsCustomers, ChildSitesAsSites:
	default:
		return bad("sites.child_sites", "%q is not customers or sites", cc.Sites.ChildSites)
	}
	if cc.Sites.MainSiteName == "" {
		cc.Sites.MainSiteName = "Main"
	}
	seen := map[string]bool{}
	for i, m := range cc.Sites.Mappings {
		key := fmt.Sprintf("sites.mappings[%d]", i)
		if m.SourceSiteID == "" || m.CustomerID == 0 {
			return bad(key, "needs source_site_id and customer_id")
		}
		if seen[m.SourceSiteID] {
			return bad(key, "source site %q is mapped twice", m.SourceSiteID)
		}
		seen[m.SourceSiteID] = true
	}
	for i, r := range cc.Sites.Rules {
		key := fmt.Sprintf("sites.rules[%d]", i)
		if r.CustomerID == 0 {
			return bad(key+".customer_id", "required")
		}
		m, err := criteria.Compile(r.Criteria)
		if err != nil {
			return bad(key+".criteria", "%v", err)
		}
		cc.siteRules = append(cc.siteRules, compiledSiteRule{r, m, fmt.Sprintf("site rule %d", r.Sequence)})
	}
	sort.SliceStable(cc.siteRules, func(i, j int) bool { return cc.siteRules[i].Sequence < cc.siteRules[j].Sequence })
	if cc.Sites.Method == SiteRules && len(cc.siteRules) == 0 && cc.Sites.DefaultSite == nil {
		return bad("sites.rules", "the rules method needs rules or a default_site")
	}
	return nil
}

// compileFieldMappings checks the field mappings and indexes them by
// (lower-cased) target, noting which one is the matching field.
func (cc *compiled) compileFieldMappings() error {
	targets := map[string]bool{}
	cc.FieldMappings = slices.Clone(cc.FieldMappings) // policies are filled in; the caller's config stays as it is
	for i, f := range cc.FieldMappings {
		key := fmt.Sprintf("field_mappings[%d]", i)
		if strings.TrimSpace(f.Source) == "" || strings.TrimSpace(f.Target) == "" {
			return bad(key, "needs source and target")
		}
		switch {
		case f.OnlyFillEmpty && f.Policy != "" && f.Policy != PolicyFillEmpty:
			return bad(key+".only_fill_empty", "contradicts policy %q", f.Policy)
		case f.OnlyFillEmpty || f.Policy == PolicyFillEmpty:
			cc.FieldMappings[i].Policy, cc.FieldMappings[i].OnlyFillEmpty = PolicyFillEmpty, true
		case f.Policy == "":
			cc.FieldMappings[i].Policy = PolicyAlways
		case f.Policy != PolicyAlways && f.Policy != PolicyCreateOnly && f.Policy != PolicyMatchOnly:
			return bad(key+".policy", "%q is not always, create_only, fill_empty or match_only", f.Policy)
		}
		t := strings.ToLower(f.Target)
		cc.lowerTargets = append(cc.lowerTargets, lower(f.Target))
		cc.targetIdx[lower(f.Target)] = i
		if cc.Matching.Field != "" && lower(f.Target) == lower(cc.Matching.Field) {
			cc.matchIdx = i
		}
		if targets[t] {
			return bad(key+".target", "%q is the target of two mappings", f.Target)
		}
		targets[t] = true
	}
	if cc.Matching.Field != "" && !targets[strings.ToLower(cc.Matching.Field)] {
		return bad("matching.field", "%q must be the target of a field mapping", cc.Matching.Field)
	}
	return nil
}

// compileMatching checks the matching options and builds the set of
// excluded matching values (the defaults plus the configured ones).
func (cc *compiled) compileMatching() error {
	if cc.Matching.Field == "" && cc.Matching.NoVendorID {
		return bad("matching", "with no_vendor_id a matching field is required, or every run would create assets again")
	}
	cc.exclude = map[string]bool{}
	for _, v := range slices.Concat(DefaultExclusions, cc.Matching.Exclusions) {
		cc.exclude[normalizeValue(v)] = true
	}
	return nil
}

// compileAssetTypes checks the asset type mode and compiles the type rules
// in sequence order.
func (cc *compiled) compileAssetTypes() error {
	switch cc.AssetTypes.Mode {
	case "":
		cc.AssetTypes.Mode = TypeField
		if cc.AssetTypes.Field == "" {
			cc.AssetTypes.Mode = TypeFixed
		}
	case TypeFixed, TypeField, TypeRules:
	default:
		return bad("asset_types.mode", "%q is not fixed, field or rules", cc.AssetTypes.Mode)
	}
	if cc.AssetTypes.Mode == TypeField && cc.AssetTypes.Field == "" {
		return bad("asset_types.field", `required for mode "field"`)
	}
	if (cc.AssetTypes.Mode == TypeFixed) && cc.AssetTypes.Default == "" && !cc.Lifecycle.DontCreate {
		return bad("asset_types.default", "required: new assets need a type")
	}
	for i, r := range cc.AssetTypes.Rules {
		key := fmt.Sprintf("asset_types.rules[%d]", i)
		if r.Type == "" {
			return bad(key+".type", "required")
		}
		m, err := criteria.Compile(r.Criteria)
		if err != nil {
			return bad(key+".criteria", "%v", err)
		}
		cc.typeRules = append(cc.typeRules, compiledTypeRule{r, m, fmt.Sprintf("type rule %d", r.Sequence)})
	}
	sort.SliceStable(cc.typeRules, func(i, j int) bool { return cc.typeRules[i].Sequence < cc.typeRules[j].Sequence })
	cc.typeWhy = "type from " + cc.AssetTypes.Field
	return nil
}

// compileUsers checks the user settings; last_logged_in takes the field
// the source declares.
func (cc *compiled) compileUsers(src SourceInfo) error {
	switch cc.Users.Mode {
	case UsersNone:
	case UsersLastLoggedIn:
		if cc.Users.SourceField == "" {
			cc.Users.SourceField = src.UserField
		}
		if cc.Users.SourceField == "" && src.Kind != "" {
			return bad("users.source_field", "required: source %q declares no last-logged-in user field", src.Kind)
		}
		if cc.Users.PrimaryField == "" {
			return bad("users.primary_field", "required")
		}
	case UsersField:
		if cc.Users.SourceField == "" {
			return bad("users.source_field", `required for mode "field"`)
		}
		if cc.Users.PrimaryField == "" {
			return bad("users.primary_field", "required")
		}
	default:
		return bad("users.mode", "%q is not field or last_logged_in", cc.Users.Mode)
	}
	return nil
}

// normalizeValue folds a matching value for comparison: case and
// punctuation do not count. An ASCII value is folded in one pass, and
// returned as it is when it is already folded.
func normalizeValue(v string) string {
	folded := true
	for i := 0; i < len(v); i++ {
		switch b := v[i]; {
		case b >= 0x80:
			return normalizeUnicode(v)
		case !('a' <= b && b <= 'z' || '0' <= b && b <= '9'):
			folded = false
		}
	}
	if folded {
		return v
	}
	n := 0
	for i := 0; i < len(v); i++ {
		if b := v[i]; 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' {
			n++
		}
	}
	if n == 0 {
		return ""
	}
	var out strings.Builder
	out.Grow(n)
	for i := 0; i < len(v); i++ {
		switch b := v[i]; {
		case 'A' <= b && b <= 'Z':
			out.WriteByte(b + 'a' - 'A')
		case 'a' <= b && b <= 'z' || '0' <= b && b <= '9':
			out.WriteByte(b)
		}
	}
	return out.String()
}

// normalizeUnicode is normalizeValue for values that are not all ASCII.
func normalizeUnicode(v string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(v) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r > 127 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// excluded reports whether a matching value, normalised, must never be
// used.
func (c *compiled) excluded(n string) bool {
	if len(n) < 3 || c.exclude[n] {
		return true
	}
	return strings.Count(n, n[:1]) == len(n) // one repeated character
}
