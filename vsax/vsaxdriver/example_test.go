package vsaxdriver_test

import (
	"context"
	"fmt"
	"time"

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

// The missed-notification poll: the lister reads VSA X's notification
// list and yields each notification as the raise its webhook would have
// been. It is raise-only, so the engine resolves nothing from it; register
// it with alerting.WithOpenAlertLister and the Enricher with
// alerting.WithEnricher.
func ExampleNewOpenAlertLister() {
	srv := vsaxtest.New()
	defer srv.Close()
	org := srv.SeedOrganization("Contoso")
	site := srv.SeedSite(int64(org.ID), "Head office")
	grp := srv.SeedGroup(int64(site.ID), "Workstations")
	dev := srv.SeedDevice(int64(grp.ID), vsax.Device{Name: "CON-PC01"}, nil)
	srv.SeedNotification(dev.Identifier, "Disk C: below 9% free", vsax.PriorityCritical, time.Date(2026, 9, 24, 16, 15, 2, 0, time.UTC))
	vc, err := srv.NewClient()
	if err != nil {
		fmt.Println(err)
		return
	}
	l := vsaxdriver.NewOpenAlertLister(vc)
	for a, err := range l.OpenAlerts(context.Background()) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(a.Source, a.EventID, a.Severity, a.Title, a.Time.Format(time.RFC3339))
	}
	fmt.Println("raise-only:", l.RaiseOnly())
	// Output:
	// vsax 1 critical Disk C: below 9% free 2026-09-24T16:15:02Z
	// raise-only: true
}
