package main

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/dattormm/dattormmdriver"
	"github.com/mspsync/mspsync/dattormm/dattormmtest"
	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halotest"
)

// demoWorld is the demo estate: the Halo records the tickets should land
// on, and the Datto alerts.
//
// Halo: Contoso Ltd (sites Main and Branch; Branch's main contact Bob is
// its alert user; an active contract), Fabrikam, "Northwind Traders" and
// "NORTHWIND TRADERS" (a near-duplicate someone created), Tailspin
// Toys Inc, Woodgrove Bank, and "Unassigned alerts"; teams Service Desk
// and Security. Assets linked to Datto devices by datto_id: CON-PC01 at
// Main with its user Ann, CON-SRV01 at Branch without a user.
//
// Datto: sites "Contoso (HQ)" (renamed: no Halo customer has that name,
// but its devices are linked), "fabrikam" (found by name, case aside),
// "Northwind Traders" (two Halo customers match: none does), "Tailspin
// Toys" (mapped in the configuration), "Woodgrove" (mapped by an import).
type demoWorld struct {
	contoso, fabrikam, tailspin, woodgrove, unassigned int
	northwind                                          [2]int
	conMain, conBranch                                 int
	fabMain, tailMain, woodMain, unMain                int // the other customers' sites the demo's tickets land on
	pc01, srv01                                        int // Halo assets
	ann, bob                                           int // Halo users
	contract                                           int // Contoso's active contract
	serviceDesk, security                              int // Halo teams
	ticketType                                         int

	tailspinSite, woodgroveSite string // Datto site UIDs

	disk, spooler, offline, stray, tail, wood, av dattormm.Alert
}

// annEmail is Ann's e-mail address, which the security alerts of the
// grouping demo carry.
const annEmail = "ann@contoso.example"

func seedAlertsDemo(hs *halotest.Server, ds *dattormmtest.Server) demoWorld {
	var w demoWorld
	typ := hs.SeedAssetType(halo.AssetType{Name: "Workstation"})
	w.ticketType = 2
	w.serviceDesk = hs.SeedTeam(halo.Team{Name: "Service Desk"}).ID
	w.security = hs.SeedTeam(halo.Team{Name: "Security"}).ID

	contoso := hs.SeedCustomer(halo.Customer{Name: "Contoso Ltd"})
	w.contoso = contoso.ID
	w.conMain = hs.SeedSite(halo.Site{Name: "Main", ClientID: contoso.ID}).ID
	w.ann = hs.SeedUser(halo.User{Name: "Ann Smith", ClientID: contoso.ID, SiteID: w.conMain, EmailAddress: annEmail}).ID
	w.bob = hs.SeedUser(halo.User{Name: "Bob Jones", ClientID: contoso.ID, EmailAddress: "bob@contoso.example"}).ID
	w.conBranch = hs.SeedSite(halo.Site{Name: "Branch", ClientID: contoso.ID,
		Extra: halo.Extra{"maincontact_id": json.RawMessage(strconv.Itoa(w.bob))}}).ID
	w.contract = hs.SeedContract(halo.Contract{Ref: "MSA-2026", ClientID: contoso.ID, Active: halo.Ptr(true)}).ID

	customer := func(name string) (int, int) {
		c := hs.SeedCustomer(halo.Customer{Name: name})
		return c.ID, hs.SeedSite(halo.Site{Name: "Main", ClientID: c.ID}).ID
	}
	w.fabrikam, w.fabMain = customer("Fabrikam")
	w.northwind[0], _ = customer("Northwind Traders")
	w.northwind[1], _ = customer("NORTHWIND TRADERS")
	w.tailspin, w.tailMain = customer("Tailspin Toys Inc")
	w.woodgrove, w.woodMain = customer("Woodgrove Bank")
	w.unassigned, w.unMain = customer("Unassigned alerts")

	cs := ds.SeedSite(dattormm.Site{Name: "Contoso (HQ)"})
	fs := ds.SeedSite(dattormm.Site{Name: "fabrikam"})
	ns := ds.SeedSite(dattormm.Site{Name: "Northwind Traders"})
	ts := ds.SeedSite(dattormm.Site{Name: "Tailspin Toys"})
	ws := ds.SeedSite(dattormm.Site{Name: "Woodgrove"})
	w.tailspinSite, w.woodgroveSite = ts.UID, ws.UID
	pc := ds.SeedDevice(dattormm.Device{Hostname: "CON-PC01", SiteUID: cs.UID})
	srv := ds.SeedDevice(dattormm.Device{Hostname: "CON-SRV01", SiteUID: cs.UID})
	lt := ds.SeedDevice(dattormm.Device{Hostname: "FAB-LT07", SiteUID: fs.UID})
	np := ds.SeedDevice(dattormm.Device{Hostname: "NW-PC02", SiteUID: ns.UID})
	tp := ds.SeedDevice(dattormm.Device{Hostname: "TAIL-PC02", SiteUID: ts.UID})
	wp := ds.SeedDevice(dattormm.Device{Hostname: "WG-PC01", SiteUID: ws.UID})
	w.pc01 = hs.SeedAsset(halo.Asset{InventoryNumber: "CON-PC01", SiteID: w.conMain, AssetTypeID: typ.ID, DattoID: pc.UID,
		Extra: halo.Extra{"users": json.RawMessage(`[{"id":` + strconv.Itoa(w.ann) + `}]`)}}).ID
	w.srv01 = hs.SeedAsset(halo.Asset{InventoryNumber: "CON-SRV01", SiteID: w.conBranch, AssetTypeID: typ.ID, DattoID: srv.UID}).ID

	alert := func(d dattormm.Device, site dattormm.Site, prio, ctx string) dattormm.Alert {
		var ac dattormm.AlertContext
		ac.UnmarshalJSON([]byte(ctx))
		return ds.SeedAlert(dattormm.Alert{Priority: prio, Diagnostics: "Raised by the demo monitor.", AlertContext: ac,
			AlertSourceInfo: dattormm.AlertSourceInfo{DeviceUID: d.UID, DeviceName: d.Hostname, SiteUID: site.UID, SiteName: site.Name}})
	}
	w.disk = alert(pc, cs, "High", `{"@class":"perf_disk_usage_ctx","diskName":"C:","freeSpace":8}`)
	w.spooler = alert(srv, cs, "Moderate", `{"@class":"srvc_status_ctx","serviceName":"Spooler","status":"STOPPED"}`)
	w.offline = alert(lt, fs, "Critical", `{"@class":"online_offline_status_ctx","status":"OFFLINE"}`)
	w.stray = alert(np, ns, "Low", `{"@class":"perf_resource_usage_ctx","type":"CPU"}`)
	w.tail = alert(tp, ts, "Moderate", `{"@class":"patch_ctx","status":"FAILED"}`)
	w.wood = alert(wp, ws, "Moderate", `{"@class":"perf_resource_usage_ctx","type":"MEMORY"}`)
	w.av = alert(pc, cs, "High", `{"@class":"antivirus_ctx","productName":"Defender","status":"NOTRUNNING"}`)
	return w
}

