package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/dattormm/dattormmtest"
	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halodriver"
	"github.com/mspsync/mspsync/halo/halotest"
	"github.com/mspsync/mspsync/reconcile"
)

// loadConfig reads -config, or builds the default for this Halo tenant.
func loadConfig(ctx context.Context, path string, hc *halo.Client) (*reconcile.Config, error) {
	if path != "" {
		return reconcile.LoadConfigFile(path)
	}
	t, err := halodriver.ReadTenant(ctx, hc)
	if err != nil {
		return nil, fmt.Errorf("the default config: %w", err)
	}
	return DefaultConfig(t.AssetGroupID, t.HasAssetField), nil
}

// DefaultConfig is the documented default: Datto sites become customers
// with a main site; hostname → inventory_number, serial → "Serial Number",
// and OS, model, manufacturer, IP and last user to fields of those names
// where the tenant has them (exists); match on datto_id, then serial; type
// from deviceType.category, new types in group.
func DefaultConfig(group int, exists func(string) bool) *reconcile.Config {
	cfg := &reconcile.Config{
		Sites: reconcile.SiteConfig{Method: reconcile.SiteMappings, NewSites: reconcile.NewSitesAsCustomers, MainSiteName: "Main"},
		FieldMappings: []reconcile.FieldMapping{
			{Source: "hostname", Target: "inventory_number"},
			{Source: "serialNumber", Target: "Serial Number"},
		},
		Matching:   reconcile.MatchingConfig{Field: "Serial Number"},
		AssetTypes: reconcile.TypeConfig{Mode: reconcile.TypeField, Field: "deviceType.category", Default: "Workstation", NewTypeGroupID: group},
		Lifecycle:  reconcile.LifecycleConfig{DeactivateDeleted: true},
	}
	for _, m := range []reconcile.FieldMapping{
		{Source: "operatingSystem", Target: "Operating System"},
		{Source: "model", Target: "Model"},
		{Source: "manufacturer", Target: "Manufacturer"},
		{Source: "intIpAddress", Target: "IP Address"},
		{Source: "lastLoggedInUser", Target: "Last User"},
	} {
		if exists(m.Target) {
			cfg.FieldMappings = append(cfg.FieldMappings, m)
		}
	}
	return cfg
}

// demoClients starts both fakes, seeds them and returns clients for them.
func demoClients(logger *slog.Logger) (*halo.Client, *dattormm.Client, func(), error) {
	hs, ds := halotest.New(), dattormmtest.New()
	cleanup := func() { hs.Close(); ds.Close() }
	seedDemo(hs, ds)
	hc, err := hs.NewClient(halo.WithLogger(logger))
	if err != nil {
		cleanup()
		return nil, nil, nil, err
	}
	dc, err := ds.NewClient(dattormm.WithLogger(logger))
	if err != nil {
		cleanup()
		return nil, nil, nil, err
	}
	return hc, dc, cleanup, nil
}

// seedDemo builds a realistic estate: four Datto sites (one the Deleted
// Devices queue) with 56 devices of mixed types and their audits, among
// them a placeholder serial, two VMs sharing a serial and a deleted
// device; and a Halo tenant that already knows Contoso and some of its
// machines (unlinked, with serials), plus a machine a technician added.
func seedDemo(hs *halotest.Server, ds *dattormmtest.Server) {
	grp := hs.SeedAssetGroup(halo.AssetGroup{Name: "Devices"})
	desktop := hs.SeedAssetType(halo.AssetType{Name: "Desktop", AssetGroupID: grp.ID})
	hs.SeedAssetType(halo.AssetType{Name: "Laptop", AssetGroupID: grp.ID})
	serial := hs.SeedAssetField(halo.AssetField{Name: "Serial Number"})
	for _, n := range []string{"Operating System", "Model", "Manufacturer", "IP Address"} {
		hs.SeedAssetField(halo.AssetField{Name: n})
	}
	contoso := hs.SeedCustomer(halo.Customer{Name: "Contoso"})
	main := hs.SeedSite(halo.Site{Name: "Main", ClientID: contoso.ID})

	type kind struct{ cat, typ, class, model, maker, os string }
	kinds := []kind{
		{"Desktop", "Desktop", "device", "OptiPlex 7090", "Dell Inc.", "Microsoft Windows 11 Pro"},
		{"Laptop", "Laptop", "device", "ThinkPad T14", "Lenovo", "Microsoft Windows 11 Pro"},
		{"Server", "Server", "device", "PowerEdge R650", "Dell Inc.", "Microsoft Windows Server 2022"},
		{"Printer", "Printer", "printer", "", "", ""},
		{"ESXi Host", "ESXi", "esxihost", "", "", "VMware ESXi 8.0"},
		{"Network Device", "Switch", "rmmnetworkdevice", "", "", ""},
	}
	sites := []string{"Contoso", "Fabrikam", "Northwind Traders"}
	n := 0
	for si, name := range sites {
		site := ds.SeedSite(dattormm.Site{Name: name})
		count := []int{22, 18, 14}[si]
		for i := range count {
			k := kinds[(i*7+si)%len(kinds)]
			if i%3 == 0 {
				k = kinds[i%2] // mostly workstations
			}
			n++
			host := fmt.Sprintf("%s-%s%02d", strings.ToUpper(name[:3]), strings.ToUpper(k.typ[:2]), i+1)
			d := ds.SeedDevice(dattormm.Device{Hostname: host, SiteUID: site.UID, DeviceClass: k.class,
				DeviceType: dattormm.DeviceType{Category: k.cat, Type: k.typ}, OperatingSystem: k.os,
				IntIPAddress: fmt.Sprintf("10.%d.0.%d", si+1, i+10), LastLoggedInUser: fmt.Sprintf(`%s\user%02d`, strings.ToUpper(name[:3]), i)})
			if k.class != "device" {
				continue
			}
			sn := fmt.Sprintf("SN%s%04d", strings.ToUpper(name[:2]), i+1)
			switch {
			case si == 1 && i == 3:
				sn = "To be filled by O.E.M." // a placeholder serial
			case si == 2 && (i == 5 || i == 6):
				sn = "VMW-4211-SHARED" // two VMs share a serial
			}
			ds.SeedAudit(d.UID, dattormm.DeviceAudit{
				SystemInfo: dattormm.SystemInfo{Manufacturer: k.maker, Model: k.model},
				BIOS:       dattormm.BIOS{SerialNumber: sn},
				NICs:       []dattormm.NIC{{Instance: "Ethernet", MACAddress: fmt.Sprintf("00:1A:2B:%02X:%02X:%02X", si, i, n)}},
			})
			if si == 0 && i < 6 { // Halo already knows these, by serial, without a link
				hs.SeedAsset(halo.Asset{InventoryNumber: host, SiteID: main.ID, AssetTypeID: desktop.ID,
					Fields: []halo.FieldValue{{ID: serial.ID, Value: halo.TextValue(sn)}}})
			}
		}
	}
	// A device Datto has deleted, waiting in its queue.
	del := ds.SeedSite(dattormm.Site{Name: dattormm.DeletedDevicesSite})
	ds.SeedDevice(dattormm.Device{Hostname: "OLD-PC99", SiteUID: del.UID, Deleted: true, DeviceType: dattormm.DeviceType{Category: "Desktop"}})
	// A machine a technician entered by hand: never touched.
	hs.SeedAsset(halo.Asset{InventoryNumber: "RECEPTION-TV", SiteID: main.ID, AssetTypeID: desktop.ID})
}
