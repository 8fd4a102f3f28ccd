package kaseyabmsdriver_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/memstore"
	"github.com/mspsync/mspsync/kaseyabms"
	"github.com/mspsync/mspsync/kaseyabms/kaseyabmsdriver"
	"github.com/mspsync/mspsync/kaseyabms/kaseyabmstest"
)

// Alerts about one user become one ticket while it is open (GroupUser):
// the second alert is a note on it.
func ExampleNewAlertSink() {
	srv := kaseyabmstest.New()
	defer srv.Close()
	acct := srv.SeedAccount(kaseyabms.AccountSummary{AccountName: "Contoso"})
	srv.SeedContact(kaseyabms.Contact{AccountID: acct.ID, FirstName: "Ann", LastName: "Lee", EmailAddress: "ann@contoso.example", IsActive: true})
	desk := srv.SeedContact(kaseyabms.Contact{AccountID: acct.ID, FirstName: "Front", LastName: "Desk", IsActive: true})
	c, _ := srv.NewClient()
	ctx := context.Background()

	cfg := alerting.DefaultConfig()
	cfg.Grouping = alerting.GroupUser
	cfg.Customers = []alerting.CustomerMapping{{Source: "saasalerts", SourceCustomer: "org-1",
		Customer: strconv.Itoa(acct.ID), Contact: strconv.Itoa(desk.ID)}}
	cfg.Ticket = alerting.TicketDefaults{Type: "2", Source: "5", Status: "New", Priority: "High", Queue: "Security"}
	sink := kaseyabmsdriver.NewAlertSink(c)
	if err := sink.Validate(ctx, cfg); err != nil {
		panic(err)
	}
	eng, _ := alerting.New(cfg, memstore.New(), sink)
	defer eng.Close()

	at := time.Date(2025, 1, 15, 9, 0, 0, 0, time.UTC)
	for i, typ := range []string{"Too Many Downloads", "Too Many Uploads"} {
		eng.Accept(ctx, alerting.Alert{Source: "saasalerts", EventID: fmt.Sprint(i), Kind: alerting.Raise, Type: typ,
			User: "ann@contoso.example", Customer: alerting.CustomerRef{ID: "org-1"}, Time: at.Add(time.Duration(i) * 15 * time.Minute)})
		eng.ProcessPending(ctx)
	}
	for _, tk := range srv.Tickets() {
		fmt.Printf("%s: %s / %s / %s / %s\n", tk.Title, tk.AccountName, tk.ContactName, tk.QueueName, tk.PriorityName)
		for _, n := range srv.Notes(tk.ID) {
			fmt.Println("note:", n.Details[:strings.Index(n.Details, "\n")])
		}
	}
	// Output:
	// Too Many Downloads: Contoso / Ann Lee / Security / High
	// note: Alert raised: Too Many Uploads
}
