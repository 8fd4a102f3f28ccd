package reconcile

import (
	"cmp"
	"fmt"
	"slices"
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
	// LinkSite writes a source site's link onto a PSA customer or site the
	// plan matched by name (a SiteLinker target).
	LinkSite       ActionKind = "link_site"
	refPrefixField            = "field:"
	refPrefixCust             = "customer:"
	refPrefixSite             = "site:"
	refPrefixType             = "type:"
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
	// SiteLink, LinkCustomerID and LinkSiteID are a LinkSite's link and
	// the customer (and site, 0 for none) it goes on.
	SiteLink       *SiteLink `json:"site_link,omitempty"`
	LinkCustomerID int       `json:"link_customer_id,omitempty"`
	LinkSiteID     int       `json:"link_site_id,omitempty"`
	// Absent marks a deactivation because the device is missing from a
	// complete listing (rather than flagged deleted).
	Absent bool `json:"absent,omitempty"`
	// Match is set on a CreateAsset: what Plan looked for and did not
	// find before planning the create. CheckDrift looks for it again, so
	// that an asset made by hand since the plan is never duplicated.
	Match *AssetMatch `json:"match,omitempty"`
	// Result is set by Apply.
	Result *Result `json:"result,omitempty"`
}

// AssetMatch records what would have made Plan match a device to an
// existing asset instead of planning a create: an asset carrying the
// device's link, or one whose matching field holds the device's value
// (case and punctuation aside) and that is linked to no other device.
// Each part is empty when Plan did not match that way.
type AssetMatch struct {
	// LinkKind and LinkID are the link an asset of the device would carry
	// (the changeset's source kind and the device's ID); empty when
	// matching by link is off (matching.no_vendor_id, or a source of no
	// kind).
	LinkKind string `json:"link_kind,omitempty"`
	LinkID   string `json:"link_id,omitempty"`
	// Field is the matching field (matching.field) and Value the device's
	// value of it, as mapped; empty when the config names no matching
	// field, the device has no value, or the value was not used to match
	// (excluded, or shared by several source devices).
	Field string `json:"field,omitempty"`
	Value string `json:"value,omitempty"`
	// Scoped limits the field match to the assets of CustomerID
	// (matching.scope_to_customer); CustomerID 0 is a customer the plan
	// creates, which has no assets to match.
	Scoped     bool `json:"scoped,omitempty"`
	CustomerID int  `json:"customer_id,omitempty"`
}

// Result is the outcome of an applied action.
type Result struct {
	OK    bool   `json:"ok"`
	ID    int    `json:"id,omitempty"`
	Error string `json:"error,omitempty"`
	// NotRun marks a write Apply never started because its context ended
	// (Error says "not run: context canceled").
	NotRun bool `json:"not_run,omitempty"`
}

// IsWrite reports whether applying the action writes to the PSA.
func (a *Action) IsWrite() bool {
	switch a.Kind {
	case CreateField, CreateCustomer, CreateSite, CreateAssetType, CreateAsset, UpdateAsset, DeactivateAsset, LinkSite:
		return true
	}
	return false
}

// Changeset is what Plan returns: every action with its reason. It is a
// pure value: JSON of the same inputs is byte-identical.
type Changeset struct {
	// Source is the source's kind and Account its account; the plan's
	// links are of that kind and account.
	Source         string   `json:"source"`
	Account        string   `json:"account,omitempty"`
	SourceComplete bool     `json:"source_complete"`
	Actions        []Action `json:"actions"`
	// NewMappings records source sites placed without a mapping (by link,
	// by name, or on a customer or site the plan creates); Apply fills in
	// the IDs of what it created, and Run keeps them in its MappingStore.
	NewMappings []PlannedMapping `json:"new_mappings,omitempty"`
	// Notices are what a person should know about the source sites:
	// renames, possible duplicates, stale mappings; and about the listing
	// (source_incomplete, with no source site).
	Notices []Notice `json:"notices,omitempty"`
	// Entities is set when the config limited the run ("customers" or
	// "sites"): the plan has no field, asset type or asset actions.
	Entities string `json:"entities,omitempty"`
}

// NoticeKind says what a notice is about.
type NoticeKind string

// Notice kinds.
const (
	NoticeRenamed           NoticeKind = "renamed"            // the source site and its PSA customer have different names
	NoticePossibleDuplicate NoticeKind = "possible_duplicate" // a new customer's name is close to an existing one
	NoticeMappingStale      NoticeKind = "mapping_stale"      // a learned mapping points at a deleted customer or site
	NoticeSourceIncomplete  NoticeKind = "source_incomplete"  // the listing was partial: absent devices are not deactivated
)

// Notice is something about a source site that changes nothing but
// deserves a look.
type Notice struct {
	Kind         NoticeKind `json:"kind"`
	SourceSiteID string     `json:"source_site_id"`
	Message      string     `json:"message"`
}

// PlanOption adjusts Plan.
type PlanOption func(*planOptions)

type planOptions struct{ mappings []Mapping }

// WithLearnedMappings gives Plan the mappings earlier runs learned (from a
// MappingStore); those of the source's kind and account place their
// sites after the config's own mappings.
func WithLearnedMappings(ms []Mapping) PlanOption {
	return func(o *planOptions) { o.mappings = append(o.mappings, ms...) }
}

func (o planOptions) learned(src SourceInfo) map[string]Mapping {
	out := map[string]Mapping{}
	for _, m := range o.mappings {
		if m.Kind == src.Kind && m.Account == src.Account {
			out[m.SourceSiteID] = m
		}
	}
	return out
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
	customers    map[int]*Customer
	customerList []*Customer            // in id order
	custByName   map[string][]*Customer // normalised name → customers
	custByLink   map[string]*Customer   // linked source site → customer
	siteByLink   map[string]*Site       // linked source site → site
	sites        map[int]*Site
	siteByName   map[int]map[string]*Site // customer → normalised name → site
	mainSite     map[int]int
	types        map[string]*AssetType // lower name
	typeByID     map[int]*AssetType
	fields       map[string]*FieldDef // lower name
	assets       []*Asset             // in id order; the indexes below hold positions in it
	slot         []int32              // position → position of the first asset of its id; nil when ids are unique
	link         assetIndex           // linked source device id → assets
	match        assetIndex           // normalised matching value → assets
	users        [2]map[string][]*User
}

// assetIndex finds the assets of a key (a link, a matching value) in id
// order without a slice per key: the map holds the first asset's position
// and next chains each position to the next asset of its key.
type assetIndex struct {
	head map[string]int32 // key → position+1 of its first asset
	next []int32          // position → position+1 of the next asset of its key, 0 after the last
}

func newAssetIndex(n int) assetIndex {
	return assetIndex{head: make(map[string]int32, n), next: make([]int32, n)}
}

// add puts the asset at pos first in its key's chain: adding positions in
// descending order leaves every chain in ascending order.
func (x *assetIndex) add(key string, pos int) {
	x.next[pos] = x.head[key]
	x.head[key] = int32(pos + 1)
}

