package kaseyabmsdriver_test

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/kaseyabms"
	"github.com/mspsync/mspsync/kaseyabms/kaseyabmsdriver"
	"github.com/mspsync/mspsync/kaseyabms/kaseyabmstest"
)

// world is a BMS tenant seeded for the seed scenario: Contoso (mapped,
// with a default contact and a user contact), the catch-all account with
// its contact, issue types and a contract.
type world struct {
	srv                     *kaseyabmstest.Server
	c                       *kaseyabms.Client
	contoso, catchAll       kaseyabms.AccountSummary
	ann, frontDesk, catchCt kaseyabms.Contact
	security, account       kaseyabms.LookupItem // issue types
	compromise, exfil       kaseyabms.LookupItem // sub-issue types of security
	malware                 kaseyabms.LookupItem // issue type
	contract                kaseyabms.ContractLookup
}

func newWorld(t testing.TB) *world {
	t.Helper()
	srv := kaseyabmstest.NewServer(t)
	c, err := srv.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	w := &world{srv: srv, c: c}
	w.contoso = srv.SeedAccount(kaseyabms.AccountSummary{AccountName: "Contoso"})
	w.catchAll = srv.SeedAccount(kaseyabms.AccountSummary{AccountName: "Unassigned Alerts"})
	w.ann = srv.SeedContact(kaseyabms.Contact{AccountID: w.contoso.ID, FirstName: "Ann", LastName: "Lee", EmailAddress: "ann@contoso.example", IsActive: true})
	w.frontDesk = srv.SeedContact(kaseyabms.Contact{AccountID: w.contoso.ID, FirstName: "Front", LastName: "Desk", EmailAddress: "it@contoso.example", IsActive: true})
	w.catchCt = srv.SeedContact(kaseyabms.Contact{AccountID: w.catchAll.ID, FirstName: "Alert", LastName: "Desk", EmailAddress: "alerts@msp.example", IsActive: true})
	w.security = srv.SeedIssueType("Security")
	w.compromise = srv.SeedSubIssueType(w.security.ID, "Account compromise")
	w.exfil = srv.SeedSubIssueType(w.security.ID, "Data exfiltration")
	w.malware = srv.SeedIssueType("Malware")
	w.account = srv.SeedIssueType("Account")
	w.contract = srv.SeedContract(w.contoso.ID, "Managed Security", true)
	return w
}

func id(n int) string { return strconv.Itoa(n) }

// sinkDefaults are the TypeId and SourceId every ticket needs.
var sinkDefaults = kaseyabmsdriver.WithDefaults(alerting.TicketDefaults{
	Type: id(kaseyabmstest.TicketTypeAlert), Source: id(kaseyabmstest.SourceMonitoring)})

// config maps SaaS Alerts organisation "org-1" to Contoso with its
// default contact, and sends everything else to the catch-all.
func (w *world) config(g alerting.Grouping) alerting.Config {
	cfg := alerting.DefaultConfig()
	cfg.Grouping = g
	cfg.Close = alerting.CloseAlways
	cfg.Customers = []alerting.CustomerMapping{{Source: "saasalerts", SourceCustomer: "org-1", Name: "Contoso",
		Customer: id(w.contoso.ID), Contact: id(w.frontDesk.ID)}}
	cfg.CatchAll = &alerting.CatchAll{Customer: id(w.catchAll.ID), Contact: id(w.catchCt.ID)}
	cfg.Ticket = alerting.TicketDefaults{Type: id(kaseyabmstest.TicketTypeAlert), Source: id(kaseyabmstest.SourceMonitoring),
		Status: "New", Queue: "Security", Priority: "High"}
	return cfg
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func kaseyabmstestAccount(name string) kaseyabms.AccountSummary {
	return kaseyabms.AccountSummary{AccountName: name}
}
