package halo

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strings"

	"github.com/mspsync/mspsync"
	"github.com/mspsync/mspsync/internal/httpx"
)

// Error is the error type of every failed call (see mspsync.Error): status,
// method, sanitised URL, Halo's message and the raw body.
type Error = mspsync.Error

// RedirectError describes a refused redirect (see ErrRedirect).
type RedirectError = mspsync.RedirectError

// Sentinels for errors.Is.
var (
	ErrNotFound     = mspsync.ErrNotFound
	ErrUnauthorized = mspsync.ErrUnauthorized
	ErrForbidden    = mspsync.ErrForbidden
	ErrRateLimited  = mspsync.ErrRateLimited
	ErrConflict     = mspsync.ErrConflict
	ErrServerError  = mspsync.ErrServerError
	ErrMalformed    = mspsync.ErrMalformedResponse
	ErrNoProgress   = mspsync.ErrNoProgress
	ErrForeignHost  = mspsync.ErrForeignHost
	// ErrRedirect matches a redirect the client refused to follow because
	// it would have carried credentials to another origin (scheme, host
	// and port), from https to http, or away from the token endpoint. The
	// error names the target; errors.As gives a *RedirectError.
	ErrRedirect = mspsync.ErrRedirect
	// ErrOutcomeRequired matches Halo's rejection of an action without an
	// outcome ("An Outcome must be entered for this Action").
	ErrOutcomeRequired = errors.New("halo: action needs an outcome")
)

const outcomeMessage = "An Outcome must be entered for this Action"

// extractMessage reads Halo's error shapes, in the order homotechsual's
// client tries them: errorMessage, Message, message, error_description,
// error; then ASP.NET model state ({"[0].id": "..."}); then plain text.
func extractMessage(status int, h http.Header, body []byte) httpx.Extracted {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '{' {
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) == nil {
			for _, k := range []string{"errorMessage", "Message", "message", "error_description", "error"} {
				var s string
				if json.Unmarshal(m[k], &s) == nil && s != "" {
					x := httpx.Extracted{Message: s}
					if k == "error_description" {
						json.Unmarshal(m["error"], &x.Code)
					}
					return x
				}
			}
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				var s string
				if json.Unmarshal(m[k], &s) == nil && s != "" {
					return httpx.Extracted{Message: k + ": " + s}
				}
				var ss []string
				if json.Unmarshal(m[k], &ss) == nil && len(ss) > 0 {
					return httpx.Extracted{Message: k + ": " + ss[0]}
				}
			}
		}
	}
	x := httpx.DefaultMessage(status, h, body)
	if strings.Contains(x.Message, outcomeMessage) {
		x.Kind = ErrOutcomeRequired
	}
	return x
}
