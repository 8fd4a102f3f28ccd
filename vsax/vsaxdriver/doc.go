// Package vsaxdriver plugs a Kaseya VSA X client (package vsax) into the
// engines: a reconcile.Source over organizations, sites, devices and their
// asset records (with the per-device detail reads only where a plan needs
// them, through reconcile.Enricher), and a notification webhook handler
// that verifies VSA X's x-hmac-signature and hands alerts to the alerting
// engine.
//
// VSA X's kind in both engines is "vsax" (Kind): halodriver keeps its
// device links in the Halo asset's kaseya_id and its site links in
// kaseyaid.
//
// Source sites: each organization is a SourceSite "org-<Id>" and each
// site a SourceSite "site-<Id>" whose ParentID is its organization, so a
// reconcile mapping of an organization covers its sites and a site may be
// mapped on its own. Devices sit in their site ("site-<SiteId>"); groups
// are carried as the device fields groupId and groupName.
//
// VSA X alerts are raise-only: VSA X sends no resolve event and has no
// resolve API, so tickets opened from VSA X notifications are closed from
// the PSA side (by hand or by the PSA's own rules). There is no resolver.
//
// Missed notifications: a webhook posted while the receiver was down is
// lost, but VSA X keeps its notifications. OpenAlertLister
// (NewOpenAlertLister, for alerting.WithOpenAlertLister) lists them
// (GET /notifications, ceil(n/100) requests a pass) as the same raises the
// webhook gives (AccountAlert is the one mapping both use), so the
// engine's reconciliation poll tickets a notification whose webhook never
// arrived and treats one whose webhook did as a duplicate. It is an
// alerting.RaiseOnlyLister: notifications are events, not open alerts, so
// one missing from the list (deleted, aged out) resolves nothing. The list
// carries no device or organization; Enricher (alerting.WithEnricher)
// reads them for the notifications the engine tickets (GET
// /notifications/{Id} and GET /devices/{Identifier}: two requests per
// missed notification, none for a webhook's).
//
//	c, _ := vsax.FromEnv()
//	src := vsaxdriver.NewReconcileSource(c)
//	res, err := reconcile.Run(ctx, src, target, cfg, reconcile.RunOptions{DryRun: true})
package vsaxdriver
