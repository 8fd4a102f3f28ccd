// Package reconcile imports an RMM's sites and devices into a PSA's
// customers, sites and assets, the job HaloPSA's own Datto RMM and VSA X
// integrations do, configured as data and safe to run again and again.
//
// It imports no vendor package. A Source (dattormm provides one) loads a
// SourceSnapshot: sites and devices with named field values. A Target (halo
// provides one) loads a TargetSnapshot and carries out writes. Between
// them:
//
//	cfg, err := reconcile.LoadConfigFile("reconcile.json")
//	src, err := source.LoadSource(ctx)
//	tgt, err := target.LoadTarget(ctx)
//	cs, err := reconcile.Plan(src, tgt, cfg) // pure: no I/O, deterministic
//	cs.WriteTable(os.Stdout, false)          // the dry run
//	err = reconcile.Apply(ctx, cs, target, reconcile.ApplyOptions{})
//	fmt.Println(cs.Summary())
//
// Run does the loading (and asks an Enricher for expensive fields only
// where they are needed), planning and, unless asked for a dry run,
// applying.
//
// # What a Config says
//
//   - Sites: explicit mappings from source site to PSA customer and site,
//     or ordered criteria rules; a default site; what an unmapped source
//     site becomes (a customer with a main site, a site under one customer,
//     or nothing; a PSA customer or site of the same name is reused);
//     what an unmapped child site (SourceSite.ParentID) becomes: placed by
//     its nearest mapped ancestor, or (child_sites "sites") a site of the
//     customer its parent is placed on; the top level of new customers;
//     whether matched assets may move.
//   - Field mappings: source field to PSA field (native, info or custom,
//     by name), only-fill-empty, create-missing, and fields that churn and
//     so do not trigger an update on their own.
//   - Matching: the vendor link stored on the asset (datto_id) first, then
//     one matching field, with placeholder values excluded (the built-in
//     DefaultExclusions plus the user's, compared without case and
//     punctuation; values shorter than 3 or of one repeated character too)
//     and optionally scoped to the customer.
//   - Asset types: fixed, from a source field, or rules; a default; the
//     group for new types; whether matched assets may be retyped.
//   - Lifecycle: don't create, status of new assets, deactivate deleted
//     devices and a status for them.
//   - Users: from a source field or the last logged-in user, matched on a
//     primary and a secondary PSA user field.
//
// # Safety
//
// A second run on an unchanged world plans zero writes. A key that yields
// two candidate assets is reported as ambiguous and never applied; a
// matching value two source devices share is not used; an empty source
// value never overwrites a PSA value; only-fill-empty never overwrites;
// only assets linked to the source are ever deactivated, and never because
// a partial listing lacked them (SourceSnapshot.Complete, checked again by
// Apply). A plan kept in a file (Changeset.WriteTo) is applied by
// ApplyPlan only if CheckDrift finds nothing changed underneath it; each
// asset create records what it would have matched (Action.Match), so an
// asset added by hand since is a conflict, not a duplicate.
//
// Rules use the criteria operators equals, not_equals, starts_with,
// ends_with, contains, regex, empty, not_empty and in_list, compared
// without case unless case_sensitive is set, on PSA-side field names (the
// mapping targets) and then on source field names. A bad regex or operator
// is a ConfigError when the Config is loaded.
package reconcile
