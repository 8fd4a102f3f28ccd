package kaseyabms_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mspsync/mspsync/kaseyabms"
	"github.com/mspsync/mspsync/kaseyabms/kaseyabmstest"
)

func newInput(srv *kaseyabmstest.Server, acct kaseyabms.AccountSummary) kaseyabms.TicketInput {
	return kaseyabms.TicketInput{Title: "Too Many Downloads", Details: "d", AccountID: acct.ID, LocationID: srv.MainLocation(acct.ID).ID,
		StatusID: kaseyabmstest.StatusNew, PriorityID: kaseyabmstest.PriorityHigh, TypeID: kaseyabmstest.TicketTypeAlert,
		SourceID: kaseyabmstest.SourceMonitoring, OpenDate: kaseyabms.At(time.Date(2025, 1, 15, 10, 0, 0, 0, time.UTC))}
}

func TestCreateSendsRequiredFieldsAsIntegers(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	acct, ann := estate(srv)
	in := newInput(srv, acct)
	in.ContactID = ann.ID
	tk, err := c.Tickets.Create(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	if tk.ID == 0 || tk.TicketNumber == "" || tk.AccountName != "Contoso" || tk.StatusName != "New" {
		t.Errorf("created ticket = %+v", tk)
	}
	body := lastBody(t, srv, http.MethodPost, "/v2/servicedesk/tickets")
	for _, k := range []string{"Title", "Details", "AccountId", "LocationId", "StatusId", "PriorityId", "TypeId", "SourceId", "OpenDate"} {
		if _, ok := body[k]; !ok {
			t.Errorf("body lacks required %s: %v", k, body)
		}
	}
	for _, k := range []string{"AccountId", "LocationId", "StatusId", "PriorityId", "TypeId", "SourceId", "ContactId"} {
		if _, ok := body[k].(float64); !ok {
			t.Errorf("%s = %#v, want a JSON number", k, body[k])
		}
	}
	if body["OpenDate"] != "2025-01-15T10:00:00Z" {
		t.Errorf("OpenDate = %v", body["OpenDate"])
	}
	for _, k := range []string{"QueueId", "IssueTypeId", "SubIssueTypeId", "ContractId", "UseDefaultContract"} {
		if _, ok := body[k]; ok {
			t.Errorf("unset %s was sent: %v", k, body[k])
		}
	}
}

func TestValidationErrorKeepsSubErrorsAndIsNotRetried(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	acct, _ := estate(srv)
	in := newInput(srv, acct)
	in.Title = ""
	_, err := c.Tickets.Create(t.Context(), in)
	var he *kaseyabms.Error
	if !errors.As(err, &he) || he.StatusCode != http.StatusBadRequest {
		t.Fatalf("Create without a title = %v, want a 400", err)
	}
	info, ok := kaseyabms.ErrorInfoOf(err)
	if !ok || !slices.Contains(info.SubErrors, "The Title field is required.") {
		t.Errorf("ErrorInfoOf = %+v, %v", info, ok)
	}
	if !strings.Contains(err.Error(), "The Title field is required.") {
		t.Errorf("message %q lacks the sub-error", err)
	}
	if n := srv.Count(http.MethodPost, "/v2/servicedesk/tickets"); n != 1 {
		t.Errorf("creates = %d, want 1", n)
	}
	if len(srv.Tickets()) != 0 {
		t.Error("a ticket was stored")
	}
}

func TestInvalidIDIsSuccessFalse(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	acct, _ := estate(srv)
	in := newInput(srv, acct)
	in.QueueID = 99
	_, err := c.Tickets.Create(t.Context(), in)
	if !errors.Is(err, kaseyabms.ErrUnsuccessful) || errors.Is(err, kaseyabms.ErrNotFound) || !strings.Contains(err.Error(), "Invalid QueueId 99") {
		t.Fatalf("Create with an unknown queue = %v", err)
	}
}

func TestCreateIsNotRetriedAfterItMayHaveRun(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	acct, _ := estate(srv)
	srv.Inject(kaseyabmstest.Fault{Method: http.MethodPost, Path: "/v2/servicedesk/tickets", Status: http.StatusBadGateway, Applied: true})
	if _, err := c.Tickets.Create(t.Context(), newInput(srv, acct)); !errors.Is(err, kaseyabms.ErrServerError) {
		t.Fatalf("Create = %v, want the 502", err)
	}
	if n := srv.Count(http.MethodPost, "/v2/servicedesk/tickets"); n != 1 {
		t.Errorf("creates = %d, want 1 (never blind-retried)", n)
	}
	if len(srv.Tickets()) != 1 {
		t.Errorf("%d tickets; the applied create made one", len(srv.Tickets()))
	}
	// A 429 was refused before it ran: that one is retried.
	srv.Inject(kaseyabmstest.Fault{Method: http.MethodPost, Path: "/v2/servicedesk/tickets", Status: http.StatusTooManyRequests, RetryAfter: "0"})
	if _, err := c.Tickets.Create(t.Context(), newInput(srv, acct)); err != nil {
		t.Fatal(err)
	}
	if n := srv.Count(http.MethodPost, "/v2/servicedesk/tickets"); n != 3 {
		t.Errorf("creates = %d, want 3 (the 429 retried once)", n)
	}
	// A GET is replayed after a 503.
	srv.Inject(kaseyabmstest.Fault{Method: http.MethodGet, Path: "/v2/servicedesk/tickets/", Status: http.StatusServiceUnavailable})
	if _, err := c.Tickets.Get(t.Context(), srv.Tickets()[0].ID); err != nil {
		t.Fatal(err)
	}
}

func TestPagingStopsOnTotalRecords(t *testing.T) {
	t.Parallel()
	srv := kaseyabmstest.NewServer(t)
	c, err := srv.NewClient(kaseyabms.WithPageSize(2))
	if err != nil {
		t.Fatal(err)
	}
	acct, _ := estate(srv)
	for _, n := range []string{"b", "c", "d"} {
		srv.SeedContact(kaseyabms.Contact{AccountID: acct.ID, FirstName: n, EmailAddress: n + "@contoso.example", IsActive: true})
	}
	got, err := kaseyabms.Collect(c.Contacts.Search(t.Context(), nil))
	if err != nil || len(got) != 4 {
		t.Fatalf("Search = %d contacts, %v; want 4", len(got), err)
	}
	var pages []string
	for _, r := range srv.Requests() {
		if r.Path == "/v2/crm/contacts/search" {
			pages = append(pages, r.Query.Get("PageNumber")+"/"+r.Query.Get("PageSize"))
		}
	}
	if !slices.Equal(pages, []string{"1/2", "2/2"}) {
		t.Errorf("pages requested %v, want 1/2 and 2/2 (4 of TotalRecords 4 after two pages)", pages)
	}
}

func TestPageBaseZero(t *testing.T) {
	t.Parallel()
	srv := kaseyabmstest.NewServer(t, kaseyabmstest.WithPageBase(0))
	c, err := srv.NewClient(kaseyabms.WithPageSize(1))
	if err != nil {
		t.Fatal(err)
	}
	estate(srv)
	srv.SeedAccount(kaseyabms.AccountSummary{AccountName: "Fabrikam"})
	got, err := kaseyabms.Collect(c.Accounts.Lookup(t.Context(), nil))
	if err != nil || len(got) != 2 {
		t.Fatalf("Lookup = %+v, %v", got, err)
	}
	// The same server walked with base 1: page 1 and page 2 … page 1 is the
	// second account, page 2 is empty: one account is missed, which the
	// TotalRecords check reports.
	c1, _ := srv.NewClient(kaseyabms.WithPageSize(1), kaseyabms.WithPageBase(1))
	if _, err := kaseyabms.Collect(c1.Accounts.Lookup(t.Context(), nil)); !errors.Is(err, kaseyabms.ErrIncomplete) {
		t.Errorf("walk with the wrong base = %v, want ErrIncomplete", err)
	}
}

func TestRepeatedPageEndsTheWalk(t *testing.T) {
	t.Parallel()
	srv := kaseyabmstest.NewServer(t)
	c, err := srv.NewClient(kaseyabms.WithPageSize(1))
	if err != nil {
		t.Fatal(err)
	}
	estate(srv)
	srv.SeedAccount(kaseyabms.AccountSummary{AccountName: "Fabrikam"})
	// A client on base 0 against a 1-based server: page 0 is page 1.
	c0, _ := srv.NewClient(kaseyabms.WithPageSize(1), kaseyabms.WithPageBase(0))
	_, err = kaseyabms.Collect(c0.Accounts.Lookup(t.Context(), nil))
	if !errors.Is(err, kaseyabms.ErrNoProgress) || !strings.Contains(err.Error(), "page base") {
		t.Errorf("walk = %v, want ErrNoProgress naming the page base", err)
	}
	if _, err := kaseyabms.Collect(c.Accounts.Lookup(t.Context(), nil)); err != nil {
		t.Error(err)
	}
}

func TestContactsByEmailFiltersExactly(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	acct, ann := estate(srv)
	srv.SeedContact(kaseyabms.Contact{AccountID: acct.ID, FirstName: "Joanne", EmailAddress: "joann@contoso.example", IsActive: true}) // contains "ann@contoso.example"
	got, err := c.Contacts.ByEmail(t.Context(), "ANN@contoso.example", acct.ID, true)
	if err != nil || len(got) != 1 || got[0].ID != ann.ID || got[0].LocationID == 0 {
		t.Fatalf("ByEmail = %+v, %v; want only Ann with her location", got, err)
	}
	q := lastRequest(srv, "/v2/crm/contacts/search").Query
	if q.Get("Filter.EmailAddress") != "ANN@contoso.example" || q.Get("Filter.AccountIds") != itoa(acct.ID) || q.Get("Filter.IsActive") != "true" {
		t.Errorf("query = %v", q)
	}
}

func TestResponsesAreReadInEitherCase(t *testing.T) {
	t.Parallel()
	var camel, pascal kaseyabms.Ticket
	if err := json.Unmarshal([]byte(`{"id":7,"ticketNumber":"T1","accountId":3,"completedDate":"2025-01-15T10:00:00.1234567","slaId":2}`), &camel); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(`{"Id":7,"TicketNumber":"T1","AccountId":"3","CompletedDate":"2025-01-15T10:00:00.1234567Z"}`), &pascal); err != nil {
		t.Fatal(err)
	}
	for _, tk := range []kaseyabms.Ticket{camel, pascal} {
		if tk.ID != 7 || tk.TicketNumber != "T1" || tk.AccountID != 3 || !tk.CompletedDate.Equal(time.Date(2025, 1, 15, 10, 0, 0, 123456700, time.UTC)) {
			t.Errorf("decoded %+v", tk)
		}
	}
	if _, ok := camel.Extra["slaId"]; !ok {
		t.Errorf("unmodelled slaId not kept: %v", camel.Extra)
	}
}

