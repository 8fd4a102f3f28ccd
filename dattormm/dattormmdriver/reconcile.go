package dattormmdriver

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/reconcile"
)

// Source field names a reconcile config can map, besides "udf1" … "udf300".
// The audit fields (serialNumber, manufacturer, model, macAddresses) cost
// one request per device and are read only where Run needs them.
var SourceFields = []string{"hostname", "description", "intIpAddress", "extIpAddress", "operatingSystem",
	"lastLoggedInUser", "domain", "deviceType.category", "deviceType.type", "deviceClass", "warrantyDate",
	"siteName", "lastSeen", "serialNumber", "manufacturer", "model", "macAddresses"}

// AuditFields are the source fields that come from the device audit.
var AuditFields = []string{"serialNumber", "manufacturer", "model", "macAddresses"}

// ReconcileSource is the reconcile.Source (and Enricher) of a Datto RMM
// account.
type ReconcileSource struct {
	c *dattormm.Client
	// Concurrency bounds the audit reads in flight (default 4); they also
	// wait on the client's rate limiter.
	Concurrency int
	// Account names the Datto account for the engines (SourceInfo.Account).
	// Leave it empty when one account feeds the PSA. When several do, give
	// each its own (its account UID, or a name): links and learned
	// mappings are then kept per account, and an import never retires the
	// assets of another account. The PSA driver may need a field for it
	// (halodriver creates the asset info field "datto account").
	Account string
	audits  atomic.Int64
}

var (
	_ reconcile.Source   = (*ReconcileSource)(nil)
	_ reconcile.Enricher = (*ReconcileSource)(nil)
)

// NewReconcileSource returns the reconcile driver of a Datto RMM client.
func NewReconcileSource(c *dattormm.Client) *ReconcileSource {
	return &ReconcileSource{c: c, Concurrency: 4}
}

// Info declares the source: kind "datto", its device fields and the
// last-logged-in user field.
func Info() reconcile.SourceInfo {
	return reconcile.SourceInfo{Kind: Kind, Fields: SourceFields, UserField: "lastLoggedInUser"}
}

// AuditReads returns how many device audits the driver has read.
func (s *ReconcileSource) AuditReads() int64 { return s.audits.Load() }

// LoadSource lists every site and device of the account. A listing error
// fails the load (nothing partial is returned); the Deleted Devices site is
// marked excluded and its devices deleted.
func (s *ReconcileSource) LoadSource(ctx context.Context) (*reconcile.SourceSnapshot, error) {
	snap := &reconcile.SourceSnapshot{Source: Info()}
	snap.Source.Account = s.Account
	for site, err := range s.c.Account.Sites(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("dattormm: listing sites: %w", err)
		}
		snap.Sites = append(snap.Sites, reconcile.SourceSite{ID: site.UID, Name: site.Name, URL: site.PortalURL,
			Excluded: strings.EqualFold(site.Name, dattormm.DeletedDevicesSite)})
	}
	for d, err := range s.c.Account.Devices(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("dattormm: listing devices: %w", err)
		}
		snap.Devices = append(snap.Devices, DeviceToReconcile(&d))
	}
	snap.Complete = true
	return snap, nil
}

// DeviceToReconcile names a device's fields the way reconcile configs map
// them; the hostname is its name.
func DeviceToReconcile(d *dattormm.Device) reconcile.Device {
	f := map[string]string{
		"hostname": d.Hostname, "description": d.Description, "intIpAddress": d.IntIPAddress, "extIpAddress": d.ExtIPAddress,
		"operatingSystem": d.OperatingSystem, "lastLoggedInUser": d.LastLoggedInUser, "domain": d.Domain,
		"deviceType.category": d.DeviceType.Category, "deviceType.type": d.DeviceType.Type, "deviceClass": d.DeviceClass,
		"warrantyDate": d.WarrantyDate, "siteName": d.SiteName,
	}
	if !d.LastSeen.IsZero() {
		f["lastSeen"] = d.LastSeen.UTC().Format("2006-01-02T15:04:05Z")
	}
	for k, v := range d.UDF {
		f[k] = v
	}
	return reconcile.Device{ID: d.UID, SiteID: d.SiteUID, Name: d.Hostname, URL: d.PortalURL, RemoteURL: d.WebRemoteURL, Fields: f, Deleted: d.IsDeleted()}
}

// ExpensiveFields names the audit fields.
func (s *ReconcileSource) ExpensiveFields() []string { return AuditFields }

// Enrich reads the audit of each device of class "device" (a bounded
// number at a time) and fills serialNumber, manufacturer, model and
// macAddresses. A device without an audit (not found, or not of class
// device) keeps those fields empty.
func (s *ReconcileSource) Enrich(ctx context.Context, devices []*reconcile.Device) error {
	audited := make([]*reconcile.Device, 0, len(devices))
	for _, d := range devices {
		if d.Fields["deviceClass"] != "" && d.Fields["deviceClass"] != "device" {
			continue // printers, ESXi hosts and network devices have no device audit
		}
		audited = append(audited, d)
	}
	return reconcile.EnrichEach(ctx, audited, s.Concurrency, func(ctx context.Context, d *reconcile.Device) error {
		a, err := s.c.Audit.Device(ctx, d.ID)
		s.audits.Add(1)
		if err != nil {
			var he *dattormm.Error
			if errors.As(err, &he) && (he.StatusCode == 400 || he.StatusCode == 404) {
				return nil
			}
			return fmt.Errorf("dattormm: audit of device %s: %w", d.ID, err)
		}
		var macs []string
		for _, nic := range a.NICs {
			if m := dattormm.NormalizeMAC(nic.MACAddress); m != "" {
				macs = append(macs, m)
			}
		}
		d.Fields["serialNumber"] = a.BIOS.SerialNumber
		d.Fields["manufacturer"] = a.SystemInfo.Manufacturer
		d.Fields["model"] = a.SystemInfo.Model
		d.Fields["macAddresses"] = strings.Join(macs, ",")
		return nil
	})
}
