package vsax_test

import (
	"context"
	"fmt"

	"github.com/mspsync/mspsync/vsax"
	"github.com/mspsync/mspsync/vsax/vsaxtest"
)

// Listing every device of an instance; the iterator pages with $top and
// $skip and stops at Meta.TotalCount.
func ExampleDevicesService_All() {
	srv := vsaxtest.New()
	defer srv.Close()
	org := srv.SeedOrganization("Contoso")
	g := srv.SeedGroup(int64(srv.SeedSite(int64(org.ID), "HQ").ID), "Workstations")
	srv.SeedDevice(int64(g.ID), vsax.Device{Name: "CON-PC01"}, nil)

	c, _ := srv.NewClient() // real code: vsax.FromEnv()
	for d, err := range c.Devices.All(context.Background(), nil) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(d.OrganizationName, d.SiteName, d.GroupName, d.Name)
	}
	// Output: Contoso HQ Workstations CON-PC01
}

// Registering a notification webhook: keep the secret, VSA X shows it
// only now.
func ExampleWebhooksService_Create() {
	srv := vsaxtest.New()
	defer srv.Close()
	c, _ := srv.NewClient()
	wh, err := c.Webhooks.Create(context.Background(), vsax.WebhookRequest{
		Name: "psa", URL: "https://psa.example/vsax", Priorities: []vsax.Priority{vsax.PriorityElevated, vsax.PriorityCritical}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(wh.SecretKey), "hex characters of secret")
	// Output: 64 hex characters of secret
}
