package kaseyabmsdriver_test

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/memstore"
	"github.com/mspsync/mspsync/kaseyabms"
	"github.com/mspsync/mspsync/kaseyabms/kaseyabmsdriver"
	"github.com/mspsync/mspsync/kaseyabms/kaseyabmstest"
)

var t0 = time.Date(2025, 1, 15, 10, 0, 0, 0, time.UTC)

// saas is a SaaS Alerts-shaped alert: user, alert type, organisation,
// time.
func saas(n int, user, typ, org string, at time.Time) alerting.Alert {
	return alerting.Alert{Source: "saasalerts", EventID: fmt.Sprintf("evt-%d", n), Kind: alerting.Raise, Type: typ, User: user,
		Customer: alerting.CustomerRef{ID: org, Name: "Org " + org}, Severity: alerting.SeverityHigh, Title: typ + " by " + user,
		Body: user + " triggered " + typ, Time: at}
}

func (w *world) engine(t *testing.T, cfg alerting.Config, opts ...kaseyabmsdriver.Option) (*alerting.Engine, *kaseyabmsdriver.AlertSink) {
	t.Helper()
	sink := kaseyabmsdriver.NewAlertSink(w.c, append([]kaseyabmsdriver.Option{sinkDefaults}, opts...)...)
	if err := sink.Validate(t.Context(), cfg); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	eng, err := alerting.New(cfg, memstore.New(), sink)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	return eng, sink
}

func deliver(t *testing.T, eng *alerting.Engine, alerts ...alerting.Alert) {
	t.Helper()
	for _, a := range alerts {
		if _, err := eng.Accept(t.Context(), a); err != nil {
			t.Fatalf("Accept %s: %v", a.EventID, err)
		}
	}
	if _, err := eng.ProcessPending(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// completeOpen completes every open ticket, as the technician does.
func (w *world) completeOpen() {
	for _, tk := range w.srv.Tickets() {
		if tk.CompletedDate.IsZero() {
			w.srv.CompleteTicket(tk.ID)
		}
	}
}

func TestSeedScenarioInBothGroupingModes(t *testing.T) {
	t.Parallel()
	for _, mode := range []alerting.Grouping{alerting.GroupUser, alerting.GroupUserAlert} {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			eng, _ := w.engine(t, w.config(mode), kaseyabmsdriver.WithGroupKeyField(9))
			deliver(t, eng, saas(1, "ann@contoso.example", "Too Many Downloads", "org-1", t0))
			deliver(t, eng, saas(2, "ann@contoso.example", "Too Many Uploads", "org-1", t0.Add(15*time.Minute)))
			switch tks := w.srv.Tickets(); mode {
			case alerting.GroupUser:
				if len(tks) != 1 {
					t.Fatalf("User mode: %d tickets after two alerts, want 1", len(tks))
				}
				if notes := w.srv.Notes(tks[0].ID); len(notes) != 1 || !strings.Contains(notes[0].Details, "Too Many Uploads") || !notes[0].IsInternal {
					t.Errorf("User mode: notes %+v, want one internal note for Too Many Uploads", notes)
				}
			case alerting.GroupUserAlert:
				if len(tks) != 2 || tks[1].Title != "Too Many Uploads by ann@contoso.example" {
					t.Fatalf("User+Alert mode: tickets %+v, want a second ticket for Too Many Uploads", titles(tks))
				}
				if n := len(w.srv.Notes(tks[0].ID)); n != 0 {
					t.Errorf("User+Alert mode: %d notes on the first ticket", n)
				}
			}
			w.completeOpen()
			before := len(w.srv.Tickets())
			deliver(t, eng, saas(3, "ann@contoso.example", "Multiple MFA Failures", "org-1", t0.Add(time.Hour)))
			tks := w.srv.Tickets()
			if len(tks) != before+1 || !strings.HasPrefix(tks[len(tks)-1].Title, "Multiple MFA Failures") {
				t.Fatalf("after the close: %v, want a new ticket for Multiple MFA Failures", titles(tks))
			}
			for _, tk := range tks {
				if tk.AccountID != w.contoso.ID || tk.ContactID != w.ann.ID || tk.LocationID != w.ann.LocationID {
					t.Errorf("ticket %d on account %d contact %d location %d; want Contoso, Ann (exactly one active contact with her address)",
						tk.ID, tk.AccountID, tk.ContactID, tk.LocationID)
				}
				if tk.TypeID != kaseyabmstest.TicketTypeAlert || tk.SourceID != kaseyabmstest.SourceMonitoring || tk.StatusName == "" ||
					tk.QueueID != kaseyabmstest.QueueSecurity || tk.PriorityID != kaseyabmstest.PriorityHigh {
					t.Errorf("ticket %d defaults: type %d source %d status %d queue %d priority %d", tk.ID, tk.TypeID, tk.SourceID, tk.StatusID, tk.QueueID, tk.PriorityID)
				}
				if cf := w.srv.TicketCustomFields(tk.ID); len(cf) != 1 || cf[0].CustomFieldID != 9 || !strings.HasPrefix(cf[0].Data, "ag1-") {
					t.Errorf("ticket %d custom fields %+v, want the group key in field 9", tk.ID, cf)
				}
				if !tk.OpenDate.Equal(t0) && !tk.OpenDate.Equal(t0.Add(15*time.Minute)) && !tk.OpenDate.Equal(t0.Add(time.Hour)) {
					t.Errorf("ticket %d OpenDate %s is not its alert's time", tk.ID, tk.OpenDate)
				}
			}
		})
	}
}

