package reconcile

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// ActionKind is what an action does.
type ActionKind string

// Action kinds.
const (
	CreateField     ActionKind = "create_field"
	CreateCustomer  ActionKind = "create_customer"
	CreateSite      ActionKind = "create_site"
	CreateAssetType ActionKind = "create_asset_type"
	CreateAsset     ActionKind = "create_asset"
	UpdateAsset     ActionKind = "update_asset"
	DeactivateAsset ActionKind = "deactivate_asset"
	UnchangedAsset  ActionKind = "unchanged"
	SkipDevice      ActionKind = "skip"
	AmbiguousDevice ActionKind = "ambiguous"
	refPrefixField             = "field:"
	refPrefixCust              = "customer:"
	refPrefixSite              = "site:"
	refPrefixType              = "type:"
)

// Change is one field-level difference of an update.
type Change struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// Action is one line of a plan: what will be done, to what, and why.
type Action struct {
	Kind       ActionKind `json:"kind"`
	DeviceID   string     `json:"device_id,omitempty"`
	Name       string     `json:"name,omitempty"`
	AssetID    int        `json:"asset_id,omitempty"`
	Reason     string     `json:"reason"`
	Changes    []Change   `json:"changes,omitempty"`
	Candidates []int      `json:"candidates,omitempty"`
	// Ref names an object this action creates, for later actions
	// ("customer:<source site>", "site:<source site>", "type:<name>").
	Ref string `json:"ref,omitempty"`
	// SiteRef is the main site a CreateCustomer action also creates.
	SiteRef   string        `json:"site_ref,omitempty"`
	Customer  *NewCustomer  `json:"customer,omitempty"`
	Site      *NewSite      `json:"site,omitempty"`
	AssetType *NewAssetType `json:"asset_type,omitempty"`
	Field     *NewField     `json:"field,omitempty"`
	Write     *AssetWrite   `json:"write,omitempty"`
	// Absent marks a deactivation because the device is missing from a
	// complete listing (rather than flagged deleted).
	Absent bool `json:"absent,omitempty"`
	// Result is set by Apply.
	Result *Result `json:"result,omitempty"`
}

// Result is the outcome of an applied action.
type Result struct {
	OK    bool   `json:"ok"`
	ID    int    `json:"id,omitempty"`
	Error string `json:"error,omitempty"`
}

// IsWrite reports whether applying the action writes to the PSA.
func (a *Action) IsWrite() bool {
	switch a.Kind {
	case CreateField, CreateCustomer, CreateSite, CreateAssetType, CreateAsset, UpdateAsset, DeactivateAsset:
		return true
	}
	return false
}

// Changeset is what Plan returns: every action with its reason. It is a
// pure value: JSON of the same inputs is byte-identical.
type Changeset struct {
	// Source is the source's kind; the plan's links are of that kind.
	Source         string   `json:"source"`
	SourceComplete bool     `json:"source_complete"`
	Actions        []Action `json:"actions"`
	// NewMappings records source sites placed by name or by a created
	// customer, to add to Config.Sites.Mappings.
	NewMappings []PlannedMapping `json:"new_mappings,omitempty"`
}

// PlannedMapping is a site mapping a plan found or will create.
type PlannedMapping struct {
	SourceSiteID string `json:"source_site_id"`
	SourceName   string `json:"source_name"`
	CustomerID   int    `json:"customer_id,omitempty"`
	CustomerRef  string `json:"customer_ref,omitempty"`
	SiteID       int    `json:"site_id,omitempty"`
	SiteRef      string `json:"site_ref,omitempty"`
}

// Writes returns how many actions write to the PSA.
func (p *Changeset) Writes() int {
	n := 0
	for i := range p.Actions {
		if p.Actions[i].IsWrite() {
			n++
		}
	}
	return n
}

// index is the target snapshot arranged for lookups.
type index struct {
	customers  map[int]*Customer
	custByName map[string]*Customer
	sites      map[int]*Site
	siteByName map[int]map[string]*Site // customer → lower name → site
	mainSite   map[int]int
	types      map[string]*AssetType // lower name
	typeByID   map[int]*AssetType
	fields     map[string]*FieldDef // lower name
	link       map[string][]*Asset  // linked source device id → assets
	match      map[string][]*Asset  // normalised matching value → assets
	users      [2]map[string][]*User
}

