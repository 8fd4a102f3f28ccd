package halodriver

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/halo"
)

// Defaults of WithAssetCache.
const (
	DefaultAssetRefresh = 30 * time.Second
	DefaultAssetMaxAge  = time.Hour
)

// WithAssetCache sets how the alert sink's asset cache is refreshed: a
// look-up that finds nothing reads the assets again at most once per
// minRefresh, and any look-up reads them again once the cache is older
// than maxAge (defaults DefaultAssetRefresh and DefaultAssetMaxAge).
func WithAssetCache(minRefresh, maxAge time.Duration) Option {
	return func(o *options) { o.assetRefresh, o.assetMaxAge = minRefresh, maxAge }
}

// cachedAsset is what routing needs of one Halo asset.
type cachedAsset struct {
	id, client, site, user int
	tag                    string            // inventory_number
	links                  map[string]string // kind → source device ID
	accounts               map[string]string // kind → source account of that link
	inactive               bool
}

func (a *cachedAsset) toAlerting() alerting.Asset {
	out := alerting.Asset{ID: strconv.Itoa(a.id), Customer: strconv.Itoa(a.client)}
	if a.site != 0 {
		out.Site = strconv.Itoa(a.site)
	}
	if a.user != 0 {
		out.Contact = strconv.Itoa(a.user)
	}
	return out
}

// assetIndex is one read of every asset.
type assetIndex struct {
	assets []cachedAsset
	byLink map[[2]string][]int // {kind, device ID} → indexes into assets
	loaded time.Time
}

// assetCache keeps the assets routing looks up, read with one paged
// listing (with their fields, for links kept in fields and link
// accounts) and read again on a miss at most once per refresh interval.
type assetCache struct {
	c    *halo.Client
	opts *options

	mu  sync.Mutex // guards idx
	idx *assetIndex

	load sync.Mutex // one listing at a time
}

func newAssetCache(c *halo.Client, o *options) *assetCache { return &assetCache{c: c, opts: o} }

func (ac *assetCache) now() time.Time {
	if ac.opts.now != nil {
		return ac.opts.now()
	}
	return time.Now()
}

func (ac *assetCache) current() *assetIndex {
	ac.mu.Lock()
	defer ac.mu.Unlock()
	return ac.idx
}

// index returns the cached assets, reading them first when there are none
// or they are older than the maximum age.
func (ac *assetCache) index(ctx context.Context) (*assetIndex, error) {
	idx := ac.current()
	maxAge := ac.opts.assetMaxAge
	if maxAge <= 0 {
		maxAge = DefaultAssetMaxAge
	}
	if idx != nil && ac.now().Sub(idx.loaded) < maxAge {
		return idx, nil
	}
	return ac.reload(ctx, idx, 0)
}

// missed returns a fresher index after a look-up in seen found nothing:
// read again unless seen is younger than the refresh interval (then seen,
// or whatever another caller read meanwhile, is returned).
func (ac *assetCache) missed(ctx context.Context, seen *assetIndex) (*assetIndex, error) {
	every := ac.opts.assetRefresh
	if every <= 0 {
		every = DefaultAssetRefresh
	}
	return ac.reload(ctx, seen, every)
}

// reload reads the assets unless another caller replaced seen meanwhile,
// or seen is younger than minAge.
func (ac *assetCache) reload(ctx context.Context, seen *assetIndex, minAge time.Duration) (*assetIndex, error) {
	ac.load.Lock()
	defer ac.load.Unlock()
	if cur := ac.current(); cur != seen && cur != nil {
		return cur, nil // another caller read them while this one waited
	}
	if seen != nil && ac.now().Sub(seen.loaded) < minAge {
		return seen, nil
	}
	idx, err := ac.read(ctx)
	if err != nil {
		return nil, err
	}
	ac.mu.Lock()
	ac.idx = idx
	ac.mu.Unlock()
	return idx, nil
}

// read lists every asset (inactive ones too) with its fields.
func (ac *assetCache) read(ctx context.Context) (*assetIndex, error) {
	names, _, _, err := fieldNames(ctx, ac.c)
	if err != nil {
		return nil, err
	}
	idx := &assetIndex{byLink: map[[2]string][]int{}}
	for a, err := range ac.c.Assets.All(ctx, &halo.AssetListOptions{IncludeInactive: true, IncludeAssetFields: true}) {
		if err != nil {
			return nil, err
		}
		fields := assetFields(&a, names)
		links := ac.opts.linksOf(&a, fields)
		ca := cachedAsset{id: a.ID, client: a.ClientID, site: a.SiteID, user: assetUser(&a), tag: a.InventoryNumber,
			links: links, accounts: linkAccounts(links, fields), inactive: a.Inactive != nil && *a.Inactive}
		for kind, dev := range links {
			k := [2]string{kind, dev}
			idx.byLink[k] = append(idx.byLink[k], len(idx.assets))
		}
		idx.assets = append(idx.assets, ca)
	}
	idx.loaded = ac.now()
	return idx, nil
}