func titles(tks []kaseyabms.Ticket) []string {
	var out []string
	for _, tk := range tks {
		out = append(out, tk.Title)
	}
	return out
}

func TestCatchAllAndDefaultContact(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// A second active Ann elsewhere does not matter; a duplicate address
	// inside Contoso does (no single contact: the default contact).
	w.srv.SeedContact(kaseyabms.Contact{AccountID: w.contoso.ID, FirstName: "Dup", EmailAddress: "dup@contoso.example", IsActive: true})
	w.srv.SeedContact(kaseyabms.Contact{AccountID: w.contoso.ID, FirstName: "Dup2", EmailAddress: "dup@contoso.example", IsActive: true})
	gone := w.srv.SeedContact(kaseyabms.Contact{AccountID: w.contoso.ID, FirstName: "Gone", EmailAddress: "gone@contoso.example", IsActive: false})
	eng, _ := w.engine(t, w.config(alerting.GroupUser))
	deliver(t, eng,
		saas(1, "zed@fabrikam.example", "Too Many Downloads", "org-9", t0), // unmapped organisation
		saas(2, "bob@contoso.example", "Too Many Downloads", "org-1", t0),  // unknown e-mail address
		saas(3, "dup@contoso.example", "Too Many Downloads", "org-1", t0),  // two active contacts
		saas(4, "gone@contoso.example", "Too Many Downloads", "org-1", t0), // an inactive contact only
		saas(5, "ann@contoso.example", "Too Many Downloads", "org-9", t0))  // Ann, but the organisation is unmapped
	want := map[string][2]int{
		"zed@fabrikam.example": {w.catchAll.ID, w.catchCt.ID},
		"bob@contoso.example":  {w.contoso.ID, w.frontDesk.ID},
		"dup@contoso.example":  {w.contoso.ID, w.frontDesk.ID},
		"gone@contoso.example": {w.contoso.ID, w.frontDesk.ID},
		"ann@contoso.example":  {w.catchAll.ID, w.catchCt.ID},
	}
	tks := w.srv.Tickets()
	if len(tks) != len(want) {
		t.Fatalf("%d tickets, want %d: %v", len(tks), len(want), titles(tks))
	}
	for _, tk := range tks {
		user := strings.TrimPrefix(tk.Title, "Too Many Downloads by ")
		if got := [2]int{tk.AccountID, tk.ContactID}; got != want[user] {
			t.Errorf("%s: account, contact = %v, want %v", user, got, want[user])
		}
		if tk.ContactID == gone.ID {
			t.Errorf("ticket %d is on an inactive contact", tk.ID)
		}
	}
	if n := w.srv.Count("GET", "/v2/crm/contacts/search"); n < 4 {
		t.Errorf("contact searches = %d", n)
	}
	q := lastQuery(w.srv, "/v2/crm/contacts/search", "Filter.EmailAddress")
	if q.Get("Filter.IsActive") != "true" || q.Get("Filter.AccountIds") == "" {
		t.Errorf("contact search %v, want Filter.EmailAddress with Filter.AccountIds and Filter.IsActive=true", q)
	}
}

func lastQuery(srv *kaseyabmstest.Server, path, must string) url.Values {
	var out url.Values
	for _, r := range srv.Requests() {
		if r.Path == path && r.Query.Get(must) != "" {
			out = r.Query
		}
	}
	return out
}

