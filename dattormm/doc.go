// Package dattormm is a client for the Datto RMM API
// (https://<platform>-api.centrastage.net/api), a decoder for the monitor
// webhooks Datto RMM sends, and the fake of the API, dattormmtest, that
// tests and demos run against.
//
//	api, _ := dattormm.Region("merlot")
//	dc, err := dattormm.NewClient(api, dattormm.WithAPIKey(key, secret))
//	for d, err := range dc.Account.Devices(ctx, nil) { ... }
//
// The Client is safe for concurrent use. Services: Account, Sites, Devices,
// Alerts, Audit and System.
//
// # Authentication
//
// Datto uses the OAuth2 password grant at <API URL>/auth/oauth/token
// (outside /api): every caller authenticates as the public client
// "public-client"/"public" with HTTP Basic, and the account user's API key
// and secret are the grant's username and password. The token (about 100
// hours) is cached, renewed a minute before expiry and once more when the
// API answers 401. Use a dedicated Administrator-level API user; a 403
// names what it may not do.
//
// The API key, secret and token stay on the API URL's origin (scheme, host
// and port). The token request follows no redirect, and an API request
// follows redirects only on its own origin and never from https to http:
// any other redirect fails with an error matching ErrRedirect (and
// ErrForeignHost) that names the target.
//
// # Rate limits
//
// Datto allows 600 reads per rolling minute per account, shared by every
// integration, and budgets writes separately: 600 in all and about 100 per
// operation (alert-resolve, site-update, ...). The client keeps to 80% of
// each with separate limiters, and SyncRateLimit reads
// GET /v2/system/request_rate and adopts the account's real limits.
//
// Datto answers persisting 429s with a temporary IP block, so a 429 pauses
// the whole client: every request, from any goroutine, waits for
// Retry-After (at most two minutes) or, without one, until the window has
// drained (DefaultRateLimitPause, a minute; WithRateLimitPause). A 403
// within BlockWindow (five minutes) of a 429, or one that looks like the
// block (not JSON, or mentions a rate or block), is Datto's IP block: it
// matches ErrBlocked (and ErrForbidden and ErrRateLimited), is not retried,
// and its RetryAfter says to wait five minutes. WithClock replaces the
// clock of these waits (tests).
//
// # Pagination
//
// Every list is a pair of methods named after the sequence: an iterator
// (Account.Devices(ctx, opts)) that walks every page, and a page call
// (Account.DevicesPage(ctx, opts, cursor)) for one page at a time, cursor ""
// being the first page and each Page.Next the one after it ("" after the
// last). Collect turns an iterator into a slice. The first page is page=0
// with max set to the account's page maximum (GET /v2/system/pagination,
// read once); later pages follow pageDetails.nextPageUrl, an absolute URL
// that is followed only on the configured host and under its /api/ root
// (ErrForeignHost otherwise, and no token is sent there). Filters a link
// dropped are added back. A walk that yields fewer items than the reported
// totalCount ends with ErrIncomplete, so a partial listing is never read as
// "the rest was deleted".
//
// # Errors
//
// Failures are *Error (an alias of the engine's error type) with Datto's
// message from its Spring-style body ({"timestamp","status","error",
// "path"}, and "message" when present) or its OAuth errors. Match them with
// errors.Is against ErrNotFound (a purged device or alert), ErrUnauthorized,
// ErrForbidden, ErrBlocked, ErrRateLimited, ErrConflict, ErrRedirect,
// ErrForeignHost and the others. When Datto could not be reached the error
// names the cause ("connection refused"); such failures are retried for a
// few seconds only. Error strings, bodies and logs never contain the API
// secret or a token.
// Creates (PUT /v2/site) are never replayed after a 5xx or a broken
// connection, and Sites.Create refuses to make a second site of one name;
// resolving an alert, setting UDFs and moving a device are safe to retry.
//
// # Webhooks
//
// Datto RMM POSTs a body the user writes, with [placeholders] filled in,
// and signs nothing. mspsync's template carries a shared secret in
// "state". Paste these into the monitor's (or Global Webhooks') alert and
// resolution payloads, with your secret (at least 32 random bytes, hex or
// base64url) in place of <secret>:
//
//	{"alert_uid":"[alert_uid]","alert_resolved":false,"state":"<secret>","device_uid":"[device_uid]","site_uid":"[site_uid]","alert_type":"[alert_type]","alert_message":"[alert_message_en]","alert_priority":"[alert_priority]","device_hostname":"[device_hostname]","site_name":"[site_name]","platform":"[platform]","timestamp":"[timestamp]"}
//	{"alert_uid":"[alert_uid]","alert_resolved":true,"state":"<secret>","device_uid":"[device_uid]","site_uid":"[site_uid]","alert_type":"[alert_type]","alert_message":"[alert_message_en]","alert_priority":"[alert_priority]","device_hostname":"[device_hostname]","site_name":"[site_name]","platform":"[platform]","timestamp":"[timestamp]"}
//
// WebhookTemplates renders both for a secret. Keep alert_uid,
// alert_resolved and state first, and device_uid and site_uid next, when
// editing them: Datto does not escape
// the alert text it substitutes, so a message can contain
// `","alert_resolved":true`, and a WebhookVerifier decides every key by its
// first occurrence (a repeat is reported in WebhookAlert.Duplicates, not
// obeyed). It decodes a body (ignoring Content-Type), checks state in
// constant time against one or two secrets (for a rotation), refuses
// Datto's test button (which sends [alert_uid] unfilled) with a message
// saying so, requires alert_uid to be a UUID (IsAlertUID), treats other
// unfilled placeholders as empty, and caps the body at 64 KiB;
// device_uid and site_uid (the device's and site's UIDs, which route the
// alert to the PSA asset an import linked to the device even when the API
// cannot be asked) are kept only in UUID form and only before the free
// text, else dropped and named in WebhookAlert.Ignored. The [device_uid]
// and [site_uid] variables come from public webhook templates, not a list
// of Datto's own; a literal one is treated as absent;
// WebhookStatus maps its errors to 400, 401 or 413. If a message arrives
// as a literal [alert_message_en], try [alert_message] instead. Enrich an
// alert with Alerts.Get (device and site UIDs, priority, diagnostics,
// alertContext), after acknowledging the webhook.
// ParseAlertSubject reads the Alert{<uid>} convention of alert emails.
//
// The wire facts this package follows come from Datto's API documentation
// and observed responses; a contract test calls every method of the Client
// and checks each request — path, query parameters and their values, body
// fields at any depth — against Datto's published OpenAPI document.
package dattormm
