package alerting

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// RouteBy says which routing step placed an alert on its PSA customer.
type RouteBy string

// Routing steps, in the order they are tried.
const (
	// RouteAsset: the alert's device is linked to a PSA asset (by an
	// import; Sink extension AssetLocator); the ticket goes to the asset's
	// customer and site.
	RouteAsset RouteBy = "asset"
	// RouteMapping: a customer mapping of the configuration
	// (Config.Customers).
	RouteMapping RouteBy = "mapping"
	// RouteLearned: a site mapping an import learned (WithSiteMappings).
	RouteLearned RouteBy = "learned"
	// RouteAutoMatch: the one PSA customer with the source customer's
	// name, case and runs of white space aside (Config.AutoMatch).
	RouteAutoMatch RouteBy = "auto_match"
	// RouteCatchAll: the catch-all customer (Config.CatchAll).
	RouteCatchAll RouteBy = "catch_all"
)

// ContactBy says where a ticket's user came from.
type ContactBy string

// Ticket user sources, in the order they are tried.
const (
	ContactAlertUser       ContactBy = "alert_user"       // the PSA contact with the alert user's e-mail address
	ContactAssetUser       ContactBy = "asset_user"       // the user of the device's PSA asset
	ContactSite            ContactBy = "site_contact"     // the contact of the site's mapping (configured or learned)
	ContactSiteDefault     ContactBy = "site_default"     // the PSA site's own default user (ContactDirectory)
	ContactCustomerDefault ContactBy = "customer_default" // the customer's default contact (catch-all, auto-match)
	ContactConfigDefault   ContactBy = "default"          // Config.DefaultContact
	ContactPSADefault      ContactBy = "psa_default"      // none: the sink's own fallback (Halo's General User)
)

// Routing records where an alert's ticket goes and why. The engine keeps
// it with the alert (AlertRecord.Routing), returns it in Result.Routing and
// logs it with the ticket or note it writes.
type Routing struct {
	By RouteBy `json:"by"`
	// Reason explains the decision in a sentence, including the steps that
	// found nothing before it ("no PSA asset is linked to datto device …;
	// site … is mapped to customer 12 by customers[0]").
	Reason   string `json:"reason"`
	Customer string `json:"customer"`
	Site     string `json:"site,omitempty"`
	Asset    string `json:"asset,omitempty"`
	// Contact and ContactBy are the ticket's user and where it came from;
	// set for the alert that opened a ticket.
	Contact   string    `json:"contact,omitempty"`
	ContactBy ContactBy `json:"contact_by,omitempty"`
	// ContactProblem names the configured users that were passed over
	// because the PSA says they do not belong to the ticket's customer or
	// site (or do not exist), so the fallback used instead is never a
	// silent choice.
	ContactProblem string `json:"contact_problem,omitempty"`
}

// SiteMapping is a source site placed on a PSA customer and site, as an
// import learned it (WithSiteMappings).
type SiteMapping struct {
	SourceSite string // the source's site ID (Alert.Customer.ID)
	Customer   string // PSA customer ID
	Site       string // PSA site ID; "" for the customer's default
	Contact    string // the site's default ticket user, if known
}

// SiteMappingsFunc returns the site mappings learned for a source kind and
// account (account "" for a source's only account). An import's mapping
// store is adapted to it in a few lines: package alerting does not depend
// on package reconcile.
//
//	alerting.WithSiteMappings(func(ctx context.Context, source, account string) ([]alerting.SiteMapping, error) {
//		ms, err := store.Mappings(ctx, source, account) // a reconcile.MappingStore
//		out := make([]alerting.SiteMapping, 0, len(ms))
//		for _, m := range ms {
//			out = append(out, alerting.SiteMapping{SourceSite: m.SourceSiteID,
//				Customer: strconv.Itoa(m.CustomerID), Site: siteID(m.SiteID)})
//		}
//		return out, err
//	})
type SiteMappingsFunc func(ctx context.Context, source, account string) ([]SiteMapping, error)

