// Package httpx is the HTTP engine every mspsync vendor client uses. No
// vendor package builds its own retry loop, limiter, paginator or error
// type: they configure an Engine and describe requests.
//
// # Layers
//
// For every attempt the engine authorises the request (Authenticator:
// StaticHeader, BasicAuth, BearerToken, or a TokenAuth for OAuth2-shaped
// tokens), waits on the client's rate limiter and on an optional
// per-request limiter (a vendor's separate write budget), and sends it
// through a go-cleanhttp pooled client with an overall timeout.
//
// # Retries
//
// RetryPolicy gives exponential backoff with full jitter. 429 is retried for
// any method (the server refused the request before processing it); 502, 503
// and 504 and transport errors only for requests that are safe to replay
// (GET, HEAD, PUT, DELETE, OPTIONS, or a write marked ReplaySafe). A request
// whose connection was never opened is retried whatever its method. A
// Retry-After (seconds or HTTP date) is honoured up to MaxRetryAfter; a
// longer one is returned as an *Error matching ErrRateLimited with
// RetryAfter set. A 401 makes a TokenAuth drop its token and the request is
// replayed once. Bodies are rebuilt from bytes for every attempt. Every
// retry and wait is logged at Debug and counted in Counters.
//
// # Errors
//
// Failures are *Error: vendor, method, sanitised URL, status, the vendor's
// message (MessageExtractor), raw body capped at MaxErrorBody, Retry-After
// and request ID. errors.Is matches ErrNotFound, ErrUnauthorized,
// ErrForbidden, ErrRateLimited, ErrConflict, ErrServerError and
// ErrMalformedResponse; transport and context errors remain reachable with
// errors.Is/As. Secrets never appear in URLs shown by errors or logs.
//
// # Pagination
//
// Iterate turns a page fetcher into an iter.Seq2 that stops at the first
// error and refuses pages that do not advance (ErrNoProgress).
package httpx
