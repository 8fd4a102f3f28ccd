package reconcile

import (
	"context"
	"slices"

	"github.com/mspsync/mspsync/criteria"
)

// Criterion tests one field of a device in a site or asset-type rule (see
// the operators below). Rules are compiled when the Config is validated.
type Criterion = criteria.Criterion

// Op is a criterion's operator.
type Op = criteria.Op

// Criterion operators; comparisons are case-insensitive unless
// Criterion.CaseSensitive is set.
const (
	Equals     = criteria.Equals
	NotEquals  = criteria.NotEquals
	StartsWith = criteria.StartsWith
	EndsWith   = criteria.EndsWith
	Contains   = criteria.Contains
	Regex      = criteria.Regex
	Empty      = criteria.Empty
	NotEmpty   = criteria.NotEmpty
	InList     = criteria.InList
)

// SourceSite is an RMM site, organisation or group. ParentID links nested
// groups (Level) or an organisation's sites (VSA X).
type SourceSite struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	ParentID string `json:"parent_id,omitempty"`
	// URL is the site's page in the source, when it has one; PSA drivers
	// may keep it with the link.
	URL string `json:"url,omitempty"`
	// Excluded sites are never mapped nor created (Datto's Deleted Devices).
	Excluded bool `json:"excluded,omitempty"`
}

// Device is a source device: its native ID (what the PSA's link stores),
// its site, the name people know it by, and its named field values (the
// names a config maps, as the source driver declares them).
type Device struct {
	ID     string `json:"id"`
	SiteID string `json:"site_id"`
	Name   string `json:"name,omitempty"`
	// URL and RemoteURL are the device's page and remote-control link in
	// the source, when it has them; PSA drivers may keep them with the
	// link (Halo: datto_url, datto_remote_url).
	URL       string            `json:"url,omitempty"`
	RemoteURL string            `json:"remote_url,omitempty"`
	Fields    map[string]string `json:"fields"`
	Deleted   bool              `json:"deleted,omitempty"`
}

// SourceInfo is what a source driver declares about itself. The engine
// treats Kind as an opaque key: a PSA driver decides where it stores the
// link of a device of that kind, and nothing in reconcile knows any vendor.
type SourceInfo struct {
	// Kind names the kind of system, stable and lower-case ("datto",
	// "vsax"); a driver for a system of your own picks its own.
	Kind string `json:"kind"`
	// Account says which account of that kind (several accounts of one
	// kind can feed one PSA); "" when there is one.
	Account string `json:"account,omitempty"`
	// Fields lists the device field names a config can map. It is a
	// description for people and tools, not a limit: a driver may carry
	// fields it cannot list (numbered user-defined fields).
	Fields []string `json:"fields,omitempty"`
	// UserField is the device field holding the last logged-in user, used
	// by users mode "last_logged_in"; "" when the source has none.
	UserField string `json:"user_field,omitempty"`
}

// SourceSnapshot is everything Plan needs from the RMM.
type SourceSnapshot struct {
	// Source describes the RMM; its Kind keys the links on PSA assets.
	Source  SourceInfo   `json:"source"`
	Sites   []SourceSite `json:"sites"`
	Devices []Device     `json:"devices"`
	// Complete is true only when every listing finished without error.
	// Devices absent from an incomplete snapshot are never treated as
	// deleted.
	Complete bool `json:"complete"`
	// IncompleteReason says why Complete is false ("the token sees only
	// some organizations", "devices: 950 of 1001 listed"); the plan
	// repeats it in a notice when it would otherwise deactivate absent
	// devices.
	IncompleteReason string `json:"incomplete_reason,omitempty"`
}

// Customer is a PSA customer. Links holds the source sites it stands
// for, by source kind (what an earlier import wrote onto it).
type Customer struct {
	ID         int               `json:"id"`
	Name       string            `json:"name"`
	MainSiteID int               `json:"main_site_id,omitempty"`
	TopLevelID int               `json:"top_level_id,omitempty"`
	Inactive   bool              `json:"inactive,omitempty"`
	Links      map[string]string `json:"links,omitempty"`
}

