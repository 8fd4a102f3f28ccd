package kaseyabms_test

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mspsync/mspsync/internal/apispec"
	"github.com/mspsync/mspsync/kaseyabms"
	"github.com/mspsync/mspsync/kaseyabms/kaseyabmstest"
)

const specFile = "kaseyabms-openapi.json"

// TestContract calls every exported method of the client and of each of
// its services against kaseyabmstest — the list of methods comes from the
// client itself (apispec.Operations), so a method without an entry in the
// table below fails the test — and checks each request the fake saw
// against BMS's OpenAPI document: path, method, query parameter names and
// values (Filter.* included), path values, and body fields at every depth.
// Pages hold two items, so the walks cross pages. The token endpoints take
// forms, which TestTokenFormsFitTheSpec checks.
func TestContract(t *testing.T) {
	t.Parallel()
	spec := apispec.ForTest(t, specFile)
	srv := kaseyabmstest.NewServer(t)
	c, err := srv.NewClient(kaseyabms.WithPageSize(2))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	acct, ann := estate(srv)
	child := srv.SeedAccount(kaseyabms.AccountSummary{AccountName: "Contoso Labs", ParentID: acct.ID})
	srv.SeedAccount(kaseyabms.AccountSummary{AccountName: "Fabrikam"})
	for _, n := range []string{"Bo", "Cy", "Di"} {
		srv.SeedContact(kaseyabms.Contact{AccountID: acct.ID, FirstName: n, EmailAddress: n + "@contoso.example", IsActive: true})
	}
	issue := srv.SeedIssueType("Security")
	sub := srv.SeedSubIssueType(issue.ID, "Account compromise")
	contract := srv.SeedContract(acct.ID, "Managed Security", true)
	srv.SeedContract(acct.ID, "Break-fix", false)
	srv.SeedContract(child.ID, "Labs", true)
	svc := srv.SeedService("SaaS Alerts seat", 1.5, 3)
	srv.SeedService("SaaS Alerts premium seat", 2, 4)
	srv.SeedService("Backup", 1, 2)
	asset := srv.SeedHardwareAsset(acct.ID, "WS-042", ann.ID)
	srv.SeedHardwareAsset(acct.ID, "WS-043", ann.ID)
	srv.SeedHardwareAsset(acct.ID, "WS-044", 0)
	loc := srv.MainLocation(acct.ID)
	cf := []kaseyabms.CustomFieldData{{CustomFieldID: 9, Data: "ag1-0123"}}
	input := kaseyabms.TicketInput{Title: "Too Many Downloads", Details: "d", AccountID: acct.ID, LocationID: loc.ID, ContactID: ann.ID,
		HardwareAssetID: asset.ID, QueueID: kaseyabmstest.QueueSecurity, StatusID: kaseyabmstest.StatusNew, PriorityID: kaseyabmstest.PriorityHigh,
		TypeID: kaseyabmstest.TicketTypeAlert, IssueTypeID: issue.ID, SubIssueTypeID: sub.ID, ContractID: contract.ID,
		SourceID: kaseyabmstest.SourceMonitoring, OpenDate: kaseyabms.At(time.Now()), DueDate: &kaseyabms.Time{Time: time.Now().Add(time.Hour)},
		CustomFieldsData: cf}
	var tickets []int
	for range 3 {
		tk, err := c.Tickets.Create(ctx, input)
		if err != nil {
			t.Fatal(err)
		}
		tickets = append(tickets, tk.ID)
	}
	for range 3 {
		if _, err := c.Tickets.AddNote(ctx, tickets[0], kaseyabms.NoteInput{Details: "n", IsInternal: true, TypeID: kaseyabmstest.NoteTypeInternal}); err != nil {
			t.Fatal(err)
		}
	}
	srv.CompleteTicket(tickets[2])
	yes := true
	ticketOpts := &kaseyabms.TicketListOptions{Title: "Too", Account: "Contoso", AccountIDs: "1", TicketNumber: "", Details: "d", ContactID: ann.ID,
		StatusNames: "New", QueueNames: "Security", PriorityNames: "High", IssueTypeNames: "Security", SourceIDs: "5",
		HardwareAssetID: asset.ID, AccountLocationID: loc.ID, ExcludeCompleted: true, OpenDateFrom: time.Now().Add(-time.Hour),
		OpenDateTo: time.Now().Add(time.Hour), Sort: "Id"}
	closedOpts := &kaseyabms.TicketListOptions{CompletedDateFrom: time.Now().Add(-time.Hour), CompletedDateTo: time.Now().Add(time.Hour)}
	for range 2 {
		if _, err := c.Webhooks.Create(ctx, kaseyabms.WebhookInput{Name: "mspsync", PayloadURL: "https://hooks.example/bms", IsEnabled: true}); err != nil {
			t.Fatal(err)
		}
	}

	calls := map[string]func(ctx context.Context) error{
		"Client.AuthStats": func(context.Context) error { c.AuthStats(); return nil },
		"Client.BaseURL":   func(context.Context) error { c.BaseURL(); return nil },
		"Client.Counters":  func(context.Context) error { c.Counters(); return nil },
		"Client.Stats":     func(context.Context) error { c.Stats(); return nil },
		"Client.Ping":      func(ctx context.Context) error { _, err := c.Ping(ctx); return err },
		"Client.UserInfo":  func(ctx context.Context) error { _, err := c.UserInfo(ctx); return err },

		"Tickets.Create": func(ctx context.Context) error { _, err := c.Tickets.Create(ctx, input); return err },
		"Tickets.Get":    func(ctx context.Context) error { _, err := c.Tickets.Get(ctx, tickets[0]); return err },
		"Tickets.All": func(ctx context.Context) error {
			if err := apispec.Drain(c.Tickets.All(ctx, ticketOpts)); err != nil {
				return err
			}
			return apispec.Drain(c.Tickets.All(ctx, closedOpts))
		},
		"Tickets.ListPage": apispec.Pages(func(ctx context.Context, cur string) (*kaseyabms.Page[kaseyabms.TicketListItem], error) {
			return c.Tickets.ListPage(ctx, nil, cur)
		}),
		"Tickets.Update": func(ctx context.Context) error {
			_, err := c.Tickets.Update(ctx, tickets[1], kaseyabms.Replace("StatusId", kaseyabmstest.StatusInProgress), kaseyabms.Replace("/Title", "t"))
			return err
		},
		"Tickets.Resolve": func(ctx context.Context) error {
			_, err := c.Tickets.Resolve(ctx, tickets[1], kaseyabms.ResolveInput{Comment: "done", StatusID: kaseyabmstest.StatusCompleted, IsInternal: true})
			return err
		},
		"Tickets.AddNote": func(ctx context.Context) error {
			_, err := c.Tickets.AddNote(ctx, tickets[0], kaseyabms.NoteInput{Details: "n", IsInternal: true, TypeID: 1, StatusID: kaseyabmstest.StatusInProgress,
				NoteDate: kaseyabms.At(time.Now())})
			return err
		},
		"Tickets.Notes": func(ctx context.Context) error { return apispec.Drain(c.Tickets.Notes(ctx, tickets[0])) },
		"Tickets.NotesPage": apispec.Pages(func(ctx context.Context, cur string) (*kaseyabms.Page[kaseyabms.Note], error) {
			return c.Tickets.NotesPage(ctx, tickets[0], cur)
		}),

		"Accounts.Lookup": func(ctx context.Context) error {
			return apispec.Drain(c.Accounts.Lookup(ctx, &kaseyabms.AccountLookupOptions{Name: "o", IDs: []int{acct.ID, child.ID}, WithInactive: true, WithSecurityScope: true, Sort: "Name"}))
		},
		"Accounts.LookupPage": apispec.Pages(func(ctx context.Context, cur string) (*kaseyabms.Page[kaseyabms.AccountLookup], error) {
			return c.Accounts.LookupPage(ctx, nil, cur)
		}),
		"Accounts.Summaries": func(ctx context.Context) error {
			return apispec.Drain(c.Accounts.Summaries(ctx, &kaseyabms.AccountSummaryOptions{AccountName: "Contoso", AccountCode: "CONTOSO", AccountTypeID: 1,
				AccountTypeName: "Customer", IsActive: &yes, Sort: "AccountName", ParentID: acct.ID}))
		},
		"Accounts.SummariesPage": apispec.Pages(func(ctx context.Context, cur string) (*kaseyabms.Page[kaseyabms.AccountSummary], error) {
			return c.Accounts.SummariesPage(ctx, &kaseyabms.AccountSummaryOptions{TopLevel: true}, cur)
		}),
		"Accounts.Summary": func(ctx context.Context) error { _, err := c.Accounts.Summary(ctx, acct.ID); return err },

		"Locations.Lookup": func(ctx context.Context) error { _, err := c.Locations.Lookup(ctx, acct.ID); return err },
		"Locations.Main":   func(ctx context.Context) error { _, err := c.Locations.Main(ctx, acct.ID); return err },

		"Contacts.Search": func(ctx context.Context) error {
			return apispec.Drain(c.Contacts.Search(ctx, &kaseyabms.ContactSearchOptions{IDs: []int{ann.ID}, AccountIDs: []int{acct.ID}, AccountName: "Contoso",
				LocationID: loc.ID, FirstName: "Ann", LastName: "Lee", EmailAddress: "ann@contoso.example", IsActive: &yes, Sort: "LastName"}))
		},
		"Contacts.SearchPage": apispec.Pages(func(ctx context.Context, cur string) (*kaseyabms.Page[kaseyabms.Contact], error) {
			return c.Contacts.SearchPage(ctx, nil, cur)
		}),
		"Contacts.ByEmail": func(ctx context.Context) error {
			_, err := c.Contacts.ByEmail(ctx, "ann@contoso.example", acct.ID, true)
			return err
		},
		"Contacts.Get": func(ctx context.Context) error { _, err := c.Contacts.Get(ctx, ann.ID); return err },
		"Contacts.OfAccount": func(ctx context.Context) error {
			return apispec.Drain(c.Contacts.OfAccount(ctx, acct.ID, &kaseyabms.AccountContactOptions{Name: "a", LocationID: loc.ID}))
		},
		"Contacts.OfAccountPage": apispec.Pages(func(ctx context.Context, cur string) (*kaseyabms.Page[kaseyabms.AccountContact], error) {
			return c.Contacts.OfAccountPage(ctx, acct.ID, nil, cur)
		}),

		"Contracts.Lookup": func(ctx context.Context) error {
			_, err := c.Contracts.Lookup(ctx, &kaseyabms.ContractLookupOptions{IDs: []int{contract.ID}, AccountID: acct.ID, Name: "Managed", ExcludeExpiredContracts: true})
			return err
		},
		"Contracts.Summaries": func(ctx context.Context) error {
			return apispec.Drain(c.Contracts.Summaries(ctx, &kaseyabms.ContractSummaryOptions{ContractName: "a", AccountName: "Contoso", ContractType: "Recurring Services", Status: "Active", Sort: "ContractName"}))
		},
		"Contracts.SummariesPage": apispec.Pages(func(ctx context.Context, cur string) (*kaseyabms.Page[kaseyabms.ContractSummary], error) {
			return c.Contracts.SummariesPage(ctx, nil, cur)
		}),
		"Contracts.AddServices": func(ctx context.Context) error {
			_, err := c.Contracts.AddServices(ctx, contract.ID, []kaseyabms.RecurringServiceInput{{ServiceID: svc.ID, ServiceName: svc.Name,
				ServiceDescription: "seats", Units: 12, UnitCost: 1.5, UnitPrice: 3, EffectiveDate: kaseyabms.At(time.Now()), SortOrder: 1}})
			return err
		},

		"Services.Lookup": func(ctx context.Context) error {
			return apispec.Drain(c.Services.Lookup(ctx, &kaseyabms.ServiceLookupOptions{Name: "SaaS"}))
		},
		"Services.LookupPage": apispec.Pages(func(ctx context.Context, cur string) (*kaseyabms.Page[kaseyabms.ServiceLookup], error) {
			return c.Services.LookupPage(ctx, &kaseyabms.ServiceLookupOptions{ID: svc.ID}, cur)
		}),
		"Services.Get": func(ctx context.Context) error { _, err := c.Services.Get(ctx, svc.ID); return err },
		"Services.Create": func(ctx context.Context) error {
			_, err := c.Services.Create(ctx, kaseyabms.ServiceInput{Name: "Seat", Description: "d", UnitCost: 1, UnitPrice: 2, CategoryID: 1, IsActive: true, IsTaxable: true})
			return err
		},

		"Lookups.Statuses":      func(ctx context.Context) error { _, err := c.Lookups.Statuses(ctx); return err },
		"Lookups.Priorities":    func(ctx context.Context) error { _, err := c.Lookups.Priorities(ctx); return err },
		"Lookups.Queues":        func(ctx context.Context) error { _, err := c.Lookups.Queues(ctx); return err },
		"Lookups.IssueTypes":    func(ctx context.Context) error { _, err := c.Lookups.IssueTypes(ctx, "Sec"); return err },
		"Lookups.SubIssueTypes": func(ctx context.Context) error { _, err := c.Lookups.SubIssueTypes(ctx, issue.ID); return err },
		"Lookups.AccountTypes":  func(ctx context.Context) error { _, err := c.Lookups.AccountTypes(ctx); return err },
		"Lookups.Generic":       func(ctx context.Context) error { _, err := c.Lookups.Generic(ctx, "TicketTypes"); return err },

		"Webhooks.Create": func(ctx context.Context) error {
			_, err := c.Webhooks.Create(ctx, kaseyabms.WebhookInput{Name: "n", PayloadURL: "https://hooks.example/x", IsEnabled: true, Secret: "s",
				ContentType: 1, SendAllEvents: false, Events: []int{1, 3}})
			return err
		},
		"Webhooks.All": func(ctx context.Context) error {
			return apispec.Drain(c.Webhooks.All(ctx, &kaseyabms.WebhookListOptions{Name: "mspsync", PayloadURL: "https://hooks.example/bms"}))
		},
		"Webhooks.ListPage": apispec.Pages(func(ctx context.Context, cur string) (*kaseyabms.Page[kaseyabms.Webhook], error) {
			return c.Webhooks.ListPage(ctx, nil, cur)
		}),
		"Webhooks.Events": func(ctx context.Context) error { _, err := c.Webhooks.Events(ctx); return err },

		"HardwareAssets.Search": func(ctx context.Context) error {
			return apispec.Drain(c.HardwareAssets.Search(ctx, &kaseyabms.HardwareAssetOptions{AssetName: "WS", SerialNumber: "SN-WS-042", AccountID: acct.ID, ContactID: ann.ID, IsActive: &yes}))
		},
		"HardwareAssets.SearchPage": apispec.Pages(func(ctx context.Context, cur string) (*kaseyabms.Page[kaseyabms.HardwareAsset], error) {
			return c.HardwareAssets.SearchPage(ctx, nil, cur)
		}),
	}
	ops, reqs := apispec.Contract{
		Spec:   spec,
		Client: c,
		Calls:  calls,
		Quiet: map[string]string{
			"Client.AuthStats": "reads the client's token counters",
			"Client.BaseURL":   "returns the configured base URL",
			"Client.Counters":  "returns the client's counters",
			"Client.Stats":     "snapshots the client's counters",
		},
		Log:   apispec.FakeLog(srv.Requests, "", "/v2/security/authenticate", "/v2/security/refreshtoken"),
		Reset: srv.ResetRequests,
	}.Run(t)
	t.Logf("%d operations invoked, %d requests checked against %s", ops, reqs, specFile)
}