func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func indexTarget(t *TargetSnapshot, cc *compiled, kind string) *index {
	ix := &index{
		customers: map[int]*Customer{}, custByName: map[string]*Customer{}, sites: map[int]*Site{},
		siteByName: map[int]map[string]*Site{}, mainSite: map[int]int{}, types: map[string]*AssetType{},
		typeByID: map[int]*AssetType{}, fields: map[string]*FieldDef{}, link: map[string][]*Asset{}, match: map[string][]*Asset{},
		users: [2]map[string][]*User{{}, {}},
	}
	for i := range t.Customers {
		c := &t.Customers[i]
		ix.customers[c.ID] = c
		if _, dup := ix.custByName[lower(c.Name)]; !dup {
			ix.custByName[lower(c.Name)] = c
		}
		if c.MainSiteID != 0 {
			ix.mainSite[c.ID] = c.MainSiteID
		}
	}
	sites := append([]Site(nil), t.Sites...)
	sort.Slice(sites, func(i, j int) bool { return sites[i].ID < sites[j].ID })
	for i := range sites {
		s := &sites[i]
		ix.sites[s.ID] = s
		if ix.siteByName[s.CustomerID] == nil {
			ix.siteByName[s.CustomerID] = map[string]*Site{}
		}
		if _, dup := ix.siteByName[s.CustomerID][lower(s.Name)]; !dup {
			ix.siteByName[s.CustomerID][lower(s.Name)] = s
		}
		if _, ok := ix.mainSite[s.CustomerID]; !ok {
			ix.mainSite[s.CustomerID] = s.ID // the oldest site stands in for a main site
		}
	}
	for i := range t.AssetTypes {
		at := &t.AssetTypes[i]
		ix.typeByID[at.ID] = at
		if _, dup := ix.types[lower(at.Name)]; !dup {
			ix.types[lower(at.Name)] = at
		}
	}
	for i := range t.Fields {
		ix.fields[lower(t.Fields[i].Name)] = &t.Fields[i]
	}
	assets := make([]*Asset, len(t.Assets))
	for i := range t.Assets {
		assets[i] = &t.Assets[i]
	}
	sort.Slice(assets, func(i, j int) bool { return assets[i].ID < assets[j].ID })
	for _, a := range assets {
		if v := a.Links[kind]; v != "" && kind != "" {
			ix.link[v] = append(ix.link[v], a)
		}
		if cc.Matching.Field != "" {
			if v := fieldValue(a.Fields, cc.Matching.Field); v != "" && !cc.excluded(v) {
				ix.match[normalizeValue(v)] = append(ix.match[normalizeValue(v)], a)
			}
		}
	}
	for k, f := range []string{cc.Users.PrimaryField, cc.Users.SecondaryField} {
		if f == "" {
			continue
		}
		for i := range t.Users {
			u := &t.Users[i]
			if v := lower(fieldValue(u.Fields, f)); v != "" {
				ix.users[k][v] = append(ix.users[k][v], u)
			}
		}
	}
	return ix
}

