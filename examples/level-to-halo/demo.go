package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halotest"
	"github.com/mspsync/mspsync/level"
	"github.com/mspsync/mspsync/level/leveldriver"
	"github.com/mspsync/mspsync/level/leveltest"
	"github.com/mspsync/mspsync/reconcile"
)

// demoGroup is one Level group of the demo's tree. A mapped group names
// the Halo customer (and site; "" for its main site) it maps to.
type demoGroup struct {
	name, parent     string // parent: "" for a root group
	customer, site   string
	devices          int
	id               string // the Level ID, once seeded
	mappedCustomerID int
	mappedSiteID     int
}

// demoTree is five levels deep, with groups mapped at levels 1, 2, 3 and
// 5, devices at every level, an unmapped root and an unmapped branch
// whose devices are skipped.
var demoTree = []demoGroup{
	{name: "Northwind", customer: "Northwind Traders", devices: 2},                                     // level 1, mapped
	{name: "Northwind Europe", parent: "Northwind", devices: 2},                                        // 2
	{name: "Northwind Germany", parent: "Northwind Europe", customer: "Northwind GmbH", devices: 2},    // 3, mapped
	{name: "Berlin", parent: "Northwind Germany", devices: 2},                                          // 4
	{name: "Berlin Lab", parent: "Berlin", customer: "Northwind GmbH", site: "Berlin Lab", devices: 2}, // 5, mapped to a site
	{name: "Northwind US", parent: "Northwind", devices: 1},                                            // 2
	{name: "Seattle", parent: "Northwind US", devices: 2},                                              // 3
	{name: "Contoso Group", devices: 1},                                                                // 1, unmapped: skipped
	{name: "Contoso Retail", parent: "Contoso Group", customer: "Contoso", devices: 2},                 // 2, mapped
	{name: "Stores", parent: "Contoso Retail", devices: 1},                                             // 3
	{name: "Store 12", parent: "Stores", devices: 2},                                                   // 4
	{name: "Store 12 Back Office", parent: "Store 12", devices: 2},                                     // 5
	{name: "Contoso Labs", parent: "Contoso Group", devices: 2},                                        // 2, unmapped: skipped
	{name: "Labs Staging", parent: "Contoso Labs", devices: 1},                                         // 3, unmapped: skipped
}

type demo struct {
	hs     *halotest.Server
	ls     *leveltest.Server
	hc     *halo.Client
	lc     *level.Client
	groups []demoGroup
	// devices maps each seeded device's hostname to its Level group name
	// ("" for an ungrouped device); deviceIDs to its Level ID.
	devices   map[string]string
	deviceIDs map[string]string
}

