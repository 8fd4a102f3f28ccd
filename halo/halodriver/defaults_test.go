package halodriver_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/memstore"
	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halodriver"
	"github.com/mspsync/mspsync/halo/halotest"
)

// haloEngine is an engine on memstore, writing to a Halo fake through the
// driver; the customer's Datto site "site-1" is mapped to it.
type haloEngine struct {
	srv  *halotest.Server
	eng  *alerting.Engine
	cust halo.Customer
	site halo.Site
	logs *syncBuffer
}

func newHaloEngine(t *testing.T, cfg alerting.Config, opts ...halodriver.Option) *haloEngine {
	t.Helper()
	srv, c := setup(t)
	cust, site, _ := estate(srv)
	h := &haloEngine{srv: srv, cust: cust, site: site, logs: &syncBuffer{}}
	// The mapping of "site-1" (cfg's own, e.g. with a contract, else a
	// new one) maps to the seeded customer and site.
	m := alerting.CustomerMapping{Source: "datto", SourceCustomer: "site-1"}
	if len(cfg.Customers) > 0 {
		m, cfg.Customers = cfg.Customers[0], cfg.Customers[1:]
	}
	m.Customer, m.Site = strconv.Itoa(cust.ID), strconv.Itoa(site.ID)
	cfg.Customers = append(cfg.Customers, m)
	eng, err := alerting.New(cfg, memstore.New(), halodriver.NewAlertSink(c, opts...),
		alerting.WithLogger(slog.New(slog.NewTextHandler(h.logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	h.eng = eng
	return h
}

// raise submits a raise of alert type typ from Datto site "site-1" and
// returns the result and the stored ticket (zero when none was written).
func (h *haloEngine) raise(t *testing.T, id, typ string) (alerting.Result, halo.Ticket) {
	t.Helper()
	res, err := h.eng.Submit(t.Context(), alerting.Alert{Source: "datto", EventID: id, Kind: alerting.Raise, Type: typ,
		Customer: alerting.CustomerRef{ID: "site-1", Name: "Acme Ltd"}, Title: typ + " on PC-1", Severity: alerting.SeverityHigh})
	if err != nil && !errors.Is(err, alerting.ErrRejected) {
		t.Fatal(err)
	}
	if res.TicketID == "" {
		return res, halo.Ticket{}
	}
	tk, ok := h.srv.Ticket(mustAtoi(res.TicketID))
	if !ok {
		t.Fatalf("ticket %s is not in the fake", res.TicketID)
	}
	return res, tk
}

// TestEveryTicketDefaultReachesHalo: each default of the config is stored
// on the Halo ticket under its Faults field. Before, the sink wrote type,
// status and priority only (source, team, categories and contract were
// dropped).
func TestEveryTicketDefaultReachesHalo(t *testing.T) {
	t.Parallel()
	cfg := alerting.Config{AttachContract: true, Ticket: alerting.TicketDefaults{Type: "2", Source: "4", Status: "2",
		Queue: "Service Desk", Priority: "3", IssueType: "RMM Alert", SubIssueType: "Disk"}}
	h := newHaloEngine(t, cfg)
	ct := h.srv.SeedContract(halo.Contract{Ref: "MSA", ClientID: h.cust.ID, Active: halo.Ptr(true)})
	_, tk := h.raise(t, "a1", "Disk Usage")
	if tk.TicketTypeID != 2 || tk.Source != 4 || tk.StatusID != 2 || tk.Team != "Service Desk" || tk.PriorityID != 3 ||
		tk.Category1 != "RMM Alert>Disk" || tk.ContractID != ct.ID || tk.ClientID != h.cust.ID || tk.SiteID != h.site.ID {
		t.Errorf("stored ticket: type %d source %d status %d team %q priority %d category_1 %q contract %d client %d site %d\n"+
			"want type 2 source 4 status 2 team \"Service Desk\" priority 3 category_1 \"RMM Alert>Disk\" contract %d client %d site %d",
			tk.TicketTypeID, tk.Source, tk.StatusID, tk.Team, tk.PriorityID, tk.Category1, tk.ContractID, tk.ClientID, tk.SiteID,
			ct.ID, h.cust.ID, h.site.ID)
	}
}

// TestQueueByTeamID: a queue given as a Halo team id is written as the
// team's name (Faults.team is a name), read once; an unknown team id
// rejects the alert.
func TestQueueByTeamID(t *testing.T) {
	t.Parallel()
	h := newHaloEngine(t, alerting.Config{Ticket: alerting.TicketDefaults{Queue: "1"},
		AlertTypes: []alerting.AlertTypeRule{{Type: "Antivirus", Ticket: alerting.TicketDefaults{Queue: "999"}}}})
	if team := h.srv.SeedTeam(halo.Team{Name: "Security"}); team.ID != 1 {
		t.Fatalf("seeded team id %d, want 1", team.ID)
	}
	h.srv.ResetRequests()
	for i := range 2 {
		if _, tk := h.raise(t, strconv.Itoa(i), "Disk Usage"); tk.Team != "Security" {
			t.Errorf("team = %q, want Security", tk.Team)
		}
	}
	gets := 0
	for _, r := range h.srv.Requests() {
		if strings.HasPrefix(strings.ToLower(r.Path), "/api/team/") {
			gets++
		}
	}
	if gets != 1 {
		t.Errorf("%d team reads, want 1", gets)
	}
	if res, _ := h.raise(t, "9", "Antivirus"); res.Outcome != alerting.OutcomeRejected || res.Reason != alerting.ReasonSinkRejected {
		t.Errorf("unknown team: %+v", res)
	}
}

// TestIssueTypeDefaultsAndOverrides covers the five combinations of issue
// type and sub-issue type defaults with per-alert-type overrides, each
// checked on the stored ticket's category field.
func TestIssueTypeDefaultsAndOverrides(t *testing.T) {
	t.Parallel()
	rules := func(r ...alerting.AlertTypeRule) []alerting.AlertTypeRule { return r }
	override := func(typ, issue, sub string) alerting.AlertTypeRule {
		return alerting.AlertTypeRule{Type: typ, Ticket: alerting.TicketDefaults{IssueType: issue, SubIssueType: sub}}
	}
	for _, tc := range []struct {
		name     string
		defaults alerting.TicketDefaults
		rules    []alerting.AlertTypeRule
		want     map[string]string // alert type → category_1
	}{
		{name: "none", want: map[string]string{"Disk Usage": ""}},
		{name: "default type", defaults: alerting.TicketDefaults{IssueType: "RMM Alert"},
			want: map[string]string{"Disk Usage": "RMM Alert"}},
		{name: "default type and sub-type", defaults: alerting.TicketDefaults{IssueType: "RMM Alert", SubIssueType: "Other"},
			want: map[string]string{"Disk Usage": "RMM Alert>Other"}},
		{name: "overrides only", rules: rules(override("Antivirus", "Security", "Malware"), override("Patch", "Maintenance", "")),
			want: map[string]string{"Antivirus": "Security>Malware", "Patch": "Maintenance", "Disk Usage": ""}},
		{name: "defaults and overrides", defaults: alerting.TicketDefaults{IssueType: "RMM Alert", SubIssueType: "Other"},
			rules: rules(override("Antivirus", "Security", "Malware"), override("Patch", "Maintenance", ""), override("Disk Usage", "", "Disk")),
			// An override's issue type brings its own sub-type (none for
			// Patch, never the default "Other"); a sub-type alone keeps the
			// default issue type.
			want: map[string]string{"Antivirus": "Security>Malware", "Patch": "Maintenance", "Disk Usage": "RMM Alert>Disk", "Offline": "RMM Alert>Other"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHaloEngine(t, alerting.Config{Ticket: tc.defaults, AlertTypes: tc.rules})
			i := 0
			for typ, want := range tc.want {
				i++
				_, tk := h.raise(t, strconv.Itoa(i), typ)
				if tk.ID == 0 {
					t.Fatalf("%s: no ticket", typ)
				}
				if tk.Category1 != want {
					t.Errorf("%s: category_1 = %q, want %q", typ, tk.Category1, want)
				}
			}
		})
	}

	t.Run("other category field", func(t *testing.T) {
		t.Parallel()
		h := newHaloEngine(t, alerting.Config{Ticket: alerting.TicketDefaults{IssueType: "RMM Alert", SubIssueType: "Disk"}},
			halodriver.WithIssueTypeCategory(3), halodriver.WithCategory("Alerts"))
		_, tk := h.raise(t, "1", "Disk Usage")
		if tk.Category3 != "RMM Alert>Disk" || tk.Category1 != "Alerts" {
			t.Errorf("category_1 %q, category_3 %q", tk.Category1, tk.Category3)
		}
	})
}

// TestTicketContract: a mapped contract is written as it is; with
// attach_contract the customer's one active contract is found through
// /ClientContract (the site's own before client-wide ones; expired,
// inactive and other clients' contracts do not count; several at one
// level are none); without it no contract is looked up.
func TestTicketContract(t *testing.T) {
	t.Parallel()
	past := &halo.Time{Time: time.Now().AddDate(-2, 0, 0)}
	lastYear := &halo.Time{Time: time.Now().AddDate(-1, 0, 0)}

	t.Run("mapped", func(t *testing.T) {
		t.Parallel()
		h := newHaloEngine(t, alerting.Config{AttachContract: true,
			Customers: []alerting.CustomerMapping{{Source: "datto", SourceCustomer: "site-1", Contract: "77"}}})
		h.srv.SeedContract(halo.Contract{Ref: "MSA", ClientID: h.cust.ID})
		h.srv.ResetRequests()
		_, tk := h.raise(t, "1", "Disk Usage")
		if tk.ContractID != 77 {
			t.Errorf("contract_id = %d, want the mapped 77", tk.ContractID)
		}
		for _, r := range h.srv.Requests() {
			if strings.EqualFold(r.Path, "/api/ClientContract") {
				t.Error("looked up a contract although the mapping names one")
			}
		}
	})

	for _, tc := range []struct {
		name   string
		attach bool
		seed   func(h *haloEngine, other halo.Customer, otherSite halo.Site) (want int)
	}{
		{"off", false, func(h *haloEngine, _ halo.Customer, _ halo.Site) int {
			h.srv.SeedContract(halo.Contract{Ref: "MSA", ClientID: h.cust.ID})
			return 0
		}},
		{"client-wide", true, func(h *haloEngine, other halo.Customer, _ halo.Site) int {
			h.srv.SeedContract(halo.Contract{Ref: "old", ClientID: h.cust.ID, StartDate: past, EndDate: lastYear})
			h.srv.SeedContract(halo.Contract{Ref: "off", ClientID: h.cust.ID, Active: halo.Ptr(false)})
			h.srv.SeedContract(halo.Contract{Ref: "exp", ClientID: h.cust.ID, Expired: halo.Ptr(true)})
			h.srv.SeedContract(halo.Contract{Ref: "theirs", ClientID: other.ID})
			return h.srv.SeedContract(halo.Contract{Ref: "MSA", ClientID: h.cust.ID, StartDate: past}).ID
		}},
		{"site first", true, func(h *haloEngine, _ halo.Customer, otherSite halo.Site) int {
			h.srv.SeedContract(halo.Contract{Ref: "MSA", ClientID: h.cust.ID})
			h.srv.SeedContract(halo.Contract{Ref: "branch", ClientID: h.cust.ID, SiteID: otherSite.ID})
			return h.srv.SeedContract(halo.Contract{Ref: "main", ClientID: h.cust.ID, SiteID: h.site.ID}).ID
		}},
		{"ambiguous", true, func(h *haloEngine, _ halo.Customer, _ halo.Site) int {
			h.srv.SeedContract(halo.Contract{Ref: "A", ClientID: h.cust.ID})
			h.srv.SeedContract(halo.Contract{Ref: "B", ClientID: h.cust.ID})
			return 0
		}},
		{"none", true, func(*haloEngine, halo.Customer, halo.Site) int { return 0 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHaloEngine(t, alerting.Config{AttachContract: tc.attach})
			other := h.srv.SeedCustomer(halo.Customer{Name: "Other"})
			branch := h.srv.SeedSite(halo.Site{Name: "Branch", ClientID: h.cust.ID})
			want := tc.seed(h, other, branch)
			h.srv.ResetRequests()
			_, tk := h.raise(t, "1", "Disk Usage")
			if tk.ID == 0 || tk.ContractID != want {
				t.Errorf("ticket %d contract_id = %d, want %d", tk.ID, tk.ContractID, want)
			}
			looked := false
			for _, r := range h.srv.Requests() {
				if strings.EqualFold(r.Path, "/api/ClientContract") {
					looked = true
				}
			}
			if looked != tc.attach {
				t.Errorf("GET /ClientContract sent = %v, want %v", looked, tc.attach)
			}
		})
	}
}

// TestTicketDefaultThatIsNoHaloID: a default Halo takes as an id that is
// not an integer rejects the alert with a reason naming it; nothing is
// written and nothing is dropped silently.
func TestTicketDefaultThatIsNoHaloID(t *testing.T) {
	t.Parallel()
	h := newHaloEngine(t, alerting.Config{Ticket: alerting.TicketDefaults{Type: "Alert", Priority: "high"}})
	res, err := h.eng.Submit(t.Context(), alerting.Alert{Source: "datto", EventID: "1", Kind: alerting.Raise, Type: "Disk",
		Customer: alerting.CustomerRef{ID: "site-1"}, Title: "Disk"})
	if res.Outcome != alerting.OutcomeRejected || res.Reason != alerting.ReasonSinkRejected ||
		err == nil || !strings.Contains(err.Error(), `ticket type "Alert" is not a Halo id`) || !strings.Contains(err.Error(), `ticket priority "high"`) {
		t.Errorf("result %+v, err %v", res, err)
	}
	if n := len(h.srv.Tickets()); n != 0 {
		t.Errorf("%d tickets written", n)
	}
}

// TestCustomerAutoCreateOff: with a PSA customer's create_tickets off, an
// alert routed to it (here by auto-match, which a source mapping's
// disabled cannot reach) is recorded, processed and skipped: no ticket,
// Result reason customer_disabled, an "alert ignored" log line with the
// reason. Other customers still get tickets.
func TestCustomerAutoCreateOff(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	off := srv.SeedCustomer(halo.Customer{Name: "Quiet Ltd"})
	srv.SeedSite(halo.Site{Name: "Main", ClientID: off.ID})
	on := srv.SeedCustomer(halo.Customer{Name: "Loud Ltd"})
	srv.SeedSite(halo.Site{Name: "Main", ClientID: on.ID})
	logs := &syncBuffer{}
	cfg := alerting.Config{AutoMatch: true, PSACustomers: []alerting.PSACustomerSettings{
		{Customer: strconv.Itoa(off.ID), Name: "Quiet Ltd", CreateTickets: halo.Ptr(false)},
		{Customer: strconv.Itoa(on.ID), CreateTickets: halo.Ptr(true)},
	}}
	eng, err := alerting.New(cfg, memstore.New(), halodriver.NewAlertSink(c),
		alerting.WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	submit := func(id, customer string) alerting.Result {
		res, err := eng.Submit(t.Context(), alerting.Alert{Source: "datto", EventID: id, Kind: alerting.Raise, Type: "Disk",
			Customer: alerting.CustomerRef{ID: "s-" + id, Name: customer}, Title: "Disk"})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := submit("1", "quiet  ltd"); res.Outcome != alerting.OutcomeIgnored || res.Reason != alerting.ReasonCustomerDisabled || res.TicketID != "" {
		t.Errorf("switched-off customer: %+v", res)
	}
	if res := submit("2", "Loud Ltd"); res.Outcome != alerting.OutcomeCreated {
		t.Errorf("other customer: %+v", res)
	}
	tks := srv.Tickets()
	if len(tks) != 1 || tks[0].ClientID != on.ID {
		t.Errorf("tickets = %+v", tks)
	}
	if l := logs.String(); !strings.Contains(l, "alert ignored") || !strings.Contains(l, "reason=customer_disabled") {
		t.Errorf("log has no ignored line with the reason:\n%s", l)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes (log handlers).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
