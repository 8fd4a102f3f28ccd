package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Conflict is a difference between what a plan read of the target and
// what the target holds now, which makes one of its writes unsafe to
// apply as reviewed.
type Conflict struct {
	// Action is the index of the action in the plan, Kind its kind and
	// Name its device's or object's name.
	Action int        `json:"action"`
	Kind   ActionKind `json:"kind"`
	Name   string     `json:"name,omitempty"`
	// Record is the PSA record concerned ("asset 42", "customer 7").
	Record string `json:"record"`
	// Field is the field that changed ("" when the record itself
	// appeared or went); Planned is the value the plan read, Now the
	// value the target holds.
	Field   string `json:"field,omitempty"`
	Planned string `json:"planned,omitempty"`
	Now     string `json:"now,omitempty"`
	// Reason says what changed, in words.
	Reason string `json:"reason"`
}

// String renders the conflict on one line.
func (c Conflict) String() string {
	s := fmt.Sprintf("action %d (%s %s): %s: %s", c.Action, c.Kind, c.Name, c.Record, c.Reason)
	if c.Field != "" {
		s += fmt.Sprintf(" (%s: planned from %q, now %q)", c.Field, c.Planned, c.Now)
	}
	return s
}

// CheckDrift compares a plan with the target as it is now and returns
// what changed underneath the plan; none means it can be applied as it
// was reviewed. For each existing record a write touches, the values its
// changes read (each Change.Old: mapped fields, link, site, type, user,
// inactive, status) must be unchanged and the record must still exist;
// for each record a write creates, none like it may have appeared since:
// an asset Plan would now match to the device (found as Plan finds it,
// from the create's Action.Match: one carrying the device's link, or one
// whose matching field holds the device's value and is linked to no other
// device), a customer of the same name or linked to the source site, a
// site of that name under the customer or linked to the source site, an
// asset type or field of that name; and the customers, sites, types and
// users the writes point at must still exist.
func CheckDrift(cs *Changeset, tgt *TargetSnapshot) []Conflict {
	d := newDrift(cs, tgt)
	for i := range cs.Actions {
		d.check(i, &cs.Actions[i])
	}
	return d.out
}

// drift is the target indexed for CheckDrift, and the conflicts so far.
type drift struct {
	cs        *Changeset
	assets    map[int]*Asset
	base      *index            // the assets in id order
	byField   map[string]*index // matching field → the assets indexed for matching as Plan does
	customers map[int]*Customer
	custNames map[string]*Customer
	custLinks map[string]*Customer
	siteLinks map[string]*Site
	sites     map[int]*Site
	siteNames map[[2]string]bool // customer id, normName(site)
	types     map[int]bool
	typeNames map[string]bool
	fields    map[string]bool
	users     map[int]bool
	out       []Conflict
}

func newDrift(cs *Changeset, t *TargetSnapshot) *drift {
	d := &drift{cs: cs, assets: map[int]*Asset{}, base: &index{}, byField: map[string]*index{}, customers: map[int]*Customer{},
		custNames: map[string]*Customer{}, custLinks: map[string]*Customer{}, siteLinks: map[string]*Site{}, sites: map[int]*Site{},
		siteNames: map[[2]string]bool{}, types: map[int]bool{}, typeNames: map[string]bool{}, fields: map[string]bool{}, users: map[int]bool{}}
	for i := range t.Assets {
		d.assets[t.Assets[i].ID] = &t.Assets[i]
	}
	d.base.setAssets(t.Assets)
	for i := range t.Customers {
		c := &t.Customers[i]
		d.customers[c.ID] = c
		d.custNames[normName(c.Name)] = c
		if l := c.Links[cs.Source]; l != "" && cs.Source != "" {
			d.custLinks[l] = c
		}
	}
	for i := range t.Sites {
		s := &t.Sites[i]
		d.sites[s.ID] = s
		d.siteNames[[2]string{strconv.Itoa(s.CustomerID), normName(s.Name)}] = true
		if l := s.Links[cs.Source]; l != "" && cs.Source != "" {
			d.siteLinks[l] = s
		}
	}
	for _, at := range t.AssetTypes {
		d.types[at.ID], d.typeNames[lower(at.Name)] = true, true
	}
	for _, f := range t.Fields {
		d.fields[lower(f.Name)] = true
	}
	for _, u := range t.Users {
		d.users[u.ID] = true
	}
	return d
}

// matchIndex returns the target's assets indexed for matching on field
// ("" for by link only) as Plan indexes them, building it once per field.
func (d *drift) matchIndex(field string) *index {
	ix := d.byField[field]
	if ix == nil {
		ix = &index{assets: d.base.assets, slot: d.base.slot}
		// No value is excluded: a planned create records only a value it
		// matched on, and an asset's value is looked up only by that.
		ix.indexAssets(d.cs.Source, field, func(string) bool { return false })
		d.byField[field] = ix
	}
	return ix
}

