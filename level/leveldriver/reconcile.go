// Package leveldriver plugs the Level client into mspsync's engines: a
// reconcile.Source of Level's nested groups and devices, webhook intakes
// for the alerting engine, an Enricher that routes alerts by group, and an
// alert resolver.
//
// # Import
//
// Level has nested groups only. Each group becomes a reconcile.SourceSite
// whose ParentID is its parent group, so the reconcile engine puts a
// device in its nearest mapped ancestor group; a device under no mapped
// group is skipped with that reason (or goes to the config's default
// site), and an ungrouped device (no group_id) has SiteID "" and uses the
// default site. ReconcileSource.Scoped loads a few devices and groups for
// an early sync (EarlySync turns device_* and group_* webhooks into
// debounced ones). Sync wraps reconcile.Run with what operators read:
// each group mapping's SyncStatus (Unsynced → Syncing → Synced, or Failed
// with the reason; an early sync moves only the mappings it touches) and
// each device's DeviceEvents (the write sent to the
// PSA and its outcome), kept as JSON lines.
//
// # Alerts
//
// WebhookHandler takes Level's native webhooks (X-Level-Signature:
// sha256=<hex HMAC-SHA256 of the raw body>, checked in constant time
// before anything is decoded): alert_active raises, alert_resolved
// resolves, event_id deduplicates Level's retries and manual re-runs.
// TemplateHandler takes the older automation-template form (vendors doc
// §11.2), protected by a shared secret header. Neither calls Level: the
// Enricher, in the engine's worker, re-reads an alert whose data is
// incomplete, confirms resolves, and gives a raise its customer: alerts
// have no group, so the device's group_id is walked up to its nearest
// mapped ancestor (MappedGroups: the alerting config's customers of
// source "level" and the import's mappings, ImportMappings). The engine's
// first routing step, the PSA asset the import linked to the device, still
// comes first; a device under no mapped group goes to the config's
// catch_all (the default customer) or is rejected with
// unmapped_customer.
//
// PolicyMap maps policies to PSA ticket types. Native webhooks carry no
// policy ID and the API has no policy endpoints, so the key is the alert
// name (the monitor); a template delivery's policy_id keys it instead. An
// alert whose policy is not mapped opens no ticket: accepted, counted
// (alert_type_not_mapped) and logged.
//
// NewResolver resolves the Level alert of a ticket closed in the PSA:
// POST /alerts/{id}/resolve, once more with PUT on 405, 404 = already
// resolved. A resolve Level sent is recorded as such, so resolve sync
// never sends it back.
//
// # Permissions
//
// Level: a read-only API key imports and routes; resolving alerts needs a
// read/write key (403 otherwise). The webhook secret is Level's, from
// Settings → Webhooks (administrators only).
package leveldriver

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/mspsync/mspsync/level"
	"github.com/mspsync/mspsync/reconcile"
)

// Kind is the source kind of Level in both engines: the Source of its
// alerts and the kind of its reconcile links.
const Kind = "level"

// SourceFields are the device field names a reconcile config can map.
// "tags" is a comma-separated list, "ipAddresses" and "macAddresses" come
// from the network interfaces, "totalMemoryGB" is rounded to a whole GB,
// and "cf:<name>" is a custom field value (with WithCustomFields).
var SourceFields = []string{"hostname", "nickname", "displayName", "role", "platform", "serialNumber",
	"manufacturer", "model", "architecture", "operatingSystem", "osVersion", "cpuCores", "cpuModel",
	"totalMemory", "totalMemoryGB", "ipAddresses", "macAddresses", "publicIpAddress", "lastLoggedInUser",
	"lastSeenAt", "lastRebootTime", "online", "tags", "groupName", "city", "country", "securityScore"}

// Info declares the source: kind "level", its device fields and the
// last-logged-in user field.
func Info() reconcile.SourceInfo {
	return reconcile.SourceInfo{Kind: Kind, Fields: SourceFields, UserField: "lastLoggedInUser"}
}

// ReconcileSource is the reconcile.Source of a Level account.
type ReconcileSource struct {
	c *level.Client
	// Account names the Level account for the engines (SourceInfo.Account);
	// leave it empty when one account feeds the PSA.
	Account string
	scope   *Scope // Scoped

	mu   sync.Mutex
	last *reconcile.SourceSnapshot
}

var _ reconcile.Source = (*ReconcileSource)(nil)