// Site is a PSA customer site. Links holds the source sites it stands
// for, by source kind.
type Site struct {
	ID         int               `json:"id"`
	CustomerID int               `json:"customer_id"`
	Name       string            `json:"name"`
	Inactive   bool              `json:"inactive,omitempty"`
	Links      map[string]string `json:"links,omitempty"`
}

// Asset is a PSA asset. Fields holds its field values by PSA field name
// (the target's native fields and its info/custom fields by their names);
// Links holds the source device IDs linked to it, by source kind (where
// the target keeps each is the target driver's business).
type Asset struct {
	ID         int               `json:"id"`
	Name       string            `json:"name,omitempty"`
	CustomerID int               `json:"customer_id"`
	SiteID     int               `json:"site_id"`
	TypeID     int               `json:"type_id"`
	StatusID   int               `json:"status_id,omitempty"`
	Inactive   bool              `json:"inactive,omitempty"`
	UserID     int               `json:"user_id,omitempty"`
	Fields     map[string]string `json:"fields,omitempty"`
	Links      map[string]string `json:"links,omitempty"`
	// LinkAccounts holds, by source kind, the source account the link
	// belongs to, where the target keeps it. An import only deactivates
	// assets linked to the account it reads.
	LinkAccounts map[string]string `json:"link_accounts,omitempty"`
}

// AssetType is a PSA asset type.
type AssetType struct {
	ID      int    `json:"id"`
	Name    string `json:"name"`
	GroupID int    `json:"group_id,omitempty"`
}

// AssetGroup is a PSA asset group.
type AssetGroup struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// User is a PSA end-user, with the fields users can match on ("email",
// "name", "login", ...).
type User struct {
	ID         int               `json:"id"`
	CustomerID int               `json:"customer_id"`
	Fields     map[string]string `json:"fields"`
}

// FieldDef is a PSA asset field a mapping can write.
type FieldDef struct {
	Name   string `json:"name"`
	ID     int    `json:"id,omitempty"`
	Native bool   `json:"native,omitempty"` // a built-in column, not an info/custom field
}

// TargetSnapshot is everything Plan needs from the PSA.
type TargetSnapshot struct {
	Customers   []Customer   `json:"customers"`
	Sites       []Site       `json:"sites"`
	Assets      []Asset      `json:"assets"`
	AssetTypes  []AssetType  `json:"asset_types"`
	AssetGroups []AssetGroup `json:"asset_groups"`
	Users       []User       `json:"users"`
	Fields      []FieldDef   `json:"fields"`
	// SiteLinkKinds are the source kinds whose site links the target
	// stores on customers and sites ("*" for every kind); Plan links what
	// it matches by name for those kinds (the target is a SiteLinker).
	SiteLinkKinds []string `json:"site_link_kinds,omitempty"`
}

// KeepsSiteLinks reports whether the target stores site links of kind.
func (t *TargetSnapshot) KeepsSiteLinks(kind string) bool {
	return kind != "" && (slices.Contains(t.SiteLinkKinds, kind) || slices.Contains(t.SiteLinkKinds, "*"))
}

// Source is an RMM driver (dattormm/dattormmdriver provides one).
type Source interface {
	// LoadSource reads sites and devices. It sets Complete only when every
	// listing finished.
	LoadSource(ctx context.Context) (*SourceSnapshot, error)
}

// Enricher is an optional Source extension for fields that cost a request
// per device (Datto's serial number comes from its audit): Run asks for
// them only for the devices whose matching or new asset needs them.
type Enricher interface {
	// ExpensiveFields names the source fields that need Enrich.
	ExpensiveFields() []string
	// Enrich fills those fields on the given devices (in place).
	Enrich(ctx context.Context, devices []*Device) error
}

