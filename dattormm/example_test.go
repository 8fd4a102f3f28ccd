package dattormm_test

import (
	"context"
	"fmt"
	"log"

	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/dattormm/dattormmtest"
)

func ExampleAccountService_Devices() {
	srv := dattormmtest.New() // an in-memory Datto RMM; use dattormm.NewClient with your API URL
	defer srv.Close()
	site := srv.SeedSite(dattormm.Site{Name: "Contoso - HQ"})
	srv.SeedDevice(dattormm.Device{Hostname: "CONTOSO-LT042", SiteUID: site.UID, DeviceType: dattormm.DeviceType{Category: "Laptop"}})
	srv.SeedDevice(dattormm.Device{Hostname: "CONTOSO-DC01", SiteUID: site.UID, DeviceType: dattormm.DeviceType{Category: "Server"}})

	dc, err := srv.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	for d, err := range dc.Account.Devices(context.Background(), nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(d.Hostname, d.DeviceType.Category, d.SiteName)
	}
	// Output:
	// CONTOSO-LT042 Laptop Contoso - HQ
	// CONTOSO-DC01 Server Contoso - HQ
}

func ExampleWebhookVerifier_Decode() {
	const secret = "generate-32-random-bytes-and-paste-them-here"
	raised, _ := dattormm.WebhookTemplates(secret) // paste into the monitor's webhook "alert" payload
	fmt.Println(raised[:60] + "...")

	v, err := dattormm.NewWebhookVerifier(secret)
	if err != nil {
		log.Fatal(err)
	}
	// What Datto POSTs once it has filled the placeholders in:
	body := `{"alert_uid":"b8f3e2a1-7c4d-4e9b-a0f1-2d3c4b5a6978","alert_resolved":false,"state":"` + secret + `","alert_message":"C: 92% full","site_name":"Contoso - HQ","platform":"[platform]"}`
	a, err := v.Decode([]byte(body))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(a.EventID(), a.AlertMessage, a.SiteName, a.Platform == "")
	// Output:
	// {"alert_uid":"[alert_uid]","alert_resolved":false,"state":"g...
	// datto:b8f3e2a1-7c4d-4e9b-a0f1-2d3c4b5a6978:raised C: 92% full Contoso - HQ true
}