// ids returns the ids of the assets of the chain that starts at first
// (a position+1).
func (x *assetIndex) ids(first int32, assets []*Asset) []int {
	var out []int
	for q := first; q != 0; q = x.next[q-1] {
		out = append(out, assets[q-1].ID)
	}
	return out
}

// slotOf returns the position that stands for the id of the asset at pos
// (the first asset with that id), for keeping which device claimed it.
func (ix *index) slotOf(pos int) int {
	if ix.slot == nil {
		return pos
	}
	return int(ix.slot[pos])
}

func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func indexTarget(t *TargetSnapshot, cc *compiled, kind string) *index {
	ix := &index{
		customers: map[int]*Customer{}, custByName: map[string][]*Customer{}, custByLink: map[string]*Customer{}, siteByLink: map[string]*Site{}, sites: map[int]*Site{},
		siteByName: map[int]map[string]*Site{}, mainSite: map[int]int{}, types: map[string]*AssetType{},
		typeByID: map[int]*AssetType{}, fields: map[string]*FieldDef{},
		users: [2]map[string][]*User{{}, {}},
	}
	for i := range t.Customers {
		c := &t.Customers[i]
		ix.customers[c.ID] = c
		ix.customerList = append(ix.customerList, c)
		if c.MainSiteID != 0 {
			ix.mainSite[c.ID] = c.MainSiteID
		}
	}
	sort.Slice(ix.customerList, func(i, j int) bool { return ix.customerList[i].ID < ix.customerList[j].ID })
	for _, c := range ix.customerList {
		n := normName(c.Name)
		ix.custByName[n] = append(ix.custByName[n], c)
		if v := c.Links[kind]; v != "" && kind != "" {
			if _, dup := ix.custByLink[v]; !dup {
				ix.custByLink[v] = c
			}
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
		if _, dup := ix.siteByName[s.CustomerID][normName(s.Name)]; !dup {
			ix.siteByName[s.CustomerID][normName(s.Name)] = s
		}
		if v := s.Links[kind]; v != "" && kind != "" {
			if _, dup := ix.siteByLink[v]; !dup {
				ix.siteByLink[v] = s
			}
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
	ix.setAssets(t.Assets)
	ix.indexAssets(kind, cc.Matching.Field, cc.excluded)
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

// setAssets puts the assets in ix.assets in id order (and notes repeated
// ids in ix.slot).
func (ix *index) setAssets(list []Asset) {
	assets := make([]*Asset, len(list))
	for i := range list {
		assets[i] = &list[i]
	}
	if !increasing(assets, func(a *Asset) int { return a.ID }) {
		sort.Slice(assets, func(i, j int) bool { return assets[i].ID < assets[j].ID })
		for i := 1; i < len(assets); i++ {
			if assets[i].ID == assets[i-1].ID {
				if ix.slot == nil {
					ix.slot = make([]int32, len(assets))
					for j := range ix.slot {
						ix.slot[j] = int32(j)
					}
				}
				ix.slot[i] = ix.slot[i-1]
			}
		}
	}
	ix.assets = assets
}

// indexAssets indexes ix.assets (in id order) for matching: by their link
// of kind (none for kind ""), and by their value of the matching field
// (none for field ""), normalised, unless excluded.
func (ix *index) indexAssets(kind, field string, excluded func(string) bool) {
	assets := ix.assets
	if kind != "" {
		ix.link = newAssetIndex(len(assets))
	}
	if field != "" {
		ix.match = newAssetIndex(len(assets))
	}
	for pos := len(assets) - 1; pos >= 0; pos-- {
		a := assets[pos]
		if kind != "" {
			if v := a.Links[kind]; v != "" {
				ix.link.add(v, pos)
			}
		}
		if field != "" {
			if v := fieldValue(a.Fields, field); v != "" {
				if n := normalizeValue(v); !excluded(n) {
					ix.match.add(n, pos)
				}
			}
		}
	}
}

// valueMatches appends to cands the positions of the assets whose
// matching value, normalised, is norm and that may be device deviceID's:
// not linked (by kind) to another device, and, when scoped, of
// customerID. Plan and CheckDrift both match through it.
func (ix *index) valueMatches(cands []int32, norm, kind, deviceID string, scoped bool, customerID int) []int32 {
	for q := ix.match.head[norm]; q != 0; q = ix.match.next[q-1] {
		a := ix.assets[q-1]
		if scoped && a.CustomerID != customerID {
			continue // a customer the plan creates (id 0) has no assets yet
		}
		if other := a.Links[kind]; other != "" && other != deviceID && kind != "" {
			continue // linked to another device
		}
		cands = append(cands, q-1)
	}
	return cands
}

// increasing reports whether the items' ids strictly increase: sorting
// them by id would leave them as they are.
func increasing[T any, K cmp.Ordered](items []T, id func(T) K) bool {
	for i := 1; i < len(items); i++ {
		if id(items[i-1]) >= id(items[i]) {
			return false
		}
	}
	return true
}

// fieldValue reads a field by name, case-insensitively.
func fieldValue(m map[string]string, name string) string {
	if v, ok := m[name]; ok {
		return strings.TrimSpace(v)
	}
	if len(m) == 0 {
		return ""
	}
	for k, v := range m {
		if foldEqual(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// foldEqual is strings.EqualFold(key, name), quicker to say no to a key
// shorter than name: a key shorter than an ASCII name never equals it
// but for case (the letters that fold to ASCII ones take two bytes or
// more), and an ASCII name has no other letter.
func foldEqual(key, name string) bool {
	if len(key) < len(name) && isASCII(name) {
		return false
	}
	return strings.EqualFold(key, name)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// arena hands out slices of a few large blocks, so that thousands of
// actions share a few allocations instead of one each. A slice is built
// in place at the end of the current block (add), then kept or dropped.
type arena[T any] struct {
	block []T
	start int // where the slice being built begins
}

// add appends v to the slice being built, moving it to a new block when
// the current one is full.
func (a *arena[T]) add(v T) {
	if len(a.block) == cap(a.block) {
		n := len(a.block) - a.start
		b := make([]T, n, max(4096, 2*n))
		copy(b, a.block[a.start:])
		a.block, a.start = b, 0
	}
	a.block = append(a.block, v)
}

// keep ends the slice being built and returns it (nil when empty), its
// capacity capped so that appending to it never touches its neighbours.
func (a *arena[T]) keep() []T {
	s := a.block[a.start:len(a.block):len(a.block)]
	a.start = len(a.block)
	if len(s) == 0 {
		return nil
	}
	return s
}

// drop forgets the slice being built.
func (a *arena[T]) drop() {
	clear(a.block[a.start:])
	a.block = a.block[:a.start]
}

// placement is where a device's asset belongs.
type placement struct {
	customerID  int
	customerRef string
	siteID      int
	siteRef     string
	reason      string
	// pooled: a catch-all site (the default site, new_sites "sites")
	// that stands for no customer of the source site's own, so its child
	// sites are not put under it (sites.child_sites "sites").
	pooled bool
}

// siteKey names the placement's site in a change: its ref, else its id.
func (p *planner) siteKey(pl *placement) string {
	if pl.siteRef != "" {
		return pl.siteRef
	}
	return p.itoa(pl.siteID)
}

// itoa is strconv.Itoa, remembered: the same few site, type and user ids
// recur in thousands of changes.
func (p *planner) itoa(n int) string {
	s, ok := p.ints[n]
	if !ok {
		s = strconv.Itoa(n)
		p.ints[n] = s
	}
	return s
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
	placing  map[string]bool   // source sites whose placement is being worked out (child_sites: a parent cycle)
	skips    map[string]string // source site → why it places nothing
	fieldOK  []int             // indices of the mappings whose target exists or is created
	ruleMemo []ruleRes         // site rule index+1 (0: default site) → placement
	typeMemo map[typeKey]typeRes
	sites    map[string]*SourceSite
	devices  []*Device // in id order
	claimed  []int32   // asset slot (see index.slotOf) → position+1 of the device that took it
	look     fieldLookup
	why      []byte         // the reason of the device being planned, as it is built
	fieldIdx map[string]int // rule field name → index of the mapping with that target, -1 for none
	ints     map[int]string // see itoa
	cands    []int32        // scratch: the positions of match candidates
	matched  AssetMatch     // what match looked for, for a create's Match
	matches  arena[AssetMatch]
	old      []string // scratch of assetValues: an asset's values by mapping index
	found    []bool   // and whether each was found
	tgt      *TargetSnapshot
	learned  map[string]Mapping // source site → mapping an earlier run learned
	kind     string             // the source kind links are kept under ("" for none)
	account  string             // the source account
	linkName string             // how plans name the link ("datto link")
	diff     diff
	changes  arena[Change]     // every update's Changes
	fields   arena[FieldWrite] // and every write's Fields
	writes   arena[AssetWrite] // and every action's Write
}

type typeRes struct {
	id       int
	ref, why string
}

// typeKey is what assetType remembers a resolved type by.
type typeKey struct{ why, name string }

// ruleRes is a site rule's placement, once resolved.
type ruleRes struct {
	done bool
	pl   *placement
	why  string
}

// values are a device's mapped values, by mapping index ("" when empty).
type values []string

// matchKey is a device's matching value, normalised, and whether it is
// excluded from matching.
type matchKey struct {
	norm     string
	excluded bool
}

// Plan works out what a reconcile would do. It is pure and deterministic:
// no I/O, and the same snapshots and config give a byte-identical JSON
// plan.
func Plan(src *SourceSnapshot, tgt *TargetSnapshot, cfg *Config, opts ...PlanOption) (*Changeset, error) {
	var po planOptions
	for _, o := range opts {
		o(&po)
	}
	cc, err := cfg.compile(src.Source)
	if err != nil {
		return nil, err
	}
	kind := src.Source.Kind
	p := &planner{cc: cc, src: src, ix: indexTarget(tgt, cc, kind), refs: map[string]bool{}, siteMemo: map[string]*placement{}, skips: map[string]string{},
		ruleMemo: make([]ruleRes, len(cc.siteRules)+1), typeMemo: map[typeKey]typeRes{}, fieldIdx: map[string]int{}, ints: map[int]string{},
		kind: kind, account: src.Source.Account, linkName: kind + " link", tgt: tgt, learned: po.learned(src.Source),
		plan: &Changeset{Source: kind, Account: src.Source.Account, SourceComplete: src.Complete}}
	p.diff = diff{fields: &p.fields, changes: &p.changes}
	// The devices' actions go after room for the creations Plan may plan
	// (a field per mapping, a customer or site per source site, a type per
	// rule, a few more), so that the creations can be put in front of them
	// without moving them.
	front := len(cc.FieldMappings) + len(src.Sites) + len(cc.typeRules) + 16
	all := make([]Action, front, front+len(src.Devices)+len(cc.FieldMappings))
	deviceActions := all[front:]
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
	sites := make(map[string]*SourceSite, len(src.Sites))
	for i := range src.Sites {
		sites[src.Sites[i].ID] = &src.Sites[i]
	}
	p.sites = sites
	devices := make([]*Device, len(src.Devices))
	for i := range src.Devices {
		devices[i] = &src.Devices[i]
	}
	if !increasing(devices, func(d *Device) string { return d.ID }) {
		sort.Slice(devices, func(i, j int) bool { return devices[i].ID < devices[j].ID })
	}
	p.devices = devices
	// Each device's matching value, normalised once: whether another
	// device shares it decides whether it matches.
	var keys []matchKey
	counts := map[string]int{}
	if cc.matchIdx >= 0 {
		keys = make([]matchKey, len(devices))
		counts = make(map[string]int, len(devices))
		source := cc.FieldMappings[cc.matchIdx].Source
		for i, d := range devices {
			if v := fieldValue(d.Fields, source); v != "" {
				n := normalizeValue(v)
				keys[i] = matchKey{norm: n, excluded: cc.excluded(n)}
				if !keys[i].excluded && !d.Deleted {
					counts[n]++
				}
			}
		}
	}
	p.claimed = make([]int32, len(p.ix.assets))
	retire := src.Complete && p.retiresDeleted() && kind != ""
	mapped := make(values, len(cc.FieldMappings)) // one device's mapped values at a time
	for i, d := range devices {
		var key matchKey
		if keys != nil {
			key = keys[i]
		}
		p.mapFields(mapped, d)
		deviceActions = append(deviceActions, Action{})
		p.device(&deviceActions[len(deviceActions)-1], i, mapped, key, sites[d.SiteID], counts)
	}
	if retire {
		deviceActions = p.absent(deviceActions)
	} else if !src.Complete && p.retiresDeleted() && kind != "" && !cc.assetsLimited() {
		why := src.IncompleteReason
		if why == "" {
			why = "a listing did not finish"
		}
		p.plan.Notices = append(p.plan.Notices, Notice{Kind: NoticeSourceIncomplete,
			Message: "the source listing is incomplete (" + why + "): nothing is deactivated for being absent"})
	}
	if n := len(p.creates); n <= front && len(deviceActions) <= cap(all)-front {
		// The devices' actions are still in all, after the room.
		all = all[front-n : front+len(deviceActions)]
		copy(all, p.creates)
		p.plan.Actions = all
	} else {
		p.plan.Actions = slices.Insert(deviceActions, 0, p.creates...)
	}
	sort.SliceStable(p.plan.NewMappings, func(i, j int) bool {
		return p.plan.NewMappings[i].SourceSiteID < p.plan.NewMappings[j].SourceSiteID
	})
	if cc.assetsLimited() {
		p.limit(cc.Entities)
	}
	return p.plan, nil
}

// limit keeps only the customer (and, for "sites", site) actions of the
// plan, and the new mappings that refer to nothing it dropped.
func (p *planner) limit(entities string) {
	sites := entities == EntitiesSites
	kept := map[string]bool{}
	var out []Action
	for _, a := range p.plan.Actions {
		switch {
		case a.Kind == CreateCustomer, a.Kind == CreateSite && sites, a.Kind == LinkSite && (sites || a.LinkSiteID == 0):
		default:
			continue
		}
		kept[a.Ref], kept[a.SiteRef] = true, true
		out = append(out, a)
	}
	p.plan.Actions = out
	var ms []PlannedMapping
	for _, m := range p.plan.NewMappings {
		if (m.CustomerRef == "" || kept[m.CustomerRef]) && (m.SiteRef == "" || kept[m.SiteRef]) {
			ms = append(ms, m)
		}
	}
	p.plan.NewMappings = ms
	p.plan.Entities = entities
}

// mapFields fills in the device's mapped values.
func (p *planner) mapFields(out values, d *Device) {
	for i := range p.cc.FieldMappings {
		out[i] = fieldValue(d.Fields, p.cc.FieldMappings[i].Source)
	}
}

// fieldLookup reads a device's fields for rules: PSA-side mapped names
// first, then source field names. It remembers the last few fields it
// read, since many rules test the same field of one device.
type fieldLookup struct {
	p           *planner
	d           *Device
	mapped      values
	names, vals [4]string
	n           int
}

// get returns the value of field f.
func (l *fieldLookup) get(f string) string {
	for i := range l.n {
		if l.names[i] == f {
			return l.vals[i]
		}
	}
	var v string
	if k := l.p.mappingOf(f); k >= 0 {
		v = l.mapped[k]
	}
	if v == "" {
		v = fieldValue(l.d.Fields, f)
	}
	l.names[l.n%4], l.vals[l.n%4] = f, v
	l.n = min(l.n+1, 4)
	return v
}

// mappingOf returns the index of the mapping whose target is named f
// (case and surrounding space aside), or -1.
func (p *planner) mappingOf(f string) int {
	k, ok := p.fieldIdx[f]
	if !ok {
		k = -1
		if i, ok := p.cc.targetIdx[lower(f)]; ok {
			k = i
		}
		p.fieldIdx[f] = k
	}
	return k
}

// say appends to the reason of the device being planned.
func (p *planner) say(parts ...string) {
	for _, s := range parts {
		p.why = append(p.why, s...)
	}
}

// reason appends parts to the reason being built and returns it.
func (p *planner) reason(parts ...string) string {
	p.say(parts...)
	return string(p.why)
}

// keepWrite copies a write into the arena.
func (p *planner) keepWrite(w *AssetWrite) *AssetWrite {
	p.writes.add(*w)
	return &p.writes.keep()[0]
}

// device plans one device: where it belongs, which asset is its, and
// then what that case needs (nothing, a create, an update, a
// deactivation).
func (p *planner) device(act *Action, di int, mapped values, key matchKey, site *SourceSite, counts map[string]int) {
	d := p.devices[di]
	act.DeviceID, act.Name = d.ID, d.Name
	p.look = fieldLookup{p: p, d: d, mapped: mapped}
	p.why = p.why[:0]
	var place *placement
	var why string
	if !d.Deleted {
		place, why = p.place(d, site)
	}
	pos, amb := p.match(d, mapped, key, counts, place)
	var asset *Asset
	if pos >= 0 {
		asset = p.ix.assets[pos]
	}
	switch {
	case len(amb) > 0:
		act.Kind, act.Candidates, act.Reason = AmbiguousDevice, amb, p.reason()
		return
	case d.Deleted:
		if asset != nil {
			p.claimed[p.ix.slotOf(pos)] = int32(di + 1)
		}
		p.deleted(act, d, asset)
		return
	case asset == nil:
		p.create(act, d, mapped, place, why)
		return
	}
	p.claimed[p.ix.slotOf(pos)] = int32(di + 1)
	p.update(act, d, mapped, asset, place)
}

// linked reports whether the asset carries the link to the device.
func (p *planner) linked(a *Asset, d *Device) bool {
	return a != nil && p.kind != "" && a.Links[p.kind] == d.ID
}

// deleted plans a device the source flags deleted: its linked asset is
// deactivated when the config asks for it, anything else is left alone.
func (p *planner) deleted(act *Action, d *Device, asset *Asset) {
	linked := p.linked(asset, d)
	if linked && p.retiresDeleted() {
		p.deactivate(act, asset, "deleted in the source")
		return
	}
	act.Kind, act.Reason = SkipDevice, "deleted in the source"
	switch {
	case asset == nil:
	case linked:
		act.AssetID, act.Reason = asset.ID, "deleted in the source; asset left alone (deactivate_deleted and deleted_status_id are off)"
	default:
		act.AssetID, act.Reason = asset.ID, "deleted in the source; asset left alone (not linked to this device)"
	}
}

// create plans a new asset for a device no asset matched, or says why
// none is made.
func (p *planner) create(act *Action, d *Device, mapped values, place *placement, why string) {
	cc := p.cc
	if cc.Lifecycle.DontCreate {
		act.Kind, act.Reason = SkipDevice, p.reason("; not created (dont_create)")
		return
	}
	if place == nil {
		act.Kind, act.Reason = SkipDevice, p.reason("; ", why)
		return
	}
	typeID, typeRef, typeWhy := p.assetType(d)
	if typeID == 0 && typeRef == "" {
		act.Kind, act.Reason = SkipDevice, p.reason("; no asset type: ", typeWhy)
		return
	}
	w := p.keepWrite(&AssetWrite{CustomerID: place.customerID, SiteID: place.siteID, SiteRef: place.siteRef, TypeID: typeID, TypeRef: typeRef,
		StatusID: cc.Lifecycle.NewStatusID, UserID: p.user(d, place)})
	for _, k := range p.fieldOK {
		if v := mapped[k]; v != "" && cc.FieldMappings[k].Policy != PolicyMatchOnly {
			p.fields.add(FieldWrite{cc.FieldMappings[k].Target, v}) // a create's values are its changes
		}
	}
	w.Fields = p.fields.keep()
	if p.kind != "" {
		p.setLink(w, d)
	}
	p.matches.add(p.matched)
	act.Kind, act.Write, act.Match = CreateAsset, w, &p.matches.keep()[0]
	act.Reason = p.reason("; ", place.reason, "; ", typeWhy)
}

// setLink makes w link the asset to device d, with what goes with a link.
func (p *planner) setLink(w *AssetWrite, d *Device) {
	w.LinkKind, w.LinkID, w.LinkAccount = p.kind, d.ID, p.account
	w.LinkSiteID, w.LinkURL, w.LinkRemoteURL = d.SiteID, d.URL, d.RemoteURL
}

// diff collects an update's changes. Its field writes and changes are
// built in place in the planner's arenas, and kept only when the update
// is worth writing; the names are scratch space the planner reuses from
// device to device.
type diff struct {
	fields     *arena[FieldWrite]
	changes    *arena[Change]
	triggering []string // changes that make the update worth writing
	quiet      []string // changed fields marked no_trigger_update
}

func (df *diff) reset() {
	df.triggering, df.quiet = df.triggering[:0], df.quiet[:0]
}

// change records one difference; quiet ones do not trigger an update.
func (df *diff) change(field, old, new string, quiet bool) {
	df.changes.add(Change{Field: field, Old: old, New: new})
	if quiet {
		df.quiet = append(df.quiet, field)
	} else {
		df.triggering = append(df.triggering, field)
	}
}

// update plans the changes a matched asset needs: mapped fields, link,
// site, type, user and reactivation. Only triggering changes make it an
// update.
func (p *planner) update(act *Action, d *Device, mapped values, asset *Asset, place *placement) {
	act.AssetID = asset.ID
	w := AssetWrite{ID: asset.ID}
	df := &p.diff
	df.reset()
	p.diffFields(df, mapped, asset)
	p.diffPlacement(df, &w, d, asset, place)
	if len(df.triggering) == 0 {
		df.fields.drop()
		df.changes.drop()
		act.Kind = UnchangedAsset
		if len(df.quiet) > 0 {
			p.say("; only ")
			p.list(df.quiet)
			p.say(" changed, which do not trigger updates")
		}
		act.Reason = p.reason()
		return
	}
	act.Kind = UpdateAsset
	act.Changes = df.changes.keep()
	w.Fields = df.fields.keep()
	act.Write = p.keepWrite(&w)
	p.say("; changed: ")
	p.list(df.triggering)
	if len(df.triggering) > 0 && len(df.quiet) > 0 {
		p.say(", ")
	}
	p.list(df.quiet)
	act.Reason = p.reason()
}

// list appends names to the reason, separated by commas.
func (p *planner) list(names []string) {
	for i, n := range names {
		if i > 0 {
			p.say(", ")
		}
		p.say(n)
	}
}

// diffFields compares the mapped values with the asset's. An empty source
// value never overwrites PSA data; only_fill_empty writes only into empty
// fields.
func (p *planner) diffFields(df *diff, mapped values, asset *Asset) {
	old := p.assetValues(mapped, asset)
	for _, k := range p.fieldOK {
		if !p.compared(k, mapped[k]) {
			continue
		}
		fm := &p.cc.FieldMappings[k]
		nv, ov := mapped[k], old[k]
		if ov == nv || (fm.Policy == PolicyFillEmpty && ov != "") {
			continue
		}
		df.fields.add(FieldWrite{fm.Target, nv})
		df.change(fm.Target, ov, nv, fm.NoTriggerUpdate)
	}
}

// compared reports whether an update compares mapping k's source value v
// with the asset's: an empty source value never overwrites PSA data, and
// create_only and match_only mappings never write to an existing asset.
func (p *planner) compared(k int, v string) bool {
	policy := p.cc.FieldMappings[k].Policy
	return v != "" && policy != PolicyCreateOnly && policy != PolicyMatchOnly
}

// assetValues returns the asset's values of the fields the update
// compares, by mapping index, read as fieldValue reads them: the field of
// the target's name, else one whose name differs only by case. The names
// that are not there exactly are looked for in one pass over the asset's
// fields, not one pass each.
func (p *planner) assetValues(mapped values, asset *Asset) []string {
	if p.old == nil {
		p.old, p.found = make([]string, len(mapped)), make([]bool, len(mapped))
	}
	old, found := p.old, p.found
	missing := 0
	for _, k := range p.fieldOK {
		old[k], found[k] = "", true
		if !p.compared(k, mapped[k]) {
			continue
		}
		v, ok := asset.Fields[p.cc.FieldMappings[k].Target]
		old[k], found[k] = strings.TrimSpace(v), ok
		if !ok {
			missing++
		}
	}
	if missing == 0 || len(asset.Fields) == 0 {
		return old
	}
	for name, v := range asset.Fields {
		for _, k := range p.fieldOK {
			if found[k] || !foldEqual(name, p.cc.FieldMappings[k].Target) {
				continue
			}
			old[k], found[k] = strings.TrimSpace(v), true
			if missing--; missing == 0 {
				return old
			}
		}
	}
	return old
}

// diffPlacement plans the link, a move, a retype, the user and a
// reactivation, each as the config allows.
func (p *planner) diffPlacement(df *diff, w *AssetWrite, d *Device, asset *Asset, place *placement) {
	cc := p.cc
	if p.kind != "" && (asset.Links[p.kind] != d.ID || asset.LinkAccounts[p.kind] != p.account) {
		p.setLink(w, d)
		if asset.Links[p.kind] != d.ID {
			df.change(p.linkName, asset.Links[p.kind], d.ID, false)
		} else {
			df.change(p.linkName+" account", asset.LinkAccounts[p.kind], p.account, false) // rare: no need to remember the name
		}
	}
	if place != nil && !cc.Sites.DontMoveExisting && (place.siteRef != "" || (place.siteID != 0 && place.siteID != asset.SiteID)) {
		w.SiteID, w.SiteRef = place.siteID, place.siteRef
		df.change("site", p.itoa(asset.SiteID), p.siteKey(place), false)
	}
	if !cc.AssetTypes.DontRetypeExisting {
		if typeID, typeRef, _ := p.assetType(d); typeRef != "" || (typeID != 0 && typeID != asset.TypeID) {
			w.TypeID, w.TypeRef = typeID, typeRef
			newType := typeRef
			if typeID != 0 {
				newType = p.itoa(typeID)
			}
			df.change("type", p.itoa(asset.TypeID), newType, false)
		}
	}
	if userID := p.user(d, place); userID != 0 && userID != asset.UserID {
		w.UserID = userID
		df.change("user", p.itoa(asset.UserID), p.itoa(userID), false)
	}
	if asset.Inactive && cc.Lifecycle.DeactivateDeleted {
		f := false
		w.Inactive = &f
		df.change("inactive", "true", "false", false)
	}
}

// match finds the device's asset: the stored vendor link first, then the
// matching field. It records in p.matched what it looked for. It returns the asset's position in the index (-1 for
// none), or the candidate IDs when the key is ambiguous, and says how it
// decided in the device's reason.
func (p *planner) match(d *Device, mapped values, key matchKey, counts map[string]int, place *placement) (int, []int) {
	cc := p.cc
	p.matched = AssetMatch{}
	if !cc.Matching.NoVendorID && p.kind != "" {
		p.matched.LinkKind, p.matched.LinkID = p.kind, d.ID
		if first := p.ix.link.head[d.ID]; first != 0 {
			if p.ix.link.next[first-1] == 0 {
				p.say("matched by ", p.linkName, " ", d.ID)
				return int(first - 1), nil
			}
			ids := p.ix.link.ids(first, p.ix.assets)
			p.why = fmt.Appendf(p.why, "ambiguous: %d assets carry %s %s", len(ids), p.linkName, d.ID)
			return -1, ids
		}
	}
	mf := cc.Matching.Field
	if cc.matchIdx < 0 {
		p.say("no asset with a ", p.linkName)
		return -1, nil
	}
	v := mapped[cc.matchIdx]
	switch {
	case v == "":
		p.say("no ", mf, " to match on")
		return -1, nil
	case key.excluded:
		p.why = fmt.Appendf(p.why, "%s %q excluded from matching", mf, v)
		return -1, nil
	case counts[key.norm] > 1:
		p.why = fmt.Appendf(p.why, "%s %q is shared by %d source devices and not used for matching", mf, v, counts[key.norm])
		return -1, nil
	}
	scoped := cc.Matching.ScopeToCustomer && place != nil
	p.matched.Field, p.matched.Value, p.matched.Scoped = mf, v, scoped
	if scoped {
		p.matched.CustomerID = place.customerID
	}
	cands := p.ix.valueMatches(p.cands[:0], key.norm, p.kind, d.ID, scoped, p.matched.CustomerID)
	p.cands = cands
	switch {
	case len(cands) == 0:
		p.say("no asset with ", mf, " ")
		p.why = strconv.AppendQuote(p.why, v)
		return -1, nil
	case len(cands) > 1:
		ids := make([]int, len(cands))
		for i, q := range cands {
			ids[i] = p.ix.assets[q].ID
		}
		p.why = fmt.Appendf(p.why, "ambiguous: %d assets have %s %q", len(cands), mf, v)
		return -1, ids
	}
	pos := int(cands[0])
	if dev := p.claimed[p.ix.slotOf(pos)]; dev != 0 {
		id := p.ix.assets[pos].ID
		p.why = fmt.Appendf(p.why, "ambiguous: asset %d (%s %q) already matched device %s", id, mf, v, p.devices[dev-1].ID)
		return -1, []int{id}
	}
	p.say("matched by ", mf, " ")
	p.why = strconv.AppendQuote(p.why, v)
	return pos, nil
}

func (p *planner) deactivate(act *Action, asset *Asset, why string) {
	lc := p.cc.Lifecycle
	act.AssetID = asset.ID
	setInactive := lc.DeactivateDeleted && !asset.Inactive
	setStatus := lc.DeletedStatusID != 0 && asset.StatusID != lc.DeletedStatusID
	if !setInactive && !setStatus {
		act.Kind, act.Reason = UnchangedAsset, why+"; asset already retired"
		return
	}
	act.Kind, act.Reason = DeactivateAsset, why
	act.Write = &AssetWrite{ID: asset.ID}
	if setInactive {
		t := true
		act.Write.Inactive = &t
		act.Changes = append(act.Changes, Change{Field: "inactive", Old: "false", New: "true"})
	}
	if setStatus {
		act.Write.StatusID = lc.DeletedStatusID
		act.Changes = append(act.Changes, Change{Field: "status", Old: strconv.Itoa(asset.StatusID), New: strconv.Itoa(lc.DeletedStatusID)})
	}
}

// retiresDeleted reports whether the config does anything to the assets
// of deleted devices (deactivate them, set a status, or both).
func (p *planner) retiresDeleted() bool {
	return p.cc.Lifecycle.DeactivateDeleted || p.cc.Lifecycle.DeletedStatusID != 0
}

// absent plans the retirement of assets linked to devices of this source
// account that are missing from its complete listing, after the actions
// so far. Assets linked to another account of the same kind are never
// touched.
func (p *planner) absent(actions []Action) []Action {
	present := make(map[string]bool, len(p.devices))
	for _, d := range p.devices {
		present[d.ID] = true
	}
	for _, a := range p.ix.assets {
		id := a.Links[p.kind]
		if id == "" || present[id] || a.LinkAccounts[p.kind] != p.account {
			continue
		}
		act := Action{DeviceID: id, Name: a.Name}
		p.deactivate(&act, a, "device absent from the complete source listing")
		if act.Kind == UnchangedAsset {
			continue
		}
		act.Absent = true
		actions = append(actions, act)
	}
	return actions
}

// place decides the device's customer and site, or says why it has none.
func (p *planner) place(d *Device, site *SourceSite) (*placement, string) {
	cc := p.cc
	if cc.Sites.Method == SiteRules {
		for i := range cc.siteRules {
			if r := &cc.siteRules[i]; r.m.Match(p.look.get) {
				return p.memoRule(i, func() (*placement, string) { return p.resolved(r.CustomerID, r.SiteID, r.why) })
			}
		}
		return p.memoRule(-1, func() (*placement, string) { return p.defaultSite("no site rule matched") })
	}
	if site == nil {
		return p.defaultSite(fmt.Sprintf("source site %q unknown", d.SiteID))
	}
	return p.placeMemo(site)
}

// placeMemo places a whole source site once.
func (p *planner) placeMemo(site *SourceSite) (*placement, string) {
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
	if r := p.ruleMemo[i+1]; r.done {
		return r.pl, r.why
	}
	pl, why := f()
	p.ruleMemo[i+1] = ruleRes{true, pl, why}
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
		if pl != nil {
			pl.pooled = true
		}
		return pl, err
	}
	return nil, why + " and no default site"
}

// placeSite places a whole source site (mappings method), first by what
// the user and earlier runs said, then by what the PSA records say:
// its configured mapping (or its nearest mapped ancestor's), the mapping
// an earlier run learned, the PSA site or customer linked to it, and only
// then (sites.child_sites "sites") as a site of its parent's customer,
// or by name or as a new customer or site.
func (p *planner) placeSite(site *SourceSite) (*placement, string) {
	if site.Excluded {
		return nil, fmt.Sprintf("source site %q is excluded", site.Name)
	}
	child := p.cc.Sites.ChildSites == ChildSitesAsSites && site.ParentID != "" && p.sites[site.ParentID] != nil
	if pl, why, ok := p.placeConfigured(site, !child); ok {
		return pl, why
	}
	if pl, ok := p.placeLearned(site); ok {
		return pl, ""
	}
	if pl, ok := p.placeLinked(site); ok {
		return pl, ""
	}
	if child {
		if pl, why, ok := p.placeUnderParent(site); ok {
			return pl, why
		}
	}
	switch p.cc.Sites.NewSites {
	case NewSitesSkip:
		return p.defaultSite(fmt.Sprintf("source site %q is not mapped", site.Name))
	case NewSitesAsSites:
		return p.placeAsSite(site)
	}
	return p.placeAsCustomer(site)
}

// placeConfigured applies the site's mapping from the config, else, with
// ancestors, the nearest mapped ancestor's (Level's nested groups, VSA
// X's organisation → site → group).
func (p *planner) placeConfigured(site *SourceSite, ancestors bool) (*placement, string, bool) {
	seen := map[string]bool{}
	for cur := site; cur != nil && !seen[cur.ID]; cur = p.sites[cur.ParentID] {
		seen[cur.ID] = true
		for _, m := range p.cc.Sites.Mappings {
			if m.SourceSiteID != cur.ID {
				continue
			}
			why := fmt.Sprintf("site %q mapped", site.Name)
			if cur != site {
				why = fmt.Sprintf("site %q mapped through %q", site.Name, cur.Name)
			}
			pl, whyNot := p.resolved(m.CustomerID, m.SiteID, why)
			return pl, whyNot, true
		}
		if cur.ParentID == "" || !ancestors {
			break
		}
	}
	return nil, "", false
}

// placeLearned applies the mapping an earlier run learned for the site,
// while its customer (and site) still exist.
func (p *planner) placeLearned(site *SourceSite) (*placement, bool) {
	m, ok := p.learned[site.ID]
	if !ok {
		return nil, false
	}
	c := p.ix.customers[m.CustomerID]
	if c == nil || (m.SiteID != 0 && p.ix.sites[m.SiteID] == nil) {
		p.notice(site, NoticeMappingStale, fmt.Sprintf("the learned mapping of %q points at customer %d site %d, which no longer exist; placing it afresh", site.Name, m.CustomerID, m.SiteID))
		return nil, false
	}
	pl, _ := p.resolved(m.CustomerID, m.SiteID, fmt.Sprintf("site %q mapped (learned)", site.Name))
	if pl == nil {
		return nil, false
	}
	p.renamedAt(site, pl)
	return pl, true
}

// placeLinked places the site on the PSA site, else the customer, that
// carries its link, and records the mapping.
func (p *planner) placeLinked(site *SourceSite) (*placement, bool) {
	if p.kind == "" {
		return nil, false
	}
	var pl *placement
	if s := p.ix.siteByLink[site.ID]; s != nil {
		pl, _ = p.resolved(s.CustomerID, s.ID, fmt.Sprintf("site %q linked", site.Name))
	} else if c := p.ix.custByLink[site.ID]; c != nil {
		pl, _ = p.resolved(c.ID, 0, fmt.Sprintf("customer of site %q linked", site.Name))
	}
	if pl == nil {
		return nil, false
	}
	p.renamedAt(site, pl)
	p.learn(site, pl)
	return pl, true
}

// placeAsSite places an unmapped site under NewSitesCustomerID: on its
// site of the same name, else on a site the plan creates.
func (p *planner) placeAsSite(site *SourceSite) (*placement, string) {
	cust := p.cc.Sites.NewSitesCustomerID
	if s := p.ix.siteByName[cust][normName(site.Name)]; s != nil {
		pl := &placement{customerID: cust, siteID: s.ID, reason: fmt.Sprintf("site %q matched by name under customer %d", site.Name, cust), pooled: true}
		p.linkSite(site, cust, s.ID, s.Links)
		p.learn(site, pl)
		return pl, ""
	}
	ref := refPrefixSite + site.ID
	p.creates = append(p.creates, Action{Kind: CreateSite, Name: site.Name, Ref: ref, Site: &NewSite{CustomerID: cust, Name: site.Name, Link: p.siteLink(site)},
		Reason: fmt.Sprintf("source site %q is not mapped (new_sites: sites under customer %d)", site.Name, cust)})
	pl := &placement{customerID: cust, siteRef: ref, reason: fmt.Sprintf("new site %q under customer %d", site.Name, cust), pooled: true}
	p.learn(site, pl)
	return pl, ""
}

// placeUnderParent places an unmapped child site (sites.child_sites
// "sites") as a site of the customer its parent is placed on: on its
// site of the same name under that customer, else on a site the plan
// creates (under the customer the plan creates for the parent, when it
// does). ok is false when the parent stands for no customer (a pooled
// placement, or a parent cycle): new_sites then places the site.
func (p *planner) placeUnderParent(site *SourceSite) (pl *placement, why string, ok bool) {
	parent := p.sites[site.ParentID]
	if p.placing[parent.ID] {
		return nil, "", false
	}
	if p.placing == nil {
		p.placing = map[string]bool{}
	}
	p.placing[site.ID] = true
	ppl, pwhy := p.placeMemo(parent)
	delete(p.placing, site.ID)
	if ppl == nil {
		return nil, fmt.Sprintf("source site %q: its parent %q places nothing (%s)", site.Name, parent.Name, pwhy), true
	}
	if ppl.pooled {
		return nil, "", false
	}
	cust, cref := ppl.customerID, ppl.customerRef
	under := "a new customer"
	if top := p.sites[strings.TrimPrefix(cref, refPrefixCust)]; cref != "" && top != nil {
		under = fmt.Sprintf("new customer %q", top.Name)
	}
	if c := p.ix.customers[cust]; c != nil && cref == "" {
		under = fmt.Sprintf("customer %q", c.Name)
		if s := p.ix.siteByName[cust][normName(site.Name)]; s != nil {
			pl = &placement{customerID: cust, siteID: s.ID, reason: fmt.Sprintf("site %q matched by name under %s", site.Name, under)}
			p.linkSite(site, cust, s.ID, s.Links)
			p.learn(site, pl)
			return pl, "", true
		}
	}
	ref := refPrefixSite + site.ID
	p.creates = append(p.creates, Action{Kind: CreateSite, Name: site.Name, Ref: ref,
		Site:   &NewSite{CustomerID: cust, CustomerRef: cref, Name: site.Name, Link: p.siteLink(site)},
		Reason: fmt.Sprintf("source site %q is not mapped; its parent %q is %s (child_sites: sites)", site.Name, parent.Name, under)})
	pl = &placement{customerID: cust, customerRef: cref, siteRef: ref, reason: fmt.Sprintf("new site %q under %s", site.Name, under)}
	p.learn(site, pl)
	return pl, "", true
}

// placeAsCustomer places an unmapped site on the one customer of the same
// name (case and runs of white space do not count), else on a customer the
// plan creates. Two customers of that name place nothing; a customer
// whose name is close but not equal is reported as a possible duplicate,
// and holds the site back when sites.review_similar is set.
func (p *planner) placeAsCustomer(site *SourceSite) (*placement, string) {
	switch cs := p.ix.custByName[normName(site.Name)]; {
	case len(cs) > 1:
		return nil, fmt.Sprintf("source site %q: %d PSA customers have that name; map it in sites.mappings", site.Name, len(cs))
	case len(cs) == 1:
		c := cs[0]
		pl, why := p.resolved(c.ID, 0, fmt.Sprintf("customer %q matched by name", c.Name))
		if pl != nil {
			p.linkSite(site, c.ID, 0, c.Links)
			p.learn(site, pl)
		}
		return pl, why
	}
	if similar := p.similarCustomers(site.Name); len(similar) > 0 {
		msg := fmt.Sprintf("source site %q may be the PSA customer %s", site.Name, strings.Join(similar, " or "))
		if p.cc.Sites.ReviewSimilar {
			p.notice(site, NoticePossibleDuplicate, msg+"; held back for review (map it, rename one, or turn sites.review_similar off)")
			return nil, fmt.Sprintf("source site %q held back: possible duplicate of %s", site.Name, strings.Join(similar, " or "))
		}
		p.notice(site, NoticePossibleDuplicate, msg+"; a new customer is created")
	}
	cref, sref := refPrefixCust+site.ID, refPrefixSite+site.ID
	p.creates = append(p.creates, Action{Kind: CreateCustomer, Name: site.Name, Ref: cref, SiteRef: sref,
		Customer: &NewCustomer{Name: site.Name, MainSiteName: p.cc.Sites.MainSiteName, TopLevelID: p.cc.Sites.TopLevelID, Link: p.siteLink(site)},
		Reason:   fmt.Sprintf("source site %q is not mapped and no customer has its name", site.Name)})
	pl := &placement{customerRef: cref, siteRef: sref, reason: fmt.Sprintf("new customer %q", site.Name)}
	p.learn(site, pl)
	return pl, ""
}

// siteLink is the link a customer or site made for a source site carries.
func (p *planner) siteLink(site *SourceSite) SiteLink {
	if p.kind == "" {
		return SiteLink{}
	}
	return SiteLink{Kind: p.kind, Account: p.account, SourceSiteID: site.ID, URL: site.URL}
}

// linkSite plans writing the source site's link onto a customer (siteID
// 0) or site matched by name, when the target keeps site links and the
// record does not carry it yet.
func (p *planner) linkSite(site *SourceSite, customerID, siteID int, links map[string]string) {
	if !p.tgt.KeepsSiteLinks(p.kind) || links[p.kind] == site.ID {
		return
	}
	what := fmt.Sprintf("customer %d", customerID)
	if siteID != 0 {
		what = fmt.Sprintf("site %d", siteID)
	}
	l := p.siteLink(site)
	p.creates = append(p.creates, Action{Kind: LinkSite, Name: site.Name, SiteLink: &l, LinkCustomerID: customerID, LinkSiteID: siteID,
		Reason:  fmt.Sprintf("%s matched source site %q by name; linking it so a rename never splits them", what, site.Name),
		Changes: []Change{{Field: p.linkName, Old: links[p.kind], New: site.ID}}})
}

// learn records a placement found without a mapping, for the mapping
// store.
func (p *planner) learn(site *SourceSite, pl *placement) {
	p.plan.NewMappings = append(p.plan.NewMappings, PlannedMapping{SourceSiteID: site.ID, SourceName: site.Name,
		CustomerID: pl.customerID, CustomerRef: pl.customerRef, SiteID: pl.siteID, SiteRef: pl.siteRef})
}

// renamed reports a source site whose PSA customer has another name: the
// link or mapping keeps them together, and nothing is renamed.
func (p *planner) renamed(site *SourceSite, c *Customer) {
	if c != nil && normName(c.Name) != normName(site.Name) {
		p.notice(site, NoticeRenamed, fmt.Sprintf("source site %q is PSA customer %q (kept by its link or mapping; the PSA name is left as it is)", site.Name, c.Name))
	}
}

// renamedAt reports a source site whose PSA record has another name: a
// child site that is a site of its parent's customer (sites.child_sites
// "sites") is compared with its PSA site, any other with its customer.
func (p *planner) renamedAt(site *SourceSite, pl *placement) {
	if p.cc.Sites.ChildSites == ChildSitesAsSites && site.ParentID != "" && p.sites[site.ParentID] != nil {
		if s := p.ix.sites[pl.siteID]; s != nil && normName(s.Name) != normName(site.Name) {
			p.notice(site, NoticeRenamed, fmt.Sprintf("source site %q is PSA site %q (kept by its link or mapping; the PSA name is left as it is)", site.Name, s.Name))
		}
		return
	}
	p.renamed(site, p.ix.customers[pl.customerID])
}

// notice adds a notice about a source site.
func (p *planner) notice(site *SourceSite, kind NoticeKind, msg string) {
	p.plan.Notices = append(p.plan.Notices, Notice{Kind: kind, SourceSiteID: site.ID, Message: msg})
}

// similarCustomers returns the names of PSA customers whose names are
// close to name but not equal: equal once punctuation is ignored, equal
// but for a company suffix (Ltd, Inc, …), or a couple of typing errors
// apart.
func (p *planner) similarCustomers(name string) []string {
	want := looseName(name)
	if want == "" {
		return nil
	}
	var out []string
	for _, c := range p.ix.customerList {
		got := looseName(c.Name)
		if got == want || (len(want) >= 6 && editDistanceAtMost(got, want, 2)) {
			out = append(out, strconv.Quote(c.Name))
		}
	}
	return out
}

// assetType resolves the device's type to an existing id or a planned
// creation.
func (p *planner) assetType(d *Device) (int, string, string) {
	cc := p.cc
	name, why := cc.AssetTypes.Default, "default type"
	switch cc.AssetTypes.Mode {
	case TypeFixed:
		why = "fixed type"
	case TypeField:
		if v := fieldValue(d.Fields, cc.AssetTypes.Field); v != "" {
			name, why = v, cc.typeWhy
		}
	case TypeRules:
		for i := range cc.typeRules {
			if r := &cc.typeRules[i]; r.m.Match(p.look.get) {
				name, why = r.Type, r.why
				break
			}
		}
	}
	if name == "" {
		return 0, "", "no type and no default type"
	}
	key := typeKey{why, name}
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
	variants := [2]string{v}
	n := 1
	if i := strings.LastIndexByte(v, '\\'); i >= 0 && i < len(v)-1 {
		variants[1], n = v[i+1:], 2 // DOMAIN\user → user
	}
	for k := range p.ix.users {
		for _, val := range variants[:n] {
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

// normName folds a name for matching: case and runs of white space do not
// count.
func normName(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// companySuffixes are left out when comparing names loosely.
var companySuffixes = []string{"ltd", "limited", "inc", "incorporated", "llc", "gmbh", "ag", "bv", "plc", "corp", "corporation", "co", "pty", "sa", "sarl", "srl"}

// looseName folds a name further than normName: punctuation and a trailing
// company suffix do not count either.
func looseName(s string) string {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127)
	})
	for len(words) > 1 && slices.Contains(companySuffixes, words[len(words)-1]) {
		words = words[:len(words)-1]
	}
	return strings.Join(words, "")
}

// editDistanceAtMost reports whether a and b are at most k single-character
// edits (insertions, deletions, substitutions) apart.
func editDistanceAtMost(a, b string, k int) bool {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > k || -d > k {
		return false
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			best = min(best, cur[j])
		}
		if best > k {
			return false
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)] <= k
}