// WithSiteMappings gives routing the site mappings an import learned. They
// are consulted after the device's asset and the configured mappings, and
// before auto-match. Results are cached per source and account for the
// customer cache TTL (WithCustomerCacheTTL).
func WithSiteMappings(f SiteMappingsFunc) Option {
	return func(e *Engine) error {
		if f == nil {
			return errors.New("alerting: WithSiteMappings: nil func")
		}
		e.learned = f
		return nil
	}
}

type cachedSites struct {
	bySite  map[string]SiteMapping
	expires time.Time
}

// route is a raise's routing: the customer with its defaults, the asset
// the device is linked to (if found), and the record of the decision.
type route struct {
	cust        Customer
	asset       *Asset // located by link (RouteAsset)
	siteContact string // the mapping's contact for the source site
	rec         Routing
}

// normName folds a customer name for auto-match: case and runs of white
// space do not count.
func normName(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// unroutable reports whether a raise can be rejected at once: no step of
// routing could place it without a PSA call that might succeed.
func (e *Engine) unroutable(a Alert) bool {
	if _, mapped := e.route.mapping(a); mapped || e.route.cfg.CatchAll != nil {
		return false
	}
	switch {
	case e.locator != nil && a.Device.ID != "":
		return false
	case e.learned != nil && a.Customer.ID != "":
		return false
	case e.route.cfg.AutoMatch && normName(a.Customer.Name) != "":
		return false
	}
	return true
}

// routeAlert routes a raise: the device's linked PSA asset, a configured
// mapping, a learned mapping, auto-match, the catch-all, in that order. A
// mapping of the asset's customer still supplies its contact and contract.
func (e *Engine) routeAlert(ctx context.Context, a Alert) (route, error) {
	var why []string
	var r route
	m, mapped := e.route.mapping(a)
	var learned SiteMapping
	var isLearned bool
	if !mapped && e.learned != nil && a.Customer.ID != "" {
		var err error
		if learned, isLearned, err = e.learnedMapping(ctx, a); err != nil {
			return r, err
		}
	}
	if e.locator != nil && a.Device.ID != "" {
		as, err := e.locator.LocateAsset(ctx, a.Source, a.Account, a.Device)
		switch {
		case err == nil && as.Customer != "":
			r.asset = &as
			r.cust = Customer{ID: as.Customer, Site: as.Site}
			r.rec = Routing{By: RouteAsset, Customer: as.Customer, Site: as.Site, Asset: as.ID,
				Reason: fmt.Sprintf("%s device %s is linked to PSA asset %s (customer %s, site %s)",
					ScopedSource(a.Source, a.Account), a.Device.ID, as.ID, as.Customer, orNone(as.Site))}
			switch {
			case mapped && m.Customer == as.Customer:
				r.cust.Contract, r.siteContact = m.Contract, m.Contact
			case isLearned && learned.Customer == as.Customer:
				r.siteContact = learned.Contact
			}
			return r, nil
		case err != nil && !errors.Is(err, ErrNotFound):
			return r, fmt.Errorf("alerting: locate asset of device %s: %w", a.Device.ID, err)
		}
		why = append(why, fmt.Sprintf("no PSA asset is linked to %s device %s", ScopedSource(a.Source, a.Account), a.Device.ID))
	}
	if mapped {
		r.cust = Customer{ID: m.Customer, Name: m.Name, Site: m.Site, Contract: m.Contract}
		r.siteContact = m.Contact
		r.rec = Routing{By: RouteMapping, Customer: m.Customer, Site: m.Site,
			Reason: joinWhy(why, fmt.Sprintf("source site %s is mapped to customer %s by the configuration", a.Customer.ID, m.Customer))}
		return r, nil
	}
	if isLearned {
		r.cust = Customer{ID: learned.Customer, Site: learned.Site}
		r.siteContact = learned.Contact
		r.rec = Routing{By: RouteLearned, Customer: learned.Customer, Site: learned.Site,
			Reason: joinWhy(why, fmt.Sprintf("source site %s was mapped to customer %s by an import", a.Customer.ID, learned.Customer))}
		return r, nil
	}
	if a.Customer.ID != "" {
		why = append(why, fmt.Sprintf("source site %s is not mapped", a.Customer.ID))
	}
	if name := normName(a.Customer.Name); e.route.cfg.AutoMatch && name != "" {
		c, found, err := e.autoMatch(ctx, a.Customer.Name)
		if err != nil {
			return r, err
		}
		if found {
			r.cust = c
			r.rec = Routing{By: RouteAutoMatch, Customer: c.ID, Site: c.Site,
				Reason: joinWhy(why, fmt.Sprintf("source site name %q matches PSA customer %s", a.Customer.Name, c.ID))}
			return r, nil
		}
		why = append(why, fmt.Sprintf("no single PSA customer is named %q", a.Customer.Name))
	}
	if ca := e.route.cfg.CatchAll; ca != nil {
		r.cust = Customer{ID: ca.Customer, Site: ca.Site, Contact: ca.Contact, Contract: ca.Contract}
		r.rec = Routing{By: RouteCatchAll, Customer: ca.Customer, Site: ca.Site,
			Reason: joinWhy(why, "catch-all customer "+ca.Customer)}
		return r, nil
	}
	return r, &RejectedError{Reason: ReasonUnmappedCustomer, EventKey: a.EventKey(), Customer: a.Customer}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func joinWhy(why []string, decision string) string {
	return strings.Join(append(why, decision), "; ")
}

// learnedMapping returns the learned mapping of an alert's source site.
func (e *Engine) learnedMapping(ctx context.Context, a Alert) (SiteMapping, bool, error) {
	key := [2]string{a.Source, a.Account}
	now := e.now()
	e.cacheMu.Lock()
	c, ok := e.siteCache[key]
	e.cacheMu.Unlock()
	if !ok || !now.Before(c.expires) {
		ms, err := e.learned(ctx, a.Source, a.Account)
		if err != nil {
			return SiteMapping{}, false, fmt.Errorf("alerting: learned site mappings of %s: %w", ScopedSource(a.Source, a.Account), err)
		}
		c = cachedSites{bySite: make(map[string]SiteMapping, len(ms)), expires: now.Add(e.cacheTTL)}
		for _, m := range ms {
			if m.SourceSite != "" && m.Customer != "" {
				c.bySite[m.SourceSite] = m
			}
		}
		e.cacheMu.Lock()
		e.siteCache[key] = c
		e.cacheMu.Unlock()
	}
	m, ok := c.bySite[a.Customer.ID]
	return m, ok, nil
}

// autoMatch finds the one PSA customer named name (case and runs of white
// space aside), cached for the customer cache TTL.
func (e *Engine) autoMatch(ctx context.Context, name string) (Customer, bool, error) {
	key := normName(name)
	now := e.now()
	e.cacheMu.Lock()
	c, ok := e.cache[key]
	e.cacheMu.Unlock()
	if ok && now.Before(c.expires) {
		return c.c, c.found, nil
	}
	cust, err := e.sink.FindCustomer(ctx, strings.Join(strings.Fields(name), " "))
	switch {
	case errors.Is(err, ErrNotFound):
		c = cachedCustomer{expires: now.Add(e.cacheTTL)}
	case err != nil:
		return Customer{}, false, fmt.Errorf("alerting: find customer %q: %w", name, err)
	default:
		c = cachedCustomer{c: cust, found: true, expires: now.Add(e.cacheTTL)}
	}
	e.cacheMu.Lock()
	e.cache[key] = c
	e.cacheMu.Unlock()
	return c.c, c.found, nil
}

// newTicket builds the ticket for the first alert of a group and completes
// r.rec with its site, asset and user.
//
// The site is the asset's site when the device has a PSA asset, else the
// routed site. The user is, in order: the PSA contact with the alert
// user's e-mail address; the asset's user; the contact of the site's
// mapping; the PSA site's own default user (ContactDirectory); the
// customer's default contact; Config.DefaultContact; else none (the sink's
// fallback). A configured user the PSA says is not of the ticket's
// customer or site is passed over, and r.rec.ContactProblem says so.
func (e *Engine) newTicket(ctx context.Context, r *route, gk string, a Alert, prev string) (NewTicket, error) {
	cust := r.cust
	nt := NewTicket{
		GroupKey:       gk,
		Customer:       cust.ID,
		Site:           cust.Site,
		Contract:       cust.Contract,
		Title:          title(a),
		Body:           body(a, gk),
		Severity:       a.Severity,
		Time:           a.Time,
		Defaults:       e.route.ticketDefaults(a),
		PreviousTicket: prev,
		Alert:          a,
	}
	nt.AttachContract = e.route.cfg.AttachContract // the sink finds the active contract when none is mapped
	rec := &r.rec
	rec.Contact, rec.ContactBy, rec.ContactProblem = "", "", ""
	as := r.asset
	if as == nil && !a.Device.IsZero() {
		found, err := e.sink.FindAsset(ctx, cust.ID, a.Source, a.Device)
		switch {
		case err == nil:
			as = &found
		case !errors.Is(err, ErrNotFound):
			return nt, fmt.Errorf("alerting: find asset: %w", err)
		}
	}
	if as != nil {
		if e.route.cfg.LinkAsset {
			nt.Asset = as.ID
		}
		if as.Site != "" {
			nt.Site = as.Site
		}
		rec.Asset = as.ID
	}
	rec.Site = nt.Site

	var problems []string
	use := func(id string, by ContactBy) {
		nt.Contact, rec.Contact, rec.ContactBy = id, id, by
	}
	// belongs checks a candidate user against the ticket's customer and,
	// when site is set, its site, if the sink can tell.
	belongs := func(id string, by ContactBy, checkSite bool) (bool, error) {
		if e.contacts == nil {
			return true, nil
		}
		c, err := e.contacts.Contact(ctx, id)
		switch {
		case errors.Is(err, ErrNotFound):
			problems = append(problems, fmt.Sprintf("%s %s does not exist in the PSA", by, id))
			return false, nil
		case err != nil:
			return false, fmt.Errorf("alerting: look up contact %s: %w", id, err)
		case c.Customer != "" && c.Customer != nt.Customer:
			problems = append(problems, fmt.Sprintf("%s %s belongs to customer %s, not %s", by, id, c.Customer, nt.Customer))
			return false, nil
		case checkSite && nt.Site != "" && c.Site != "" && c.Site != nt.Site:
			problems = append(problems, fmt.Sprintf("%s %s is at site %s, not the ticket's site %s", by, id, c.Site, nt.Site))
			return false, nil
		}
		return true, nil
	}
	if user := strings.TrimSpace(a.User); user != "" {
		c, err := e.sink.FindContact(ctx, cust.ID, user)
		switch {
		case err == nil:
			use(c.ID, ContactAlertUser)
			if (as == nil || as.Site == "") && c.Site != "" { // the asset's site wins
				nt.Site, rec.Site = c.Site, c.Site
			}
		case !errors.Is(err, ErrNotFound):
			return nt, fmt.Errorf("alerting: find contact: %w", err)
		}
	}
	candidates := []struct {
		id        string
		by        ContactBy
		checkSite bool
	}{
		{contactOf(as), ContactAssetUser, false},
		{r.siteContact, ContactSite, true},
		{"site", ContactSiteDefault, false}, // looked up below, only when reached
		{cust.Contact, ContactCustomerDefault, true},
		{e.route.cfg.DefaultContact, ContactConfigDefault, true},
	}
	for _, c := range candidates {
		if nt.Contact != "" {
			break
		}
		id := c.id
		if c.by == ContactSiteDefault {
			if e.contacts == nil || nt.Site == "" {
				continue
			}
			sc, err := e.contacts.SiteContact(ctx, nt.Site)
			switch {
			case errors.Is(err, ErrNotFound):
				continue
			case err != nil:
				return nt, fmt.Errorf("alerting: default user of site %s: %w", nt.Site, err)
			}
			id = sc
		}
		if id == "" {
			continue
		}
		ok, err := belongs(id, c.by, c.checkSite)
		if err != nil {
			return nt, err
		}
		if ok {
			use(id, c.by)
		}
	}
	if nt.Contact == "" {
		rec.ContactBy = ContactPSADefault
	}
	if len(problems) > 0 {
		rec.ContactProblem = strings.Join(problems, "; ") + "; used " + string(rec.ContactBy) + " instead"
	}
	return nt, nil
}

func contactOf(a *Asset) string {
	if a == nil {
		return ""
	}
	return a.Contact
}
