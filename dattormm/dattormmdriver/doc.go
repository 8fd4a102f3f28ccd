// Package dattormmdriver plugs a Datto RMM client into the engines: a
// reconcile.Source (with audit enrichment only where a plan needs it),
// a webhook handler that turns Datto monitor webhooks into alerts for the
// alerting engine without calling Datto, the alerting.Enricher that
// completes them from Datto's API in the engine's worker and confirms
// resolves there, and an alerting.Resolver that resolves alerts in Datto
// when their ticket closes.
//
// The client package dattormm imports neither engine; this package is
// the adapter, like pgx's stdlib next to pgx (see package halodriver for
// the naming rule every vendor follows). Datto RMM's kind in both engines
// is "datto" (Kind): PSA drivers key the links they keep by it.
//
//	dc, _ := dattormm.NewClient(apiURL, dattormm.WithAPIKey(key, secret))
//	src := dattormmdriver.NewReconcileSource(dc)
//	res, err := reconcile.Run(ctx, src, target, cfg, reconcile.RunOptions{DryRun: true})
package dattormmdriver