func TestAccountSummaryIsReadWithoutEnvelope(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	acct, _ := estate(srv)
	child := srv.SeedAccount(kaseyabms.AccountSummary{AccountName: "Contoso Labs", ParentID: acct.ID})
	got, err := c.Accounts.Summary(t.Context(), child.ID)
	if err != nil || got.AccountName != "Contoso Labs" || got.ParentID != acct.ID {
		t.Fatalf("Summary = %+v, %v", got, err)
	}
	kids, err := kaseyabms.Collect(c.Accounts.Summaries(t.Context(), &kaseyabms.AccountSummaryOptions{ParentID: acct.ID}))
	if err != nil || len(kids) != 1 || kids[0].ID != child.ID {
		t.Errorf("children = %+v, %v", kids, err)
	}
	top, err := kaseyabms.Collect(c.Accounts.Summaries(t.Context(), &kaseyabms.AccountSummaryOptions{TopLevel: true, AccountTypeID: 1}))
	if err != nil || len(top) != 1 || top[0].ID != acct.ID {
		t.Errorf("top level = %+v, %v", top, err)
	}
	if q := lastRequest(srv, "/v2/crm/accounts/summary").Query; q.Get("Filter.AccountTypeId") != "1" {
		t.Errorf("query %v", q)
	}
}

