package mspsync

import "time"

// RetryPolicy says how often and how long the engine retries. The zero value
// of a field means its default; use DefaultRetryPolicy to see them.
type RetryPolicy struct {
	// MaxAttempts is the total number of attempts including the first
	// (default 4). 1 disables retries. The one extra attempt after a token
	// refresh on 401 is not counted.
	MaxAttempts int
	// MinWait is the base of the exponential backoff (default 500ms).
	MinWait time.Duration
	// MaxWait caps a computed backoff (default 30s).
	MaxWait time.Duration
	// MaxRetryAfter caps a server-dictated wait (Retry-After; default 60s).
	// A longer Retry-After is not slept: the request fails with an *Error
	// matching ErrRateLimited whose RetryAfter says how long to wait.
	MaxRetryAfter time.Duration
	// MaxConnectWait caps the wait after a connection could not be opened
	// (refused, DNS failure, TLS handshake failure; default 1s, starting
	// at 100ms): such a failure is retried briefly, for seconds rather than
	// minutes, and then reported. Certificate errors are never retried.
	MaxConnectWait time.Duration
}

// DefaultRetryPolicy returns the policy used when a client sets none.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 4, MinWait: 500 * time.Millisecond, MaxWait: 30 * time.Second, MaxRetryAfter: 60 * time.Second, MaxConnectWait: time.Second}
}
