package leveldriver

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/level"
	"github.com/mspsync/mspsync/reconcile"
)

// NearestMapped walks from group up its parents (parent maps a group ID
// to its parent's, "" for a root) and returns the first group mapped
// reports true for, and ok. A group missing from parent ends the walk, as
// does a cycle. An empty group ("ungrouped") has no mapped ancestor.
func NearestMapped(group string, parent map[string]string, mapped func(groupID string) bool) (string, bool) {
	seen := map[string]bool{}
	for cur := group; cur != "" && !seen[cur]; cur = parent[cur] {
		if mapped(cur) {
			return cur, true
		}
		seen[cur] = true
		if _, known := parent[cur]; !known {
			break
		}
	}
	return "", false
}

// MappedGroupsFunc returns the IDs of the Level groups that are mapped to
// a PSA customer, for routing alerts to their device's nearest mapped
// ancestor group.
type MappedGroupsFunc func(ctx context.Context) (map[string]bool, error)

// MappedGroups returns the groups mapped for alert routing: the
// customers[] entries of cfg whose source is Level (and whose account is
// account or empty), and the groups sm knows (the import's mappings; see
// ImportMappings). sm may be nil.
func MappedGroups(cfg alerting.Config, account string, sm alerting.SiteMappingsFunc) MappedGroupsFunc {
	return func(ctx context.Context) (map[string]bool, error) {
		out := map[string]bool{}
		for _, m := range cfg.Customers {
			if m.Source == Kind && (m.Account == "" || m.Account == account) && m.SourceCustomer != "" {
				out[m.SourceCustomer] = true
			}
		}
		if sm != nil {
			ms, err := sm(ctx, Kind, account)
			if err != nil {
				return nil, err
			}
			for _, m := range ms {
				if m.SourceSite != "" && m.Customer != "" {
					out[m.SourceSite] = true
				}
			}
		}
		return out, nil
	}
}

// ImportMappings returns the site mappings of the import for alert
// routing (alerting.WithSiteMappings): the mappings store learned, then
// the group mappings of the reconcile config rc (which win). Either may
// be nil. Mappings of other source kinds are not returned.
func ImportMappings(rc *reconcile.Config, store reconcile.MappingStore) alerting.SiteMappingsFunc {
	return func(ctx context.Context, source, account string) ([]alerting.SiteMapping, error) {
		if source != Kind {
			return nil, nil
		}
		by := map[string]alerting.SiteMapping{}
		var order []string
		add := func(group string, customer, site int) {
			if group == "" || customer == 0 {
				return
			}
			m := alerting.SiteMapping{SourceSite: group, Customer: strconv.Itoa(customer)}
			if site != 0 {
				m.Site = strconv.Itoa(site)
			}
			if _, ok := by[group]; !ok {
				order = append(order, group)
			}
			by[group] = m
		}
		if store != nil {
			ms, err := store.Mappings(ctx, Kind, account)
			if err != nil {
				return nil, err
			}
			for _, m := range ms {
				add(m.SourceSiteID, m.CustomerID, m.SiteID)
			}
		}
		if rc != nil {
			for _, m := range rc.Sites.Mappings {
				add(m.SourceSiteID, m.CustomerID, m.SiteID)
			}
		}
		out := make([]alerting.SiteMapping, 0, len(order))
		for _, g := range order {
			out = append(out, by[g])
		}
		return out, nil
	}
}

// Enricher completes Level alerts in the alerting engine's worker
// (alerting.WithEnricher(leveldriver.Kind, e)), never in the intake:
//
//   - An alert whose webhook data lacked the device or the name (the
//     monitor) is read again from the API (GET /alerts/{id}).
//   - A raise is given its customer: Level alerts have no group, so the
//     device is read (GET /devices/{id}) and its group_id walked up the
//     group tree to the nearest ancestor that is mapped (Mapped); that
//     group becomes Alert.Customer. A device under no mapped group gets
//     its own group, which routing reports as not mapped (then the
//     config's catch_all, the default customer, takes the alert, or it is
//     rejected with reason unmapped_customer); an ungrouped device gets
//     none. The engine's first routing step, the PSA asset the import
//     linked to the device, still comes before any of this.
//   - A resolve is confirmed: Level must report the alert resolved, or
//     the event is ignored as contradicted.
//
// The group tree is read whole (GET /groups, paged) and cached: for
// MaxAge, and read again sooner, at most every MinReload, when a device
// names a group the cache does not know. Invalidate drops it (a group_*
// webhook).
type Enricher struct {
	c      *level.Client
	mapped MappedGroupsFunc
	// MaxAge bounds how long the group tree is used (default 10 minutes).
	MaxAge time.Duration
	// MinReload is the least time between two reads of the tree caused by
	// unknown groups (default 30 seconds).
	MinReload time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time

	mu     sync.Mutex
	parent map[string]string
	names  map[string]string
	loaded time.Time
	stale  bool
}

