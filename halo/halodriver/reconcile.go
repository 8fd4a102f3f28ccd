package halodriver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/reconcile"
)

// NativeAssetFields are the asset columns a reconcile field mapping can
// target by their wire names, besides the tenant's info and custom fields
// (which are targeted by name, e.g. "Serial Number"). key_field is not
// one: Halo derives it from the asset type's key field and ignores what is
// sent, so a mapping to it would be written on every run. Rules can still
// read it.
var NativeAssetFields = []string{"inventory_number", "notes"}

// ReconcileTarget is the reconcile.Target of a Halo instance: it loads
// customers and sites (inactive ones too), assets (with info and custom
// field values and source links), asset types and groups, users and field
// definitions, and carries out a plan's writes.
type ReconcileTarget struct {
	c    *halo.Client
	opts *options

	mu sync.Mutex
	// arrays holds each asset's info and custom field entries as last
	// loaded or saved: a POST carrying fields or customfields replaces
	// the whole array on Halo, so an update sends the current entries
	// with its changes applied.
	arrays map[int]fieldArrays
	// customerLinks and siteLinks are the source-site links of each
	// client and site as loaded, so LinkSite writes only what changes.
	customerLinks, siteLinks map[int]map[string]string
	// fieldMu makes one SaveAssets call at a time create a missing link
	// or account field, so concurrent batches create it once.
	fieldMu sync.Mutex
}

// fieldArrays are an asset's info and custom field entries, as {id, value}.
type fieldArrays struct {
	fields []halo.FieldValue
	custom []halo.CustomField
}

var _ reconcile.Target = (*ReconcileTarget)(nil)

// NewReconcileTarget returns the reconcile driver of a Halo client.
func NewReconcileTarget(c *halo.Client, opts ...Option) *ReconcileTarget {
	return &ReconcileTarget{c: c, opts: newOptions(opts)}
}

// LoadTarget reads everything Plan needs, through the paged iterators.
func (t *ReconcileTarget) LoadTarget(ctx context.Context) (*reconcile.TargetSnapshot, error) {
	snap := &reconcile.TargetSnapshot{}
	for kind := range SiteLinkColumns {
		snap.SiteLinkKinds = append(snap.SiteLinkKinds, kind)
	}
	slices.Sort(snap.SiteLinkKinds)
	for _, step := range []struct {
		what string
		load func(context.Context, *reconcile.TargetSnapshot) error
	}{
		{"customers and sites", t.loadCustomers},
		{"asset types and groups", t.loadTypes},
		{"assets", t.loadAssets},
		{"users", t.loadUsers},
	} {
		if err := step.load(ctx, snap); err != nil {
			return nil, fmt.Errorf("halo: loading %s: %w", step.what, err)
		}
	}
	return snap, nil
}

func (t *ReconcileTarget) loadCustomers(ctx context.Context, snap *reconcile.TargetSnapshot) error {
	for v, err := range t.c.Clients.All(ctx, &halo.ClientListOptions{IncludeInactive: true, IncludeActive: true}) {
		if err != nil {
			return err
		}
		snap.Customers = append(snap.Customers, reconcile.Customer{ID: v.ID, Name: v.Name, MainSiteID: v.MainSiteID, TopLevelID: v.TopLevelID,
			Inactive: v.Inactive != nil && *v.Inactive, Links: customerLinks(&v)})
	}
	for v, err := range t.c.Sites.All(ctx, &halo.SiteListOptions{IncludeInactive: true}) {
		if err != nil {
			return err
		}
		snap.Sites = append(snap.Sites, reconcile.Site{ID: v.ID, CustomerID: v.ClientID, Name: v.Name,
			Inactive: v.Inactive != nil && *v.Inactive, Links: siteLinks(&v)})
	}
	t.mu.Lock()
	t.customerLinks, t.siteLinks = map[int]map[string]string{}, map[int]map[string]string{}
	for _, v := range snap.Customers {
		t.customerLinks[v.ID] = v.Links
	}
	for _, v := range snap.Sites {
		t.siteLinks[v.ID] = v.Links
	}
	t.mu.Unlock()
	return nil
}