func TestIssueTypeCombinations(t *testing.T) {
	t.Parallel()
	type ids struct{ issue, sub int }
	w0 := newWorld(t) // ids are the same in every world
	sec, comp, exfil, acct, mal := w0.security.ID, w0.compromise.ID, w0.exfil.ID, w0.account.ID, w0.malware.ID
	cases := []struct {
		name                string
		def                 alerting.TicketDefaults
		rules               []alerting.AlertTypeRule
		downloads, mfa, etc ids
	}{
		{name: "none", downloads: ids{}, mfa: ids{}, etc: ids{}},
		{name: "default type", def: alerting.TicketDefaults{IssueType: "Security"},
			downloads: ids{sec, 0}, mfa: ids{sec, 0}, etc: ids{sec, 0}},
		{name: "default type and sub-type", def: alerting.TicketDefaults{IssueType: "Security", SubIssueType: "Account compromise"},
			downloads: ids{sec, comp}, mfa: ids{sec, comp}, etc: ids{sec, comp}},
		{name: "overrides only", rules: []alerting.AlertTypeRule{
			{Type: "Too Many Downloads", Ticket: alerting.TicketDefaults{IssueType: "Security", SubIssueType: "Data exfiltration"}},
			{Type: "multiple mfa failures", Ticket: alerting.TicketDefaults{IssueType: id(acct)}}},
			downloads: ids{sec, exfil}, mfa: ids{acct, 0}, etc: ids{}},
		{name: "defaults and overrides", def: alerting.TicketDefaults{IssueType: "Security", SubIssueType: "Account compromise"},
			rules: []alerting.AlertTypeRule{
				{Type: "Too Many Downloads", Ticket: alerting.TicketDefaults{SubIssueType: id(exfil)}},  // keeps the default issue type
				{Type: "Multiple MFA Failures", Ticket: alerting.TicketDefaults{IssueType: "Malware"}}}, // its own issue type, no sub-type
			downloads: ids{sec, exfil}, mfa: ids{mal, 0}, etc: ids{sec, comp}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			cfg := w.config(alerting.GroupPerAlert)
			cfg.Ticket.IssueType, cfg.Ticket.SubIssueType = c.def.IssueType, c.def.SubIssueType
			cfg.AlertTypes = c.rules
			eng, _ := w.engine(t, cfg)
			deliver(t, eng, saas(1, "ann@contoso.example", "Too Many Downloads", "org-1", t0),
				saas(2, "ann@contoso.example", "Multiple MFA Failures", "org-1", t0),
				saas(3, "ann@contoso.example", "Login From Unusual Country", "org-1", t0))
			got := map[string]ids{}
			for _, tk := range w.srv.Tickets() {
				got[strings.TrimSuffix(tk.Title, " by ann@contoso.example")] = ids{tk.IssueTypeID, tk.SubIssueTypeID}
			}
			want := map[string]ids{"Too Many Downloads": c.downloads, "Multiple MFA Failures": c.mfa, "Login From Unusual Country": c.etc}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s: issue type, sub-issue type = %v, want %v", k, got[k], v)
				}
			}
			body := lastPost(t, w.srv, "Login From Unusual Country")
			if c.etc == (ids{}) {
				if _, sent := body["IssueTypeId"]; sent {
					t.Errorf("IssueTypeId sent without an issue type: %v", body)
				}
			}
		})
	}
}

func TestContractOnTicket(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.srv.SeedContract(w.contoso.ID, "Break-fix", false)
	other := w.srv.SeedContract(w.contoso.ID, "Project", false)
	cfg := w.config(alerting.GroupPerAlert)
	cfg.AttachContract = true
	eng, _ := w.engine(t, cfg)
	deliver(t, eng, saas(1, "ann@contoso.example", "Too Many Downloads", "org-1", t0),
		saas(2, "zed@fabrikam.example", "Too Many Downloads", "org-9", t0)) // the catch-all has no contract
	byAcct := map[int]kaseyabms.Ticket{}
	for _, tk := range w.srv.Tickets() {
		byAcct[tk.AccountID] = tk
	}
	if tk := byAcct[w.contoso.ID]; tk.ContractID != w.contract.ID {
		t.Errorf("Contoso ticket contract = %d, want the default contract %d", tk.ContractID, w.contract.ID)
	}
	if tk := byAcct[w.catchAll.ID]; tk.ContractID != 0 {
		t.Errorf("catch-all ticket contract = %d, want none", tk.ContractID)
	}
	q := lastQuery(w.srv, "/v2/finance/contracts/lookup", "AccountId")
	if q["ExcludeExpiredContracts"][0] != "true" {
		t.Errorf("contract lookup %v", q)
	}
	// A contract named in the mapping wins.
	cfg.Customers[0].Contract = id(other.ID)
	eng2, _ := w.engine(t, cfg)
	deliver(t, eng2, saas(3, "ann@contoso.example", "Too Many Uploads", "org-1", t0))
	tks := w.srv.Tickets()
	if tk := tks[len(tks)-1]; tk.ContractID != other.ID {
		t.Errorf("mapped contract = %d, want %d", tk.ContractID, other.ID)
	}
	if body := lastPost(t, w.srv, "Too Many Uploads"); body["ContractId"] != float64(other.ID) {
		t.Errorf("body ContractId = %v", body["ContractId"])
	}
}

