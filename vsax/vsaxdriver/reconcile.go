package vsaxdriver

import (
	"context"
	"errors"
	"fmt"
	"slices"
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

// SourceFields are the device field names a reconcile config can map
// (SourceInfo.Fields). LoadSource adds one CustomFieldPrefix+name field
// per custom field definition of the instance.
//
//   - from the device list (GET /devices): name, identifier,
//     organizationId, organizationName, siteId, siteName, groupId,
//     groupName, isAgentInstalled, isMdmEnrolled, hasCustomFields;
//   - from the asset record (GET /assets, read with the listing): type
//     (AssetTypeField), description, operatingSystem, serialNumber (BIOS
//     "Serial Number"), ipAddresses, macAddresses, publicIpAddress,
//     lastSeenOnline, lastUpdated, lastUser, clientVersion, tags,
//     externalUrl;
//   - from the device detail (GET /devices/{id}, one request per device,
//     read through Enrich only when a plan needs them): computerType,
//     isOnline, externalIpAddress;
//   - custom field values (GET /devices/{id}/customfields, through Enrich
//     too, only for devices with HasCustomFields): "customField.<Name>"
//     ("customField.Contract"), the value as VSA X sends it.
var SourceFields = []string{
	"name", "identifier", "organizationId", "organizationName", "siteId", "siteName", "groupId", "groupName",
	"isAgentInstalled", "isMdmEnrolled", "hasCustomFields",
	// from the asset record (GET /assets, read with the listing)
	AssetTypeField, "description", "operatingSystem", "serialNumber", "ipAddresses", "macAddresses",
	"publicIpAddress", "lastSeenOnline", "lastUpdated", "lastUser", "clientVersion", "tags", "externalUrl",
	// from the device detail (GET /devices/{id}, one request per device)
	"computerType", "isOnline", "externalIpAddress",
}

// DetailFields are the fields that cost one GET /devices/{id} per device;
// they are read only through Enrich.
var DetailFields = []string{"computerType", "isOnline", "externalIpAddress"}

// CustomFieldPrefix starts the name of a custom field's device field:
// "customField.Contract" is the value of the custom field "Contract".
const CustomFieldPrefix = "customField."

// OrgSiteID and SiteSiteID are the SourceSite IDs of an organization and
// a site.
func OrgSiteID(orgID int64) string { return "org-" + strconv.FormatInt(orgID, 10) }

// SiteSiteID is the SourceSite ID of a VSA X site.
func SiteSiteID(siteID int64) string { return "site-" + strconv.FormatInt(siteID, 10) }

// AccountSiteID scopes a SourceSite ID to a VSA X instance: with several
// instances feeding one PSA their organization and site IDs overlap, so a
// source with an Account names its sites "<account>:org-<Id>" (and the
// webhook handler its customer references the same way). Without an
// account the ID is unchanged.
func AccountSiteID(account, id string) string {
	if account == "" {
		return id
	}
	return account + ":" + id
}

// ReconcileSource is the reconcile.Source (and Enricher) of a VSA X
// instance.
type ReconcileSource struct {
	c *vsax.Client
	// Account names the instance for the engines (SourceInfo.Account);
	// give each its own when several VSA X instances feed one PSA. It
	// also prefixes the source site IDs (AccountSiteID), whose numbers
	// overlap between instances.
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
	customNames []string // CustomFieldPrefix+name of each definition, set by LoadSource
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

// LoadSource lists organizations, sites, custom field definitions,
// assets and devices. An HTTP error fails the load. VSA X has no deleted
// flag, so the snapshot is Complete only when every listing was read to
// the end with as many items as Meta.TotalCount and the token is not
// restricted to some organizations; otherwise the devices read so far are
// returned with IncompleteReason saying why, and the plan deactivates
// nothing for being absent.
func (s *ReconcileSource) LoadSource(ctx context.Context) (*reconcile.SourceSnapshot, error) {
	snap := &reconcile.SourceSnapshot{Source: Info()}
	snap.Source.Account = s.Account
	var partial []string
	// walk reads one listing; a count that does not add up is noted, any
	// other error ends the load.
	walk := func(what string, each func() error, err error) error {
		if err == nil {
			return each()
		}
		if errors.Is(err, vsax.ErrIncomplete) {
			partial = append(partial, err.Error())
			return nil
		}
		return fmt.Errorf("vsax: listing %s: %w", what, err)
	}
	for o, err := range s.c.Organizations.All(ctx, nil) {
		if err := walk("organizations", func() error {
			snap.Sites = append(snap.Sites, reconcile.SourceSite{ID: AccountSiteID(s.Account, OrgSiteID(int64(o.ID))), Name: o.Name})
			return nil
		}, err); err != nil {
			return nil, err
		}
	}
	if !s.ByOrganization {
		for st, err := range s.c.Sites.All(ctx, nil) {
			if err := walk("sites", func() error {
				snap.Sites = append(snap.Sites, reconcile.SourceSite{ID: AccountSiteID(s.Account, SiteSiteID(int64(st.ID))), Name: st.Name,
					ParentID: AccountSiteID(s.Account, OrgSiteID(int64(st.ParentID)))})
				return nil
			}, err); err != nil {
				return nil, err
			}
		}
	}
	s.customNames = s.customNames[:0]
	for f, err := range s.c.CustomFields.All(ctx, nil) {
		if errors.Is(err, vsax.ErrForbidden) {
			break // a token without the permission: no custom fields to map
		}
		if err := walk("custom fields", func() error {
			s.customNames = append(s.customNames, CustomFieldPrefix+f.Name)
			return nil
		}, err); err != nil {
			return nil, err
		}
	}
	snap.Source.Fields = append(slices.Clip(snap.Source.Fields), s.customNames...)
	assets := map[string]*vsax.Asset{}
	for a, err := range s.c.Assets.All(ctx, nil) {
		if err := walk("assets", func() error {
			assets[strings.ToLower(a.Identifier)] = &a
			return nil
		}, err); err != nil {
			return nil, err
		}
	}
	for d, err := range s.c.Devices.All(ctx, nil) {
		if err := walk("devices", func() error {
			dev := DeviceToReconcile(&d, assets[strings.ToLower(d.Identifier)])
			if s.ByOrganization {
				dev.SiteID = OrgSiteID(int64(d.OrganizationID))
			}
			dev.SiteID = AccountSiteID(s.Account, dev.SiteID)
			snap.Devices = append(snap.Devices, dev)
			return nil
		}, err); err != nil {
			return nil, err
		}
	}
	if s.RestrictedToken {
		partial = append(partial, "the VSA X token is restricted to some organizations")
	}
	snap.Complete = len(partial) == 0
	snap.IncompleteReason = strings.Join(partial, "; ")
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
		"isAgentInstalled": b(d.IsAgentInstalled), "isMdmEnrolled": b(d.IsMdmEnrolled), "hasCustomFields": b(d.HasCustomFields),
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

// ExpensiveFields names the device-detail fields and the custom fields
// LoadSource found.
func (s *ReconcileSource) ExpensiveFields() []string {
	return append(slices.Clip(DetailFields), s.customNames...)
}

// Enrich reads each device's detail (GET /devices/{Identifier}, a bounded
// number at a time) and fills computerType, isOnline and
// externalIpAddress; for a device with custom fields it also reads their
// values (GET /devices/{Identifier}/customfields) into
// "customField.<Name>". A device VSA X no longer knows keeps them empty.
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
		if len(s.customNames) == 0 || !det.HasCustomFields {
			return nil
		}
		values, err := s.c.Devices.CustomFields(ctx, d.ID)
		s.details.Add(1)
		if err != nil {
			if errors.Is(err, vsax.ErrNotFound) {
				return nil
			}
			return fmt.Errorf("vsax: custom fields of device %s: %w", d.ID, err)
		}
		for _, v := range values {
			if v.Value != nil {
				d.Fields[CustomFieldPrefix+v.Name] = *v.Value
			}
		}
		return nil
	})
}