// linked returns the one asset linked to a source device (of account,
// when both the alert and the link name one), preferring active assets
// to inactive ones; ok false for none or several.
func (idx *assetIndex) linked(kind, account, device string) (cachedAsset, bool) {
	var active, inactive []int
	for _, i := range idx.byLink[[2]string{kind, device}] {
		a := &idx.assets[i]
		if acct := a.accounts[kind]; account != "" && acct != "" && acct != account {
			continue
		}
		if a.inactive {
			inactive = append(inactive, i)
		} else {
			active = append(active, i)
		}
	}
	switch {
	case len(active) == 1:
		return idx.assets[active[0]], true
	case len(active) == 0 && len(inactive) == 1:
		return idx.assets[inactive[0]], true
	}
	return cachedAsset{}, false
}

// ofCustomer returns the customer's asset of a device: the one linked to
// its ID, else the one active asset whose tag is its hostname.
func (idx *assetIndex) ofCustomer(customer int, kind string, d alerting.Device) (cachedAsset, bool) {
	if d.ID != "" {
		for _, i := range idx.byLink[[2]string{kind, d.ID}] {
			if a := idx.assets[i]; a.client == customer {
				return a, true
			}
		}
	}
	if d.Hostname == "" {
		return cachedAsset{}, false
	}
	var found []cachedAsset
	for _, a := range idx.assets {
		if a.client == customer && !a.inactive && strings.EqualFold(a.tag, d.Hostname) {
			found = append(found, a)
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return cachedAsset{}, false
}

// LocateAsset implements alerting.AssetLocator: the one asset, in any
// customer, whose link of kind source (where the driver keeps links of
// that kind: datto_id, kaseya_id, or the "<kind> device ID" field) is
// d.ID, leaving out assets whose "<kind> account" field names an account
// other than account. An active asset wins over an inactive one; two
// candidates are no match. It answers from the sink's asset cache (see
// WithAssetCache): one paged read of the assets, read again on a miss at
// most once per refresh interval, never a request per alert.
func (s *AlertSink) LocateAsset(ctx context.Context, source, account string, d alerting.Device) (alerting.Asset, error) {
	if d.ID == "" {
		return alerting.Asset{}, fmt.Errorf("%w: a device without an ID has no link", alerting.ErrNotFound)
	}
	idx, err := s.assets.index(ctx)
	if err != nil {
		return alerting.Asset{}, classify(err)
	}
	a, ok := idx.linked(source, account, d.ID)
	if !ok {
		if idx, err = s.assets.missed(ctx, idx); err != nil {
			return alerting.Asset{}, classify(err)
		}
		a, ok = idx.linked(source, account, d.ID)
	}
	if !ok {
		return alerting.Asset{}, fmt.Errorf("%w: no single Halo asset is linked to %s device %s", alerting.ErrNotFound, alerting.ScopedSource(source, account), d.ID)
	}
	return a.toAlerting(), nil
}

// Contact implements alerting.ContactDirectory: the Halo user with its
// client and site.
func (s *AlertSink) Contact(ctx context.Context, id string) (alerting.Contact, error) {
	n := atoi(id)
	if n <= 0 {
		return alerting.Contact{}, fmt.Errorf("%w: %q is not a Halo user id", alerting.ErrNotFound, id)
	}
	u, err := s.c.Users.Get(ctx, n)
	if err != nil {
		return alerting.Contact{}, classify(err)
	}
	c := alerting.Contact{ID: strconv.Itoa(u.ID), Customer: strconv.Itoa(u.ClientID)}
	if u.SiteID != 0 {
		c.Site = strconv.Itoa(u.SiteID)
	}
	return c, nil
}

// SiteContact implements alerting.ContactDirectory: the site's main
// contact (maincontact_id), which Halo uses as the site's default user.
func (s *AlertSink) SiteContact(ctx context.Context, siteID string) (string, error) {
	n := atoi(siteID)
	if n <= 0 {
		return "", fmt.Errorf("%w: %q is not a Halo site id", alerting.ErrNotFound, siteID)
	}
	site, err := s.c.Sites.Get(ctx, n)
	if err != nil {
		return "", classify(err)
	}
	var id int
	if raw, ok := site.Extra["maincontact_id"]; ok {
		id, _ = strconv.Atoi(strings.Trim(string(raw), `" `))
	}
	if id <= 0 {
		return "", fmt.Errorf("%w: Halo site %d has no main contact", alerting.ErrNotFound, n)
	}
	return strconv.Itoa(id), nil
}
