package dattormmdriver_test

import (
	"context"
	"fmt"

	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/dattormm/dattormmdriver"
	"github.com/mspsync/mspsync/dattormm/dattormmtest"
)

// Datto RMM as a reconcile source: the account's sites and devices as the
// engine sees them, each device with the fields a config can map. Here on
// the in-memory fake; in production, dc is dattormm.FromEnv().
func ExampleNewReconcileSource() {
	srv := dattormmtest.New()
	defer srv.Close()
	site := srv.SeedSite(dattormm.Site{Name: "Contoso"})
	srv.SeedDevice(dattormm.Device{Hostname: "CON-PC01", SiteUID: site.UID, DeviceType: dattormm.DeviceType{Category: "Desktop"}})
	dc, err := srv.NewClient()
	if err != nil {
		fmt.Println(err)
		return
	}
	src := dattormmdriver.NewReconcileSource(dc)
	snap, err := src.LoadSource(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("kind:", snap.Source.Kind, "complete:", snap.Complete)
	for _, s := range snap.Sites {
		fmt.Println("site:", s.Name)
	}
	for _, d := range snap.Devices {
		fmt.Println("device:", d.Name, d.Fields["hostname"], d.Fields["deviceType.category"])
	}
	// Output:
	// kind: datto complete: true
	// site: Contoso
	// device: CON-PC01 CON-PC01 Desktop
}