// checkMatch adds a conflict for each asset the target now holds that
// Plan would match to the device of create action i, instead of creating
// one: by the device's link, then by its matching value.
func (d *drift) checkMatch(i int, a *Action) {
	m := a.Match
	if m == nil {
		return // validate refuses creates without one
	}
	ix := d.matchIndex(m.Field)
	seen := map[int]bool{}
	if m.LinkKind != "" && d.cs.Source != "" {
		for q := ix.link.head[m.LinkID]; q != 0; q = ix.link.next[q-1] {
			id := ix.assets[q-1].ID
			seen[id] = true
			d.add(i, a, fmt.Sprintf("asset %d", id), fmt.Sprintf("asset %d is linked to device %s now; creating another would duplicate it", id, a.DeviceID))
		}
	}
	if m.Field == "" {
		return
	}
	for _, q := range ix.valueMatches(nil, normalizeValue(m.Value), d.cs.Source, a.DeviceID, m.Scoped, m.CustomerID) {
		if id := ix.assets[q].ID; !seen[id] {
			seen[id] = true
			d.add(i, a, fmt.Sprintf("asset %d", id), fmt.Sprintf("asset %d has %s %q now, which matches device %s; creating another would duplicate it", id, m.Field, fieldValue(ix.assets[q].Fields, m.Field), a.DeviceID))
		}
	}
}

func (d *drift) add(i int, a *Action, record, reason string) {
	d.out = append(d.out, Conflict{Action: i, Kind: a.Kind, Name: a.Name, Record: record, Reason: reason})
}

// check adds the conflicts of action i.
func (d *drift) check(i int, a *Action) {
	switch a.Kind {
	case UpdateAsset, DeactivateAsset:
		asset := d.assets[a.AssetID]
		rec := fmt.Sprintf("asset %d", a.AssetID)
		if asset == nil {
			d.add(i, a, rec, "the asset no longer exists")
			return
		}
		for _, c := range a.Changes {
			if now := d.current(asset, c.Field); now != strings.TrimSpace(c.Old) {
				d.out = append(d.out, Conflict{Action: i, Kind: a.Kind, Name: a.Name, Record: rec, Field: c.Field, Planned: c.Old, Now: now,
					Reason: "changed since the plan was made"})
			}
		}
		d.checkRefs(i, a, a.Write)
	case CreateAsset:
		d.checkMatch(i, a)
		d.checkRefs(i, a, a.Write)
	case CreateCustomer:
		if c := d.custNames[normName(a.Customer.Name)]; c != nil {
			d.add(i, a, fmt.Sprintf("customer %d", c.ID), fmt.Sprintf("a customer named %q exists now", c.Name))
		} else {
			d.checkSiteLink(i, a, a.Customer.Link)
		}
	case CreateSite:
		if id := a.Site.CustomerID; id != 0 {
			if d.customers[id] == nil {
				d.add(i, a, fmt.Sprintf("customer %d", id), "the customer no longer exists")
			} else if d.siteNames[[2]string{strconv.Itoa(id), normName(a.Site.Name)}] {
				d.add(i, a, fmt.Sprintf("customer %d", id), fmt.Sprintf("a site named %q exists under it now", a.Site.Name))
				return
			}
		}
		d.checkSiteLink(i, a, a.Site.Link)
	case CreateAssetType:
		if d.typeNames[lower(a.AssetType.Name)] {
			d.add(i, a, "asset type "+strconv.Quote(a.AssetType.Name), "an asset type of that name exists now")
		}
	case CreateField:
		if d.fields[lower(a.Field.Name)] {
			d.add(i, a, "field "+strconv.Quote(a.Field.Name), "a field of that name exists now")
		}
	case LinkSite:
		rec := fmt.Sprintf("customer %d", a.LinkCustomerID)
		var links map[string]string
		if c := d.customers[a.LinkCustomerID]; c == nil {
			d.add(i, a, rec, "the customer no longer exists")
			return
		} else {
			links = c.Links
		}
		if a.LinkSiteID != 0 {
			rec = fmt.Sprintf("site %d", a.LinkSiteID)
			s := d.sites[a.LinkSiteID]
			if s == nil {
				d.add(i, a, rec, "the site no longer exists")
				return
			}
			links = s.Links
		}
		for _, c := range a.Changes {
			if now := links[d.cs.Source]; now != c.Old {
				d.out = append(d.out, Conflict{Action: i, Kind: a.Kind, Name: a.Name, Record: rec, Field: c.Field, Planned: c.Old, Now: now,
					Reason: "changed since the plan was made"})
			}
		}
	}
}

