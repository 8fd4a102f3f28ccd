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
	// Order names the field to sort by ("id"); OrderDesc sorts it
	// descending.
	Order     string `url:"order,omitempty"`
	OrderDesc bool   `url:"orderdesc,omitempty"`
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
	Saved *Asset // the saved asset (see Echoed); nil on error
	// Echoed reports whether Saved is Halo's reply to the POST. It is false
	// when Halo answered a batch without one object per record (its reply
	// to several records is not documented and can be one object): an
	// update's Saved is then the record as sent, and a create's is the
	// stored record as read back to find its id.
	Echoed bool
	Err    error
}

// ErrNotIdentified is the error of a created record whose id SaveBatch
// could not find: Halo accepted (or may have stored) the batch it was in,
// but reading back found no asset, or several, with its values. The asset
// may exist; look for it before creating it again.
var ErrNotIdentified = errors.New("halo: asset created in a batch but its id could not be identified by reading back")

// SaveBatch saves assets in as few requests as is safe: updates travel in
// POSTs of up to the client's batch size (WithBatchSize), creates in POSTs
// of up to its create batch size (WithCreateBatchSize; both default to
// DefaultBatchSize), each POST holding only updates or only creates.
//
// Halo documents its reply to a one-record POST (the saved object) but not
// to several. A reply of one object per record is matched in order; an
// update otherwise counts as saved as sent, and the created records of a
// batch are found by one read of the newest assets (GET /Asset ordered by
// id descending, of the batch's site when it has one, 100 records; batches
// of creates go one at a time so that no other batch of this client comes
// in between): a
// record is identified by the one new asset carrying its site and every
// identifying value it was sent with (inventory number, datto_id,
// kaseya_id, third_party_id_string, info and custom field values). A
// record that matches no asset or several gets ErrNotIdentified, never a
// second create.
//
// When Halo rejects a batch with a 4xx its records are sent again one at a
// time, so that one bad record does not fail the others; for a batch of
// creates the newest assets are read back first and only the records not
// found are sent again (Halo may have stored some before refusing one),
// and none is sent again when that read fails. 5xx and transport errors
// fail the whole batch, never replayed for creates, except the creates a
// read back finds. Results are in input order.
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
		if assets[group[0]].ID == 0 {
			s.saveCreates(ctx, assets, group, results)
		} else {
			s.saveUpdates(ctx, assets, group, results)
		}
	}
}

// saveUpdates saves one batch of updates.
func (s *AssetsService) saveUpdates(ctx context.Context, assets []Asset, group []int, results []SaveResult) {
	batch := pick(assets, group)
	saved, err := save(ctx, s.c, "Asset", batch)
	if err == nil {
		matchUpdates(group, batch, saved, results)
		return
	}
	if len(group) == 1 || !rejected(err) {
		for _, i := range group {
			results[i].Err = err
		}
		return
	}
	s.c.eng.Logger().Warn("halo: batch rejected; saving its records one by one", "records", len(group), "err", err)
	s.saveSingles(ctx, assets, group, results)
}

// saveCreates saves one batch of creates. Batches of creates of one client
// go one at a time (with their read back), whatever the caller's
// concurrency.
func (s *AssetsService) saveCreates(ctx context.Context, assets []Asset, group []int, results []SaveResult) {
	s.c.createMu.Lock()
	defer s.c.createMu.Unlock()
	batch := pick(assets, group)
	saved, err := save(ctx, s.c, "Asset", batch)
	if err == nil {
		if len(saved) == len(batch) && allHaveIDs(saved) {
			for k, i := range group {
				results[i].Saved, results[i].Echoed = &saved[k], true
			}
			return
		}
		found, readErr := s.findCreated(ctx, batch)
		for k, i := range group {
			switch {
			case found[k].asset != nil:
				results[i].Saved = found[k].asset
			case readErr != nil:
				results[i].Err = fmt.Errorf("%w: %w", ErrNotIdentified, readErr)
			default:
				results[i].Err = fmt.Errorf("%w (%s)", ErrNotIdentified, found[k].why)
			}
		}
		return
	}
	if len(group) == 1 {
		results[group[0]].Err = err
		return
	}
	// Halo may have stored some of the batch before failing: find them.
	found, readErr := s.findCreated(ctx, batch)
	var again []int
	for k, i := range group {
		switch {
		case found[k].asset != nil:
			results[i].Saved = found[k].asset
		case rejected(err) && readErr == nil && found[k].candidates == 0:
			again = append(again, i)
		default:
			results[i].Err = err
		}
	}
	if len(again) > 0 {
		s.c.eng.Logger().Warn("halo: batch of creates rejected; creating the records not stored one by one", "records", len(group), "again", len(again), "err", err)
		s.saveSingles(ctx, assets, again, results)
	}
}

func (s *AssetsService) saveSingles(ctx context.Context, assets []Asset, idx []int, results []SaveResult) {
	for _, i := range idx {
		results[i].Saved, results[i].Err = saveOne(ctx, s.c, "Asset", assets[i])
		results[i].Echoed = results[i].Err == nil
	}
}

