// Package halo is a client for the HaloPSA REST API (https://<instance>/api),
// and the fake of it, halotest, that tests and demos run against.
//
//	hc, err := halo.NewClient("https://acme.halopsa.com",
//		halo.WithClientCredentials(id, secret),
//		halo.WithTenant("acme"))
//	for a, err := range hc.Assets.All(ctx, &halo.AssetListOptions{ClientID: 12}) { ... }
//
// The Client is safe for concurrent use. Services: Clients (Halo's name for
// customers; objects are Customer), Sites, Users, Assets, AssetTypes,
// AssetGroups, Fields, Tickets, Actions, TicketTypes and Statuses.
//
// # Authentication
//
// OAuth2 client credentials. The token endpoint is <auth URL>/token, the
// auth URL defaulting to <resource URL>/auth; WithAuthURL overrides it
// (trial instances use another host) and WithAuthDiscovery asks
// GET /api/AuthInfo. A hosted tenant goes on the token URL as ?tenant=. The
// token is cached, refreshed a minute before expiry, and refreshed once when
// the API answers 401. Token fetches never run on a request's context.
//
// The client secret and the token stay on the origins (scheme, host and
// port) you configured. The token request follows no redirect, and an API
// request follows redirects only on its own origin and never from https to
// http: any other redirect fails with an error matching ErrRedirect that
// names the target. An auth server learnt by discovery is used only on the
// origin of the resource URL or of WithAuthURL, or one allowed with
// WithAuthOrigins; otherwise the token request fails with ErrForeignHost
// and the secret is not sent.
//
// # Rate limits
//
// Hosted Halo allows 300 requests per rolling five minutes and answers 429
// with the plain text "Rate Limit Reached - 300 Requests per rolling 5
// minute window". The client limits itself to just under that
// (DefaultRateLimit) and backs off from 5 s to 60 s (DefaultRetryPolicy),
// honouring Retry-After up to 60 s.
//
// # Pagination
//
// Paged lists send pageinate=true (Halo's spelling), page_size (at most
// 100, which Halo caps silently) and page_no from 1, and stop at an empty or
// short page or when record_count is reached. Each paged service has All,
// an iterator over every item, and ListPage for one page at a time: cursor
// "" is the first page and each Page.Next the one after it ("" after the
// last). Collect turns an iterator into a slice. Lists decode both
// {"record_count":N,"<key>":[...]} and a bare array. Configuration lists
// (asset types, asset groups, ticket types, statuses, a ticket's actions)
// are not paged: their List returns the whole slice in one request.
//
// # Writes
//
// Halo has no PUT or PATCH: POST takes a JSON array and creates records
// without an id and updates those with one, changing only the fields sent.
// Updates are retried after 5xx and transport errors; creates are not,
// since Halo may have processed them. An array an update carries, such as
// an asset's fields or customfields, replaces the stored one whole: send
// every entry to keep, or leave the array out. Assets.SaveBatch sends
// updates and creates 50 to a POST, finds the ids of created records by
// reading back when Halo's reply does not give one object per record, and
// falls back to single records when Halo rejects a batch.
// Fields Halo sends that this package does not model are kept in Extra and
// written back, so a read-modify-write never drops data; custom field and
// asset info field entries keep every key the same way. A value read from
// Halo remembers what it was given: fields left unchanged are written back
// exactly as Halo sent them (a time keeps its seven fractional digits), and
// a field set to its zero value is sent, which is how a field is cleared:
//
//	t, err := hc.Tickets.Get(ctx, 9499) // team "1st Line Support"
//	t.Team, t.AgentID = "", 0           // sent as "team":"","agent_id":0
//	_, err = hc.Tickets.Save(ctx, *t)
//
// A nil pointer, slice or Time is sent as null. A value built in Go, such as
// a create or an update carrying only an id and the fields to change, sends
// only its non-zero fields, so clearing a field takes a value read first. To
// create a record from a read one, copy the wanted fields into a new value.
// Asset info fields are written as fields:[{id,value}] and custom fields as
// customfields:[{id,value}]; Fields.Resolve turns a name such as "Serial
// Number" into the tenant's id.
//
// # Errors
//
// Failures are *Error (an alias of the engine's error type) carrying the
// status, the sanitised URL and Halo's message, taken from errorMessage,
// Message, message, error_description or error, from ASP.NET model state,
// or from a plain-text body. Match them with errors.Is against ErrNotFound
// (a deleted ticket), ErrUnauthorized, ErrForbidden (the API agent lacks
// rights), ErrRateLimited, ErrOutcomeRequired, ErrRedirect, ErrForeignHost
// and the others. When Halo could not be reached the error names the cause
// ("connection refused"); such failures are retried for a few seconds
// only. Error strings, bodies and logs never contain the secret or a
// token.
//
// The wire facts this package follows come from Halo's API documentation
// and observed responses; a contract test calls every method of the Client and
// checks each request — path, query parameters and their values, body
// fields at any depth — against Halo's published OpenAPI document.
package halo