func (t *ReconcileTarget) loadTypes(ctx context.Context, snap *reconcile.TargetSnapshot) error {
	types, err := t.c.AssetTypes.List(ctx, nil)
	if err != nil {
		return err
	}
	for _, v := range types {
		snap.AssetTypes = append(snap.AssetTypes, reconcile.AssetType{ID: v.ID, Name: v.Name, GroupID: v.AssetGroupID})
	}
	groups, err := t.c.AssetGroups.List(ctx)
	if err != nil {
		return err
	}
	for _, v := range groups {
		snap.AssetGroups = append(snap.AssetGroups, reconcile.AssetGroup{ID: v.ID, Name: v.Name})
	}
	return nil
}

// loadAssets reads the field definitions, then every asset (inactive
// ones too) with its field values and links.
func (t *ReconcileTarget) loadAssets(ctx context.Context, snap *reconcile.TargetSnapshot) error {
	names, afs, cfs, err := fieldNames(ctx, t.c)
	if err != nil {
		return err
	}
	for _, n := range NativeAssetFields {
		snap.Fields = append(snap.Fields, reconcile.FieldDef{Name: n, Native: true})
	}
	for _, f := range afs {
		snap.Fields = append(snap.Fields, reconcile.FieldDef{Name: f.Name, ID: f.ID})
	}
	for _, f := range cfs {
		snap.Fields = append(snap.Fields, reconcile.FieldDef{Name: names["custom:"+strconv.Itoa(f.ID)], ID: f.ID})
	}
	arrays := map[int]fieldArrays{}
	for a, err := range t.c.Assets.All(ctx, &halo.AssetListOptions{IncludeInactive: true, IncludeAssetFields: true}) {
		if err != nil {
			return err
		}
		fields := assetFields(&a, names)
		links := t.opts.linksOf(&a, fields)
		snap.Assets = append(snap.Assets, reconcile.Asset{ID: a.ID, Name: a.InventoryNumber, CustomerID: a.ClientID, SiteID: a.SiteID,
			TypeID: a.AssetTypeID, StatusID: a.StatusID, Inactive: a.Inactive != nil && *a.Inactive, UserID: assetUser(&a),
			Fields: fields, Links: links, LinkAccounts: linkAccounts(links, fields)})
		arrays[a.ID] = arraysOf(&a)
	}
	t.mu.Lock()
	t.arrays = arrays
	t.mu.Unlock()
	return nil
}

// arraysOf returns an asset's field entries as {id, value}.
func arraysOf(a *halo.Asset) fieldArrays {
	var fa fieldArrays
	for _, f := range a.Fields {
		fa.fields = append(fa.fields, halo.FieldValue{ID: f.ID, Value: f.Value})
	}
	for _, f := range a.CustomFields {
		fa.custom = append(fa.custom, halo.CustomField{ID: f.ID, Value: f.Value})
	}
	return fa
}

// currentArrays returns an asset's field entries as last loaded or saved,
// or reads the asset when this target has not seen it.
func (t *ReconcileTarget) currentArrays(ctx context.Context, id int) (fieldArrays, error) {
	t.mu.Lock()
	fa, ok := t.arrays[id]
	t.mu.Unlock()
	if ok {
		return fa, nil
	}
	a, err := t.c.Assets.Get(ctx, id)
	if err != nil {
		return fieldArrays{}, err
	}
	fa = arraysOf(a)
	t.remember(id, &fa.fields, &fa.custom)
	return fa, nil
}

