package dattormm

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/mspsync/mspsync"
	"github.com/mspsync/mspsync/internal/httpx"
)

// Error is the error type of every failed call (see mspsync.Error).
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
	// ErrBlocked matches a 403 that is Datto's temporary IP block after
	// too many requests: one within BlockWindow of a 429, or one whose body
	// is not JSON or mentions a rate or block. It also matches ErrForbidden
	// and ErrRateLimited, and its Error.RetryAfter says how long to wait
	// (Retry-After, else BlockWindow).
	ErrBlocked = errors.New("dattormm: temporarily blocked for exceeding the rate limit")
)

// blockedKind matches ErrBlocked, ErrForbidden and ErrRateLimited.
type blockedKind struct{}

func (blockedKind) Error() string { return ErrBlocked.Error() }

func (blockedKind) Is(target error) bool {
	return target == ErrBlocked || target == ErrForbidden || target == ErrRateLimited
}

// extractMessage is extractMessage with the client's history: a 403 within
// BlockWindow of a 429 is the IP block.
func (c *Client) extractMessage(status int, h http.Header, body []byte) httpx.Extracted {
	x := extractMessage(status, h, body)
	if status != http.StatusForbidden {
		return x
	}
	if x.Kind == nil && c.eng != nil {
		if last := c.eng.LastRateLimited(); !last.IsZero() && c.eng.Now().Sub(last) < BlockWindow {
			x.Kind = blockedKind{}
			x.Message = strings.TrimPrefix(x.Message+"; ", "; ") + "blocked after rate limiting (429); wait about five minutes"
		}
	}
	if _, blocked := x.Kind.(blockedKind); blocked {
		x.RetryAfter = BlockWindow
	}
	return x
}

// extractMessage reads Datto's error shapes: Spring's
// {"timestamp","status","error","path"} (plus "message" when present),
// OAuth's {"error","error_description"}, and text or HTML from the edge.
func extractMessage(status int, h http.Header, body []byte) httpx.Extracted {
	var x httpx.Extracted
	t := bytes.TrimSpace(body)
	if len(t) > 0 && t[0] == '{' {
		var m struct {
			Message, ErrorDescription, Error, Path string
		}
		var raw map[string]json.RawMessage
		if json.Unmarshal(t, &raw) == nil {
			json.Unmarshal(raw["message"], &m.Message)
			json.Unmarshal(raw["error_description"], &m.ErrorDescription)
			json.Unmarshal(raw["error"], &m.Error)
			switch {
			case m.Message != "":
				x.Message = m.Message
			case m.ErrorDescription != "":
				x.Message, x.Code = m.ErrorDescription, m.Error
			default:
				x.Message = m.Error
			}
		}
	} else if len(t) > 0 {
		x.Message = httpx.Truncate(string(t), 512)
		if t[0] == '<' {
			x.Message = ""
		}
	}
	if status == http.StatusForbidden {
		lower := strings.ToLower(string(t))
		if h.Get("Retry-After") != "" || (len(t) > 0 && t[0] != '{') || strings.Contains(lower, "rate") || strings.Contains(lower, "block") {
			x.Kind = blockedKind{}
			if x.Message == "" {
				x.Message = "blocked after too many requests; wait about five minutes"
			}
		}
	}
	return x
}