// checkSiteLink adds a conflict when a site or customer carries the
// source site's link now: Plan would place the source site there rather
// than create a customer or site for it.
func (d *drift) checkSiteLink(i int, a *Action, l SiteLink) {
	if l.SourceSiteID == "" || l.Kind != d.cs.Source {
		return
	}
	if s := d.siteLinks[l.SourceSiteID]; s != nil {
		d.add(i, a, fmt.Sprintf("site %d", s.ID), fmt.Sprintf("site %q is linked to source site %s now", s.Name, l.SourceSiteID))
	} else if c := d.custLinks[l.SourceSiteID]; c != nil {
		d.add(i, a, fmt.Sprintf("customer %d", c.ID), fmt.Sprintf("customer %q is linked to source site %s now", c.Name, l.SourceSiteID))
	}
}

// checkRefs adds a conflict for each customer, site, type or user a
// write points at that no longer exists.
func (d *drift) checkRefs(i int, a *Action, w *AssetWrite) {
	if w == nil {
		return
	}
	if w.CustomerID != 0 && d.customers[w.CustomerID] == nil {
		d.add(i, a, fmt.Sprintf("customer %d", w.CustomerID), "the customer the asset goes to no longer exists")
	}
	if w.SiteID != 0 && d.sites[w.SiteID] == nil {
		d.add(i, a, fmt.Sprintf("site %d", w.SiteID), "the site the asset goes to no longer exists")
	}
	if w.TypeID != 0 && !d.types[w.TypeID] {
		d.add(i, a, fmt.Sprintf("asset type %d", w.TypeID), "the asset type no longer exists")
	}
	if w.UserID != 0 && len(d.users) > 0 && !d.users[w.UserID] {
		d.add(i, a, fmt.Sprintf("user %d", w.UserID), "the user no longer exists")
	}
}

// current returns the asset's value of a change's field, written as Plan
// writes Change.Old.
func (d *drift) current(a *Asset, field string) string {
	kind := d.cs.Source
	switch field {
	case kind + " link":
		return a.Links[kind]
	case kind + " link account":
		return a.LinkAccounts[kind]
	case "site":
		return strconv.Itoa(a.SiteID)
	case "type":
		return strconv.Itoa(a.TypeID)
	case "user":
		return strconv.Itoa(a.UserID)
	case "inactive":
		return strconv.FormatBool(a.Inactive)
	case "status":
		return strconv.Itoa(a.StatusID)
	}
	return fieldValue(a.Fields, field)
}

// DriftError is ApplyPlan's refusal: the target changed underneath the
// plan, and nothing was written.
type DriftError struct {
	Conflicts []Conflict
}

// Error lists the conflicts, one a line.
func (e *DriftError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "reconcile: the target changed since the plan was made (%d conflicts); nothing was written; plan again:", len(e.Conflicts))
	for _, c := range e.Conflicts {
		b.WriteString("\n  ")
		b.WriteString(c.String())
	}
	return b.String()
}

// ErrDrift is matched by a *DriftError.
var ErrDrift = errors.New("reconcile: the target changed since the plan was made")

// Is reports whether target is ErrDrift.
func (e *DriftError) Is(target error) bool { return target == ErrDrift }

// ApplyPlan applies a plan made earlier (read back with ReadChangeset)
// exactly as it was reviewed: it loads the target afresh, and if
// CheckDrift finds anything changed underneath the plan it writes nothing
// and returns a *DriftError listing the conflicts. Otherwise it applies
// the plan (opts.ApplyOptions, progress to opts.OnProgress) and keeps the
// mappings it learned in opts.Mappings, as Run does; DryRun checks only.
// The result's Target is the snapshot the check used.
func ApplyPlan(ctx context.Context, cs *Changeset, tgt Target, opts RunOptions) (*RunResult, error) {
	if err := cs.validate(); err != nil {
		return nil, err
	}
	rep := &reporter{fn: opts.OnProgress}
	rep.started(PhaseLoadTarget, 0)
	ts, err := tgt.LoadTarget(ctx)
	rep.done(PhaseLoadTarget, 0, 0, err)
	if err != nil {
		return nil, fmt.Errorf("reconcile: loading the target: %w", err)
	}
	res := &RunResult{Changeset: cs, Target: ts}
	if conflicts := CheckDrift(cs, ts); len(conflicts) > 0 {
		return res, &DriftError{Conflicts: conflicts}
	}
	if opts.DryRun || cs.Writes() == 0 {
		return res, nil
	}
	var learned []Mapping
	if opts.Mappings != nil {
		if learned, err = opts.Mappings.Mappings(ctx, cs.Source, cs.Account); err != nil {
			return res, fmt.Errorf("reconcile: reading learned mappings: %w", err)
		}
	}
	err = applyReported(ctx, cs, tgt, opts.ApplyOptions, rep)
	return res, errors.Join(err, saveLearned(ctx, opts, cs, learned))
}
