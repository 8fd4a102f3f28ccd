package visiononedriver_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/visionone/visiononedriver"
)

// The mapping report of three customers: one mapped by hand, one matched
// by its exact name in the PSA, one that matches nothing and so goes to the
// default customer (with its ticket creation switched off). In production
// dir is the PSA's alert sink (halodriver.NewAlertSink).
func ExampleMappingReport() {
	cfg, err := visiononedriver.LoadConfig(strings.NewReader(`{
		"ticket_type": "21",
		"default_customer": "99",
		"customers": [
			{"name": "Contoso Ltd", "region": "eu", "api_key_env": "V1_CONTOSO"},
			{"name": "Fabrikam", "region": "us", "api_key_env": "V1_FABRIKAM", "psa_customer": "7"},
			{"name": "Northwind", "region": "jp", "api_key_env": "V1_NORTHWIND", "create_tickets": false}
		]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	psa := alertingtest.NewSink()
	psa.AddCustomer(alerting.Customer{ID: "12", Name: "Contoso Ltd"})
	rows, err := visiononedriver.MappingReport(context.Background(), *cfg, psa)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range rows {
		fmt.Printf("%-12s %-13s → %s (tickets on: %v)\n", r.Customer.Name, r.Status, r.PSACustomer, r.TicketsOn)
	}
	// Output:
	// Contoso Ltd  auto-matched  → 12 (tickets on: true)
	// Fabrikam     manual        → 7 (tickets on: true)
	// Northwind    unmatched     → 99 (tickets on: false)
}

// A configuration without a ticket type is refused when it is loaded, not
// discovered when the first alert has nowhere to go.
func ExampleLoadConfig() {
	_, err := visiononedriver.LoadConfig(strings.NewReader(`{"default_customer": "99", "customers": [{"name": "Contoso Ltd", "api_key_env": "V1_CONTOSO"}]}`))
	fmt.Println(err != nil, strings.Contains(err.Error(), "ticket_type"))
	// Output: true true
}
