// Package visionone is a client for the Trend Vision One public API v3.0
// (Trend Micro's XDR and attack-surface platform), served from a regional
// host: https://api.<region>.xdr.trendmicro.com/v3.0/ (US and JP differ).
// Wire facts follow Trend Micro's Vision One API v3.0 documentation and
// observed responses.
//
// In mspsync it is an alert source: package visiononedriver polls
// workbench alerts, high-risk users and devices and newly discovered
// assets, takes Vision One notification webhooks, and writes workbench
// alert status back when a PSA ticket is closed.
//
// # Authentication
//
// Every request carries the API key as "Authorization: Bearer <key>"
// (Administration > API Keys; keys expire after a year by default).
// There is no token exchange and nothing to refresh: a 401 is final and
// never retried. FromEnv reads VISIONONE_API_KEY, VISIONONE_REGION and
// VISIONONE_URL.
//
// # Regions
//
// A key works only in the region of its Vision One console. WithRegion
// picks the host from the table of the vendor doc (us, eu, jp, sg, au,
// in, mea; uk, ca, za and usgov are not confirmed by Trend) and
// WithBaseURL takes any other host. Client.Ping checks a key on its host
// and tells a wrong region (401: ErrWrongRegion) from a feature the key
// may not use (403: PingInfo reports it AccessForbidden — the key's role
// lacks the permission or, for the attack-surface lists, Cyber Risk
// Exposure Management is not licensed).
//
// # Rate limits
//
// Vision One counts requests per 60-second window and answers 429 "Too
// many API requests" without processing the request. The client keeps to
// DefaultRequestsPerSecond (WithRateLimit changes it) and retries a 429
// on every request, PATCH included, honouring Retry-After or
// RateLimit-Reset up to two minutes (DefaultRetryPolicy). A 502/503/504
// is retried only on reads. The default HTTP client times out after 75 s,
// a little above the server's own 60 s.
//
// # Pagination
//
// Lists answer {totalCount, count, items, nextLink}. The iterators
// (Workbench.Alerts, AttackSurface.HighRiskUsers, ...) and the page calls
// (…Page, whose cursor is the absolute nextLink) follow nextLink verbatim,
// send the list's TMV1-Filter header again with every page (the header
// is not part of the link), and stop when nextLink is absent. A nextLink
// on another scheme or host is not followed (ErrForeignHost): the key
// never leaves the configured host. A nextLink that repeats its page is
// ErrNoProgress. The attack-surface lists send top (WithPageSize; one of
// PageSizes); the workbench alert list takes none. Build filter literals
// with Quote or Eq, which double single quotes; date-times go out in UTC
// whole seconds (FormatTime).
//
// # Errors
//
// Every failure is an *Error carrying Vision One's {"error":{"code",
// "message"}} (an HTML body falls back to the status text), matching
// ErrUnauthorized (401), ErrForbidden (403), ErrNotFound (404),
// ErrPreconditionFailed and ErrConflict (412, the If-Match ETag of a
// workbench alert update is stale), ErrRateLimited (429) and
// ErrServerError (5xx). No error or log line contains the key.
//
// # Workbench alert updates
//
// Workbench.Get returns the alert with its ETag; Workbench.Update sends
// {"status", "investigationResult"} with If-Match and gets 204. On
// ErrPreconditionFailed, read the alert again and decide: never send the
// same ETag twice. An update is not replayed after a 5xx or a broken
// connection (it may have been applied); a 429 is.
//
// # Webhooks and notifications
//
// Vision One sends console notifications to webhooks whose body the
// operator defines, without a signature: visiononedriver's notification
// intake takes them behind a secret URL token, maps the operator's JSON to
// alert fields and re-reads workbench alerts from the API. Vision One can
// also deliver notifications by e-mail; mspsync does not take e-mail
// notifications from Vision One — use the webhook path.
package visionone
