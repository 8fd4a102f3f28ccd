package reconcile

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DefaultReportWidth is the width WriteReport keeps to unless told
// otherwise.
const DefaultReportWidth = 120

// ReportOptions tunes WriteReport.
type ReportOptions struct {
	// Width is the longest line in runes (default DefaultReportWidth).
	Width int
	// Target is the PSA snapshot the plan was made against (Run's and
	// ApplyPlan's RunResult.Target): it gives the names of the customers,
	// sites, asset types, users and assets the plan names by ID. Without
	// it IDs are shown.
	Target *TargetSnapshot
	// Unchanged lists unchanged assets too.
	Unchanged bool
}

// WriteReport writes the plan for a person to review: one line per
// action with its site, device name, asset name, action and changed
// fields (old → new, long values shortened), grouped by customer, every
// line at most Width runes, then the totals. After Apply each line ends
// with its result. WriteTable and the JSON keep the full detail.
func (cs *Changeset) WriteReport(w io.Writer, opts ReportOptions) error {
	if opts.Width <= 0 {
		opts.Width = DefaultReportWidth
	}
	nm := newNamer(cs, opts.Target)
	groups := map[string][]string{}
	var order []string
	for i := range cs.Actions {
		a := &cs.Actions[i]
		if a.Kind == UnchangedAsset && !opts.Unchanged {
			continue
		}
		cust, site, asset := nm.place(a)
		text := nm.line(a, site, asset, opts.Width)
		if _, ok := groups[cust]; !ok {
			order = append(order, cust)
		}
		groups[cust] = append(groups[cust], text)
	}
	sort.SliceStable(order, func(i, j int) bool { return groupKey(order[i]) < groupKey(order[j]) })
	ew := &errWriter{w: w}
	for _, cust := range order {
		ew.line(clip(fmt.Sprintf("%s (%d)", cust, len(groups[cust])), opts.Width))
		for _, l := range groups[cust] {
			ew.line(l)
		}
	}
	for _, n := range cs.Notices {
		ew.line(clip(fmt.Sprintf("notice (%s): %s", n.Kind, n.Message), opts.Width))
	}
	ew.line(clip(cs.Summary().String(), opts.Width))
	if c := cs.WriteCounts(); c.Applied+c.Failed+c.NotRun > 0 {
		ew.line(clip("writes: "+c.String(), opts.Width))
	}
	return ew.err
}

// Groups without a customer sort last, PSA setup first.
const (
	groupSetup    = "PSA setup (fields and asset types)"
	groupNoPlace  = "Not placed"
	groupNoCustom = "Customer unknown"
)

func groupKey(s string) string {
	switch s {
	case groupSetup:
		return "\x00"
	case groupNoPlace, groupNoCustom:
		return "\U0010ffff" + s
	}
	return strings.ToLower(s)
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) line(s string) {
	if e.err == nil {
		_, e.err = io.WriteString(e.w, s+"\n")
	}
}

// namer turns a plan's IDs and refs into names.
type namer struct {
	cs        *Changeset
	customers map[int]string
	sites     map[int]*Site
	types     map[int]string
	users     map[int]string
	assets    map[int]*Asset
	refs      map[string]*Action // ref → the action creating it (site refs of new customers too)
}

func newNamer(cs *Changeset, t *TargetSnapshot) *namer {
	n := &namer{cs: cs, customers: map[int]string{}, sites: map[int]*Site{}, types: map[int]string{}, users: map[int]string{},
		assets: map[int]*Asset{}, refs: map[string]*Action{}}
	if t != nil {
		for _, c := range t.Customers {
			n.customers[c.ID] = c.Name
		}
		for i := range t.Sites {
			n.sites[t.Sites[i].ID] = &t.Sites[i]
		}
		for _, at := range t.AssetTypes {
			n.types[at.ID] = at.Name
		}
		for _, u := range t.Users {
			if v := fieldValue(u.Fields, "name"); v != "" {
				n.users[u.ID] = v
			}
		}
		for i := range t.Assets {
			n.assets[t.Assets[i].ID] = &t.Assets[i]
		}
	}
	for i := range cs.Actions {
		a := &cs.Actions[i]
		if a.Ref != "" {
			n.refs[a.Ref] = a
		}
		if a.SiteRef != "" {
			n.refs[a.SiteRef] = a
		}
	}
	return n
}

func (n *namer) customer(id int, ref string) string {
	if ref != "" {
		if a := n.refs[ref]; a != nil && a.Customer != nil {
			return a.Customer.Name
		}
		return ref
	}
	if id == 0 {
		return ""
	}
	if s, ok := n.customers[id]; ok {
		return s
	}
	return "customer #" + strconv.Itoa(id)
}

// site names a site by id or ref, and returns its customer's name.
func (n *namer) site(id int, ref string) (site, customer string) {
	if ref != "" {
		a := n.refs[ref]
		switch {
		case a == nil:
			return ref, ""
		case a.Customer != nil:
			return a.Customer.MainSiteName, a.Customer.Name
		case a.Site != nil:
			return a.Site.Name, n.customer(a.Site.CustomerID, a.Site.CustomerRef)
		}
		return ref, ""
	}
	if id == 0 {
		return "", ""
	}
	if s := n.sites[id]; s != nil {
		return s.Name, n.customer(s.CustomerID, "")
	}
	return "site #" + strconv.Itoa(id), ""
}

func (n *namer) assetName(a *Asset) string {
	if a.Name != "" {
		return a.Name
	}
	return "#" + strconv.Itoa(a.ID)
}

