package kaseyabms_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mspsync/mspsync/kaseyabms"
	"github.com/mspsync/mspsync/kaseyabms/kaseyabmstest"
)

// Ping is the connection check: it authenticates and reads the API user.
func ExampleClient_Ping() {
	srv := kaseyabmstest.New()
	defer srv.Close()
	c, err := srv.NewClient()
	if err != nil {
		panic(err)
	}
	info, err := c.Ping(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println(info.Tenant, "/", info.User, "/", info.Email)
	// Output: Acme Managed IT / API Bot / api.bot@kaseyabmstest.invalid
}

// Create a ticket on an account's main location, for the one active
// contact with an e-mail address.
func ExampleTicketsService_Create() {
	srv := kaseyabmstest.New()
	defer srv.Close()
	acct := srv.SeedAccount(kaseyabms.AccountSummary{AccountName: "Contoso"})
	srv.SeedContact(kaseyabms.Contact{AccountID: acct.ID, FirstName: "Ann", LastName: "Lee", EmailAddress: "ann@contoso.example", IsActive: true})
	c, _ := srv.NewClient()
	ctx := context.Background()

	contacts, err := c.Contacts.ByEmail(ctx, "ann@contoso.example", acct.ID, true)
	if err != nil || len(contacts) != 1 {
		panic(fmt.Sprint(contacts, err))
	}
	ann := contacts[0]
	tk, err := c.Tickets.Create(ctx, kaseyabms.TicketInput{
		Title: "Too Many Downloads: ann@contoso.example", Details: "SaaS Alerts: 1,204 files in 10 minutes",
		AccountID: acct.ID, LocationID: ann.LocationID, ContactID: ann.ID,
		StatusID: kaseyabmstest.StatusNew, PriorityID: kaseyabmstest.PriorityHigh,
		TypeID: kaseyabmstest.TicketTypeAlert, SourceID: kaseyabmstest.SourceMonitoring,
		OpenDate: kaseyabms.At(time.Date(2025, 1, 15, 9, 0, 0, 0, time.UTC)),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(tk.Title)
	fmt.Println(tk.AccountName, "/", tk.ContactName, "/", tk.StatusName, "/", tk.OpenDate)
	// Output:
	// Too Many Downloads: ann@contoso.example
	// Contoso / Ann Lee / New / 2025-01-15T09:00:00Z
}

// BMS answers many failures with HTTP 200 and Success: false; they are
// errors like any other.
func ExampleErrorInfoOf() {
	srv := kaseyabmstest.New()
	defer srv.Close()
	c, _ := srv.NewClient()
	_, err := c.Tickets.Get(context.Background(), 999)
	info, _ := kaseyabms.ErrorInfoOf(err)
	fmt.Println(errors.Is(err, kaseyabms.ErrNotFound), errors.Is(err, kaseyabms.ErrUnsuccessful))
	fmt.Println(info.Code, info.Message)
	// Output:
	// true true
	// 404 Ticket not found
}

// Every list is an iterator that pages by PageNumber and PageSize.
func ExampleAccountsService_Summaries() {
	srv := kaseyabmstest.New()
	defer srv.Close()
	parent := srv.SeedAccount(kaseyabms.AccountSummary{AccountName: "Contoso"})
	srv.SeedAccount(kaseyabms.AccountSummary{AccountName: "Contoso Labs", ParentID: parent.ID})
	srv.SeedAccount(kaseyabms.AccountSummary{AccountName: "Fabrikam"})
	c, _ := srv.NewClient(kaseyabms.WithPageSize(1))
	for a, err := range c.Accounts.Summaries(context.Background(), &kaseyabms.AccountSummaryOptions{TopLevel: true}) {
		if err != nil {
			panic(err)
		}
		fmt.Println(a.AccountName, a.AccountType)
	}
	// Output:
	// Contoso Customer
	// Fabrikam Customer
}
