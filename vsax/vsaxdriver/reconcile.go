package vsaxdriver

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/mspsync/mspsync/reconcile"
	"github.com/mspsync/mspsync/vsax"
)

// Kind is the source kind of VSA X in both engines.
const Kind = "vsax"

// AssetTypeField is the device field that gives an asset type: the VSA X
// asset record's Type (e.g. "windows", "mac", "linux"); map it with
// asset-type rules.
const AssetTypeField = "type"

// SourceFields are the device field names a reconcile config can map.
// Custom field values are not listed here: VSA X reads them per device.
var SourceFields = []string{
	"name", "identifier", "organizationId", "organizationName", "siteId", "siteName", "groupId", "groupName",
	"isAgentInstalled", "isMdmEnrolled",
	// from the asset record (GET /assets, read with the listing)
	AssetTypeField, "description", "operatingSystem", "serialNumber", "ipAddresses", "macAddresses",
	"publicIpAddress", "lastSeenOnline", "lastUpdated", "lastUser", "clientVersion", "tags", "externalUrl",
	// from the device detail (GET /devices/{id}, one request per device)
	"computerType", "isOnline", "externalIpAddress",
}

// DetailFields are the fields that cost one GET /devices/{id} per device;
// they are read only through Enrich.
var DetailFields = []string{"computerType", "isOnline", "externalIpAddress"}

// OrgSiteID and SiteSiteID are the SourceSite IDs of an organization and
// a site.
func OrgSiteID(orgID int64) string { return "org-" + strconv.FormatInt(orgID, 10) }

// SiteSiteID is the SourceSite ID of a VSA X site.
func SiteSiteID(siteID int64) string { return "site-" + strconv.FormatInt(siteID, 10) }

// ReconcileSource is the reconcile.Source (and Enricher) of a VSA X
// instance.
type ReconcileSource struct {
	c *vsax.Client
	// Account names the instance for the engines (SourceInfo.Account);
	// give each its own when several VSA X instances feed one PSA.
	Account string
	// RestrictedToken says the token sees only some organizations: the
	// snapshot is then never Complete, so nothing is deactivated.
	RestrictedToken bool
	// ByOrganization places devices in their organization instead of
	// their site: the snapshot's sites are the organizations only (no
	// VSA X sites), so each organization becomes one PSA customer with
	// every device on its main site. Without it, organizations are top
	// sites and VSA X sites their children (ParentID): give reconcile
	// sites.child_sites "sites" to make each VSA X site a site of its
	// organization's customer (the default "customers" makes an unmapped
	// VSA X site a customer of its own unless its organization is mapped).
	ByOrganization bool
	// Concurrency bounds the detail reads in flight (default 4).
	Concurrency int
	details     atomic.Int64
}

var (
	_ reconcile.Source   = (*ReconcileSource)(nil)
	_ reconcile.Enricher = (*ReconcileSource)(nil)
)

// NewReconcileSource returns the reconcile driver of a VSA X client.
func NewReconcileSource(c *vsax.Client) *ReconcileSource {
	return &ReconcileSource{c: c, Concurrency: 4}
}

// Info declares the source: kind "vsax", its device fields and the
// last-logged-in user field.
func Info() reconcile.SourceInfo {
	return reconcile.SourceInfo{Kind: Kind, Fields: SourceFields, UserField: "lastUser"}
}

// DetailReads returns how many device details the driver has read.
func (s *ReconcileSource) DetailReads() int64 { return s.details.Load() }

// LoadSource lists organizations, sites, devices and assets. A listing
// error fails the load. VSA X has no deleted flag: the snapshot is
// Complete only when every listing was read to the end with as many items
// as Meta.TotalCount (vsax.ErrIncomplete otherwise) and the token is not
// restricted to some organizations.
func (s *ReconcileSource) LoadSource(ctx context.Context) (*reconcile.SourceSnapshot, error) {
	snap := &reconcile.SourceSnapshot{Source: Info()}
	snap.Source.Account = s.Account
	for o, err := range s.c.Organizations.All(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("vsax: listing organizations: %w", err)
		}
		snap.Sites = append(snap.Sites, reconcile.SourceSite{ID: OrgSiteID(int64(o.ID)), Name: o.Name})
	}
	if err := s.loadSites(ctx, snap); err != nil {
		return nil, err
	}
	assets := map[string]*vsax.Asset{}
	for a, err := range s.c.Assets.All(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("vsax: listing assets: %w", err)
		}
		assets[strings.ToLower(a.Identifier)] = &a
	}
	for d, err := range s.c.Devices.All(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("vsax: listing devices: %w", err)
		}
		dev := DeviceToReconcile(&d, assets[strings.ToLower(d.Identifier)])
		if s.ByOrganization {
			dev.SiteID = OrgSiteID(int64(d.OrganizationID))
		}
		snap.Devices = append(snap.Devices, dev)
	}
	snap.Complete = !s.RestrictedToken
	return snap, nil
}

