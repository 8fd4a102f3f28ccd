package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/jsonintake"
	"github.com/mspsync/mspsync/alerting/memstore"
	"github.com/mspsync/mspsync/kaseyabms"
	"github.com/mspsync/mspsync/kaseyabms/kaseyabmsdriver"
	"github.com/mspsync/mspsync/kaseyabms/kaseyabmstest"
)

// demoSecret signs the demo's deliveries to the intake.
const demoSecret = "demo-alerts-secret-3c9e7a1f5b2d4068a9c1"

// demoStart is when the demo's first alert is raised.
var demoStart = time.Date(2025, 1, 15, 9, 0, 0, 0, time.UTC)

// demoWorld is the BMS tenant of the demo.
type demoWorld struct {
	srv                        *kaseyabmstest.Server
	contoso, catchAll          kaseyabms.AccountSummary
	ann, frontDesk, alertDesk  kaseyabms.Contact
	contract                   kaseyabms.ContractLookup
	security, compromise, mail kaseyabms.LookupItem
}

func newDemoWorld() *demoWorld {
	srv := kaseyabmstest.New()
	w := &demoWorld{srv: srv}
	w.contoso = srv.SeedAccount(kaseyabms.AccountSummary{AccountName: "Contoso"})
	w.catchAll = srv.SeedAccount(kaseyabms.AccountSummary{AccountName: "Unassigned Alerts"})
	w.ann = srv.SeedContact(kaseyabms.Contact{AccountID: w.contoso.ID, FirstName: "Ann", LastName: "Lee", EmailAddress: "ann@contoso.example", IsActive: true})
	w.frontDesk = srv.SeedContact(kaseyabms.Contact{AccountID: w.contoso.ID, FirstName: "Front", LastName: "Desk", EmailAddress: "it@contoso.example", IsActive: true})
	w.alertDesk = srv.SeedContact(kaseyabms.Contact{AccountID: w.catchAll.ID, FirstName: "Alert", LastName: "Desk", EmailAddress: "alerts@msp.example", IsActive: true})
	w.security = srv.SeedIssueType("Security")
	w.compromise = srv.SeedSubIssueType(w.security.ID, "Account compromise")
	w.mail = srv.SeedSubIssueType(w.security.ID, "Data movement")
	w.contract = srv.SeedContract(w.contoso.ID, "Managed Security", true)
	return w
}

// demoConfig is what an MSP configures in the integration: SaaS Alerts
// organisation org-1 is Contoso (default contact Front Desk), everything
// else goes to the catch-all; tickets get the alert type, monitoring
// source, status New, queue Security, priority High, issue type Security
// (sub-issue type Data movement; Account compromise for MFA failures) and
// the customer's contract.
func demoConfig(w *demoWorld, g alerting.Grouping) Settings {
	cfg := alerting.DefaultConfig()
	cfg.Grouping = g
	cfg.Customers = []alerting.CustomerMapping{{Source: "saasalerts", SourceCustomer: "org-1", Name: "Contoso",
		Customer: itoa(w.contoso.ID), Contact: itoa(w.frontDesk.ID), Contract: itoa(w.contract.ID)}}
	cfg.CatchAll = &alerting.CatchAll{Customer: itoa(w.catchAll.ID), Contact: itoa(w.alertDesk.ID)}
	cfg.Ticket = alerting.TicketDefaults{Type: itoa(kaseyabmstest.TicketTypeAlert), Source: itoa(kaseyabmstest.SourceMonitoring),
		Status: "New", Queue: "Security", Priority: "High", IssueType: "Security", SubIssueType: "Data movement"}
	cfg.AlertTypes = []alerting.AlertTypeRule{{Type: "Multiple MFA Failures", Ticket: alerting.TicketDefaults{SubIssueType: "Account compromise"}}}
	cfg.AttachContract = true
	return Settings{Alerting: cfg, BMS: SinkSettings{GroupKeyField: 9}, Sources: []string{"saasalerts"},
		PerUserBilling: &kaseyabmsdriver.PerUserBilling{
			DefaultService:       kaseyabmsdriver.ServiceSpec{Name: "SaaS Alerts Seat", UnitCost: 1.5, UnitPrice: 3},
			CreateMissingService: true,
			Customers:            []kaseyabmsdriver.PerUserCustomer{{Customer: itoa(w.contoso.ID)}},
		}}
}