// place returns the customer (the group), site and asset name of an
// action.
func (n *namer) place(a *Action) (cust, site, asset string) {
	switch a.Kind {
	case CreateField, CreateAssetType:
		return groupSetup, "", ""
	case CreateCustomer:
		return a.Customer.Name, a.Customer.MainSiteName, ""
	case CreateSite:
		return orUnknown(n.customer(a.Site.CustomerID, a.Site.CustomerRef)), a.Site.Name, ""
	case LinkSite:
		site, _ = n.site(a.LinkSiteID, "")
		return orUnknown(n.customer(a.LinkCustomerID, "")), site, ""
	case CreateAsset:
		site, cust = n.site(a.Write.SiteID, a.Write.SiteRef)
		if c := n.customer(a.Write.CustomerID, ""); c != "" {
			cust = c
		}
		return orUnknown(cust), site, "(new)"
	}
	if a.AssetID != 0 {
		if as := n.assets[a.AssetID]; as != nil {
			site, _ = n.site(as.SiteID, "")
			return orUnknown(n.customer(as.CustomerID, "")), site, n.assetName(as)
		}
		return groupNoCustom, "", "#" + strconv.Itoa(a.AssetID)
	}
	return groupNoPlace, "", ""
}

func orUnknown(s string) string {
	if s == "" {
		return groupNoCustom
	}
	return s
}

// verbs are the short action names of the report.
var verbs = map[ActionKind]string{
	CreateField: "new field", CreateCustomer: "new cust.", CreateSite: "new site", CreateAssetType: "new type",
	CreateAsset: "create", UpdateAsset: "update", DeactivateAsset: "deactivate", UnchangedAsset: "unchanged",
	SkipDevice: "skip", AmbiguousDevice: "ambiguous", LinkSite: "link site",
}

// line renders one action, at most width runes.
func (n *namer) line(a *Action, site, asset string, width int) string {
	verb := verbs[a.Kind]
	if verb == "" {
		verb = string(a.Kind)
	}
	name := a.Name
	if name == "" && a.DeviceID != "" {
		name = a.DeviceID
	}
	head := fmt.Sprintf("  %-10s %-14s %-18s %-16s ", verb, shorten(site, 14), shorten(name, 18), shorten(asset, 16))
	tail := ""
	if r := a.Result; r != nil {
		switch {
		case r.OK:
			tail = " [ok]"
		case r.NotRun:
			tail = " [not applied]"
		default:
			tail = " [FAILED: " + shorten(r.Error, 60) + "]"
		}
	}
	room := width - utf8.RuneCountInString(head) - utf8.RuneCountInString(tail)
	return clip(strings.TrimRight(head+fit(n.details(a), room), " ")+tail, width)
}

// fit joins parts with "; " into at most room runes, ending with "(+N
// more)" for the parts left out.
func fit(parts []string, room int) string {
	out := ""
	for i, p := range parts {
		next := p
		if i > 0 {
			next = out + "; " + p
		}
		more := ""
		if left := len(parts) - i - 1; left > 0 {
			more = fmt.Sprintf("; (+%d more)", left)
		}
		if utf8.RuneCountInString(next+more) > room {
			if i == 0 {
				return clip(p, max(room-utf8.RuneCountInString(more), 8)) + more
			}
			return out + fmt.Sprintf("; (+%d more)", len(parts)-i)
		}
		out = next
	}
	return out
}

// details is an action's changes (old → new) or, for the others, why.
func (n *namer) details(a *Action) []string {
	switch a.Kind {
	case CreateAsset:
		parts := make([]string, 0, len(a.Write.Fields)+1)
		if t := n.typeName(a.Write.TypeID, a.Write.TypeRef); t != "" {
			parts = append(parts, "type "+t)
		}
		for _, f := range a.Write.Fields {
			parts = append(parts, f.Name+"="+shorten(f.Value, 20))
		}
		return parts
	case UpdateAsset, DeactivateAsset, LinkSite:
		parts := make([]string, 0, len(a.Changes))
		for _, c := range a.Changes {
			o, v := n.value(c.Field, c.Old), n.value(c.Field, c.New)
			if o == "" {
				o = `""`
			}
			parts = append(parts, fmt.Sprintf("%s: %s → %s", c.Field, shorten(o, 20), shorten(v, 20)))
		}
		return parts
	}
	return []string{shorten(a.Reason, 200)}
}

// value names the IDs and refs of site, type and user changes.
func (n *namer) value(field, v string) string {
	id, _ := strconv.Atoi(v)
	switch field {
	case "site":
		if id == 0 && !strings.Contains(v, ":") {
			return v
		}
		s, _ := n.site(id, refIf(v))
		return s
	case "type":
		return n.typeName(id, refIf(v))
	case "user":
		if u, ok := n.users[id]; ok {
			return u
		}
	}
	return v
}

func refIf(v string) string {
	if strings.Contains(v, ":") {
		return v
	}
	return ""
}

func (n *namer) typeName(id int, ref string) string {
	if ref != "" {
		if a := n.refs[ref]; a != nil && a.AssetType != nil {
			return a.AssetType.Name + " (new)"
		}
		return ref
	}
	if id == 0 {
		return ""
	}
	if t, ok := n.types[id]; ok {
		return t
	}
	return "#" + strconv.Itoa(id)
}

// shorten cuts s to at most n runes, ending in "…" when it cut.
func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ") // no line breaks or tabs in a line
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// clip keeps a line to width runes, ending in "…" when it cut.
func clip(s string, width int) string {
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:width-1]), " …,;") + "…"
}