// TestTokenFormsFitTheSpec checks the form fields of the token requests
// against the multipart schemas the document declares for them (apispec
// checks JSON bodies only).
func TestTokenFormsFitTheSpec(t *testing.T) {
	t.Parallel()
	apispec.ForTest(t, specFile) // skips without the documents
	raw, err := os.ReadFile(filepath.Join(os.Getenv(apispec.EnvVar), specFile))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]struct {
					Schema struct {
						Required   []string                   `json:"required"`
						Properties map[string]json.RawMessage `json:"properties"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	srv := kaseyabmstest.NewServer(t, kaseyabmstest.WithTokenTTL(10*time.Minute, time.Hour))
	c, err := srv.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv.Advance(9*time.Minute + 30*time.Second)
	if _, err := c.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/v2/security/authenticate", "/v2/security/refreshtoken"} {
		r := lastRequest(srv, path)
		if r.Method == "" {
			t.Fatalf("no %s request", path)
		}
		form, err := url.ParseQuery(string(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		sch := doc.Paths[path]["post"].RequestBody.Content["multipart/form-data"].Schema
		for k := range form {
			if _, ok := sch.Properties[k]; !ok {
				t.Errorf("%s: form field %s is not in the spec", path, k)
			}
		}
		for _, k := range sch.Required {
			if form.Get(k) == "" {
				t.Errorf("%s: required form field %s not sent", path, k)
			}
		}
	}
}