// demoRun replays the seed scenario in one grouping mode through the JSON
// intake, the engine and the BMS sink, on a fresh fake BMS, and returns
// the tenant as it ends (close it when done).
func demoRun(ctx context.Context, g alerting.Grouping, log io.Writer, logger *slog.Logger) (*demoWorld, error) {
	w := newDemoWorld()
	s := demoConfig(w, g)
	c, err := w.srv.NewClient(kaseyabms.WithLogger(logger))
	if err != nil {
		return w, err
	}
	sink := kaseyabmsdriver.NewAlertSink(c, s.BMS.options()...)
	if err := sink.Validate(ctx, s.Alerting); err != nil {
		return w, err
	}
	eng, err := alerting.New(s.Alerting, memstore.New(), sink, alerting.WithLogger(logger))
	if err != nil {
		return w, err
	}
	defer eng.Close()
	counter, err := kaseyabmsdriver.NewUserCountSink(c, s.Alerting, *s.PerUserBilling, kaseyabmsdriver.WithUserCountLogger(logger))
	if err != nil {
		return w, err
	}
	h, err := jsonintake.NewHandler(eng, jsonintake.WithSources(s.Sources...), jsonintake.WithSigningSecrets(demoSecret),
		jsonintake.WithUserCounter(counter), jsonintake.WithLogger(logger))
	if err != nil {
		return w, err
	}
	post := func(v any, what string) error {
		body, err := json.Marshal(v)
		if err != nil {
			return err
		}
		r := httptest.NewRequest(http.MethodPost, "/alerts/json", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set(jsonintake.SignatureHeader, jsonintake.Sign(demoSecret, body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		fmt.Fprintf(log, "  %-64s → %d\n", what, rec.Code)
		if rec.Code != http.StatusOK {
			return fmt.Errorf("%s: intake answered %d %s", what, rec.Code, strings.TrimSpace(rec.Body.String()))
		}
		_, err = eng.ProcessPending(ctx)
		return err
	}
	n := 0
	alert := func(at time.Duration, user, typ, org, orgName string) error {
		n++
		a := jsonintake.Alert{Source: "saasalerts", EventID: fmt.Sprintf("sa-%d", n), Action: jsonintake.ActionRaise, AlertType: typ,
			UserEmail: user, CustomerRef: org, CustomerName: orgName, Severity: "high", Time: demoStart.Add(at)}
		return post(a, fmt.Sprintf("%s %s: %s (%s)", demoStart.Add(at).Format("15:04"), typ, user, orgName))
	}
	steps := []func() error{
		func() error { return alert(0, "ann@contoso.example", "Too Many Downloads", "org-1", "Contoso") },
		func() error {
			return alert(15*time.Minute, "ann@contoso.example", "Too Many Uploads", "org-1", "Contoso")
		},
		func() error {
			for _, tk := range w.srv.Tickets() {
				if tk.CompletedDate.IsZero() && tk.ContactID == w.ann.ID {
					w.srv.CompleteTicket(tk.ID)
					fmt.Fprintf(log, "  %s\n", fmt.Sprintf("09:30 the technician completes ticket #%d in BMS", tk.ID))
				}
			}
			return nil
		},
		func() error {
			return alert(40*time.Minute, "ann@contoso.example", "Multiple MFA Failures", "org-1", "Contoso")
		},
		func() error {
			return alert(45*time.Minute, "zed@fabrikam.example", "Too Many Downloads", "org-77", "Fabrikam")
		}, // unmapped: the catch-all
		func() error {
			return alert(50*time.Minute, "bob@contoso.example", "Login From Unusual Country", "org-1", "Contoso")
		}, // no such contact: the default contact
		func() error {
			return post(jsonintake.UserCount{Source: "saasalerts", CustomerRef: "org-1", CustomerName: "Contoso", Users: 57, Time: demoStart},
				"user count: Contoso has 57 users")
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return w, err
		}
	}
	return w, nil
}

func runDemo(ctx context.Context, out io.Writer, logger *slog.Logger) error {
	// The demo's own output is the table; library logs stay quiet below
	// warnings.
	quiet := slog.New(&warnOnly{logger.Handler()})
	for _, mode := range []struct {
		g    alerting.Grouping
		name string
	}{{alerting.GroupUser, "User"}, {alerting.GroupUserAlert, "User+Alert"}} {
		fmt.Fprintf(out, "Grouping %s (%q): deliveries to POST /alerts/json\n", mode.name, mode.g)
		w, err := demoRun(ctx, mode.g, out, quiet)
		if err != nil {
			w.srv.Close()
			return err
		}
		printTenant(out, w)
		w.srv.Close()
		fmt.Fprintln(out)
	}
	fmt.Fprintln(out, "BMS V2 cannot change a contract service line once added: a later, different user count is reported for a manual change.")
	return nil
}

// warnOnly passes Warn and above.
type warnOnly struct{ slog.Handler }

func (h *warnOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.Handler.Enabled(ctx, l)
}

func printTenant(out io.Writer, w *demoWorld) {
	fmt.Fprintln(out, "  BMS tickets:")
	for _, tk := range w.srv.Tickets() {
		state := "open"
		if !tk.CompletedDate.IsZero() {
			state = "completed"
		}
		issue := tk.IssueTypeName
		if tk.SubIssueTypeName != "" {
			issue += " › " + tk.SubIssueTypeName
		}
		fmt.Fprintf(out, "  #%d %s  [%s]\n", tk.ID, tk.Title, state)
		fmt.Fprintf(out, "      account %s, contact %s; status %s, queue %s, priority %s, issue %s, contract %s\n", tk.AccountName, tk.ContactName,
			tk.StatusName, tk.QueueName, tk.PriorityName, issue, orNone(tk.ContractName))
		for _, n := range w.srv.Notes(tk.ID) {
			first, _, _ := strings.Cut(n.Details, "\n")
			fmt.Fprintf(out, "      note: %s\n", first)
		}
	}
	for _, l := range w.srv.ContractServices(w.contract.ID) {
		fmt.Fprintf(out, "  contract %q: %s × %g at %.2f\n", w.contract.Name, l.ServiceName, l.Units, l.UnitPrice)
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
