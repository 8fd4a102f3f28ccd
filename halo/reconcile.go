package halo

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/mspsync/mspsync/reconcile"
)

// NativeAssetFields are the asset columns a reconcile field mapping can
// target by their wire names, besides the tenant's info and custom fields
// (which are targeted by name, e.g. "Serial Number").
var NativeAssetFields = []string{"inventory_number", "key_field", "notes"}

// ReconcileTarget is the reconcile.Target of a Halo instance: it loads
// customers, sites, assets (with info and custom field values and vendor
// links), asset types and groups, users and field definitions, and carries
// out a plan's writes. Create it with Client.ReconcileTarget.
type ReconcileTarget struct {
	c *Client
}

var _ reconcile.Target = (*ReconcileTarget)(nil)

// ReconcileTarget returns the client's reconcile driver.
func (c *Client) ReconcileTarget() *ReconcileTarget { return &ReconcileTarget{c: c} }

// LoadTarget reads everything Plan needs, through the paged iterators.
func (t *ReconcileTarget) LoadTarget(ctx context.Context) (*reconcile.TargetSnapshot, error) {
	c := t.c
	snap := &reconcile.TargetSnapshot{}
	for v, err := range c.Clients.All(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("halo: loading customers: %w", err)
		}
		snap.Customers = append(snap.Customers, reconcile.Customer{ID: v.ID, Name: v.Name, MainSiteID: v.MainSiteID, TopLevelID: v.TopLevelID})
	}
	for v, err := range c.Sites.All(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("halo: loading sites: %w", err)
		}
		snap.Sites = append(snap.Sites, reconcile.Site{ID: v.ID, CustomerID: v.ClientID, Name: v.Name})
	}
	types, err := c.AssetTypes.List(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("halo: loading asset types: %w", err)
	}
	for _, v := range types {
		snap.AssetTypes = append(snap.AssetTypes, reconcile.AssetType{ID: v.ID, Name: v.Name, GroupID: v.AssetGroupID})
	}
	groups, err := c.AssetGroups.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("halo: loading asset groups: %w", err)
	}
	for _, v := range groups {
		snap.AssetGroups = append(snap.AssetGroups, reconcile.AssetGroup{ID: v.ID, Name: v.Name})
	}
	afs, err := c.Fields.AssetFields(ctx)
	if err != nil {
		return nil, fmt.Errorf("halo: loading asset fields: %w", err)
	}
	cfs, err := c.Fields.CustomFields(ctx)
	if err != nil {
		return nil, fmt.Errorf("halo: loading custom fields: %w", err)
	}
	names := map[string]string{} // "field:<id>" / "custom:<id>" → name
	for _, n := range NativeAssetFields {
		snap.Fields = append(snap.Fields, reconcile.FieldDef{Name: n, Native: true})
	}
	for _, f := range afs {
		snap.Fields = append(snap.Fields, reconcile.FieldDef{Name: f.Name, ID: f.ID})
		names["field:"+strconv.Itoa(f.ID)] = f.Name
	}
	for _, f := range cfs {
		n := f.Label
		if n == "" {
			n = f.Name
		}
		snap.Fields = append(snap.Fields, reconcile.FieldDef{Name: n, ID: f.ID})
		names["custom:"+strconv.Itoa(f.ID)] = n
	}
	for a, err := range c.Assets.All(ctx, &AssetListOptions{IncludeInactive: true, IncludeAssetFields: true}) {
		if err != nil {
			return nil, fmt.Errorf("halo: loading assets: %w", err)
		}
		snap.Assets = append(snap.Assets, assetToReconcile(&a, names))
	}
	for u, err := range c.Users.All(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("halo: loading users: %w", err)
		}
		snap.Users = append(snap.Users, reconcile.User{ID: u.ID, CustomerID: u.ClientID, Fields: map[string]string{
			"email": u.EmailAddress, "emailaddress": u.EmailAddress, "name": u.Name, "login": u.Login, "azureoid": u.AzureOID}})
	}
	return snap, nil
}

