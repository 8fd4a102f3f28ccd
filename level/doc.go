// Package level is a client for the Level RMM API (https://api.level.io/v2).
// Its fake, leveltest, runs the same code in tests and demos, and its
// engine adapters live in level/leveldriver.
//
//	lc, err := level.NewClient(level.WithAPIKey(key)) // or level.FromEnv()
//	for g, err := range lc.Groups.All(ctx) { ... }
//	for d, err := range lc.Devices.All(ctx, &level.DeviceListOptions{AncestorGroupID: acme}) { ... }
//
// The Client is safe for concurrent use. Services: Groups (list, get,
// create, update), Devices (list with group_id / ancestor_group_id and the
// include_* flags, get), Alerts (list by device and status, get, resolve),
// CustomFields (definitions and values; values set where Level allows it)
// and Tags (read).
//
// # Authentication
//
// Level takes the raw API key in the Authorization header, with no
// "Bearer" (Settings → API). A key covers the whole account; there is no
// tenant parameter. Reading groups, devices and alerts needs a read-only
// key; resolving alerts and writing groups or custom fields need a
// read/write key (a 403 otherwise, matching ErrForbidden). A 401 is final:
// the key is not refreshed.
//
// The key stays on the API's origin: a request follows redirects only on
// its own scheme, host and port and never from https to http; any other
// redirect fails with an error matching ErrRedirect (and ErrForeignHost)
// that names the target.
//
// # Rate limits
//
// Level publishes no quota; about 100 calls a minute have been observed,
// so the client keeps to one request every 600 ms with a burst of 5
// (DefaultRateLimit; WithRateLimit replaces it). A 429 is retried after
// its Retry-After (at most two minutes), or after backoff with jitter when
// it has none (DefaultRetryPolicy).
//
// # Pagination
//
// Lists are Stripe-style cursors. Every list is a pair of methods: an
// iterator (Devices.All(ctx, opts)) that walks every page, and a page call
// (Devices.ListPage(ctx, opts, cursor)), cursor "" being the first page and
// Page.Next the one after it ("" after the last). The client always sends
// limit=100 (Level's default is 20; WithPageSize), re-sends the filters on
// every page, asks for the next page with starting_after=<last item's id>
// and stops when has_more is false. A page that claims more but is empty,
// or that does not advance the cursor, ends the walk with ErrNoProgress
// instead of looping. Level reports no totals and has no modified-since
// filter. Collect turns an iterator into a slice.
//
// # Errors
//
// Failures are *Error (an alias of the engine's error type) with Level's
// message from {"error": "..."} (or "message", else the raw text) and the
// raw body. Match them with errors.Is against ErrNotFound, ErrUnauthorized,
// ErrForbidden, ErrRateLimited, ErrConflict, ErrServerError, ErrMalformed,
// ErrNoProgress, ErrRedirect and ErrForeignHost. Error strings and logs
// never contain the key.
//
// Group creation is never replayed after a 5xx or a broken connection;
// updates and resolves are. Alerts.Resolve sends POST
// /alerts/{id}/resolve and, on 405, PUT once more (the verb is not
// confirmed by Level; WithResolveMethod changes the first); a 404 matches
// ErrNotFound and means the alert is gone, which callers take as
// resolved.
//
// # Quirks
//
// The device name is hostname (DisplayName prefers the nickname); a
// device's IPs and MACs are in its network_interfaces; alerts carry no
// group and no policy ID; a group's custom field values must be written
// with Groups.Update (the values endpoint silently drops them).
//
// # Webhooks
//
// Level's outbound webhooks (set up in the Level UI only) are received by
// level/leveldriver, which checks X-Level-Signature.
package level
