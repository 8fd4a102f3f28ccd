// Package mspsync is a Go SDK for managed-service-provider integrations:
// it connects the RMMs and security platforms an MSP runs (Datto RMM, Kaseya
// VSA X, Level, Trend Vision One) to the PSA its technicians work in
// (HaloPSA, Kaseya BMS).
//
// It does the two jobs every such integration does:
//
//   - reconcile: import RMM sites and devices into PSA customers, sites and
//     assets, driven by a JSON-serialisable configuration (field mappings,
//     site rules, asset-type rules, matching fields, exclusions). Plan is a
//     pure function that shows every change before Apply writes it, and a
//     second run of an unchanged world writes nothing.
//   - alerting: turn RMM and security alerts into PSA tickets, grouped per
//     alert, per user or per user and alert type, routed to the right
//     customer and contact, with resolution synced both ways; never a
//     duplicate ticket, nothing lost when the PSA is down.
//
// # Packages
//
//	halo, dattormm, vsax,        typed API clients, one per vendor; each also
//	kaseyabms, level, visionone  provides the drivers that plug it into the engines
//	<vendor>/<vendor>test        in-memory fake of that vendor's API on httptest
//	reconcile, alerting          vendor-neutral engines: pure planning, small interfaces
//	examples/...                 programs; go run ./examples/<name> -demo needs no credentials
//
// Every client talks HTTP through one engine (internal to this module): OAuth2
// or static credentials, a client-side rate limiter set from the vendor's
// documented limits, retries that never replay a create the server may have
// processed, Retry-After with a ceiling, typed errors that never carry a
// secret, and iterators that refuse to loop.
//
// # Types every client shares
//
// This package holds what all clients have in common, so that one
// errors.As or errors.Is works for any vendor: Error (status, vendor
// message, request ID, sanitised URL and cause) and its sentinels
// (ErrNotFound, ErrUnauthorized, ErrRateLimited, ...), RedirectError,
// SettingsError, RetryPolicy, Counters and Stats, Page and Clock. Each
// vendor package re-exports them under the same names (halo.Error is
// mspsync.Error).
//
//	var apiErr *mspsync.Error
//	if errors.As(err, &apiErr) && errors.Is(err, mspsync.ErrRateLimited) {
//		log.Printf("%s asks us to wait %s", apiErr.Vendor, apiErr.RetryAfter)
//	}
//
// # Wiring Datto RMM into HaloPSA
//
//	dc, err := dattormm.NewClient(dattoURL, dattormm.WithAPIKey(key, secret))
//	if err != nil {
//		return err
//	}
//	hc, err := halo.NewClient(haloURL, halo.WithClientCredentials(id, secret), halo.WithTenant(tenant))
//	if err != nil {
//		return err
//	}
//	cfg, err := reconcile.LoadConfigFile("datto-to-halo.json") // mappings, rules, matching, exclusions
//	if err != nil {
//		return err
//	}
//	src := dattormmdriver.NewReconcileSource(dc)
//	tgt := halodriver.NewReconcileTarget(hc)
//	res, err := reconcile.Run(ctx, src, tgt, cfg, reconcile.RunOptions{DryRun: dryRun})
//	if err != nil {
//		return err // a partial Datto listing deactivates nothing
//	}
//	res.Changeset.WriteTable(os.Stdout, false)
//	fmt.Println(res.Changeset.Summary())
//
// The version of this tree is Version.
package mspsync

import "github.com/mspsync/mspsync/internal/version"

// Version is the mspsync release, also sent in every User-Agent.
const Version = version.Version
