package halodriver_test

import (
	"context"
	"fmt"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/memstore"
	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halodriver"
	"github.com/mspsync/mspsync/halo/halotest"
	"github.com/mspsync/mspsync/reconcile"
)

// Halo as the alerting engine's ticket sink: a raise becomes a ticket on
// the mapped customer, its resolve closes it. Here on the in-memory fake;
// in production, hc is halo.FromEnv().
func ExampleNewAlertSink() {
	srv := halotest.New()
	defer srv.Close()
	contoso := srv.SeedCustomer(halo.Customer{Name: "Contoso"})
	srv.SeedSite(halo.Site{Name: "Main", ClientID: contoso.ID})
	hc, err := srv.NewClient()
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg := alerting.DefaultConfig()
	cfg.Close = alerting.CloseAlways
	cfg.Customers = []alerting.CustomerMapping{{Source: "myrmm", SourceCustomer: "site-1", Customer: fmt.Sprint(contoso.ID)}}
	eng, err := alerting.New(cfg, memstore.New(), halodriver.NewAlertSink(hc))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer eng.Close()
	ctx := context.Background()
	for _, kind := range []alerting.Kind{alerting.Raise, alerting.Resolve} {
		res, err := eng.Submit(ctx, alerting.Alert{Source: "myrmm", EventID: "e1-" + string(kind), AlertID: "e1", Kind: kind,
			Type: "Disk usage", Title: "Disk C: 92% full", Customer: alerting.CustomerRef{ID: "site-1", Name: "Contoso"}})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(kind, res.Outcome, "ticket", res.TicketID)
	}
	for _, t := range srv.Tickets() {
		fmt.Printf("Halo ticket %d %q for customer %d\n", t.ID, t.Summary, t.ClientID)
	}
	// Output:
	// raise created ticket 1
	// resolve closed ticket 1
	// Halo ticket 1 "Disk C: 92% full" for customer 1
}

// Halo as a reconcile target: what the engine sees of the tenant.
func ExampleNewReconcileTarget() {
	srv := halotest.New()
	defer srv.Close()
	c := srv.SeedCustomer(halo.Customer{Name: "Contoso"})
	srv.SeedSite(halo.Site{Name: "Main", ClientID: c.ID})
	hc, err := srv.NewClient()
	if err != nil {
		fmt.Println(err)
		return
	}
	var tgt reconcile.Target = halodriver.NewReconcileTarget(hc)
	snap, err := tgt.LoadTarget(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range snap.Customers {
		fmt.Println("customer:", c.Name)
	}
	for _, s := range snap.Sites {
		fmt.Println("site:", s.Name)
	}
	// Output:
	// customer: Contoso
	// site: Main
}