// rejected reports whether err is Halo refusing the request (a 4xx other
// than 429), which stores nothing of a one-record POST.
func rejected(err error) bool {
	var he *Error
	return errors.As(err, &he) && he.StatusCode >= 400 && he.StatusCode < 500 && he.StatusCode != http.StatusTooManyRequests
}

func pick(assets []Asset, group []int) []Asset {
	batch := make([]Asset, len(group))
	for k, i := range group {
		batch[k] = assets[i]
	}
	return batch
}

func allHaveIDs(saved []Asset) bool {
	for _, a := range saved {
		if a.ID == 0 {
			return false
		}
	}
	return true
}

// matchUpdates fills the results of a batch of updates Halo accepted from
// its reply: one object per record (in order), or fewer. An update is
// matched by id, and one the reply does not echo is reported saved as
// sent.
func matchUpdates(group []int, batch, saved []Asset, results []SaveResult) {
	if len(saved) == len(batch) {
		for k, i := range group {
			results[i].Saved, results[i].Echoed = &saved[k], true
		}
		return
	}
	byID := map[int]*Asset{}
	for k := range saved {
		if saved[k].ID != 0 {
			byID[saved[k].ID] = &saved[k]
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
}

// readBackSlack is how many assets, beyond a batch's own records, the read
// back of a batch of creates covers (others created meanwhile).
const readBackSlack = 50

// created is what findCreated learned about one record of a batch.
type created struct {
	asset      *Asset // the one new asset that is the record; nil if none
	candidates int    // assets read back that carry the record's values
	why        string // why asset is nil
}

// findCreated reads back the newest assets (of the batch's site when all
// its records share one) and identifies each record of a batch of creates
// by its values: the record is the one asset read back that carries all of
// them, and that asset matches no other record of the batch. It reads one
// page of 100 newest assets, more only while some record has no candidate
// and the assets read do not yet cover the batch and readBackSlack more.
func (s *AssetsService) findCreated(ctx context.Context, batch []Asset) ([]created, error) {
	out := make([]created, len(batch))
	opts := &AssetListOptions{Order: "id", OrderDesc: true, IncludeInactive: true, IncludeAssetFields: true, PageSize: MaxPageSize}
	if site := batch[0].SiteID; site != 0 {
		opts.SiteID = site
		for _, a := range batch {
			if a.SiteID != site {
				opts.SiteID = 0
			}
		}
	}
	var recent []Asset
	matches := make([][]int, len(batch))
	for cursor := ""; ; {
		page, err := s.ListPage(ctx, opts, cursor)
		if err != nil {
			return out, err
		}
		from := len(recent)
		recent = append(recent, page.Items...)
		missing := 0
		for k := range batch {
			for j := from; j < len(recent); j++ {
				if carries(&recent[j], &batch[k]) {
					matches[k] = append(matches[k], j)
				}
			}
			if len(matches[k]) == 0 {
				missing++
			}
		}
		// Stop when every record has a candidate, or the newest assets
		// read cover the batch and the others created meanwhile.
		if missing == 0 || page.Next == "" || len(recent) >= len(batch)+readBackSlack {
			break
		}
		cursor = page.Next
	}
	claims := map[int]int{} // asset id → records it matches
	for k := range batch {
		for _, j := range matches[k] {
			claims[recent[j].ID]++
		}
	}
	for k := range batch {
		out[k].candidates = len(matches[k])
		switch {
		case len(matches[k]) == 0:
			out[k].why = "no new asset carries its values"
		case len(matches[k]) > 1 || claims[recent[matches[k][0]].ID] > 1:
			out[k].why = "several assets or records carry the same values"
		default:
			a := recent[matches[k][0]]
			out[k].asset = &a
		}
	}
	return out, nil
}

// carries reports whether a stored asset has every identifying value the
// record r was sent with: its site, inventory number, link columns and
// info and custom field values.
func carries(a, r *Asset) bool {
	if r.SiteID != 0 && a.SiteID != r.SiteID {
		return false
	}
	for _, p := range [][2]string{{a.InventoryNumber, r.InventoryNumber}, {a.DattoID, r.DattoID}, {a.KaseyaID, r.KaseyaID}, {a.ThirdPartyIDString, r.ThirdPartyIDString}} {
		if p[1] != "" && !strings.EqualFold(strings.TrimSpace(p[0]), strings.TrimSpace(p[1])) {
			return false
		}
	}
	for _, f := range r.Fields {
		got, ok := a.Field(f.ID)
		if want := f.Text(); want != "" && (!ok || got.Text() != want) {
			return false
		}
	}
	for _, f := range r.CustomFields {
		if want := f.Text(); want != "" && !hasCustom(a, f.ID, want) {
			return false
		}
	}
	return true
}

func hasCustom(a *Asset, id int, want string) bool {
	for _, f := range a.CustomFields {
		if f.ID == id {
			return f.Text() == want
		}
	}
	return false
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