func startDemo(logger *slog.Logger) (*demo, error) {
	d := &demo{hs: halotest.New(), ls: leveltest.New(), devices: map[string]string{}, deviceIDs: map[string]string{}}
	d.seed()
	var err error
	if d.hc, err = d.hs.NewClient(halo.WithLogger(logger)); err != nil {
		d.close()
		return nil, err
	}
	if d.lc, err = d.ls.NewClient(level.WithLogger(logger)); err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

func (d *demo) close() { d.hs.Close(); d.ls.Close() }

// seed builds the Halo tenant (three customers, one with a second site,
// the fields the default config maps) and the Level estate: demoTree with
// its devices, and one ungrouped device.
func (d *demo) seed() {
	grp := d.hs.SeedAssetGroup(halo.AssetGroup{Name: "Devices"})
	d.hs.SeedAssetType(halo.AssetType{Name: "workstation", AssetGroupID: grp.ID})
	for _, n := range []string{"Serial Number", "Operating System", "IP Address", "Last User"} {
		d.hs.SeedAssetField(halo.AssetField{Name: n})
	}
	customers := map[string]int{}
	sites := map[string]int{} // "customer/site"
	for _, name := range []string{"Northwind Traders", "Northwind GmbH", "Contoso"} {
		c := d.hs.SeedCustomer(halo.Customer{Name: name})
		customers[name] = c.ID
		d.hs.SeedSite(halo.Site{Name: "Main", ClientID: c.ID})
	}
	lab := d.hs.SeedSite(halo.Site{Name: "Berlin Lab", ClientID: customers["Northwind GmbH"]})
	d.hs.SeedTicketType(halo.TicketType{Name: "Monitoring alert"})
	d.hs.SeedTicketType(halo.TicketType{Name: "Disk alert"})
	sites["Northwind GmbH/Berlin Lab"] = lab.ID

	ids := map[string]string{}
	n := 0
	device := func(group, groupID string) {
		n++
		role, os := "workstation", "Microsoft Windows 11 Pro"
		if n%5 == 0 {
			role, os = "server", "Microsoft Windows Server 2022 Standard"
		}
		host := fmt.Sprintf("%s-%02d", strings.ToUpper(strings.ReplaceAll(abbrev(group), " ", "")), n)
		dev := d.ls.SeedDevice(level.Device{Hostname: host, GroupID: groupID, Role: role, Platform: "Windows",
			SerialNumber: fmt.Sprintf("LV%05d", 1000+n), Manufacturer: "Dell Inc.", Model: "OptiPlex 7010",
			LastLoggedInUser: fmt.Sprintf(`CORP\user%02d`, n),
			OperatingSystem:  &level.OperatingSystem{FullOperatingSystem: os},
			NetworkInterfaces: []level.NetworkInterface{{Interface: "Ethernet", MACAddress: fmt.Sprintf("00:1a:2b:00:00:%02x", n),
				IPAddresses: []string{fmt.Sprintf("10.0.%d.%d", n/200, n%200+10)}}}})
		d.devices[host] = group
		d.deviceIDs[host] = dev.ID
	}
	for _, g := range demoTree {
		g.id = d.ls.SeedGroup(level.Group{Name: g.name, ParentID: ids[g.parent]}).ID
		ids[g.name] = g.id
		if g.customer != "" {
			g.mappedCustomerID, g.mappedSiteID = customers[g.customer], sites[g.customer+"/"+g.site]
		}
		d.groups = append(d.groups, g)
		for range g.devices {
			device(g.name, g.id)
		}
	}
	device("", "") // ungrouped: skipped, as the demo sets no default site
}

// abbrev shortens a group name to a hostname prefix ("Store 12 Back
// Office" → "S12BO"; "" → "LOOSE").
func abbrev(name string) string {
	if name == "" {
		return "LOOSE"
	}
	var b strings.Builder
	for _, w := range strings.Fields(name) {
		if w[0] >= '0' && w[0] <= '9' {
			b.WriteString(w)
		} else {
			b.WriteByte(w[0])
		}
	}
	return b.String()
}

// demoPolicyID is the Level policy the demo's automation-template
// deliveries name (policy_id): the policy map keys it, not the alert
// name.
const demoPolicyID = "Z2lkOi8vbGV2ZWwvUG9saWN5LzQy"

// config is the demo's config: both switches on, the default import
// config for the Halo fake with the mappings of demoTree's mapped groups,
// and a policy map that gives "CPU usage" and "Disk space low" a ticket
// type each, and demoPolicyID (for template deliveries) one too, so any
// other alert name opens no ticket. No catch_all: an alert of a device
// under no mapped group is rejected.
func (d *demo) config(ctx context.Context) (*Config, error) {
	sync, err := loadDefaultConfig(ctx, d.hc)
	if err != nil {
		return nil, err
	}
	for _, g := range d.groups {
		if g.customer != "" {
			sync.Sites.Mappings = append(sync.Sites.Mappings, reconcile.SiteMapping{SourceSiteID: g.id, CustomerID: g.mappedCustomerID, SiteID: g.mappedSiteID})
		}
	}
	types, err := d.hc.TicketTypes.List(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("reading Halo ticket types: %w", err)
	}
	typeID := map[string]string{}
	for _, t := range types {
		typeID[t.Name] = fmt.Sprint(t.ID)
	}
	cfg := &Config{SendDevices: true, SendAlerts: true, Sync: sync, Alerts: alerting.DefaultConfig(),
		Policies: leveldriver.PolicyMap{"CPU usage": typeID["Monitoring alert"], "Disk space low": typeID["Disk alert"],
			demoPolicyID: typeID["Monitoring alert"]}}
	cfg.Alerts.Close = alerting.CloseAlways
	return cfg, nil
}
