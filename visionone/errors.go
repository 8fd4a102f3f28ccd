package visionone

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mspsync/mspsync"
	"github.com/mspsync/mspsync/internal/httpx"
)

// Error is the error type of every failed call (see mspsync.Error): status,
// method, sanitised URL, Vision One's error code and message, and the raw
// body.
type Error = mspsync.Error

// RedirectError describes a refused redirect (see ErrRedirect).
type RedirectError = mspsync.RedirectError

// Sentinels for errors.Is.
var (
	ErrNotFound = mspsync.ErrNotFound
	// ErrUnauthorized matches a 401 (InvalidCredentials): the key is
	// wrong, expired or revoked — or, most often with a key that worked
	// before, it belongs to another region (a key works only in its own).
	ErrUnauthorized = mspsync.ErrUnauthorized
	// ErrForbidden matches a 403 (AccessDenied): the key's role lacks the
	// permission, or the feature is not licensed (ASRM needs Cyber Risk
	// Exposure Management credits).
	ErrForbidden   = mspsync.ErrForbidden
	ErrRateLimited = mspsync.ErrRateLimited
	// ErrConflict matches 409 and 412; ErrPreconditionFailed only 412.
	ErrConflict    = mspsync.ErrConflict
	ErrServerError = mspsync.ErrServerError
	ErrMalformed   = mspsync.ErrMalformedResponse
	ErrNoProgress  = mspsync.ErrNoProgress
	// ErrForeignHost matches a nextLink on another scheme or host than
	// the client's: it is not followed (the key would go there).
	ErrForeignHost = mspsync.ErrForeignHost
	// ErrRedirect matches a redirect the client refused to follow because
	// it would have carried the API key to another origin.
	ErrRedirect = mspsync.ErrRedirect
)

// ErrPreconditionFailed matches a 412 (ConditionNotMet): the If-Match ETag
// of a workbench alert update is no longer the alert's. It also matches
// ErrConflict.
var ErrPreconditionFailed error = preconditionFailed{}

type preconditionFailed struct{}

func (preconditionFailed) Error() string        { return "precondition failed (ETag mismatch)" }
func (preconditionFailed) Is(target error) bool { return target == ErrConflict }

// errorBody is Vision One's error shape.
type errorBody struct {
	Error *struct {
		Code       string          `json:"code"`
		Message    string          `json:"message"`
		InnerError json.RawMessage `json:"innererror"`
	} `json:"error"`
}

// extractMessage reads {"error":{"code","message"}}, falls back to the
// status text for HTML, reads RateLimit-Reset when a 429 has no
// Retry-After, and says what a 401 or 403 most likely means.
func extractMessage(status int, h http.Header, body []byte) httpx.Extracted {
	var x httpx.Extracted
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var eb errorBody
		if json.Unmarshal(trimmed, &eb) == nil && eb.Error != nil {
			x.Code, x.Message = eb.Error.Code, eb.Error.Message
		}
	}
	if x.Message == "" && x.Code == "" {
		x = httpx.DefaultMessage(status, h, body)
	}
	if x.Message == "" {
		x.Message = http.StatusText(status)
	}
	switch status {
	case http.StatusUnauthorized:
		x.Message += " (the key is wrong, expired or revoked, or belongs to another region: a key works only in its own region)"
	case http.StatusForbidden:
		x.Message += " (the key's role lacks this permission, or the feature is not licensed)"
	case http.StatusPreconditionFailed:
		x.Kind = ErrPreconditionFailed
	case http.StatusTooManyRequests:
		x.RetryAfter = rateLimitReset(h.Get("RateLimit-Reset"))
	}
	return x
}

// rateLimitReset reads RateLimit-Reset as seconds to wait (the draft
// standard) or, when it is a Unix time, as the time until then.
func rateLimitReset(v string) time.Duration {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	if n > 1_000_000_000 { // a Unix timestamp
		d := time.Until(time.Unix(n, 0))
		if d <= 0 {
			return 0
		}
		return d.Round(time.Second)
	}
	return time.Duration(n) * time.Second
}

// isPrecondition reports whether err is a 412.
func isPrecondition(err error) bool { return errors.Is(err, ErrPreconditionFailed) }