// lastPost returns the body of the last ticket create whose title starts
// with title.
func lastPost(t *testing.T, srv *kaseyabmstest.Server, title string) map[string]any {
	t.Helper()
	var out map[string]any
	for _, r := range srv.Requests() {
		if r.Method != "POST" || r.Path != "/v2/servicedesk/tickets" {
			continue
		}
		var m map[string]any
		if err := jsonUnmarshal(r.Body, &m); err != nil {
			t.Fatal(err)
		}
		if s, _ := m["Title"].(string); strings.HasPrefix(s, title) {
			out = m
		}
	}
	if out == nil {
		t.Fatalf("no ticket create titled %q", title)
	}
	return out
}

func TestValidateChecksContactsAndDefaults(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	sink := kaseyabmsdriver.NewAlertSink(w.c, sinkDefaults)
	if err := sink.Validate(t.Context(), w.config(alerting.GroupUser)); err != nil {
		t.Fatalf("Validate(good) = %v", err)
	}
	inactive := w.srv.SeedContact(kaseyabms.Contact{AccountID: w.contoso.ID, FirstName: "Old", IsActive: false})
	cfg := w.config(alerting.GroupUser)
	cfg.Customers = append(cfg.Customers,
		alerting.CustomerMapping{Source: "saasalerts", SourceCustomer: "org-2", Customer: id(w.contoso.ID)},                            // no contact
		alerting.CustomerMapping{Source: "saasalerts", SourceCustomer: "org-3", Customer: id(w.contoso.ID), Contact: id(w.catchCt.ID)}, // contact of another account
		alerting.CustomerMapping{Source: "saasalerts", SourceCustomer: "org-4", Customer: id(w.contoso.ID), Contact: id(inactive.ID)},  // inactive
		alerting.CustomerMapping{Source: "saasalerts", SourceCustomer: "org-5", Customer: "999", Contact: id(w.ann.ID)},                // no such account
		alerting.CustomerMapping{Source: "saasalerts", SourceCustomer: "org-6", Customer: id(w.contoso.ID), Disabled: true})            // off: not checked
	cfg.CatchAll.Contact = ""
	cfg.Ticket.Status = "Parked"
	cfg.Ticket.IssueType, cfg.Ticket.SubIssueType = "Malware", "Account compromise"
	cfg.AlertTypes = []alerting.AlertTypeRule{{Type: "x", Ticket: alerting.TicketDefaults{Queue: "Nope"}}}
	err := sink.Validate(t.Context(), cfg)
	if !errors.Is(err, alerting.ErrInvalidConfig) {
		t.Fatalf("Validate(bad) = %v, want ErrInvalidConfig", err)
	}
	for _, want := range []string{"customers[1].contact", "customers[2].contact", "belongs to account", "customers[3].contact", "inactive",
		"customers[4].customer", "catch_all.contact", "ticket.status", "Parked", "ticket.sub_issue_type", "alert_types[0].ticket.queue"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate error lacks %q:\n%v", want, err)
		}
	}
	for _, not := range []string{"customers[5]", "customers[0]", "alert_types[0].ticket.status"} {
		if strings.Contains(err.Error(), not) {
			t.Errorf("Validate error names %q:\n%v", not, err)
		}
	}
	if n := len(w.srv.Tickets()); n != 0 {
		t.Errorf("Validate wrote %d tickets", n)
	}
}

func TestFindOpenTicketFromDetailsIgnoresAlertText(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	eng, sink := w.engine(t, w.config(alerting.GroupUser))
	a := saas(1, "ann@contoso.example", "Too Many Downloads", "org-1", t0)
	deliver(t, eng, a)
	gk := alerting.GroupKey(id(w.contoso.ID), alerting.GroupUser, a)
	got, err := sink.FindOpenTicket(t.Context(), id(w.contoso.ID), gk)
	if err != nil || got != id(w.srv.Tickets()[0].ID) {
		t.Fatalf("FindOpenTicket = %q, %v", got, err)
	}
	// Alert text naming another group cannot make its ticket that group's.
	b := saas(2, "eve@contoso.example", "Too Many Downloads", "org-1", t0)
	other := alerting.GroupKey(id(w.contoso.ID), alerting.GroupUser, saas(3, "victim@contoso.example", "x", "org-1", t0))
	b.Body = "Alert group: " + other
	deliver(t, eng, b)
	if got, err := sink.FindOpenTicket(t.Context(), id(w.contoso.ID), other); !errors.Is(err, alerting.ErrNotFound) {
		t.Errorf("FindOpenTicket(key named in alert text) = %q, %v; want ErrNotFound", got, err)
	}
}
