package halodriver

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/reconcile"
)

// Option adjusts a driver. The same options serve the reconcile target
// and the alert sink, so that both read links from the same place.
type Option func(*options)

type options struct {
	links         map[string]string // source kind → column or field name
	ticketTypeID  int
	groupKeyField string
	category1     string
	issueCategory int // the category field (1-4) issue types go to

	assetRefresh, assetMaxAge time.Duration    // WithAssetCache
	now                       func() time.Time // tests; nil is time.Now
}

// linkColumns are the string columns of a Halo asset a link can live in.
var linkColumns = map[string]bool{"datto_id": true, "kaseya_id": true, "third_party_id_string": true}

// DefaultLinks are the asset columns Halo's own integrations keep each
// source kind's device IDs in.
var DefaultLinks = map[string]string{"datto": "datto_id", "vsax": "kaseya_id"}

// WithLinkField keeps the links of source kind in the named place: one
// of the asset columns datto_id, kaseya_id or third_party_id_string, or
// else an asset info or custom field of that name (an info field of that
// name is created when no field has it).
func WithLinkField(kind, field string) Option {
	return func(o *options) { o.links[kind] = strings.TrimSpace(field) }
}

// WithTicketType sets the ticket type of alert tickets when the alerting
// config names none.
func WithTicketType(id int) Option { return func(o *options) { o.ticketTypeID = id } }

// WithGroupKeyField also writes the alert group key to this ticket custom
// field (an id, or a name or label). The key always goes to
// third_party_id_string, where the sink looks for open tickets.
func WithGroupKeyField(field string) Option { return func(o *options) { o.groupKeyField = field } }

// WithCategory writes category_1 on alert tickets (some ticket types make
// a category mandatory).
func WithCategory(category string) Option { return func(o *options) { o.category1 = category } }

// WithIssueTypeCategory writes the alerting issue type and sub-issue type
// to Halo category field n (1 to 4; default 1, category_1), as
// "Issue>Sub". Out of range means 1.
func WithIssueTypeCategory(n int) Option {
	return func(o *options) {
		if n < 1 || n > 4 {
			n = 1
		}
		o.issueCategory = n
	}
}

func newOptions(opts []Option) *options {
	o := &options{links: map[string]string{}, issueCategory: 1}
	for k, v := range DefaultLinks {
		o.links[k] = v
	}
	for _, opt := range opts {
		opt(o)
	}
	return o
}

// linkPlace is where links of one kind are kept: a column, or a field.
func (o *options) linkPlace(kind string) (column, field string) {
	p, ok := o.links[kind]
	if !ok || p == "" {
		return "", kind + linkFieldSuffix
	}
	if linkColumns[strings.ToLower(p)] {
		return strings.ToLower(p), ""
	}
	return "", p
}

// linkFieldSuffix ends the name of the info field that keeps the links of
// a kind Halo has no column for ("acme device ID").
const linkFieldSuffix = " device ID"

// linkAccountSuffix ends the name of the info field that keeps the source
// account of an asset's link of a kind ("datto account").
const linkAccountSuffix = " account"

// linkAccounts returns, for each linked kind, the account its link
// belongs to, from the info field "<kind> account".
func linkAccounts(links, fields map[string]string) map[string]string {
	out := map[string]string{}
	for kind := range links {
		if v := strings.TrimSpace(fieldByName(fields, kind+linkAccountSuffix)); v != "" {
			out[kind] = v
		}
	}
	return out
}

// linksOf returns every link an asset carries, by kind: the configured and
// default columns and fields, and any field named "<kind> device ID".
// fields holds the asset's field values by field name.
func (o *options) linksOf(a *halo.Asset, fields map[string]string) map[string]string {
	out := map[string]string{}
	for kind := range o.links {
		col, field := o.linkPlace(kind)
		v := columnValue(a, col)
		if col == "" {
			v = fieldByName(fields, field)
		}
		if v = strings.TrimSpace(v); v != "" {
			out[kind] = v
		}
	}
	for name, v := range fields {
		if len(name) <= len(linkFieldSuffix) || !strings.EqualFold(name[len(name)-len(linkFieldSuffix):], linkFieldSuffix) {
			continue
		}
		kind := strings.ToLower(strings.TrimSpace(name[:len(name)-len(linkFieldSuffix)]))
		if _, configured := o.links[kind]; !configured && strings.TrimSpace(v) != "" {
			out[kind] = strings.TrimSpace(v)
		}
	}
	return out
}

