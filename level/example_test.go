package level_test

import (
	"context"
	"fmt"

	"github.com/mspsync/mspsync/level"
	"github.com/mspsync/mspsync/level/leveltest"
)

// Walk the devices under a customer group, subgroups included.
func ExampleDevicesService_All() {
	srv := leveltest.New()
	defer srv.Close()
	acme := srv.SeedGroup(level.Group{Name: "Acme"})
	branch := srv.SeedGroup(level.Group{Name: "Acme Branch", ParentID: acme.ID})
	srv.SeedDevice(level.Device{Hostname: "acme-pc1", GroupID: branch.ID, SerialNumber: "SN1"})

	lc, err := srv.NewClient() // level.NewClient(level.WithAPIKey(key)) against Level
	if err != nil {
		panic(err)
	}
	opts := &level.DeviceListOptions{AncestorGroupID: acme.ID, DeviceIncludes: level.DeviceIncludes{NetworkInterfaces: true}}
	for d, err := range lc.Devices.All(context.Background(), opts) {
		if err != nil {
			panic(err)
		}
		fmt.Println(d.Hostname, d.SerialNumber)
	}
	// Output: acme-pc1 SN1
}

// Resolve an alert (POST /alerts/{id}/resolve; PUT when Level answers 405).
func ExampleAlertsService_Resolve() {
	srv := leveltest.New()
	defer srv.Close()
	a := srv.SeedAlert(level.Alert{DeviceID: "dev-1", Name: "CPU usage"})
	lc, _ := srv.NewClient()
	if err := lc.Alerts.Resolve(context.Background(), a.ID); err != nil {
		panic(err)
	}
	got, _ := lc.Alerts.Get(context.Background(), a.ID)
	fmt.Println(got.Name, "resolved:", got.IsResolved)
	// Output: CPU usage resolved: true
}

// Check the connection with one cheap read.
func ExampleClient_Ping() {
	srv := leveltest.New()
	defer srv.Close()
	srv.SeedGroup(level.Group{Name: "Acme"})
	lc, _ := srv.NewClient()
	p, err := lc.Ping(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println(p.HasGroups, p.FirstGroup)
	// Output: true Acme
}
