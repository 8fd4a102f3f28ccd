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
// whose connection was never opened (refused, DNS, TLS handshake) is retried
// whatever its method, briefly: 100 ms doubling to MaxConnectWait (1 s), so
// an unreachable host is reported within seconds; certificate errors are
// never retried. A Retry-After (seconds or HTTP date) is honoured up to
// MaxRetryAfter; a longer one is returned as an *Error matching
// ErrRateLimited with RetryAfter set. A 401 makes a TokenAuth drop its token
// and the request is replayed once. Bodies are rebuilt from bytes for every
// attempt. Every retry and wait is logged at Debug and counted in Counters.
//
// # Rate-limit pause
//
// With Config.RateLimitPause set (a vendor whose budget is a rolling window
// per account, like Datto RMM), a 429 pauses the whole engine: the wait
// (Retry-After, or RateLimitPause when the 429 has none) holds the next
// attempt of every request, from any goroutine, until the window has
// drained. Without it a 429 is retried after the policy's backoff, request
// by request. Waits and pauses run on Config.Clock, which tests replace
// (httpxtest.Clock), so no test sleeps for real.
//
// # Credentials and redirects
//
// Credentials never leave the origin (scheme, host and port) they were
// configured for. A request that carries them (an Authenticator, a
// secret-named header such as Authorization or X-Api-Key, a form body with
// a secret field, URL userinfo) follows redirects only on its own origin and
// never from https to http; a token request (TokenAuth) follows no redirect
// at all. A refused redirect fails at once, unretried, with an *Error
// wrapping a *RedirectError that names the sanitised target and matches
// ErrRedirect, and ErrForeignHost when the target is another origin.
// Anonymous requests (NoAuth) follow redirects as usual. The engine and
// TokenAuth use copies of the caller's http.Client, never changing it.
// Absolute URLs handed to the engine (next-page links) must be on the base
// URL's scheme and host (ErrForeignHost).
//
// # Errors
//
// Failures are *Error: vendor, method, sanitised URL, status, the vendor's
// message (MessageExtractor), the error body (read no further than
// MaxErrorBody, 64 KiB), Retry-After and request ID. When no response was
// received, Error() adds the cause ("dial tcp 127.0.0.1:443: connect:
// connection refused"). errors.Is matches ErrNotFound, ErrUnauthorized,
// ErrForbidden, ErrRateLimited, ErrConflict, ErrServerError,
// ErrMalformedResponse, ErrRedirect and ErrForeignHost; transport and
// context errors remain reachable with errors.Is/As.
//
// No secret appears in an error string or a log line: URLs pass through
// SanitizeURL (userinfo and secret query values), and Message, Body and the
// cause through SanitizeText, which also redacts secret fields of forms and
// JSON bodies (client_secret, password, refresh_token, access_token,
// api_key, apikey, x-api-key, a webhook's state and secret, ...; see
// IsSecretName), credential headers and Bearer/Basic credentials.
//
// # Pagination
//
// Iterate turns a page fetcher into an iter.Seq2 that stops at the first
// error and refuses pages that do not advance (ErrNoProgress).
package httpx