// fieldValue reads a field by name, case-insensitively.
func fieldValue(m map[string]string, name string) string {
	if v, ok := m[name]; ok {
		return strings.TrimSpace(v)
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// keep copies items into the arena and returns them as a slice of their
// own (capacity capped, so appending to it never touches its neighbours).
// Thousands of actions share a few large allocations instead of one each.
func keep[T any](arena *[]T, items []T) []T {
	if len(items) == 0 {
		return nil
	}
	if cap(*arena)-len(*arena) < len(items) {
		*arena = make([]T, 0, max(4096, len(items)))
	}
	start := len(*arena)
	*arena = append(*arena, items...)
	return (*arena)[start:len(*arena):len(*arena)]
}

// placement is where a device's asset belongs.
type placement struct {
	customerID  int
	customerRef string
	siteID      int
	siteRef     string
	reason      string
}

func (p placement) siteKey() string {
	if p.siteRef != "" {
		return p.siteRef
	}
	return strconv.Itoa(p.siteID)
}

// planner holds the state of one Plan call.
type planner struct {
	cc       *compiled
	src      *SourceSnapshot
	ix       *index
	plan     *Changeset
	creates  []Action // field, customer, site and type creations, in order of need
	refs     map[string]bool
	siteMemo map[string]*placement
	skips    map[string]string  // source site → why it places nothing
	fieldOK  []int              // indices of the mappings whose target exists or is created
	ruleMemo map[int]*placement // site rule index (-1: default site) → placement
	ruleWhy  map[int]string
	typeMemo map[string]typeRes
	sites    map[string]*SourceSite
	kind     string // the source kind links are kept under ("" for none)
	linkName string // how plans name the link ("datto link")
	diff     diff
	chgArena []Change     // backing store of every action's Changes
	fwArena  []FieldWrite // and of every write's Fields
}

type typeRes struct {
	id       int
	ref, why string
}

// values are a device's mapped values, by mapping index ("" when empty).
type values []string

func (v values) get(cc *compiled, lowerTarget string) (string, bool) {
	i, ok := cc.targetIdx[lowerTarget]
	if !ok {
		return "", false
	}
	return v[i], true
}

// Plan works out what a reconcile would do. It is pure and deterministic:
// no I/O, and the same snapshots and config give a byte-identical JSON
// plan.
func Plan(src *SourceSnapshot, tgt *TargetSnapshot, cfg *Config) (*Changeset, error) {
	cc, err := cfg.compile(src.Source)
	if err != nil {
		return nil, err
	}
	kind := src.Source.Kind
	p := &planner{cc: cc, src: src, ix: indexTarget(tgt, cc, kind), refs: map[string]bool{}, siteMemo: map[string]*placement{}, skips: map[string]string{},
		ruleMemo: map[int]*placement{}, ruleWhy: map[int]string{}, typeMemo: map[string]typeRes{},
		kind: kind, linkName: kind + " link",
		plan: &Changeset{Source: kind, SourceComplete: src.Complete}}
	deviceActions := make([]Action, 0, len(src.Devices)+len(cc.FieldMappings)+16)
	for i, fm := range cc.FieldMappings {
		if fd := p.ix.fields[cc.lowerTargets[i]]; fd != nil {
			p.fieldOK = append(p.fieldOK, i)
			continue
		}
		if fm.CreateMissing {
			ref := refPrefixField + lower(fm.Target)
			if !p.refs[ref] {
				p.refs[ref] = true
				p.creates = append(p.creates, Action{Kind: CreateField, Name: fm.Target, Ref: ref, Field: &NewField{Name: fm.Target},
					Reason: fmt.Sprintf("mapping %s → %s needs a field the PSA lacks (create_missing)", fm.Source, fm.Target)})
			}
			p.fieldOK = append(p.fieldOK, i)
			continue
		}
		deviceActions = append(deviceActions, Action{Kind: SkipDevice, Name: fm.Target,
			Reason: fmt.Sprintf("mapping %s → %s ignored: the PSA has no field %q (set create_missing to create it)", fm.Source, fm.Target, fm.Target)})
	}
	sites := map[string]*SourceSite{}
	for i := range src.Sites {
		sites[src.Sites[i].ID] = &src.Sites[i]
	}
	p.sites = sites
	devices := make([]*Device, len(src.Devices))
	for i := range src.Devices {
		devices[i] = &src.Devices[i]
	}
	sort.Slice(devices, func(i, j int) bool { return devices[i].ID < devices[j].ID })
	mapped := make([]values, len(devices))
	counts := make(map[string]int, len(devices))
	for i, d := range devices {
		mapped[i] = p.mapFields(d)
		if cc.matchIdx >= 0 {
			if v := mapped[i][cc.matchIdx]; v != "" && !cc.excluded(v) && !d.Deleted {
				counts[normalizeValue(v)]++
			}
		}
	}
	claimed := make(map[int]string, len(devices))
	present := make(map[string]bool, len(devices))
	for i, d := range devices {
		present[d.ID] = true
		deviceActions = append(deviceActions, p.device(d, mapped[i], sites[d.SiteID], counts, claimed))
	}
	if src.Complete && cc.Lifecycle.DeactivateDeleted && kind != "" {
		deviceActions = append(deviceActions, p.absent(tgt, present)...)
	}
	p.plan.Actions = make([]Action, 0, len(p.creates)+len(deviceActions))
	p.plan.Actions = append(append(p.plan.Actions, p.creates...), deviceActions...)
	sort.SliceStable(p.plan.NewMappings, func(i, j int) bool {
		return p.plan.NewMappings[i].SourceSiteID < p.plan.NewMappings[j].SourceSiteID
	})
	return p.plan, nil
}

// mapFields returns the device's mapped values.
func (p *planner) mapFields(d *Device) values {
	out := make(values, len(p.cc.FieldMappings))
	for i, fm := range p.cc.FieldMappings {
		out[i] = fieldValue(d.Fields, fm.Source)
	}
	return out
}

// lookup reads PSA-side mapped names first, then source field names. It
// remembers the last few fields it read, since many rules test the same
// field of one device.
func (p *planner) lookup(d *Device, mapped values) func(string) string {
	var names, vals [4]string
	n := 0
	return func(f string) string {
		for i := range n {
			if names[i] == f {
				return vals[i]
			}
		}
		v, ok := mapped.get(p.cc, lower(f))
		if !ok || v == "" {
			v = fieldValue(d.Fields, f)
		}
		names[n%4], vals[n%4] = f, v
		n = min(n+1, 4)
		return v
	}
}

// device plans one device: where it belongs, which asset is its, and
// then what that case needs (nothing, a create, an update, a
// deactivation).
func (p *planner) device(d *Device, mapped values, site *SourceSite, counts map[string]int, claimed map[int]string) Action {
	act := Action{DeviceID: d.ID, Name: d.Name}
	var place *placement
	var why string
	if !d.Deleted {
		place, why = p.place(d, mapped, site)
	}
	asset, how, amb := p.match(d, mapped, counts, claimed, place)
	switch {
	case len(amb) > 0:
		act.Kind, act.Candidates, act.Reason = AmbiguousDevice, amb, how
		return act
	case d.Deleted:
		return p.deleted(act, d, asset, claimed)
	case asset == nil:
		return p.create(act, d, mapped, place, how, why)
	}
	claimed[asset.ID] = d.ID
	return p.update(act, d, mapped, asset, place, how)
}

// linked reports whether the asset carries the link to the device.
func (p *planner) linked(a *Asset, d *Device) bool {
	return a != nil && p.kind != "" && a.Links[p.kind] == d.ID
}

// deleted plans a device the source flags deleted: its linked asset is
// deactivated when the config asks for it, anything else is left alone.
func (p *planner) deleted(act Action, d *Device, asset *Asset, claimed map[int]string) Action {
	linked := p.linked(asset, d)
	if asset != nil {
		claimed[asset.ID] = d.ID
	}
	if linked && p.cc.Lifecycle.DeactivateDeleted {
		return p.deactivate(act, asset, "deleted in the source")
	}
	act.Kind, act.Reason = SkipDevice, "deleted in the source"
	if asset != nil {
		act.AssetID = asset.ID
		act.Reason += "; asset left alone (" + map[bool]string{true: "deactivate_deleted is off", false: "not linked to this device"}[linked] + ")"
	}
	return act
}

// create plans a new asset for a device no asset matched, or says why
// none is made.
func (p *planner) create(act Action, d *Device, mapped values, place *placement, how, why string) Action {
	cc := p.cc
	if cc.Lifecycle.DontCreate {
		act.Kind, act.Reason = SkipDevice, how+"; not created (dont_create)"
		return act
	}
	if place == nil {
		act.Kind, act.Reason = SkipDevice, how+"; "+why
		return act
	}
	typeID, typeRef, typeWhy := p.assetType(d, mapped)
	if typeID == 0 && typeRef == "" {
		act.Kind, act.Reason = SkipDevice, how+"; no asset type: "+typeWhy
		return act
	}
	w := &AssetWrite{CustomerID: place.customerID, SiteID: place.siteID, SiteRef: place.siteRef, TypeID: typeID, TypeRef: typeRef,
		StatusID: cc.Lifecycle.NewStatusID, UserID: p.user(d, place)}
	fields := p.diff.fields[:0]
	for _, k := range p.fieldOK {
		if v := mapped[k]; v != "" {
			fields = append(fields, FieldWrite{cc.FieldMappings[k].Target, v}) // a create's values are its changes
		}
	}
	w.Fields, p.diff.fields = keep(&p.fwArena, fields), fields[:0]
	if p.kind != "" {
		w.LinkKind, w.LinkID = p.kind, d.ID
	}
	act.Kind, act.Write = CreateAsset, w
	act.Reason = how + "; " + place.reason + "; " + typeWhy
	return act
}

// diff collects an update's changes. Its slices are scratch space the
// planner reuses from device to device; what an action keeps is copied
// into the arenas.
type diff struct {
	fields     []FieldWrite
	changes    []Change
	triggering []string // changes that make the update worth writing
	quiet      []string // changed fields marked no_trigger_update
}

func (df *diff) reset() {
	df.fields, df.changes, df.triggering, df.quiet = df.fields[:0], df.changes[:0], df.triggering[:0], df.quiet[:0]
}

// change records one difference; quiet ones do not trigger an update.
func (df *diff) change(field, old, new string, quiet bool) {
	df.changes = append(df.changes, Change{Field: field, Old: old, New: new})
	if quiet {
		df.quiet = append(df.quiet, field)
	} else {
		df.triggering = append(df.triggering, field)
	}
}

// update plans the changes a matched asset needs: mapped fields, link,
// site, type, user and reactivation. Only triggering changes make it an
// update.
func (p *planner) update(act Action, d *Device, mapped values, asset *Asset, place *placement, how string) Action {
	act.AssetID = asset.ID
	w := &AssetWrite{ID: asset.ID}
	df := &p.diff
	df.reset()
	p.diffFields(df, mapped, asset)
	p.diffPlacement(df, w, d, mapped, asset, place)
	if len(df.triggering) == 0 {
		act.Kind = UnchangedAsset
		act.Reason = how
		if len(df.quiet) > 0 {
			act.Reason += "; only " + strings.Join(df.quiet, ", ") + " changed, which do not trigger updates"
		}
		return act
	}
	act.Kind, act.Write = UpdateAsset, w
	act.Changes = keep(&p.chgArena, df.changes)
	if len(df.fields) > 0 {
		w.Fields = keep(&p.fwArena, df.fields)
	}
	act.Reason = how + "; changed: " + strings.Join(append(df.triggering, df.quiet...), ", ")
	return act
}

// diffFields compares the mapped values with the asset's. An empty source
// value never overwrites PSA data; only_fill_empty writes only into empty
// fields.
func (p *planner) diffFields(df *diff, mapped values, asset *Asset) {
	for _, k := range p.fieldOK {
		fm := p.cc.FieldMappings[k]
		nv := mapped[k]
		if nv == "" {
			continue
		}
		ov := fieldValue(asset.Fields, fm.Target)
		if ov == nv || (fm.OnlyFillEmpty && ov != "") {
			continue
		}
		df.fields = append(df.fields, FieldWrite{fm.Target, nv})
		df.change(fm.Target, ov, nv, fm.NoTriggerUpdate)
	}
}

// diffPlacement plans the link, a move, a retype, the user and a
// reactivation, each as the config allows.
func (p *planner) diffPlacement(df *diff, w *AssetWrite, d *Device, mapped values, asset *Asset, place *placement) {
	cc := p.cc
	if p.kind != "" && asset.Links[p.kind] != d.ID {
		w.LinkKind, w.LinkID = p.kind, d.ID
		df.change(p.linkName, asset.Links[p.kind], d.ID, false)
	}
	if place != nil && !cc.Sites.DontMoveExisting && (place.siteRef != "" || (place.siteID != 0 && place.siteID != asset.SiteID)) {
		w.SiteID, w.SiteRef = place.siteID, place.siteRef
		df.change("site", strconv.Itoa(asset.SiteID), place.siteKey(), false)
	}
	if !cc.AssetTypes.DontRetypeExisting {
		if typeID, typeRef, _ := p.assetType(d, mapped); typeRef != "" || (typeID != 0 && typeID != asset.TypeID) {
			w.TypeID, w.TypeRef = typeID, typeRef
			newType := typeRef
			if typeID != 0 {
				newType = strconv.Itoa(typeID)
			}
			df.change("type", strconv.Itoa(asset.TypeID), newType, false)
		}
	}
	if userID := p.user(d, place); userID != 0 && userID != asset.UserID {
		w.UserID = userID
		df.change("user", strconv.Itoa(asset.UserID), strconv.Itoa(userID), false)
	}
	if asset.Inactive && cc.Lifecycle.DeactivateDeleted {
		f := false
		w.Inactive = &f
		df.change("inactive", "true", "false", false)
	}
}

// match finds the device's asset: the stored vendor link first, then the
// matching field. It returns the asset (or nil) with how it was found, or
// the candidate IDs when the key is ambiguous.
func (p *planner) match(d *Device, mapped values, counts map[string]int, claimed map[int]string, place *placement) (*Asset, string, []int) {
	cc := p.cc
	ids := func(as []*Asset) []int {
		out := make([]int, len(as))
		for i, a := range as {
			out[i] = a.ID
		}
		return out
	}
	if !cc.Matching.NoVendorID && p.kind != "" {
		switch as := p.ix.link[d.ID]; {
		case len(as) == 1:
			return as[0], "matched by " + p.linkName + " " + d.ID, nil
		case len(as) > 1:
			return nil, fmt.Sprintf("ambiguous: %d assets carry %s %s", len(as), p.linkName, d.ID), ids(as)
		}
	}
	mf := cc.Matching.Field
	if cc.matchIdx < 0 {
		return nil, "no asset with a " + p.linkName, nil
	}
	v := mapped[cc.matchIdx]
	switch {
	case v == "":
		return nil, "no " + mf + " to match on", nil
	case cc.excluded(v):
		return nil, fmt.Sprintf("%s %q excluded from matching", mf, v), nil
	case counts[normalizeValue(v)] > 1:
		return nil, fmt.Sprintf("%s %q is shared by %d source devices and not used for matching", mf, v, counts[normalizeValue(v)]), nil
	}
	var cands []*Asset
	for _, a := range p.ix.match[normalizeValue(v)] {
		if cc.Matching.ScopeToCustomer && place != nil && a.CustomerID != place.customerID {
			continue // a customer the plan creates has no assets yet
		}
		if other := a.Links[p.kind]; other != "" && other != d.ID && p.kind != "" {
			continue // linked to another device
		}
		cands = append(cands, a)
	}
	switch {
	case len(cands) == 0:
		return nil, "no asset with " + mf + " " + strconv.Quote(v), nil
	case len(cands) > 1:
		return nil, fmt.Sprintf("ambiguous: %d assets have %s %q", len(cands), mf, v), ids(cands)
	}
	if dev, taken := claimed[cands[0].ID]; taken {
		return nil, fmt.Sprintf("ambiguous: asset %d (%s %q) already matched device %s", cands[0].ID, mf, v, dev), []int{cands[0].ID}
	}
	return cands[0], "matched by " + mf + " " + strconv.Quote(v), nil
}

func (p *planner) deactivate(act Action, asset *Asset, why string) Action {
	act.AssetID = asset.ID
	if asset.Inactive && (p.cc.Lifecycle.DeletedStatusID == 0 || asset.StatusID == p.cc.Lifecycle.DeletedStatusID) {
		act.Kind, act.Reason = UnchangedAsset, why+"; asset already inactive"
		return act
	}
	t := true
	act.Kind, act.Reason = DeactivateAsset, why
	act.Write = &AssetWrite{ID: asset.ID, Inactive: &t, StatusID: p.cc.Lifecycle.DeletedStatusID}
	act.Changes = []Change{{Field: "inactive", Old: strconv.FormatBool(asset.Inactive), New: "true"}}
	if s := p.cc.Lifecycle.DeletedStatusID; s != 0 && s != asset.StatusID {
		act.Changes = append(act.Changes, Change{Field: "status", Old: strconv.Itoa(asset.StatusID), New: strconv.Itoa(s)})
	}
	return act
}

// absent plans the deactivation of linked assets whose device is missing
// from a complete listing.
func (p *planner) absent(t *TargetSnapshot, present map[string]bool) []Action {
	var out []Action
	assets := append([]Asset(nil), t.Assets...)
	sort.Slice(assets, func(i, j int) bool { return assets[i].ID < assets[j].ID })
	for i := range assets {
		a := &assets[i]
		id := a.Links[p.kind]
		if id == "" || present[id] || a.Inactive {
			continue
		}
		act := p.deactivate(Action{DeviceID: id, Name: a.Name}, a, "device absent from the complete source listing")
		act.Absent = true
		out = append(out, act)
	}
	return out
}

// place decides the device's customer and site, or says why it has none.
func (p *planner) place(d *Device, mapped values, site *SourceSite) (*placement, string) {
	cc := p.cc
	if cc.Sites.Method == SiteRules {
		get := p.lookup(d, mapped)
		for i, r := range cc.siteRules {
			if r.m.Match(get) {
				return p.memoRule(i, func() (*placement, string) {
					return p.resolved(r.CustomerID, r.SiteID, fmt.Sprintf("site rule %d", r.Sequence))
				})
			}
		}
		return p.memoRule(-1, func() (*placement, string) { return p.defaultSite("no site rule matched") })
	}
	if site == nil {
		return p.defaultSite(fmt.Sprintf("source site %q unknown", d.SiteID))
	}
	if pl, ok := p.siteMemo[site.ID]; ok {
		return pl, ""
	}
	if why, ok := p.skips[site.ID]; ok {
		return nil, why
	}
	pl, why := p.placeSite(site)
	if pl == nil {
		p.skips[site.ID] = why
		return nil, why
	}
	p.siteMemo[site.ID] = pl
	return pl, ""
}

// memoRule resolves a rule's placement once.
func (p *planner) memoRule(i int, f func() (*placement, string)) (*placement, string) {
	if pl, ok := p.ruleMemo[i]; ok {
		return pl, p.ruleWhy[i]
	}
	pl, why := f()
	p.ruleMemo[i], p.ruleWhy[i] = pl, why
	return pl, why
}

func (p *planner) resolved(customerID, siteID int, why string) (*placement, string) {
	if siteID == 0 {
		siteID = p.ix.mainSite[customerID]
		if siteID == 0 {
			return nil, fmt.Sprintf("%s: customer %d has no site", why, customerID)
		}
	} else if s := p.ix.sites[siteID]; s == nil {
		return nil, fmt.Sprintf("%s: site %d does not exist", why, siteID)
	} else {
		customerID = s.CustomerID
	}
	return &placement{customerID: customerID, siteID: siteID, reason: why}, ""
}

func (p *planner) defaultSite(why string) (*placement, string) {
	if ds := p.cc.Sites.DefaultSite; ds != nil {
		pl, err := p.resolved(ds.CustomerID, ds.SiteID, "default site ("+why+")")
		return pl, err
	}
	return nil, why + " and no default site"
}

// placeSite places a whole source site (mappings method).
func (p *planner) placeSite(site *SourceSite) (*placement, string) {
	cc := p.cc
	if site.Excluded {
		return nil, fmt.Sprintf("source site %q is excluded", site.Name)
	}
	// The site's own mapping, else the nearest mapped ancestor (Level's
	// nested groups, VSA X's organisation → site → group).
	seen := map[string]bool{}
	for cur := site; cur != nil && !seen[cur.ID]; cur = p.sites[cur.ParentID] {
		seen[cur.ID] = true
		for _, m := range cc.Sites.Mappings {
			if m.SourceSiteID != cur.ID {
				continue
			}
			why := fmt.Sprintf("site %q mapped", site.Name)
			if cur != site {
				why = fmt.Sprintf("site %q mapped through %q", site.Name, cur.Name)
			}
			return p.resolved(m.CustomerID, m.SiteID, why)
		}
		if cur.ParentID == "" {
			break
		}
	}
	pm := PlannedMapping{SourceSiteID: site.ID, SourceName: site.Name}
	switch cc.Sites.NewSites {
	case NewSitesSkip:
		return p.defaultSite(fmt.Sprintf("source site %q is not mapped", site.Name))
	case NewSitesAsSites:
		cust := cc.Sites.NewSitesCustomerID
		if s := p.ix.siteByName[cust][lower(site.Name)]; s != nil {
			pm.CustomerID, pm.SiteID = cust, s.ID
			p.plan.NewMappings = append(p.plan.NewMappings, pm)
			return &placement{customerID: cust, siteID: s.ID, reason: fmt.Sprintf("site %q matched by name under customer %d", site.Name, cust)}, ""
		}
		ref := refPrefixSite + site.ID
		p.creates = append(p.creates, Action{Kind: CreateSite, Name: site.Name, Ref: ref, Site: &NewSite{CustomerID: cust, Name: site.Name},
			Reason: fmt.Sprintf("source site %q is not mapped (new_sites: sites under customer %d)", site.Name, cust)})
		pm.CustomerID, pm.SiteRef = cust, ref
		p.plan.NewMappings = append(p.plan.NewMappings, pm)
		return &placement{customerID: cust, siteRef: ref, reason: fmt.Sprintf("new site %q under customer %d", site.Name, cust)}, ""
	}
	if c := p.ix.custByName[lower(site.Name)]; c != nil {
		pl, why := p.resolved(c.ID, 0, fmt.Sprintf("customer %q matched by name", c.Name))
		if pl != nil {
			pm.CustomerID, pm.SiteID = c.ID, pl.siteID
			p.plan.NewMappings = append(p.plan.NewMappings, pm)
		}
		return pl, why
	}
	cref, sref := refPrefixCust+site.ID, refPrefixSite+site.ID
	p.creates = append(p.creates, Action{Kind: CreateCustomer, Name: site.Name, Ref: cref, SiteRef: sref,
		Customer: &NewCustomer{Name: site.Name, MainSiteName: cc.Sites.MainSiteName, TopLevelID: cc.Sites.TopLevelID},
		Reason:   fmt.Sprintf("source site %q is not mapped and no customer has its name", site.Name)})
	pm.CustomerRef, pm.SiteRef = cref, sref
	p.plan.NewMappings = append(p.plan.NewMappings, pm)
	return &placement{customerRef: cref, siteRef: sref, reason: fmt.Sprintf("new customer %q", site.Name)}, ""
}

// assetType resolves the device's type to an existing id or a planned
// creation.
func (p *planner) assetType(d *Device, mapped values) (int, string, string) {
	cc := p.cc
	name, why := cc.AssetTypes.Default, "default type"
	switch cc.AssetTypes.Mode {
	case TypeFixed:
		why = "fixed type"
	case TypeField:
		if v := fieldValue(d.Fields, cc.AssetTypes.Field); v != "" {
			name, why = v, "type from "+cc.AssetTypes.Field
		}
	case TypeRules:
		get := p.lookup(d, mapped)
		for _, r := range cc.typeRules {
			if r.m.Match(get) {
				name, why = r.Type, fmt.Sprintf("type rule %d", r.Sequence)
				break
			}
		}
	}
	if name == "" {
		return 0, "", "no type and no default type"
	}
	key := why + "\x00" + name
	if r, ok := p.typeMemo[key]; ok {
		return r.id, r.ref, r.why
	}
	id, ref, res := p.resolveType(name, why)
	p.typeMemo[key] = typeRes{id, ref, res}
	return id, ref, res
}

func (p *planner) resolveType(name, why string) (int, string, string) {
	cc := p.cc
	if at := p.ix.types[lower(name)]; at != nil {
		return at.ID, "", fmt.Sprintf("%s %q", why, at.Name)
	}
	ref := refPrefixType + lower(name)
	if !p.refs[ref] {
		p.refs[ref] = true
		p.creates = append(p.creates, Action{Kind: CreateAssetType, Name: name, Ref: ref, AssetType: &NewAssetType{Name: name, GroupID: cc.AssetTypes.NewTypeGroupID},
			Reason: fmt.Sprintf("no asset type named %q", name)})
	}
	return 0, ref, fmt.Sprintf("%s %q (new)", why, name)
}

// user finds the PSA user of a device: the source value against the
// primary user field, then the secondary; exactly one user must match
// (preferring the device's customer).
func (p *planner) user(d *Device, place *placement) int {
	cc := p.cc
	if cc.Users.Mode == UsersNone {
		return 0
	}
	v := lower(fieldValue(d.Fields, cc.Users.SourceField))
	if v == "" {
		return 0
	}
	variants := []string{v}
	if i := strings.LastIndexByte(v, '\\'); i >= 0 && i < len(v)-1 {
		variants = append(variants, v[i+1:]) // DOMAIN\user → user
	}
	for k := range p.ix.users {
		for _, val := range variants {
			us := p.ix.users[k][val]
			if place != nil && place.customerID != 0 && len(us) > 1 {
				var same []*User
				for _, u := range us {
					if u.CustomerID == place.customerID {
						same = append(same, u)
					}
				}
				us = same
			}
			if len(us) == 1 {
				return us[0].ID
			}
		}
	}
	return 0
}
