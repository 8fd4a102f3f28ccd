package halo

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"strings"
)

// AssetsService reads and writes assets (/Asset).
type AssetsService service

// AssetListOptions filters GET /Asset.
type AssetListOptions struct {
	ClientID           int    `url:"client_id,omitempty"`
	SiteID             int    `url:"site_id,omitempty"`
	AssetTypeID        int    `url:"assettype_id,omitempty"`
	AssetGroupID       int    `url:"assetgroup_id,omitempty"`
	Search             string `url:"search,omitempty"`
	InventoryNumber    string `url:"inventory_number,omitempty"`
	IncludeInactive    bool   `url:"includeinactive,omitempty"`
	IncludeActive      bool   `url:"includeactive,omitempty"`
	IncludeAssetFields bool   `url:"includeassetfields,omitempty"`
	// PageSize is the page length, at most and by default MaxPageSize.
	PageSize int `url:"-"`
}

func (o *AssetListOptions) pageSize() int { return o.PageSize }

// Get returns one asset with its field values.
func (s *AssetsService) Get(ctx context.Context, id int) (*Asset, error) {
	return get[Asset](ctx, s.c, "Asset", id, map[string]string{"includedetails": "true"})
}

// ListPage returns one page of assets: cursor "" is the first page, then
// each Page.Next; Next is "" on the last page.
func (s *AssetsService) ListPage(ctx context.Context, opts *AssetListOptions, cursor string) (*Page[Asset], error) {
	f, size := filters(opts)
	return listPage[Asset](ctx, s.c, "Asset", "assets", f, size, cursor)
}

// All iterates over every asset matching opts.
func (s *AssetsService) All(ctx context.Context, opts *AssetListOptions) iter.Seq2[Asset, error] {
	f, size := filters(opts)
	return listAll[Asset](ctx, s.c, "Asset", "assets", f, size)
}

// Save creates (no ID) or updates (ID set) one asset. Set only the fields
// to change on an update.
func (s *AssetsService) Save(ctx context.Context, a Asset) (*Asset, error) {
	return saveOne(ctx, s.c, "Asset", a)
}

// Delete deletes an asset.
func (s *AssetsService) Delete(ctx context.Context, id int) error {
	return del(ctx, s.c, "Asset", id, nil)
}

// SaveResult is the outcome of one record of SaveBatch.
type SaveResult struct {
	Input Asset  // the record as sent
	Saved *Asset // Halo's saved object (see Echoed); nil on error
	// Echoed reports whether Saved is Halo's reply. It is false for an
	// update Halo accepted in a batch without echoing it (Halo's reply to
	// several records is not documented and can be one object); Saved is
	// then the record as sent.
	Echoed bool
	Err    error
}

// SaveBatch saves assets in as few requests as is safe: updates travel in
// POSTs of up to the client's batch size (WithBatchSize), creates in POSTs
// of up to its create batch size (default 1). When Halo rejects a batch
// with a 4xx, its records are sent again one at a time so that one bad
// record does not fail the others; 5xx and transport errors are reported
// for the whole batch, never replayed for creates. Results are in input
// order.
func (s *AssetsService) SaveBatch(ctx context.Context, assets []Asset) []SaveResult {
	results := make([]SaveResult, len(assets))
	var updates, creates []int
	for i, a := range assets {
		results[i].Input = a
		if a.ID != 0 {
			updates = append(updates, i)
		} else {
			creates = append(creates, i)
		}
	}
	s.saveGroups(ctx, assets, updates, s.c.cfg.batchSize, results)
	s.saveGroups(ctx, assets, creates, s.c.cfg.createBatchSize, results)
	return results
}

func (s *AssetsService) saveGroups(ctx context.Context, assets []Asset, idx []int, size int, results []SaveResult) {
	for start := 0; start < len(idx); start += size {
		group := idx[start:min(start+size, len(idx))]
		batch := make([]Asset, len(group))
		for k, i := range group {
			batch[k] = assets[i]
		}
		saved, err := save(ctx, s.c, "Asset", batch)
		if err == nil {
			if err = matchSaved(group, batch, saved, results); err == nil {
				continue
			}
			err = s.c.malformed(http.MethodPost, "Asset", nil, err)
		}
		var he *Error
		rejected := errors.As(err, &he) && he.StatusCode >= 400 && he.StatusCode < 500 && he.StatusCode != http.StatusTooManyRequests
		if len(group) == 1 || !rejected {
			for _, i := range group {
				results[i].Err = err
			}
			continue
		}
		s.c.eng.Logger().Warn("halo: batch rejected; saving its records one by one", "records", len(group), "err", err)
		for _, i := range group {
			results[i].Saved, results[i].Err = saveOne(ctx, s.c, "Asset", assets[i])
			results[i].Echoed = results[i].Err == nil
		}
	}
}

// matchSaved fills the results of a batch Halo accepted from its reply:
// one object per record (in order), or fewer — Halo documents the reply to
// one record only, and to several it can answer with a single object. An
// update is matched by id, and one the reply does not echo is reported
// saved as sent. Creates cannot be told apart without an id, so a batch of
// creates needs one object per record.
func matchSaved(group []int, batch, saved []Asset, results []SaveResult) error {
	if len(saved) == len(batch) {
		for k, i := range group {
			results[i].Saved, results[i].Echoed = &saved[k], true
		}
		return nil
	}
	byID := map[int]*Asset{}
	for k := range saved {
		if saved[k].ID != 0 {
			byID[saved[k].ID] = &saved[k]
		}
	}
	for _, a := range batch {
		if a.ID == 0 {
			return fmt.Errorf("%d objects for %d records: the created ones cannot be identified", len(saved), len(batch))
		}
	}
	for k, i := range group {
		if obj, ok := byID[batch[k].ID]; ok {
			results[i].Saved, results[i].Echoed = obj, true
			continue
		}
		sent := batch[k]
		results[i].Saved = &sent
	}
	return nil
}