// remember records the arrays an asset now has; a nil pointer leaves that
// array as it was.
func (t *ReconcileTarget) remember(id int, fields *[]halo.FieldValue, custom *[]halo.CustomField) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.arrays == nil {
		t.arrays = map[int]fieldArrays{}
	}
	fa := t.arrays[id]
	if fields != nil {
		fa.fields = slices.Clone(*fields)
	}
	if custom != nil {
		fa.custom = slices.Clone(*custom)
	}
	t.arrays[id] = fa
}

// assetUser is the asset's one user from its users list (the field
// SaveAssets writes), or 0. Halo's list schema does not promise the list;
// without it the user is read as unset.
func assetUser(a *halo.Asset) int {
	var users []struct {
		ID int `json:"id"`
	}
	if raw, ok := a.Extra["users"]; !ok || json.Unmarshal(raw, &users) != nil || len(users) != 1 {
		return 0
	}
	return users[0].ID
}

func (t *ReconcileTarget) loadUsers(ctx context.Context, snap *reconcile.TargetSnapshot) error {
	for u, err := range t.c.Users.All(ctx, nil) {
		if err != nil {
			return err
		}
		snap.Users = append(snap.Users, reconcile.User{ID: u.ID, CustomerID: u.ClientID, Fields: map[string]string{
			"email": u.EmailAddress, "emailaddress": u.EmailAddress, "name": u.Name, "login": u.Login, "azureoid": u.AzureOID}})
	}
	return nil
}

// CreateCustomer creates a client and its main site, both carrying the
// source site's link (see SiteLinkColumns).
func (t *ReconcileTarget) CreateCustomer(ctx context.Context, nc reconcile.NewCustomer) (int, int, error) {
	c := halo.Customer{Name: nc.Name, TopLevelID: nc.TopLevelID}
	setCustomerLink(&c, nc.Link)
	cust, err := t.c.Clients.Save(ctx, c)
	if err != nil {
		return 0, 0, err
	}
	s := halo.Site{Name: nc.MainSiteName, ClientID: cust.ID}
	setSiteLink(&s, nc.Link)
	site, err := t.c.Sites.Save(ctx, s)
	if err != nil {
		return cust.ID, 0, fmt.Errorf("halo: customer %d created, its main site not: %w", cust.ID, err)
	}
	t.linked(cust.ID, site.ID, nc.Link)
	return cust.ID, site.ID, nil
}

// CreateSite creates a site carrying the source site's link.
func (t *ReconcileTarget) CreateSite(ctx context.Context, ns reconcile.NewSite) (int, error) {
	v := halo.Site{Name: ns.Name, ClientID: ns.CustomerID}
	setSiteLink(&v, ns.Link)
	s, err := t.c.Sites.Save(ctx, v)
	if err != nil {
		return 0, err
	}
	t.linked(0, s.ID, ns.Link)
	return s.ID, nil
}

var _ reconcile.SiteLinker = (*ReconcileTarget)(nil)

// LinkSite writes a source site's link onto an existing client and (siteID
// not 0) site, in the columns SiteLinkColumns names for its kind: one POST
// for each record whose link, as loaded, differs. A kind without a column
// is not kept on Halo's records (nothing is written; the engine's mapping
// store carries it), nor is the source account. A record already linked
// to the same source site is not written again (its URL is not
// compared).
func (t *ReconcileTarget) LinkSite(ctx context.Context, customerID, siteID int, l reconcile.SiteLink) error {
	if SiteLinkColumns[l.Kind] == "" || l.SourceSiteID == "" {
		return nil
	}
	t.mu.Lock()
	custDone := customerID == 0 || t.customerLinks[customerID][l.Kind] == l.SourceSiteID
	siteDone := siteID == 0 || t.siteLinks[siteID][l.Kind] == l.SourceSiteID
	t.mu.Unlock()
	if !custDone {
		c := halo.Customer{ID: customerID}
		setCustomerLink(&c, l)
		if _, err := t.c.Clients.Save(ctx, c); err != nil {
			return fmt.Errorf("halo: linking customer %d to %s site %s: %w", customerID, l.Kind, l.SourceSiteID, err)
		}
		t.linked(customerID, 0, l)
	}
	if !siteDone {
		s := halo.Site{ID: siteID}
		setSiteLink(&s, l)
		if _, err := t.c.Sites.Save(ctx, s); err != nil {
			return fmt.Errorf("halo: linking site %d to %s site %s: %w", siteID, l.Kind, l.SourceSiteID, err)
		}
		t.linked(0, siteID, l)
	}
	return nil
}

