package leveldriver_test

import (
	"context"
	"fmt"

	"github.com/mspsync/mspsync/level"
	"github.com/mspsync/mspsync/level/leveldriver"
	"github.com/mspsync/mspsync/level/leveltest"
)

// Level as a reconcile source: nested groups become source sites (each
// with its parent), devices carry their group. Here on the in-memory fake;
// in production, lc is level.FromEnv().
func ExampleNewReconcileSource() {
	srv := leveltest.New()
	defer srv.Close()
	root := srv.SeedGroup(level.Group{Name: "Clients"})
	contoso := srv.SeedGroup(level.Group{Name: "Contoso", ParentID: root.ID})
	srv.SeedDevice(level.Device{Hostname: "CON-PC01", GroupID: contoso.ID, Role: "workstation"})
	lc, err := srv.NewClient()
	if err != nil {
		fmt.Println(err)
		return
	}
	snap, err := leveldriver.NewReconcileSource(lc).LoadSource(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("kind:", snap.Source.Kind, "complete:", snap.Complete)
	for _, s := range snap.Sites {
		parent := "-"
		for _, p := range snap.Sites {
			if p.ID == s.ParentID {
				parent = p.Name
			}
		}
		fmt.Println("site:", s.Name, "under", parent)
	}
	for _, d := range snap.Devices {
		fmt.Println("device:", d.Name, d.Fields["role"])
	}
	// Output:
	// kind: level complete: true
	// site: Clients under -
	// site: Contoso under Clients
	// device: CON-PC01 workstation
}
