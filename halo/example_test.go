package halo_test

import (
	"context"
	"fmt"
	"log"

	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halotest"
)

func ExampleTicketsService_Create() {
	srv := halotest.New() // an in-memory Halo; use halo.NewClient with your instance's URL
	defer srv.Close()
	acme := srv.SeedCustomer(halo.Customer{Name: "Acme Ltd"})
	site := srv.SeedSite(halo.Site{Name: "Head Office", ClientID: acme.ID})

	hc, err := srv.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	t, err := hc.Tickets.Create(ctx, halo.NewTicket{
		TicketTypeID: 2,
		ClientID:     acme.ID,
		SiteID:       site.ID,
		Summary:      "Disk C: almost full on PC-0042",
		Details:      "Free space is below 5%.",
	})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := hc.Tickets.AddNote(ctx, t.ID, "Cleared 20 GB of temp files.", nil); err != nil {
		log.Fatal(err)
	}
	closed, err := hc.Tickets.Close(ctx, t.ID, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(t.ID, t.Summary, "for", t.ClientName)
	fmt.Println("closed:", hc.IsClosed(closed), "notes:", len(srv.Actions(t.ID)))
	// Output:
	// 1 Disk C: almost full on PC-0042 for Acme Ltd
	// closed: true notes: 1
}

func ExampleAssetsService_All() {
	srv := halotest.New()
	defer srv.Close()
	acme := srv.SeedCustomer(halo.Customer{Name: "Acme Ltd"})
	site := srv.SeedSite(halo.Site{Name: "Head Office", ClientID: acme.ID})
	typ := srv.SeedAssetType(halo.AssetType{Name: "Workstation"})
	for _, tag := range []string{"PC-0001", "PC-0002", "LAPTOP-07"} {
		srv.SeedAsset(halo.Asset{InventoryNumber: tag, SiteID: site.ID, AssetTypeID: typ.ID})
	}

	hc, err := srv.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	for a, err := range hc.Assets.All(context.Background(), &halo.AssetListOptions{ClientID: acme.ID}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(a.ID, a.InventoryNumber, a.AssetTypeName, a.SiteName)
	}
	// Output:
	// 1 PC-0001 Workstation Head Office
	// 2 PC-0002 Workstation Head Office
	// 3 LAPTOP-07 Workstation Head Office
}