func assetToReconcile(a *Asset, names map[string]string) reconcile.Asset {
	r := reconcile.Asset{ID: a.ID, CustomerID: a.ClientID, SiteID: a.SiteID, TypeID: a.AssetTypeID, StatusID: a.StatusID,
		Inactive: a.Inactive != nil && *a.Inactive, Fields: map[string]string{}, Links: map[string]string{}}
	r.Fields["inventory_number"] = a.InventoryNumber
	r.Fields["key_field"] = a.KeyField
	r.Fields["notes"] = a.Notes
	for _, f := range a.Fields {
		n := f.Name
		if n == "" {
			n = names["field:"+strconv.Itoa(f.ID)]
		}
		if n != "" {
			r.Fields[n] = f.Text()
		}
	}
	for _, f := range a.CustomFields {
		n := names["custom:"+strconv.Itoa(f.ID)]
		if n == "" {
			n = f.Label
		}
		if n != "" {
			r.Fields[n] = f.Text()
		}
	}
	for k, v := range map[string]string{"datto_id": a.DattoID, "third_party_id_string": a.ThirdPartyIDString, "kaseya_id": a.KaseyaID} {
		if v != "" {
			r.Links[k] = v
		}
	}
	if a.NinjaRMMID != 0 {
		r.Links["ninjarmm_id"] = strconv.Itoa(a.NinjaRMMID)
	}
	return r
}

// CreateCustomer creates a client and its main site.
func (t *ReconcileTarget) CreateCustomer(ctx context.Context, nc reconcile.NewCustomer) (int, int, error) {
	cust, err := t.c.Clients.Save(ctx, Customer{Name: nc.Name, TopLevelID: nc.TopLevelID})
	if err != nil {
		return 0, 0, err
	}
	site, err := t.c.Sites.Save(ctx, Site{Name: nc.MainSiteName, ClientID: cust.ID})
	if err != nil {
		return cust.ID, 0, fmt.Errorf("halo: customer %d created, its main site not: %w", cust.ID, err)
	}
	return cust.ID, site.ID, nil
}

// CreateSite creates a site.
func (t *ReconcileTarget) CreateSite(ctx context.Context, ns reconcile.NewSite) (int, error) {
	s, err := t.c.Sites.Save(ctx, Site{Name: ns.Name, ClientID: ns.CustomerID})
	if err != nil {
		return 0, err
	}
	return s.ID, nil
}

// CreateAssetType creates an asset type in the given group.
func (t *ReconcileTarget) CreateAssetType(ctx context.Context, nt reconcile.NewAssetType) (int, error) {
	at, err := t.c.AssetTypes.Save(ctx, AssetType{Name: nt.Name, AssetGroupID: nt.GroupID})
	if err != nil {
		return 0, err
	}
	return at.ID, nil
}

// CreateField creates an asset info field.
func (t *ReconcileTarget) CreateField(ctx context.Context, nf reconcile.NewField) error {
	_, err := t.c.Fields.SaveAssetField(ctx, AssetField{Name: nf.Name})
	return err
}

// SaveAssets turns writes into Halo assets (fields resolved by name to the
// tenant's ids, the vendor link into its column) and saves them with
// Assets.SaveBatch: updates batched, creates one by one, a rejected batch
// retried record by record.
func (t *ReconcileTarget) SaveAssets(ctx context.Context, ws []reconcile.AssetWrite) []reconcile.SaveResult {
	out := make([]reconcile.SaveResult, len(ws))
	var assets []Asset
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
	}
	return out
}

func (t *ReconcileTarget) toAsset(ctx context.Context, w reconcile.AssetWrite) (Asset, error) {
	a := Asset{ID: w.ID, SiteID: w.SiteID, AssetTypeID: w.TypeID, StatusID: w.StatusID, Inactive: w.Inactive}
	if w.ID == 0 {
		a.Inactive = Ptr(false)
		a.IsAssetDetails = Ptr(true)
		a.DontAddNewFields = Ptr(true)
	}
	for _, f := range w.Fields {
		n, v := f.Name, f.Value
		switch strings.ToLower(n) {
		case "inventory_number":
			a.InventoryNumber = v
			continue
		case "key_field":
			a.KeyField = v
			continue
		case "notes":
			a.Notes = v
			continue
		}
		ref, err := t.c.Fields.Resolve(ctx, n)
		if err != nil {
			return a, err
		}
		a.SetField(ref, TextValue(v))
	}
	switch w.LinkField {
	case "":
	case "datto_id":
		a.DattoID = w.LinkValue
	case "third_party_id_string":
		a.ThirdPartyIDString = w.LinkValue
	case "kaseya_id":
		a.KaseyaID = w.LinkValue
	default:
		raw, _ := json.Marshal(w.LinkValue)
		a.Extra = Extra{w.LinkField: raw}
	}
	if w.UserID != 0 {
		if a.Extra == nil {
			a.Extra = Extra{}
		}
		a.Extra["users"] = json.RawMessage(`[{"id":` + strconv.Itoa(w.UserID) + `}]`)
	}
	return a, nil
}