// NewReconcileSource returns the reconcile driver of a Level client.
func NewReconcileSource(c *level.Client) *ReconcileSource { return &ReconcileSource{c: c} }

// LoadSource lists every group (as sites, ParentID = parent group) and
// every device (of the scope, for a Scoped source) with its operating
// system, CPUs and network interfaces. A listing error fails the load.
func (s *ReconcileSource) LoadSource(ctx context.Context) (*reconcile.SourceSnapshot, error) {
	snap := &reconcile.SourceSnapshot{Source: Info()}
	snap.Source.Account = s.Account
	names := map[string]string{}
	for g, err := range s.c.Groups.All(ctx) {
		if err != nil {
			return nil, fmt.Errorf("level: listing groups: %w", err)
		}
		names[g.ID] = g.Name
		snap.Sites = append(snap.Sites, reconcile.SourceSite{ID: g.ID, Name: g.Name, ParentID: g.ParentID})
	}
	if s.scope != nil {
		if err := s.loadScoped(ctx, snap, names); err != nil {
			return nil, err
		}
		s.remember(snap)
		return snap, nil
	}
	opts := &level.DeviceListOptions{DeviceIncludes: level.DeviceIncludes{OperatingSystem: true, CPUs: true, NetworkInterfaces: true}}
	for d, err := range s.c.Devices.All(ctx, opts) {
		if err != nil {
			return nil, fmt.Errorf("level: listing devices: %w", err)
		}
		rd := DeviceToReconcile(&d)
		rd.Fields["groupName"] = names[d.GroupID]
		snap.Devices = append(snap.Devices, rd)
	}
	snap.Complete = true
	s.remember(snap)
	return snap, nil
}

func (s *ReconcileSource) remember(snap *reconcile.SourceSnapshot) {
	s.mu.Lock()
	s.last = snap
	s.mu.Unlock()
}

// LastSnapshot returns what the last successful LoadSource loaded (nil
// before one), for SyncStatus.Finish and DeviceEvents.
func (s *ReconcileSource) LastSnapshot() *reconcile.SourceSnapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// DeviceToReconcile names a device's fields the way reconcile configs map
// them; the display name (nickname, else hostname) is its name.
func DeviceToReconcile(d *level.Device) reconcile.Device {
	f := map[string]string{
		"hostname": d.Hostname, "nickname": d.Nickname, "displayName": d.DisplayName(), "role": d.Role,
		"platform": d.Platform, "serialNumber": d.SerialNumber, "manufacturer": d.Manufacturer, "model": d.Model,
		"architecture": d.Architecture, "lastLoggedInUser": d.LastLoggedInUser, "publicIpAddress": d.PublicIPAddress,
		"tags": strings.Join(d.Tags, ","), "city": d.City, "country": d.Country,
		"online": strconv.FormatBool(d.Online),
	}
	if d.CPUCores > 0 {
		f["cpuCores"] = strconv.Itoa(d.CPUCores)
	}
	if len(d.CPUs) > 0 {
		f["cpuModel"] = d.CPUs[0].Model
	}
	if d.TotalMemory > 0 {
		f["totalMemory"] = strconv.FormatInt(d.TotalMemory, 10)
		f["totalMemoryGB"] = strconv.FormatInt((d.TotalMemory+1<<29)>>30, 10)
	}
	if d.SecurityScore > 0 {
		f["securityScore"] = strconv.Itoa(d.SecurityScore)
	}
	if os := d.OperatingSystem; os != nil {
		f["operatingSystem"] = os.FullOperatingSystem
		f["osVersion"] = strings.Trim(os.MajorVersion+" "+os.MinorVersion, " ")
	}
	var ips, macs []string
	for _, n := range d.NetworkInterfaces {
		ips = append(ips, n.IPAddresses...)
		if n.MACAddress != "" {
			macs = append(macs, strings.ToUpper(n.MACAddress))
		}
	}
	if len(ips) == 0 {
		ips = d.PrivateIPAddresses
	}
	f["ipAddresses"], f["macAddresses"] = strings.Join(ips, ","), strings.Join(macs, ",")
	const ts = "2006-01-02T15:04:05Z"
	if d.LastSeenAt != nil {
		f["lastSeenAt"] = d.LastSeenAt.UTC().Format(ts)
	}
	if d.LastRebootTime != nil {
		f["lastRebootTime"] = d.LastRebootTime.UTC().Format(ts)
	}
	return reconcile.Device{ID: d.ID, SiteID: d.GroupID, Name: d.DisplayName(), Fields: f}
}