// AssetTypesService reads and writes asset types (/AssetType).
type AssetTypesService service

// AssetTypeListOptions filters GET /AssetType (not paged).
type AssetTypeListOptions struct {
	AssetGroupID int `url:"assetgroup_id,omitempty"`
}

// Get returns one asset type.
func (s *AssetTypesService) Get(ctx context.Context, id int) (*AssetType, error) {
	return get[AssetType](ctx, s.c, "AssetType", id, nil)
}

// List returns every asset type (Halo answers with a bare array).
func (s *AssetTypesService) List(ctx context.Context, opts *AssetTypeListOptions) ([]AssetType, error) {
	return getList[AssetType](ctx, s.c, "AssetType", "assettypes", copyOpts(opts))
}

// Save creates or updates an asset type (set AssetGroupID on create).
func (s *AssetTypesService) Save(ctx context.Context, v AssetType) (*AssetType, error) {
	return saveOne(ctx, s.c, "AssetType", v)
}

// Delete deletes an asset type.
func (s *AssetTypesService) Delete(ctx context.Context, id int) error {
	return del(ctx, s.c, "AssetType", id, nil)
}

// AssetGroupsService reads and writes asset groups (/AssetGroup).
type AssetGroupsService service

// Get returns one asset group.
func (s *AssetGroupsService) Get(ctx context.Context, id int) (*AssetGroup, error) {
	return get[AssetGroup](ctx, s.c, "AssetGroup", id, nil)
}

// List returns every asset group.
func (s *AssetGroupsService) List(ctx context.Context) ([]AssetGroup, error) {
	return getList[AssetGroup](ctx, s.c, "AssetGroup", "assetgroups", nil)
}

// Save creates or updates an asset group.
func (s *AssetGroupsService) Save(ctx context.Context, v AssetGroup) (*AssetGroup, error) {
	return saveOne(ctx, s.c, "AssetGroup", v)
}

// Delete deletes an asset group.
func (s *AssetGroupsService) Delete(ctx context.Context, id int) error {
	return del(ctx, s.c, "AssetGroup", id, nil)
}

// FieldsService reads field definitions: asset info fields (/Field) and
// custom fields (/FieldInfo), and resolves field names to their
// tenant-specific ids.
type FieldsService service

// FieldKind tells an asset info field from a custom field.
type FieldKind string

// Field kinds.
const (
	AssetFieldKind  FieldKind = "field"       // written through Asset.Fields
	CustomFieldKind FieldKind = "customfield" // written through Asset.CustomFields
)

// FieldRef identifies a field by id and kind.
type FieldRef struct {
	ID   int
	Name string
	Kind FieldKind
}

// UnknownFieldError is returned by Resolve for a name no field has.
type UnknownFieldError struct{ Name string }

// Error names the field.
func (e *UnknownFieldError) Error() string {
	return fmt.Sprintf("halo: no asset field or custom field named %q", e.Name)
}

// AssetFields lists the asset info field definitions.
func (s *FieldsService) AssetFields(ctx context.Context) ([]AssetField, error) {
	return getList[AssetField](ctx, s.c, "Field", "fields", nil)
}

// CustomFields lists the custom field definitions.
func (s *FieldsService) CustomFields(ctx context.Context) ([]CustomFieldDef, error) {
	return getList[CustomFieldDef](ctx, s.c, "FieldInfo", "fieldinfo", nil)
}

// SaveAssetField creates or updates an asset info field definition, and
// makes Resolve read the definitions again.
func (s *FieldsService) SaveAssetField(ctx context.Context, f AssetField) (*AssetField, error) {
	out, err := saveOne(ctx, s.c, "Field", f)
	if err != nil {
		return nil, err
	}
	s.c.forgetFields()
	return out, nil
}

// Resolve finds a field by name (case-insensitive): asset info fields
// first, then custom fields by name or label. Definitions are read once per
// client and cached; an unknown name is an *UnknownFieldError.
func (s *FieldsService) Resolve(ctx context.Context, name string) (FieldRef, error) {
	c := s.c
	key := strings.ToLower(strings.TrimSpace(name))
	c.fieldsMu.Lock()
	defer c.fieldsMu.Unlock()
	if c.fields == nil {
		m := map[string]FieldRef{}
		cfs, err := s.CustomFields(ctx)
		if err != nil {
			return FieldRef{}, err
		}
		for _, f := range cfs {
			for _, n := range []string{f.Label, f.Name} {
				if n != "" {
					m[strings.ToLower(n)] = FieldRef{ID: f.ID, Name: n, Kind: CustomFieldKind}
				}
			}
		}
		afs, err := s.AssetFields(ctx)
		if err != nil {
			return FieldRef{}, err
		}
		for _, f := range afs { // asset info fields win over custom fields
			if f.Name != "" {
				m[strings.ToLower(f.Name)] = FieldRef{ID: f.ID, Name: f.Name, Kind: AssetFieldKind}
			}
		}
		c.fields = m
	}
	ref, ok := c.fields[key]
	if !ok {
		return FieldRef{}, &UnknownFieldError{Name: name}
	}
	return ref, nil
}

func (c *Client) forgetFields() {
	c.fieldsMu.Lock()
	c.fields = nil
	c.fieldsMu.Unlock()
}

// copyOpts returns a copy of *opts as a query value (nil for nil).
func copyOpts[O any](opts *O) any {
	if opts == nil {
		return nil
	}
	cp := *opts
	return &cp
}