// DeviceToReconcile names a device's fields (and its asset record's, when
// a is not nil) the way reconcile configs map them.
func DeviceToReconcile(d *vsax.Device, a *vsax.Asset) reconcile.Device {
	b := strconv.FormatBool
	f := map[string]string{
		"name": d.Name, "identifier": d.Identifier,
		"organizationId": strconv.FormatInt(int64(d.OrganizationID), 10), "organizationName": d.OrganizationName,
		"siteId": strconv.FormatInt(int64(d.SiteID), 10), "siteName": d.SiteName,
		"groupId": strconv.FormatInt(int64(d.GroupID), 10), "groupName": d.GroupName,
		"isAgentInstalled": b(d.IsAgentInstalled), "isMdmEnrolled": b(d.IsMdmEnrolled),
	}
	dev := reconcile.Device{ID: d.Identifier, SiteID: SiteSiteID(int64(d.SiteID)), Name: d.Name, Fields: f}
	if a != nil {
		f[AssetTypeField] = a.Type
		f["description"] = a.Description
		f["operatingSystem"] = a.OperatingSystem()
		f["serialNumber"] = a.SerialNumber()
		f["ipAddresses"] = strings.Join(a.IPs(), ",")
		f["macAddresses"] = strings.Join(a.MACs(), ",")
		f["publicIpAddress"] = a.PublicIPAddress
		f["lastUser"] = a.LastUser()
		f["clientVersion"] = a.ClientVersion
		f["tags"] = strings.Join(a.Tags, ",")
		f["externalUrl"] = a.ExternalURL
		if !a.LastSeenOnline.IsZero() {
			f["lastSeenOnline"] = a.LastSeenOnline.UTC().Format("2006-01-02T15:04:05Z")
		}
		if !a.LastUpdated.IsZero() {
			f["lastUpdated"] = a.LastUpdated.UTC().Format("2006-01-02T15:04:05Z")
		}
		dev.URL = a.ExternalURL
	}
	return dev
}

// ExpensiveFields names the device-detail fields.
func (s *ReconcileSource) ExpensiveFields() []string { return DetailFields }

// Enrich reads each device's detail (GET /devices/{Identifier}, a bounded
// number at a time) and fills computerType, isOnline and
// externalIpAddress. A device VSA X no longer knows keeps them empty.
func (s *ReconcileSource) Enrich(ctx context.Context, devices []*reconcile.Device) error {
	return reconcile.EnrichEach(ctx, devices, s.Concurrency, func(ctx context.Context, d *reconcile.Device) error {
		det, err := s.c.Devices.Get(ctx, d.ID)
		s.details.Add(1)
		if err != nil {
			if errors.Is(err, vsax.ErrNotFound) {
				return nil
			}
			return fmt.Errorf("vsax: detail of device %s: %w", d.ID, err)
		}
		d.Fields["computerType"] = det.ComputerType
		d.Fields["isOnline"] = strconv.FormatBool(det.IsOnline)
		d.Fields["externalIpAddress"] = det.ExternalIPAddress
		return nil
	})
}

// loadSites adds VSA X sites under their organizations (not with
// ByOrganization).
func (s *ReconcileSource) loadSites(ctx context.Context, snap *reconcile.SourceSnapshot) error {
	if s.ByOrganization {
		return nil
	}
	for st, err := range s.c.Sites.All(ctx, nil) {
		if err != nil {
			return fmt.Errorf("vsax: listing sites: %w", err)
		}
		snap.Sites = append(snap.Sites, reconcile.SourceSite{ID: SiteSiteID(int64(st.ID)), Name: st.Name, ParentID: OrgSiteID(int64(st.ParentID))})
	}
	return nil
}
