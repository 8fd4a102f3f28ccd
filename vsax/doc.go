// Package vsax is a client for the Kaseya VSA X REST API, which is the
// Pulseway v3 API served from each instance at
// https://<instance>.vsax.net/api/v3/.
//
// # Authentication
//
// VSA X authenticates every request with HTTP Basic: the API token's
// Token ID as user name and its Token Secret as password (Configuration →
// API Access → Third-Party Tokens; VSA X shows both once). There is no
// token exchange: a 401 (wrong, expired or IP-restricted token) or 403
// (missing permission, organisation restriction) is final, never retried,
// and its error says what to fix. Client.Ping (GET /environment) tests
// URL and token and returns a PingInfo. FromEnv reads VSAX_URL, VSAX_TOKEN_ID and
// VSAX_TOKEN_SECRET. NewClient takes the full API URL or the bare host
// and appends /api/v3/ when it is missing.
//
// # Rate limits
//
// VSA X publishes no limit; Pulseway's is reported at about 3,600 requests
// an hour per token and endpoint, answered with 429 and Retry-After. The
// client keeps to DefaultRequestsPerSecond (one a second) by default
// (WithRateLimit changes it) and retries 429 on any request and
// 502/503/504 on replay-safe ones, honouring Retry-After up to two
// minutes (DefaultRetryPolicy).
//
// # Pagination
//
// Lists use OData offsets: $top (at most 100), $skip, and always
// $count=true so that Meta.TotalCount is sent; $filter and $orderby come
// from ListOptions. The "$" is sent literally. Every list has an iterator
// (All) and a page call (ListPage) whose cursor is the next $skip. A walk
// stops at Meta.TotalCount, a short page or an empty page, refuses a page
// that does not advance (ErrNoProgress), and ends with ErrIncomplete when
// the items do not add up to Meta.TotalCount.
//
// # Errors
//
// Every failure is an *Error (matching ErrNotFound, ErrUnauthorized,
// ErrForbidden, ErrRateLimited, ErrServerError, ...) carrying VSA X's
// Meta.ErrorMessage from the {"Data": null, "Meta": {...}} envelope. No
// error or log line contains the token.
//
// # Webhooks
//
// Notification webhooks are registered with Client.Webhooks. Their
// SecretKey is returned only by Create and RegenerateSecret and cannot be
// read again. Deliveries carry x-hmac-signature =
// base64(HMAC-SHA256(raw body, key)); WebhookVerifier checks it in
// constant time, keying with the secret's string bytes and then its
// hex-decoded bytes (VSA X does not document which). VSA X sends no
// resolve events and has no resolve API: its alerts are raise-only, and
// tickets opened from them are closed from the PSA side.
package vsax