// linked records that a client and/or site (0: none) now carry l.
func (t *ReconcileTarget) linked(customerID, siteID int, l reconcile.SiteLink) {
	if SiteLinkColumns[l.Kind] == "" || l.SourceSiteID == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, m := range []struct {
		links *map[int]map[string]string
		id    int
	}{{&t.customerLinks, customerID}, {&t.siteLinks, siteID}} {
		if m.id == 0 {
			continue
		}
		if *m.links == nil {
			*m.links = map[int]map[string]string{}
		}
		if (*m.links)[m.id] == nil {
			(*m.links)[m.id] = map[string]string{}
		}
		(*m.links)[m.id][l.Kind] = l.SourceSiteID
	}
}

// CreateAssetType creates an asset type in the given group.
func (t *ReconcileTarget) CreateAssetType(ctx context.Context, nt reconcile.NewAssetType) (int, error) {
	at, err := t.c.AssetTypes.Save(ctx, halo.AssetType{Name: nt.Name, AssetGroupID: nt.GroupID})
	if err != nil {
		return 0, err
	}
	return at.ID, nil
}

// CreateField creates an asset info field.
func (t *ReconcileTarget) CreateField(ctx context.Context, nf reconcile.NewField) error {
	_, err := t.c.Fields.SaveAssetField(ctx, halo.AssetField{Name: nf.Name})
	return err
}

// SaveAssets turns writes into Halo assets (fields resolved by name to the
// tenant's ids, each link into its column or field, the link's account
// into the info field "<kind> account") and saves them with
// Assets.SaveBatch: updates and creates batched, a rejected batch retried
// record by record. Halo replaces an asset's whole fields (and
// customfields) array with the one a POST carries, so an update that
// changes info or custom fields sends the asset's current entries (as
// loaded by LoadTarget, or read) with the changes applied, and one that
// changes none sends neither array.
func (t *ReconcileTarget) SaveAssets(ctx context.Context, ws []reconcile.AssetWrite) []reconcile.SaveResult {
	out := make([]reconcile.SaveResult, len(ws))
	var assets []halo.Asset
	var at []int // index in ws of each asset
	for i, w := range ws {
		a, err := t.toAsset(ctx, w)
		if err != nil {
			out[i].Err = err
			continue
		}
		assets = append(assets, a)
		at = append(at, i)
	}
	for k, r := range t.c.Assets.SaveBatch(ctx, assets) {
		i := at[k]
		if r.Err != nil {
			out[i].Err = r.Err
			continue
		}
		out[i].ID = r.Saved.ID
		in := &assets[k]
		switch {
		case in.ID == 0:
			t.remember(r.Saved.ID, &in.Fields, &in.CustomFields)
		default:
			var f *[]halo.FieldValue
			var c *[]halo.CustomField
			if in.Fields != nil {
				f = &in.Fields
			}
			if in.CustomFields != nil {
				c = &in.CustomFields
			}
			t.remember(in.ID, f, c)
		}
	}
	return out
}

