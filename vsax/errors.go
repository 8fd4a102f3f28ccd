package vsax

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/mspsync/mspsync"
	"github.com/mspsync/mspsync/internal/httpx"
)

// Error is the error type of every failed call (see mspsync.Error): status,
// method, sanitised URL, VSA X's Meta.ErrorMessage and the raw body.
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
	// it would have carried the token to another origin or from https to
	// http. The error names the target; errors.As gives a *RedirectError.
	ErrRedirect = mspsync.ErrRedirect
	// ErrIncomplete ends a walk whose items did not add up to the
	// Meta.TotalCount VSA X reported: the listing is partial and must not
	// be read as "the rest was deleted".
	ErrIncomplete = errors.New("vsax: listing incomplete")
)

// Hints added to 401 and 403 messages: what the user must fix. Neither
// status is retried.
const (
	hintUnauthorized = "check VSAX_TOKEN_ID and VSAX_TOKEN_SECRET, the token's expiry date and its IP allow-list (VSA X: Configuration → API Access → Third-Party Tokens)"
	hintForbidden    = "the token lacks the permission for this endpoint or is restricted to some organizations; grant it in VSA X: Configuration → API Access → Third-Party Tokens"
)

// extractMessage reads VSA X's error envelope
// {"Data": null, "Meta": {"ResponseCode": N, "ErrorMessage": "..."}},
// falling back to the common shapes, and adds what to fix to 401 and 403.
func extractMessage(status int, h http.Header, body []byte) httpx.Extracted {
	var x httpx.Extracted
	t := bytes.TrimSpace(body)
	if len(t) > 0 && t[0] == '{' {
		var env struct {
			Meta *struct {
				ErrorMessage string
			}
		}
		if json.Unmarshal(t, &env) == nil && env.Meta != nil && env.Meta.ErrorMessage != "" {
			x.Message = env.Meta.ErrorMessage
		}
	}
	if x.Message == "" {
		x = httpx.DefaultMessage(status, h, body)
	}
	add := func(hint string) {
		if x.Message == "" {
			x.Message = hint
		} else {
			x.Message += ": " + hint
		}
	}
	switch status {
	case http.StatusUnauthorized:
		add(hintUnauthorized)
	case http.StatusForbidden:
		add(hintForbidden)
	}
	return x
}