// Target is a PSA driver (halo/halodriver provides one). Apply calls the writes in
// dependency order: fields, customers, sites and asset types before the
// assets that use them.
type Target interface {
	// LoadTarget reads the PSA's customers, sites, assets, asset types
	// and groups, users and field definitions.
	LoadTarget(ctx context.Context) (*TargetSnapshot, error)
	// CreateCustomer creates a customer with a main site.
	CreateCustomer(ctx context.Context, c NewCustomer) (customerID, mainSiteID int, err error)
	CreateSite(ctx context.Context, s NewSite) (int, error)
	CreateAssetType(ctx context.Context, t NewAssetType) (int, error)
	CreateField(ctx context.Context, f NewField) error
	// SaveAssets creates (ID 0) and updates assets, batching where the PSA
	// allows. It returns one result per write, in order.
	SaveAssets(ctx context.Context, writes []AssetWrite) []SaveResult
}

// NewCustomer is a customer to create, with its main site, both linked
// to the source site it is made for.
type NewCustomer struct {
	Name         string   `json:"name"`
	MainSiteName string   `json:"main_site_name"`
	TopLevelID   int      `json:"top_level_id,omitempty"`
	Link         SiteLink `json:"link,omitzero"`
}

// NewSite is a site to create under a customer, linked to the source site
// it is made for.
type NewSite struct {
	CustomerID  int      `json:"customer_id,omitempty"`
	CustomerRef string   `json:"customer_ref,omitempty"`
	Name        string   `json:"name"`
	Link        SiteLink `json:"link,omitzero"`
}

// SiteLink names the source site a PSA customer or site stands for.
type SiteLink struct {
	Kind         string `json:"kind"`
	Account      string `json:"account,omitempty"`
	SourceSiteID string `json:"source_site_id"`
	// URL is the source's page of the site, when the source has one.
	URL string `json:"url,omitempty"`
}

// IsZero reports whether l names no source site.
func (l SiteLink) IsZero() bool { return l.Kind == "" && l.SourceSiteID == "" }

// SiteLinker is an optional Target extension: it writes the source site's
// link onto an existing customer and site (ones matched by name or mapped
// by hand), so later runs find them by link even after a rename. siteID 0
// links the customer only.
type SiteLinker interface {
	// LinkSite writes l onto the customer (and site, unless siteID is 0).
	LinkSite(ctx context.Context, customerID, siteID int, l SiteLink) error
}

// NewAssetType is an asset type to create.
type NewAssetType struct {
	Name    string `json:"name"`
	GroupID int    `json:"group_id,omitempty"`
}

// NewField is an asset field to create.
type NewField struct {
	Name string `json:"name"`
}

// AssetWrite is one asset create (ID 0) or update. Refs name objects the
// same plan creates first; Apply replaces them with IDs. An update carries
// only what changes.
type AssetWrite struct {
	ID         int          `json:"id,omitempty"`
	CustomerID int          `json:"customer_id,omitempty"`
	SiteID     int          `json:"site_id,omitempty"`
	SiteRef    string       `json:"site_ref,omitempty"`
	TypeID     int          `json:"type_id,omitempty"`
	TypeRef    string       `json:"type_ref,omitempty"`
	StatusID   int          `json:"status_id,omitempty"`
	Inactive   *bool        `json:"inactive,omitempty"`
	UserID     int          `json:"user_id,omitempty"`
	Fields     []FieldWrite `json:"fields,omitempty"` // in mapping order
	// LinkKind and LinkID, when set, link the asset to the source device
	// LinkID of kind LinkKind; the target stores the link where it keeps
	// links of that kind.
	LinkKind    string `json:"link_kind,omitempty"`
	LinkID      string `json:"link_id,omitempty"`
	LinkAccount string `json:"link_account,omitempty"`
	// LinkSiteID, LinkURL and LinkRemoteURL go with a link: the device's
	// source site and its pages in the source, for targets that keep them.
	LinkSiteID    string `json:"link_site_id,omitempty"`
	LinkURL       string `json:"link_url,omitempty"`
	LinkRemoteURL string `json:"link_remote_url,omitempty"`
}

// FieldWrite is one field value an AssetWrite sets, by PSA field name.
type FieldWrite struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Field returns the value the write sets for a field.
func (w *AssetWrite) Field(name string) (string, bool) {
	for _, f := range w.Fields {
		if f.Name == name {
			return f.Value, true
		}
	}
	return "", false
}

// SaveResult is the outcome of one AssetWrite.
type SaveResult struct {
	ID  int
	Err error
}
