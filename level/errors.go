package level

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/mspsync/mspsync"
	"github.com/mspsync/mspsync/internal/httpx"
)

// Error is the error type of every failed call (see mspsync.Error): status,
// method, sanitised URL, Level's message and the raw body.
type Error = mspsync.Error

// RedirectError describes a refused redirect (see ErrRedirect).
type RedirectError = mspsync.RedirectError

// Sentinels for errors.Is.
var (
	ErrNotFound     = mspsync.ErrNotFound
	ErrUnauthorized = mspsync.ErrUnauthorized
	// ErrForbidden matches a 403: the key is read-only (writes such as
	// resolving an alert need a read/write key) or the resource lies
	// outside the key's account.
	ErrForbidden   = mspsync.ErrForbidden
	ErrRateLimited = mspsync.ErrRateLimited
	ErrConflict    = mspsync.ErrConflict
	ErrServerError = mspsync.ErrServerError
	ErrMalformed   = mspsync.ErrMalformedResponse
	ErrNoProgress  = mspsync.ErrNoProgress
	ErrForeignHost = mspsync.ErrForeignHost
	// ErrRedirect matches a redirect the client refused to follow because
	// it would have carried the API key to another origin (scheme, host
	// and port) or from https to http. The error names the target;
	// errors.As gives a *RedirectError.
	ErrRedirect = mspsync.ErrRedirect
)

// extractMessage reads Level's error shape {"error": "..."}, then
// {"message": "..."}, else the raw text. A 403 without a message says what
// it most likely means.
func extractMessage(status int, h http.Header, body []byte) httpx.Extracted {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '{' {
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) == nil {
			for _, k := range []string{"error", "message"} {
				var s string
				if json.Unmarshal(m[k], &s) == nil && s != "" {
					return httpx.Extracted{Message: s}
				}
			}
		}
	}
	x := httpx.DefaultMessage(status, h, body)
	if status == http.StatusForbidden && (x.Message == "" || x.Message == http.StatusText(status)) {
		x.Message = "key lacks write access, or the resource is outside the key's account"
	}
	return x
}