var _ alerting.Enricher = (*Enricher)(nil)

// NewEnricher returns the enricher of a Level client; mapped names the
// mapped groups (see MappedGroups). A nil mapped maps no group.
func NewEnricher(c *level.Client, mapped MappedGroupsFunc) *Enricher {
	if mapped == nil {
		mapped = func(context.Context) (map[string]bool, error) { return nil, nil }
	}
	return &Enricher{c: c, mapped: mapped}
}

func (e *Enricher) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// Invalidate makes the next alert read the group tree again.
func (e *Enricher) Invalidate() {
	e.mu.Lock()
	e.stale = true
	e.mu.Unlock()
}

// Enrich completes a; see Enricher.
func (e *Enricher) Enrich(ctx context.Context, a *alerting.Alert) error {
	if a.Kind == alerting.Resolve {
		la, err := e.c.Alerts.Get(ctx, a.AlertID)
		switch {
		case errors.Is(err, level.ErrNotFound):
			return nil // gone: resolved as far as anyone can tell
		case err != nil:
			return err
		case !la.IsResolved:
			return fmt.Errorf("level reports alert %s unresolved: %w", a.AlertID, alerting.ErrContradicted)
		}
		fill(a, la)
		return nil
	}
	if a.Device.ID == "" || a.Type == "" {
		la, err := e.c.Alerts.Get(ctx, a.AlertID)
		if err != nil {
			return fmt.Errorf("level: re-reading alert %s: %w", a.AlertID, err)
		}
		fill(a, la)
	}
	if a.Device.ID == "" {
		return nil
	}
	d, err := e.c.Devices.Get(ctx, a.Device.ID, nil)
	if err != nil {
		return fmt.Errorf("level: reading device %s: %w", a.Device.ID, err)
	}
	if a.Device.Hostname == "" {
		a.Device.Hostname = d.DisplayName()
	}
	if a.Device.Hostname != "" && !strings.Contains(a.Body, "Device: ") {
		a.Body = strings.TrimSpace(a.Body + "\nDevice: " + a.Device.Hostname)
	}
	a.Customer = alerting.CustomerRef{}
	if d.GroupID == "" {
		return nil
	}
	group, name, err := e.nearest(ctx, d.GroupID)
	if err != nil {
		return err
	}
	a.Customer = alerting.CustomerRef{ID: group, Name: name}
	return nil
}

// fill sets the fields of a the webhook left out from Level's alert.
func fill(a *alerting.Alert, la *level.Alert) {
	if a.Device.ID == "" {
		a.Device.ID = la.DeviceID
	}
	if a.Device.Hostname == "" {
		a.Device.Hostname = la.DeviceHostname
	}
	if a.Type == "" {
		a.Type = la.Name
	}
	if a.Title == "" || strings.HasPrefix(a.Title, "Level alert ") {
		if la.Name != "" {
			a.Title = la.Name
		}
	}
	if s, ok := severities[strings.ToLower(la.Severity)]; ok { // Level's API is the authority
		a.Severity = alerting.ParseSeverity(s)
	}
	if la.Description != "" && !strings.Contains(a.Body, la.Description) {
		a.Body = strings.TrimSpace(la.Description + "\n" + a.Body)
	}
}

// nearest returns the nearest mapped ancestor of group (with its name),
// or group itself when none is mapped.
func (e *Enricher) nearest(ctx context.Context, group string) (string, string, error) {
	mapped, err := e.mapped(ctx)
	if err != nil {
		return "", "", fmt.Errorf("level: mapped groups: %w", err)
	}
	parent, names, err := e.tree(ctx, group)
	if err != nil {
		return "", "", err
	}
	if g, ok := NearestMapped(group, parent, func(id string) bool { return mapped[id] }); ok {
		return g, names[g], nil
	}
	return group, names[group], nil
}

// tree returns the cached group tree, read again when it is too old,
// invalidated, or lacks group (at most every MinReload).
func (e *Enricher) tree(ctx context.Context, group string) (map[string]string, map[string]string, error) {
	maxAge, minReload := e.MaxAge, e.MinReload
	if maxAge <= 0 {
		maxAge = 10 * time.Minute
	}
	if minReload <= 0 {
		minReload = 30 * time.Second
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	_, known := e.parent[group]
	age := now.Sub(e.loaded)
	if e.parent != nil && !e.stale && age < maxAge && (known || age < minReload) {
		return e.parent, e.names, nil
	}
	parent, names := map[string]string{}, map[string]string{}
	for g, err := range e.c.Groups.All(ctx) {
		if err != nil {
			if e.parent != nil { // keep routing on the old tree
				return e.parent, e.names, nil
			}
			return nil, nil, fmt.Errorf("level: listing groups: %w", err)
		}
		parent[g.ID], names[g.ID] = g.ParentID, g.Name
	}
	e.parent, e.names, e.loaded, e.stale = parent, names, now, false
	return parent, names, nil
}
