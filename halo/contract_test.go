package halo_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/mspsync/mspsync/fakeapi"
	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halotest"
	"github.com/mspsync/mspsync/internal/apispec"
)

// TestContract calls every exported method of the client and of each of its
// services against halotest — the list of methods comes from the client
// itself (apispec.Operations), so a method without an entry in the table
// below fails the test — and checks each request the fake saw against
// Halo's OpenAPI document: path, method, query parameter names and values,
// path values, and body fields at every depth.
func TestContract(t *testing.T) {
	t.Parallel()
	spec := apispec.ForTest(t, "halo-openapi.json")
	srv := halotest.NewServer(t)
	c, err := halo.NewClient(srv.URL(), append(srv.ClientOptions(), halo.WithAuthDiscovery())...)
	if err != nil {
		t.Fatal(err)
	}
	cust, site, typ := estate(srv)
	srv.SeedCustomer(halo.Customer{Name: "Acme East"})
	grp := srv.SeedAssetGroup(halo.AssetGroup{Name: "Servers"})
	serial := srv.SeedAssetField(halo.AssetField{Name: "Serial Number"})
	warranty := srv.SeedCustomField(halo.CustomFieldDef{Name: "CFWarranty", Label: "Warranty"})
	user := srv.SeedUser(halo.User{Name: "Bo", EmailAddress: "bo@acme.example", ClientID: cust.ID, SiteID: site.ID})
	var assets []halo.Asset
	for i := range 3 {
		assets = append(assets, srv.SeedAsset(halo.Asset{InventoryNumber: "PC-" + strconv.Itoa(i), SiteID: site.ID, AssetTypeID: typ.ID}))
	}
	ticket := srv.SeedTicket(halo.Ticket{Summary: "Disk full", ClientID: cust.ID, SiteID: site.ID, TicketTypeID: 1})
	srv.SeedTicket(halo.Ticket{Summary: "Printer", ClientID: cust.ID, SiteID: site.ID, TicketTypeID: 1})
	closed := srv.SeedTicket(halo.Ticket{Summary: "Old", ClientID: cust.ID, SiteID: site.ID, TicketTypeID: 1})
	srv.CloseTicket(closed.ID)
	contract := srv.SeedContract(halo.Contract{Ref: "MSA-1", ClientID: cust.ID, SiteID: site.ID, Active: halo.Ptr(true)})
	srv.SeedContract(halo.Contract{Ref: "MSA-2", ClientID: cust.ID})
	team := srv.SeedTeam(halo.Team{Name: "1st Line", DepartmentID: 1})
	note := seedID(t, srv, "Actions", halo.Action{TicketID: ticket.ID, OutcomeID: halo.DefaultNoteOutcomeID, Note: "seen"})
	now := halo.FormatTime(time.Now())

	// Options with every filter set, so that every query parameter the
	// client can send is sent and checked; page sizes small enough for the
	// walks to cross pages.
	clientOpts := &halo.ClientListOptions{Search: "Acme", IncludeInactive: true, IncludeActive: true, PageSize: 1}
	siteOpts := &halo.SiteListOptions{ClientID: cust.ID, Search: "Ma", IncludeInactive: true, PageSize: 1}
	userOpts := &halo.UserListOptions{ClientID: cust.ID, SiteID: site.ID, Search: "bo", IncludeInactive: true, PageSize: 1}
	assetOpts := &halo.AssetListOptions{ClientID: cust.ID, SiteID: site.ID, AssetTypeID: typ.ID, AssetGroupID: typ.AssetGroupID,
		Search: "PC", IncludeInactive: true, IncludeActive: true, IncludeAssetFields: true, PageSize: 2}
	assetOpts2 := &halo.AssetListOptions{InventoryNumber: "PC-0"}
	ticketOpts := &halo.TicketListOptions{ClientID: cust.ID, SiteID: site.ID, UserID: user.ID, AgentID: 1, StatusID: 1, AssetID: assets[0].ID,
		RequestTypeID: 1, OpenOnly: true, TicketIDs: strconv.Itoa(ticket.ID), Search: "Disk", SearchSummary: "Disk", DateSearch: "dateoccured",
		StartDate: now, EndDate: now, Order: "id", OrderDesc: true, PageSize: 1}
	ticketOpts2 := &halo.TicketListOptions{ClosedOnly: true, DateSearch: "datecleared", StartDate: now, PageSize: 1}

	rich := func(a halo.Asset) halo.Asset {
		a.KeyField, a.StatusID, a.Notes, a.Username, a.UserEmail = "SN-1", 1, "n", "bo", "bo@acme.example"
		a.DattoID, a.DattoSiteUID, a.ThirdPartyIDString, a.Inactive = "dev-1", "site-1", "x", halo.Ptr(false)
		a.DontAddNewFields, a.IsAssetDetails = halo.Ptr(true), halo.Ptr(true)
		a.SetField(halo.FieldRef{ID: serial.ID, Kind: halo.AssetFieldKind}, halo.TextValue("SN-1"))
		a.SetField(halo.FieldRef{ID: warranty.ID, Kind: halo.CustomFieldKind}, halo.TextValue("2030-01-01"))
		return a
	}

	calls := map[string]func(ctx context.Context) error{
		"Client.AuthInfo":        func(ctx context.Context) error { _, err := c.AuthInfo(ctx); return err },
		"Client.ClosedStatusIDs": func(context.Context) error { c.ClosedStatusIDs(); return nil },
		"Client.Counters":        func(context.Context) error { c.Counters(); return nil },
		"Client.IsClosed":        func(context.Context) error { c.IsClosed(&ticket); return nil },
		"Client.Ping":            func(ctx context.Context) error { _, err := c.Ping(ctx); return err },
		"Client.Stats":           func(context.Context) error { c.Stats(); return nil },

		"Clients.All": func(ctx context.Context) error { return apispec.Drain(c.Clients.All(ctx, clientOpts)) },
		"Clients.Delete": func(ctx context.Context) error {
			return c.Clients.Delete(ctx, srv.SeedCustomer(halo.Customer{Name: "Gone"}).ID)
		},
		"Clients.Get": func(ctx context.Context) error { _, err := c.Clients.Get(ctx, cust.ID); return err },
		"Clients.ListPage": apispec.Pages(func(ctx context.Context, cur string) (*halo.Page[halo.Customer], error) {
			return c.Clients.ListPage(ctx, clientOpts, cur)
		}),
		"Clients.Save": func(ctx context.Context) error {
			v, err := c.Clients.Save(ctx, halo.Customer{Name: "Contoso", Inactive: halo.Ptr(false), TopLevelID: 1,
				CustomFields: []halo.CustomField{{ID: warranty.ID, Value: halo.TextValue("x")}}})
			if err == nil {
				_, err = c.Clients.Save(ctx, halo.Customer{ID: v.ID, Name: "Contoso Ltd"})
			}
			return err
		},

		"Sites.All": func(ctx context.Context) error { return apispec.Drain(c.Sites.All(ctx, siteOpts)) },
		"Sites.Delete": func(ctx context.Context) error {
			return c.Sites.Delete(ctx, srv.SeedSite(halo.Site{Name: "Gone", ClientID: cust.ID}).ID)
		},
		"Sites.Get": func(ctx context.Context) error { _, err := c.Sites.Get(ctx, site.ID); return err },
		"Sites.ListPage": apispec.Pages(func(ctx context.Context, cur string) (*halo.Page[halo.Site], error) {
			return c.Sites.ListPage(ctx, siteOpts, cur)
		}),
		"Sites.Save": func(ctx context.Context) error {
			_, err := c.Sites.Save(ctx, halo.Site{Name: "Branch", ClientID: cust.ID, Timezone: "UTC", Notes: "n", Inactive: halo.Ptr(false)})
			return err
		},

		"Users.All": func(ctx context.Context) error { return apispec.Drain(c.Users.All(ctx, userOpts)) },
		"Users.Delete": func(ctx context.Context) error {
			return c.Users.Delete(ctx, srv.SeedUser(halo.User{Name: "Gone", ClientID: cust.ID, SiteID: site.ID}).ID)
		},
		"Users.FindByEmail": func(ctx context.Context) error {
			_, err := c.Users.FindByEmail(ctx, cust.ID, "bo@acme.example")
			return err
		},
		"Users.Get": func(ctx context.Context) error { _, err := c.Users.Get(ctx, user.ID); return err },
		"Users.ListPage": apispec.Pages(func(ctx context.Context, cur string) (*halo.Page[halo.User], error) {
			return c.Users.ListPage(ctx, userOpts, cur)
		}),
		"Users.Save": func(ctx context.Context) error {
			_, err := c.Users.Save(ctx, halo.User{Name: "Al Bo", FirstName: "Al", Surname: "Bo", EmailAddress: "al@acme.example",
				Login: "al", SiteID: site.ID, ClientID: cust.ID, Inactive: halo.Ptr(false), AzureOID: "00000000-0000-0000-0000-000000000001"})
			return err
		},

		"Assets.All": func(ctx context.Context) error { return apispec.Drain(c.Assets.All(ctx, assetOpts)) },
		"Assets.Delete": func(ctx context.Context) error {
			return c.Assets.Delete(ctx, srv.SeedAsset(halo.Asset{InventoryNumber: "gone", SiteID: site.ID, AssetTypeID: typ.ID}).ID)
		},
		"Assets.Get": func(ctx context.Context) error { _, err := c.Assets.Get(ctx, assets[0].ID); return err },
		"Assets.ListPage": func(ctx context.Context) error {
			for _, o := range []*halo.AssetListOptions{assetOpts, assetOpts2} {
				err := apispec.Pages(func(ctx context.Context, cur string) (*halo.Page[halo.Asset], error) {
					return c.Assets.ListPage(ctx, o, cur)
				})(ctx)
				if err != nil {
					return err
				}
			}
			return nil
		},
		"Assets.Save": func(ctx context.Context) error {
			_, err := c.Assets.Save(ctx, rich(halo.Asset{InventoryNumber: "SRV-1", SiteID: site.ID, AssetTypeID: typ.ID}))
			return err
		},
		"Assets.SaveBatch": func(ctx context.Context) error {
			for _, r := range c.Assets.SaveBatch(ctx, []halo.Asset{rich(halo.Asset{ID: assets[1].ID}), {ID: assets[2].ID, Notes: "n"},
				{InventoryNumber: "SRV-2", SiteID: site.ID, AssetTypeID: typ.ID}}) {
				if r.Err != nil {
					return r.Err
				}
			}
			return nil
		},

		"AssetTypes.Delete": func(ctx context.Context) error {
			return c.AssetTypes.Delete(ctx, srv.SeedAssetType(halo.AssetType{Name: "Gone", AssetGroupID: grp.ID}).ID)
		},
		"AssetTypes.Get": func(ctx context.Context) error { _, err := c.AssetTypes.Get(ctx, typ.ID); return err },
		"AssetTypes.List": func(ctx context.Context) error {
			_, err := c.AssetTypes.List(ctx, &halo.AssetTypeListOptions{AssetGroupID: grp.ID})
			return err
		},
		"AssetTypes.Save": func(ctx context.Context) error {
			// Inactive stays unset here and on asset groups: Xtype and
			// Generic document no inactive field (vendors/halo.md §11.5).
			_, err := c.AssetTypes.Save(ctx, halo.AssetType{Name: "Server", AssetGroupID: grp.ID, KeyFieldID: serial.ID})
			return err
		},

		"AssetGroups.Delete": func(ctx context.Context) error {
			return c.AssetGroups.Delete(ctx, srv.SeedAssetGroup(halo.AssetGroup{Name: "Gone"}).ID)
		},
		"AssetGroups.Get":  func(ctx context.Context) error { _, err := c.AssetGroups.Get(ctx, grp.ID); return err },
		"AssetGroups.List": func(ctx context.Context) error { _, err := c.AssetGroups.List(ctx); return err },
		"AssetGroups.Save": func(ctx context.Context) error {
			_, err := c.AssetGroups.Save(ctx, halo.AssetGroup{Name: "Network"})
			return err
		},

		"Fields.AssetFields":  func(ctx context.Context) error { _, err := c.Fields.AssetFields(ctx); return err },
		"Fields.CustomFields": func(ctx context.Context) error { _, err := c.Fields.CustomFields(ctx); return err },
		"Fields.SaveAssetField": func(ctx context.Context) error {
			_, err := c.Fields.SaveAssetField(ctx, halo.AssetField{Name: "Manufacturer"})
			return err
		},
		"Fields.Resolve": func(ctx context.Context) error {
			fresh, err := srv.NewClient() // Resolve caches per client: a fresh one reads the definitions
			if err != nil {
				return err
			}
			_, err = fresh.Fields.Resolve(ctx, "Serial Number")
			return err
		},

		"Tickets.AddNote": func(ctx context.Context) error {
			_, err := c.Tickets.AddNote(ctx, ticket.ID, "<p>n</p>", &halo.NoteOptions{OutcomeID: halo.DefaultNoteOutcomeID, HTML: true, Visible: true, SendEmail: true})
			return err
		},
		"Tickets.All": func(ctx context.Context) error { return apispec.Drain(c.Tickets.All(ctx, ticketOpts)) },
		"Tickets.ClosedSince": func(ctx context.Context) error {
			return apispec.Drain(c.Tickets.ClosedSince(ctx, time.Now().Add(-time.Hour)))
		},
		"Tickets.Close": func(ctx context.Context) error {
			tk := srv.SeedTicket(halo.Ticket{Summary: "to close", ClientID: cust.ID, SiteID: site.ID, TicketTypeID: 1})
			_, err := c.Tickets.Close(ctx, tk.ID, &halo.CloseOptions{StatusID: halo.DefaultClosedStatusID, Note: "done", AgentID: 1})
			return err
		},
		"Contracts.All": func(ctx context.Context) error {
			return apispec.Drain(c.Contracts.All(ctx, &halo.ContractListOptions{ClientID: cust.ID, SiteID: site.ID, IncludeInactive: true,
				ExcludeRenewed: true, Search: "MSA", PageSize: 1}))
		},
		"Contracts.Get": func(ctx context.Context) error { _, err := c.Contracts.Get(ctx, contract.ID); return err },

		"Teams.Get": func(ctx context.Context) error { _, err := c.Teams.Get(ctx, team.ID); return err },
		"Teams.List": func(ctx context.Context) error {
			_, err := c.Teams.List(ctx, &halo.TeamListOptions{DepartmentID: 1, IncludeDisabled: true})
			return err
		},

		"Tickets.Create": func(ctx context.Context) error {
			_, err := c.Tickets.Create(ctx, halo.NewTicket{TicketTypeID: 1, ClientID: cust.ID, SiteID: site.ID, Summary: "s", Details: "d",
				PriorityID: 1, StatusID: 1, SourceID: 1, Team: "1st Line", Category1: "Alerts>Disk", Category2: "c2", Category3: "c3",
				Category4: "c4", ContractID: contract.ID, AssetIDs: []int{assets[0].ID},
				CustomFields: []halo.CustomField{{ID: warranty.ID, Value: halo.TextValue("x")}}, UseGeneralUser: true,
				ThirdPartyID: "datto:alert:1", CreatedFromID: ticket.ID})
			if err == nil {
				_, err = c.Tickets.Create(ctx, halo.NewTicket{ClientID: cust.ID, SiteID: site.ID, UserID: user.ID, Summary: "s",
					DetailsHTML: "<p>d</p>", ApplyTemplate: true})
			}
			return err
		},
		"Tickets.Delete": func(ctx context.Context) error {
			tk := srv.SeedTicket(halo.Ticket{Summary: "dup", ClientID: cust.ID, SiteID: site.ID, TicketTypeID: 1})
			if err := c.Tickets.Delete(ctx, tk.ID, "duplicate"); err != nil {
				return err
			}
			tk = srv.SeedTicket(halo.Ticket{Summary: "dup", ClientID: cust.ID, SiteID: site.ID, TicketTypeID: 1})
			return c.Tickets.Delete(ctx, tk.ID, "")
		},
		"Tickets.Get": func(ctx context.Context) error { _, err := c.Tickets.Get(ctx, ticket.ID); return err },
		"Tickets.ListPage": func(ctx context.Context) error {
			for _, o := range []*halo.TicketListOptions{ticketOpts, ticketOpts2} {
				err := apispec.Pages(func(ctx context.Context, cur string) (*halo.Page[halo.Ticket], error) {
					return c.Tickets.ListPage(ctx, o, cur)
				})(ctx)
				if err != nil {
					return err
				}
			}
			return nil
		},
		"Tickets.Save": func(ctx context.Context) error {
			_, err := c.Tickets.Save(ctx, halo.Ticket{ID: ticket.ID, Summary: "Disk full (C:)", AgentID: 1, Team: "1st Line",
				PriorityID: 2, DontDoRules: halo.Ptr(true), ClosureNote: "n", ReportedBy: "alerts", UserEmail: "bo@acme.example", ParentID: 0})
			return err
		},
		"Tickets.State": func(ctx context.Context) error {
			if _, _, err := c.Tickets.State(ctx, ticket.ID); err != nil {
				return err
			}
			_, _, err := c.Tickets.State(ctx, 999999) // missing: a 404, still a documented route
			return err
		},

		"Actions.Delete": func(ctx context.Context) error {
			return c.Actions.Delete(ctx, seedID(t, srv, "Actions", halo.Action{TicketID: ticket.ID, OutcomeID: 7, Note: "x"}))
		},
		"Actions.Get":  func(ctx context.Context) error { _, err := c.Actions.Get(ctx, ticket.ID, note); return err },
		"Actions.List": func(ctx context.Context) error { _, err := c.Actions.List(ctx, ticket.ID); return err },
		"Actions.Save": func(ctx context.Context) error {
			_, err := c.Actions.Save(ctx, halo.Action{TicketID: ticket.ID, OutcomeID: 7, Outcome: "Internal Note", Note: "n", PrivateNote: "p",
				HiddenFromUser: halo.Ptr(true), Important: halo.Ptr(false), SendEmail: halo.Ptr(false), TimeTaken: 0.25, NewStatus: 2})
			return err
		},

		"TicketTypes.Delete": func(ctx context.Context) error {
			return c.TicketTypes.Delete(ctx, srv.SeedTicketType(halo.TicketType{Name: "Gone"}).ID)
		},
		"TicketTypes.Get": func(ctx context.Context) error { _, err := c.TicketTypes.Get(ctx, 1); return err },
		"SLAs.Get": func(ctx context.Context) error {
			sla := srv.SeedSLA(halo.SLA{Name: "Standard", Priorities: []halo.SLAPriority{{PriorityID: 1}}})
			_, err := c.SLAs.Get(ctx, sla.ID)
			return err
		},
		"Agents.Me": func(ctx context.Context) error { _, err := c.Agents.Me(ctx); return err },
		"TicketTypes.List": func(ctx context.Context) error {
			_, err := c.TicketTypes.List(ctx, &halo.TicketTypeListOptions{ShowAll: true, ShowInactive: true, ClientID: cust.ID})
			return err
		},
		"TicketTypes.Save": func(ctx context.Context) error {
			_, err := c.TicketTypes.Save(ctx, halo.TicketType{Name: "Security alert", CanCreate: halo.Ptr(true)})
			return err
		},

		"Statuses.Delete": func(ctx context.Context) error {
			return c.Statuses.Delete(ctx, srv.SeedStatus(halo.Status{Name: "Gone"}, false).ID)
		},
		"Statuses.Get": func(ctx context.Context) error { _, err := c.Statuses.Get(ctx, halo.DefaultClosedStatusID); return err },
		"Statuses.List": func(ctx context.Context) error {
			_, err := c.Statuses.List(ctx, &halo.StatusListOptions{ExcludeClosed: true, TicketTypeID: 1, ShowAll: true})
			return err
		},
		"Statuses.Save": func(ctx context.Context) error {
			_, err := c.Statuses.Save(ctx, halo.Status{Name: "Waiting on vendor"})
			return err
		},
	}

	ops, reqs := apispec.Contract{
		Spec:   spec,
		Client: c,
		Calls:  calls,
		Quiet: map[string]string{
			"Client.ClosedStatusIDs": "reads the client's configuration",
			"Client.Counters":        "returns the client's counters",
			"Client.IsClosed":        "inspects a ticket already read",
			"Client.Stats":           "snapshots the client's counters",
		},
		Log:   apispec.FakeLog(srv.Requests, "/api", "/auth/token"), // the token endpoint is not in the document
		Reset: srv.ResetRequests,
		// userlookup binds the General User; Halo accepts it but its
		// document lacks it (vendors/halo.md §12.1, §17).
		AllowedBody: []string{"userlookup"},
	}.Run(t)
	t.Logf("%d operations invoked, %d requests checked against %s", ops, reqs, "halo-openapi.json")
}