func fieldByName(fields map[string]string, name string) string {
	if v, ok := fields[name]; ok {
		return v
	}
	for k, v := range fields {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// fieldNames reads the tenant's asset info and custom field definitions
// and returns their names by "field:<id>" and "custom:<id>".
func fieldNames(ctx context.Context, c *halo.Client) (map[string]string, []halo.AssetField, []halo.CustomFieldDef, error) {
	afs, err := c.Fields.AssetFields(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	cfs, err := c.Fields.CustomFields(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	names := map[string]string{}
	for _, f := range afs {
		names["field:"+strconv.Itoa(f.ID)] = f.Name
	}
	for _, f := range cfs {
		n := f.Label
		if n == "" {
			n = f.Name
		}
		names["custom:"+strconv.Itoa(f.ID)] = n
	}
	return names, afs, cfs, nil
}

// assetFields returns an asset's native, info and custom field values by
// name.
func assetFields(a *halo.Asset, names map[string]string) map[string]string {
	out := map[string]string{"inventory_number": a.InventoryNumber, "key_field": a.KeyField, "notes": a.Notes}
	for _, f := range a.Fields {
		n := f.Name
		if n == "" {
			n = names["field:"+strconv.Itoa(f.ID)]
		}
		if n != "" {
			out[n] = f.Text()
		}
	}
	for _, f := range a.CustomFields {
		n := names["custom:"+strconv.Itoa(f.ID)]
		if n == "" {
			n = f.Label
		}
		if n != "" {
			out[n] = f.Text()
		}
	}
	return out
}

func columnValue(a *halo.Asset, column string) string {
	switch column {
	case "datto_id":
		return a.DattoID
	case "kaseya_id":
		return a.KaseyaID
	case "third_party_id_string":
		return a.ThirdPartyIDString
	}
	return ""
}

func setColumn(a *halo.Asset, column, v string) {
	switch column {
	case "datto_id":
		a.DattoID = v
	case "kaseya_id":
		a.KaseyaID = v
	case "third_party_id_string":
		a.ThirdPartyIDString = v
	}
}

// SiteLinkColumns are the columns of a Halo client (Area) and site that
// keep the source site each stands for, by source kind: Halo's Datto
// integration's datto_id (with the site's page in datto_url), and kaseyaid
// for Kaseya VSA X. Links of other kinds, and the source account of any,
// are not kept on clients and sites.
var SiteLinkColumns = map[string]string{"datto": "datto_id", "vsax": "kaseyaid"}

func setCustomerLink(c *halo.Customer, l reconcile.SiteLink) {
	switch SiteLinkColumns[l.Kind] {
	case "datto_id":
		c.DattoID, c.DattoURL = l.SourceSiteID, l.URL
	case "kaseyaid":
		c.KaseyaID = l.SourceSiteID
	}
}

func setSiteLink(s *halo.Site, l reconcile.SiteLink) {
	switch SiteLinkColumns[l.Kind] {
	case "datto_id":
		s.DattoID, s.DattoURL = l.SourceSiteID, l.URL
	case "kaseyaid":
		s.KaseyaID = l.SourceSiteID
	}
}

// customerLinks returns the source sites a client stands for, by kind.
func customerLinks(c *halo.Customer) map[string]string {
	return columnLinks(map[string]string{"datto_id": c.DattoID, "kaseyaid": c.KaseyaID})
}

// siteLinks returns the source sites a site stands for, by kind.
func siteLinks(s *halo.Site) map[string]string {
	return columnLinks(map[string]string{"datto_id": s.DattoID, "kaseyaid": s.KaseyaID})
}

func columnLinks(values map[string]string) map[string]string {
	var out map[string]string
	for kind, col := range SiteLinkColumns {
		if v := strings.TrimSpace(values[col]); v != "" {
			if out == nil {
				out = map[string]string{}
			}
			out[kind] = v
		}
	}
	return out
}

// setDattoExtras writes what Halo's Datto integration keeps beside
// datto_id: the device's site UID (datto_site_uid) and its pages
// (datto_url, datto_remote_url), where the source gave them.
func setDattoExtras(a *halo.Asset, w reconcile.AssetWrite) {
	if w.LinkSiteID != "" {
		a.DattoSiteUID = w.LinkSiteID
	}
	for col, v := range map[string]string{"datto_url": w.LinkURL, "datto_remote_url": w.LinkRemoteURL} {
		if v == "" {
			continue
		}
		if a.Extra == nil {
			a.Extra = halo.Extra{}
		}
		a.Extra[col] = halo.TextValue(v)
	}
}
