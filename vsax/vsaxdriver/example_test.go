package vsaxdriver_test

import (
	"context"
	"fmt"

	"github.com/mspsync/mspsync/vsax"
	"github.com/mspsync/mspsync/vsax/vsaxdriver"
	"github.com/mspsync/mspsync/vsax/vsaxtest"
)

// VSA X as a reconcile source: organizations and their sites become
// source sites (a site under its organization), devices carry their site.
// Here on the in-memory fake; in production, vc is vsax.FromEnv().
func ExampleNewReconcileSource() {
	srv := vsaxtest.New()
	defer srv.Close()
	org := srv.SeedOrganization("Contoso")
	site := srv.SeedSite(int64(org.ID), "Head office")
	grp := srv.SeedGroup(int64(site.ID), "Workstations")
	srv.SeedDevice(int64(grp.ID), vsax.Device{Name: "CON-PC01"}, nil)
	vc, err := srv.NewClient()
	if err != nil {
		fmt.Println(err)
		return
	}
	snap, err := vsaxdriver.NewReconcileSource(vc).LoadSource(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("kind:", snap.Source.Kind, "complete:", snap.Complete)
	for _, s := range snap.Sites {
		fmt.Printf("site: %s (parent %q)\n", s.Name, s.ParentID)
	}
	for _, d := range snap.Devices {
		fmt.Println("device:", d.Name)
	}
	// Output:
	// kind: vsax complete: true
	// site: Contoso (parent "")
	// site: Head office (parent "org-1")
	// device: CON-PC01
}
