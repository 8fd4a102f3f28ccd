// Package kaseyabms is a client for the Kaseya BMS REST API, version 2
// (the "V2" API at https://api.bms.kaseya.com/v2/… and the other data
// centers): service desk tickets and notes, CRM accounts, locations and
// contacts, contracts and their recurring services, the service
// catalogue, system lookups, hardware assets and webhooks. Wire facts
// follow the Kaseya BMS API documentation (the V2 Swagger served under
// /swagger/ of each data center) and observed responses; the engine adapters (the alerting ticket sink)
// are in package kaseyabmsdriver.
//
//	c, err := kaseyabms.NewClient(
//		kaseyabms.WithRegion(kaseyabms.RegionEMEA),
//		kaseyabms.WithCredentials("Acme Managed IT", "api.bot", password),
//	)
//	info, err := c.Ping(ctx) // GET /v2/security/userinfo
//	fmt.Println(info)        // kaseyabms https://api.bmsemea.kaseya.com/: tenant "Acme Managed IT" …
//
// A Client is safe for concurrent use.
//
// # Authentication
//
// BMS issues short-lived JWTs to an "API Employee" (a user whose security
// role has Admin > Special Features > Has API Access): POST
// /v2/security/authenticate with the form fields UserName, Password,
// Tenant (the company name, spaces included) and GrantType=password. The
// client sends the token as a bearer token and renews it a margin
// (WithTokenMargin, default 60 s) before its AccessTokenExpireOn: with
// POST /v2/security/refreshtoken (AccessToken and RefreshToken) while the
// refresh token lasts, and by authenticating again when the refresh fails.
// A 401 drops the token and replays the request once. Token requests run
// on a background context, one at a time, and follow no redirect; API
// requests carry the token only on the configured origin. A refused login
// arrives as HTTP 200 with Success: false and matches ErrUnauthorized; it
// is not retried. Ping is the connection check.
//
// # Rate limits
//
// BMS allows 1,500 calls an hour per endpoint. The client keeps a limiter
// per endpoint (method and route template: every ticket GET shares one)
// at that rate with a burst of DefaultBurst (WithEndpointRateLimit), plus
// an optional client-wide limiter (WithRateLimit). A 429 is retried with
// its Retry-After, or a backoff from 2 s to 2 min (DefaultRetryPolicy).
// Lookups cost calls too: cache them for the life of a run (the driver
// does).
//
// # Pagination
//
// Lists take PageSize (WithPageSize, default 100) and PageNumber (first
// page 1, or 0 with WithPageBase; clients of BMS use both). Every list has
// an iterator and a page call (Tickets.All and Tickets.ListPage,
// Contacts.Search and Contacts.SearchPage, …), built on the shared
// httpx iterator: a walk stops at an empty or short page or once it holds
// TotalRecords items, ends with ErrNoProgress when a page repeats the
// previous one (the page base is wrong) and with ErrIncomplete when the
// items do not add up to TotalRecords. Filters are option structs whose
// fields become Filter.* query parameters (the contract lookup, whose
// parameters have no prefix, has its own).
//
// # Errors
//
// Every failure is an *Error (mspsync.Error): a status of 400 or more, or
// an HTTP 200 whose envelope {Success, Error, Result, TotalRecords} says
// Success: false — BMS answers many failures that way. The latter matches
// ErrUnsuccessful; a "not found" message also matches ErrNotFound.
// Message joins the envelope's Error.Message, Details and SubErrors (the
// validation messages); ErrorInfoOf returns them as sent, with Error.Code.
// Responses are read in PascalCase (the spec) and camelCase (the wire)
// alike; GET /v2/crm/accounts/summary/{id}, which has no envelope, is read
// either way. Secrets never appear in errors or logs.
//
// BMS has no idempotency keys: a POST that may have reached BMS (a
// ticket, a note, a resolve, service lines) is never sent again; a 429
// (refused before it ran) is. Read-only search POSTs are replayed.
//
// # What V2 cannot do
//
//   - Change a contract service line once added: V2 has
//     POST …/recurringservices/{contractId}/services to add lines and no
//     endpoint to read or update them, so a
//     unit count cannot be changed in place.
//   - Look up ticket types and ticket sources: there is no dedicated
//     lookup and the generic lookup's table names for them are not
//     documented; configure their ids (Lookups.Generic tries a table).
//   - Flag a ticket closed: a ticket is completed when CompletedDate is
//     set, and the status categories that mean closed are not documented;
//     callers combine CompletedDate with a configured set of closed
//     statuses.
//   - Tell how webhook deliveries are signed: Webhooks can create and list
//     them, and mspsync reads ticket state by polling instead.
package kaseyabms
