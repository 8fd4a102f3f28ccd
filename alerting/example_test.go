package alerting_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/memstore"
)

// Alerts about one user share a ticket while it is open; the ticket closes
// when every alert on it is resolved.
func Example() {
	ctx := context.Background()
	cfg := alerting.Config{
		Grouping: alerting.GroupUser,
		Customers: []alerting.CustomerMapping{
			{Source: "saasalerts", SourceCustomer: "acme", Customer: "12", Site: "34"},
		},
		Ticket: alerting.TicketDefaults{Type: "21", Priority: "3"},
	}
	psa := alertingtest.NewSink() // a PSA driver (halo, kaseyabms) in production
	eng, err := alerting.New(cfg, memstore.New(), psa)
	if err != nil {
		fmt.Println(err)
		return
	}
	alert := func(id string, kind alerting.Kind, typ string) alerting.Alert {
		return alerting.Alert{
			Source: "saasalerts", EventID: id, Kind: kind, Type: typ, User: "ana@acme.example",
			Customer: alerting.CustomerRef{ID: "acme"}, Title: typ + " for ana@acme.example",
		}
	}
	for _, a := range []alerting.Alert{
		alert("e1", alerting.Raise, "Too Many Downloads"),
		alert("e1", alerting.Raise, "Too Many Downloads"), // a webhook retry
		alert("e2", alerting.Raise, "Impossible Travel"),
		alert("e1", alerting.Resolve, "Too Many Downloads"),
		alert("e2", alerting.Resolve, "Impossible Travel"),
	} {
		res, err := eng.Submit(ctx, a)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%-7s %s: %s", a.Kind, a.EventID, res.Outcome)
		if res.TicketID != "" {
			fmt.Print(" ticket ", res.TicketID)
		}
		fmt.Println()
	}
	t := psa.Tickets()[0]
	fmt.Printf("ticket %s %q: %s, %d notes, group key on the ticket: %v\n", t.ID, t.Title, t.State, len(t.Notes), strings.HasPrefix(t.GroupKey, "ag1-"))
	// Output:
	// raise   e1: created ticket 1
	// raise   e1: duplicate
	// raise   e2: noted ticket 1
	// resolve e1: noted ticket 1
	// resolve e2: closed ticket 1
	// ticket 1 "Too Many Downloads for ana@acme.example": closed, 2 notes, group key on the ticket: true
}

// A webhook receiver calls Accept, which records the alert durably, and
// answers the sender; Run (or ProcessPending) creates the ticket, retrying
// while the PSA is down.
func ExampleEngine_Accept() {
	ctx := context.Background()
	cfg := alerting.Config{CatchAll: &alerting.CatchAll{Customer: "1", Contact: "7"}}
	psa := alertingtest.NewSink()
	eng, err := alerting.New(cfg, memstore.New(), psa)
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := eng.Accept(ctx, alerting.Alert{Source: "vsax", EventID: "2733", Kind: alerting.Raise, Title: "Low disk space"})
	if err != nil {
		fmt.Println("answer 4xx/5xx:", err)
		return
	}
	fmt.Println("answer 200:", res.Outcome)

	n, err := eng.ProcessPending(ctx) // in a server: go eng.Run(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	t := psa.Tickets()[0]
	fmt.Printf("processed %d; ticket %s for customer %s, contact %s\n", n, t.ID, t.Customer, t.Contact)
	// Output:
	// answer 200: queued
	// processed 1; ticket 1 for customer 1, contact 7
}

// When a technician closes the ticket in the PSA, resolve sync resolves the
// ticket's alerts at their source.
func ExampleEngine_SyncResolved() {
	ctx := context.Background()
	cfg := alerting.Config{Customers: []alerting.CustomerMapping{{Source: "datto", SourceCustomer: "site-1", Customer: "12"}}}
	psa, datto := alertingtest.NewSink(), alertingtest.NewResolver()
	eng, err := alerting.New(cfg, memstore.New(), psa, alerting.WithResolver("datto", datto))
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := eng.Submit(ctx, alerting.Alert{Source: "datto", EventID: "uid-9", Kind: alerting.Raise,
		Customer: alerting.CustomerRef{ID: "site-1"}, Title: "Offline: SRV-01"})
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = psa.CloseInPSA(res.TicketID) // a technician closes it

	sync, err := eng.SyncResolved(ctx) // in a server: go eng.RunResolveSync(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d closed ticket(s), %d alert(s) resolved at the source: %+v\n", sync.Tickets, sync.Resolved, datto.Resolved()[0].AlertID)
	// Output:
	// 1 closed ticket(s), 1 alert(s) resolved at the source: uid-9
}

// Configuration errors name the key at fault.
func ExampleLoadConfig() {
	_, err := alerting.LoadConfig(strings.NewReader(`{
		"grouping": "user",
		"customers": [{"source": "datto", "source_customer": "site-1", "customer": "12"},
		              {"source": "datto", "source_customer": "site-2"}]
	}`))
	var ce *alerting.ConfigError
	if errors.As(err, &ce) {
		fmt.Println(ce.Key, "→", ce.Problem)
	}

	// Unknown keys are errors too, with their full path.
	_, err = alerting.LoadConfig(strings.NewReader(`{"customers": [{"source": "datto", "source_customer": "site-1", "contakt": "7"}]}`))
	fmt.Println(err)
	// Output:
	// customers[1].customer → is empty (set a PSA customer, or disabled: true)
	// alerting: config customers[0].contakt: unknown key (did you mean "contact"?)
}

// An alert for a customer that is neither mapped nor matched, with no
// catch-all, is rejected with a typed error.
func ExampleRejectedError() {
	eng, err := alerting.New(alerting.Config{}, memstore.New(), alertingtest.NewSink())
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = eng.Submit(context.Background(), alerting.Alert{Source: "level", EventID: "evt-1", Kind: alerting.Raise,
		Customer: alerting.CustomerRef{ID: "grp-4", Name: "Initech"}})
	fmt.Println(errors.Is(err, alerting.ErrUnmappedCustomer))
	fmt.Println(err)
	// Output:
	// true
	// alerting: alert level/raise/evt-1 rejected (unmapped_customer): source customer id="grp-4" name="Initech" is not mapped, not auto-matched, and no catch_all is configured
}

// The engine's counters as metrics for an exporter: a program registers
// them with its metrics library under its own prefix (the
// datto-alerts-to-halo example serves them with Prometheus' client_golang
// at GET /metrics).
func ExampleStats_Metrics() {
	s := alerting.Stats{Received: 42, TicketsCreated: 7, Pending: 1,
		Rejected: map[alerting.Reason]int64{alerting.ReasonUnmappedCustomer: 2}}
	for _, m := range s.Metrics() {
		if m.Value == 0 {
			continue
		}
		kind := "counter"
		if m.Gauge {
			kind = "gauge"
		}
		if m.Label != "" {
			fmt.Printf("%s%s{%s=%q} %d (%s)\n", alerting.MetricPrefix, m.Name, m.Label, m.LabelValue, m.Value, kind)
			continue
		}
		fmt.Printf("%s%s %d (%s)\n", alerting.MetricPrefix, m.Name, m.Value, kind)
	}
	// Output:
	// mspsync_alerting_received_total 42 (counter)
	// mspsync_alerting_tickets_created_total 7 (counter)
	// mspsync_alerting_pending 1 (gauge)
	// mspsync_alerting_rejected_total{reason="unmapped_customer"} 2 (counter)
}