// seedID seeds a record of a halotest resource and returns its id.
func seedID(t *testing.T, srv *halotest.Server, resource string, v any) int {
	t.Helper()
	rec, err := srv.Seed(resource, v)
	if err != nil {
		t.Fatal(err)
	}
	id, err := strconv.Atoi(fakeapi.KeyOf(rec, "id"))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestWriteTypesFitTheirSchemas sets every field of each type the client
// POSTs and checks the body against the resource's request schema, so a
// field Halo's schema lacks (and Halo refuses: additionalProperties is
// false) cannot be sent by setting it.
func TestWriteTypesFitTheirSchemas(t *testing.T) {
	t.Parallel()
	spec := apispec.ForTest(t, "halo-openapi.json")
	for path, v := range map[string]any{
		"/Client": &halo.Customer{}, "/Site": &halo.Site{}, "/Users": &halo.User{}, "/Asset": &halo.Asset{},
		"/AssetType": &halo.AssetType{}, "/AssetGroup": &halo.AssetGroup{}, "/Field": &halo.AssetField{},
		"/FieldInfo": &halo.CustomFieldDef{}, "/Tickets": &halo.Ticket{}, "/Actions": &halo.Action{},
		"/TicketType": &halo.TicketType{}, "/Status": &halo.Status{},
	} {
		fillAll(reflect.ValueOf(v).Elem())
		body, err := json.Marshal([]any{v})
		if err != nil {
			t.Fatal(err)
		}
		if err := spec.CheckBody("POST", path, body); err != nil {
			t.Errorf("%T: %v", v, err)
		}
	}
}

// fillAll gives every exported field of a struct a non-zero value.
func fillAll(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[halo.Time]() {
			v.Set(reflect.ValueOf(halo.Time{Time: time.Unix(1e9, 0)}))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() && v.Type().Field(i).Name != "Extra" {
				fillAll(v.Field(i))
			}
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillAll(v.Elem())
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 { // json.RawMessage
			v.SetBytes([]byte(`"x"`))
			return
		}
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fillAll(v.Index(0))
	case reflect.String:
		v.SetString("x")
	case reflect.Int, reflect.Int64:
		v.SetInt(1)
	case reflect.Float64:
		v.SetFloat(1)
	case reflect.Bool:
		v.SetBool(true)
	}
}
