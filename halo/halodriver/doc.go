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
// WithLinkField names another field or column for a kind. The source
// account a link belongs to is kept in the info field "<kind> account".
//
// Customers (Halo clients) and sites keep the source site they stand for
// in the columns SiteLinkColumns names: datto_id (and datto_url) for Datto
// RMM, kaseyaid for VSA X. Links of other kinds are not kept on clients
// and sites; reconcile's mapping store carries them.
//
// # Writes
//
// Halo replaces an asset's whole fields (and customfields) array with the
// one a POST carries. SaveAssets therefore sends, for an update that
// changes info or custom fields, the asset's current entries (as the last
// LoadTarget read them, or read from the asset) with the changes applied,
// and neither array when no field changes. Creates and updates travel 50
// to a POST (halo.WithBatchSize, halo.WithCreateBatchSize).
//
//	hc, _ := halo.NewClient(url, halo.WithClientCredentials(id, secret))
//	target := halodriver.NewReconcileTarget(hc)
//	sink := halodriver.NewAlertSink(hc, halodriver.WithTicketType(27))
package halodriver