func TestPingSaysWhoAndWhere(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	p, err := c.Ping(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	s := p.String()
	for _, want := range []string{srv.Tenant, "API Bot", srv.Username, "(id 12)", srv.URL()} {
		if !strings.Contains(s, want) {
			t.Errorf("Ping().String() = %q lacks %q", s, want)
		}
	}
}

func TestPerEndpointLimiter(t *testing.T) {
	t.Parallel()
	srv := kaseyabmstest.NewServer(t)
	c, err := srv.NewClient(kaseyabms.WithEndpointRateLimit(36000, 1)) // 10 a second, one at once
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for _, f := range []func() error{
		func() error { _, err := c.Lookups.Statuses(ctx); return err },
		func() error { _, err := c.Lookups.Priorities(ctx); return err },
		func() error { _, err := c.Lookups.Queues(ctx); return err },
	} {
		if err := f(); err != nil {
			t.Fatal(err)
		}
	}
	if w := c.Stats().Waits; w != 0 {
		t.Errorf("waits after one call to each of three endpoints = %d, want 0 (each has its own budget)", w)
	}
	if _, err := c.Lookups.Queues(ctx); err != nil {
		t.Fatal(err)
	}
	if w := c.Stats().Waits; w != 1 {
		t.Errorf("waits after a second call to one endpoint = %d, want 1", w)
	}
}

func TestTokenRequestFollowsNoRedirect(t *testing.T) {
	t.Parallel()
	other := kaseyabmstest.NewServer(t)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL()+strings.TrimPrefix(r.URL.Path, "/bms"), http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirector.Close)
	c, err := other.NewClient(kaseyabms.WithBaseURL(redirector.URL + "/bms"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Ping(t.Context())
	if !errors.Is(err, kaseyabms.ErrRedirect) || !errors.Is(err, kaseyabms.ErrForeignHost) {
		t.Fatalf("Ping through a redirecting token endpoint = %v, want ErrRedirect", err)
	}
	if strings.Contains(err.Error(), other.Password) {
		t.Errorf("error shows the password: %v", err)
	}
	if n := other.Count("", "/"); n != 0 {
		t.Errorf("the redirect target got %d requests", n)
	}
}

func TestFromEnvNamesEveryMissingSetting(t *testing.T) {
	t.Setenv(kaseyabms.EnvTenant, "")
	t.Setenv(kaseyabms.EnvUsername, "")
	t.Setenv(kaseyabms.EnvPassword, "")
	_, err := kaseyabms.FromEnv()
	var se *kaseyabms.SettingsError
	if !errors.As(err, &se) || !errors.Is(err, kaseyabms.ErrMissingSetting) || len(se.Missing) != 3 {
		t.Fatalf("FromEnv = %v", err)
	}
	t.Setenv(kaseyabms.EnvTenant, "Acme")
	t.Setenv(kaseyabms.EnvUsername, "u")
	t.Setenv(kaseyabms.EnvPassword, "p")
	t.Setenv(kaseyabms.EnvURL, "EMEA")
	c, err := kaseyabms.FromEnv()
	if err != nil || c.BaseURL() != "https://api.bmsemea.kaseya.com/" {
		t.Errorf("FromEnv(EMEA) = %v, %v", c, err)
	}
	t.Setenv(kaseyabms.EnvURL, "https://bms.proxy.example/v2")
	if c, err = kaseyabms.FromEnv(); err != nil || c.BaseURL() != "https://bms.proxy.example/" {
		t.Errorf("FromEnv(custom) = %v, %v", c, err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