func (t *ReconcileTarget) toAsset(ctx context.Context, w reconcile.AssetWrite) (halo.Asset, error) {
	a := halo.Asset{ID: w.ID, SiteID: w.SiteID, AssetTypeID: w.TypeID, StatusID: w.StatusID, Inactive: w.Inactive}
	if w.ID == 0 {
		a.Inactive = halo.Ptr(false)
		a.IsAssetDetails = halo.Ptr(true)
		a.DontAddNewFields = halo.Ptr(true)
	}
	// changes holds the info and custom field entries the write sets.
	var changes halo.Asset
	for _, f := range w.Fields {
		n, v := f.Name, f.Value
		switch strings.ToLower(n) {
		case "inventory_number":
			a.InventoryNumber = v
			continue
		case "notes":
			a.Notes = v
			continue
		}
		ref, err := t.c.Fields.Resolve(ctx, n)
		if err != nil {
			return a, err
		}
		changes.SetField(ref, halo.TextValue(v))
	}
	if w.LinkKind != "" {
		col, field := t.opts.linkPlace(w.LinkKind)
		if col != "" {
			setColumn(&a, col, w.LinkID)
			if col == "datto_id" { // Halo's Datto integration keeps the device's site and pages beside it
				setDattoExtras(&a, w)
			}
		} else if err := t.setField(ctx, &changes, field, w.LinkID); err != nil {
			return a, fmt.Errorf("halo: keeping the %s link: %w", w.LinkKind, err)
		}
	}
	if w.LinkAccount != "" {
		if w.LinkKind == "" {
			return a, errors.New("halo: a link account needs its link kind")
		}
		if err := t.setField(ctx, &changes, w.LinkKind+linkAccountSuffix, w.LinkAccount); err != nil {
			return a, fmt.Errorf("halo: keeping the %s link's account: %w", w.LinkKind, err)
		}
	}
	a.Fields, a.CustomFields = changes.Fields, changes.CustomFields
	if w.ID != 0 && (len(a.Fields) > 0 || len(a.CustomFields) > 0) {
		cur, err := t.currentArrays(ctx, w.ID)
		if err != nil {
			return a, fmt.Errorf("halo: reading asset %d's fields to keep the ones not written: %w", w.ID, err)
		}
		if len(a.Fields) > 0 {
			a.Fields = mergeEntries(cur.fields, a.Fields, func(f halo.FieldValue) int { return f.ID })
		}
		if len(a.CustomFields) > 0 {
			a.CustomFields = mergeEntries(cur.custom, a.CustomFields, func(f halo.CustomField) int { return f.ID })
		}
	}
	if w.UserID != 0 {
		if a.Extra == nil {
			a.Extra = halo.Extra{}
		}
		a.Extra["users"] = []byte(`[{"id":` + strconv.Itoa(w.UserID) + `}]`)
	}
	return a, nil
}

// mergeEntries returns cur with each entry of upd replacing the one of the
// same id, or appended: the whole array Halo must be sent to change some.
func mergeEntries[E any](cur, upd []E, id func(E) int) []E {
	out := slices.Clone(cur)
	at := map[int]int{}
	for i, e := range out {
		at[id(e)] = i
	}
	for _, e := range upd {
		if i, ok := at[id(e)]; ok {
			out[i] = e
			continue
		}
		at[id(e)] = len(out)
		out = append(out, e)
	}
	return out
}

// setField sets a field of the given name on a, creating an asset info
// field of that name when the tenant has none (one creation at a time, so
// concurrent batches create it once).
func (t *ReconcileTarget) setField(ctx context.Context, a *halo.Asset, name, value string) error {
	ref, err := t.c.Fields.Resolve(ctx, name)
	var unknown *halo.UnknownFieldError
	if errors.As(err, &unknown) {
		t.fieldMu.Lock()
		ref, err = t.c.Fields.Resolve(ctx, name) // another batch may have created it
		if errors.As(err, &unknown) {
			if _, err = t.c.Fields.SaveAssetField(ctx, halo.AssetField{Name: name}); err == nil {
				ref, err = t.c.Fields.Resolve(ctx, name)
			}
		}
		t.fieldMu.Unlock()
	}
	if err != nil {
		return err
	}
	a.SetField(ref, halo.TextValue(value))
	return nil
}