// demoConfig routes by every step: the linked assets first, then
// Tailspin's Datto site mapped by hand, Woodgrove's mapped by an import
// (demoLearned), Fabrikam found by name, the rest to Unassigned. Tickets
// get type 2, the Service Desk team (Security for antivirus alerts) and
// the customer's active contract, and close on resolve.
func demoConfig(w demoWorld) alerting.Config {
	return alerting.Config{
		Grouping: alerting.GroupPerAlert,
		Customers: []alerting.CustomerMapping{{Source: dattormmdriver.Kind, SourceCustomer: w.tailspinSite,
			Customer: strconv.Itoa(w.tailspin), Site: strconv.Itoa(w.tailMain), Name: "Tailspin Toys"}},
		AutoMatch: true,
		CatchAll:  &alerting.CatchAll{Customer: strconv.Itoa(w.unassigned), Site: strconv.Itoa(w.unMain)},
		OnResolve: alerting.CloseOnResolve,
		LinkAsset: true, AttachContract: true,
		Ticket: alerting.TicketDefaults{Type: strconv.Itoa(w.ticketType), Queue: strconv.Itoa(w.serviceDesk)},
		AlertTypes: []alerting.AlertTypeRule{
			{Type: "antivirus_ctx", Ticket: alerting.TicketDefaults{Queue: strconv.Itoa(w.security)}},
		},
	}
}

// demoLearned stands for the site mappings an import learned (the
// datto-to-halo example's -mappings file): Woodgrove's Datto site is
// Woodgrove Bank.
func demoLearned(w demoWorld) alerting.SiteMappingsFunc {
	return func(_ context.Context, source, account string) ([]alerting.SiteMapping, error) {
		if source != dattormmdriver.Kind || account != "" {
			return nil, nil
		}
		return []alerting.SiteMapping{{SourceSite: w.woodgroveSite, Customer: strconv.Itoa(w.woodgrove), Site: strconv.Itoa(w.woodMain)}}, nil
	}
}

// groupingConfig is the configuration of the grouping demo's engines:
// security alerts about users of Contoso's tenant, grouped by mode.
func groupingConfig(w demoWorld, mode alerting.Grouping) alerting.Config {
	return alerting.Config{
		Grouping:       mode,
		Customers:      []alerting.CustomerMapping{{Source: "defender", SourceCustomer: "contoso-tenant", Customer: strconv.Itoa(w.contoso), Name: "Contoso"}},
		AttachContract: true,
		Ticket:         alerting.TicketDefaults{Type: strconv.Itoa(w.ticketType), Queue: strconv.Itoa(w.security)},
	}
}

// securityAlert is a user alert of the grouping demo.
func securityAlert(id, typ string) alerting.Alert {
	return alerting.Alert{Source: "defender", EventID: id, Kind: alerting.Raise, Type: typ, User: annEmail,
		Customer: alerting.CustomerRef{ID: "contoso-tenant", Name: "Contoso"}, Severity: alerting.SeverityHigh,
		Title: typ + " (" + id + ")", Body: "Raised by the demo's security platform."}
}
