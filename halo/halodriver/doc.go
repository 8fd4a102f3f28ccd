// Package halodriver plugs a HaloPSA client into the engines: a
// reconcile.Target that imports devices into Halo customers, sites and
// assets, and an alerting.Sink that turns alerts into Halo tickets.
//
// The client package halo imports neither engine; this package is the
// adapter between them, like pgx's stdlib next to pgx. Every vendor of
// mspsync follows the same rule: <vendor>/<vendor>driver holds
// NewReconcileTarget or NewReconcileSource, NewAlertSink, NewAlertIntake
// and NewResolver as the vendor supports them, and passes the conformance
// suites of reconcile/reconciletest and alerting/alertingtest.
//
// # Links
//
// Reconcile and alerting know a source only by its kind ("datto",
// "vsax", or a kind of your own). Where a Halo asset keeps the ID of the
// source device it stands for is decided here: Datto RMM device UIDs go
// to the asset's datto_id column and VSA X identifiers to kaseya_id, as
// Halo's own integrations do. A kind Halo has no column for is kept in an
// asset info field named "<kind> device ID", created on first use;
// WithLinkField names another field or column for a kind.
//
//	hc, _ := halo.NewClient(url, halo.WithClientCredentials(id, secret))
//	target := halodriver.NewReconcileTarget(hc)
//	sink := halodriver.NewAlertSink(hc, halodriver.WithTicketType(27))
package halodriver
