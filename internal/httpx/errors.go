package httpx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/mspsync/mspsync"
)

// The public error types and sentinels live in package mspsync, so that no
// exported API of a vendor package aliases an internal type; the engine
// uses them under their old names.
type (
	// Error is mspsync.Error.
	Error = mspsync.Error
	// RedirectError is mspsync.RedirectError.
	RedirectError = mspsync.RedirectError
	// SettingsError is mspsync.SettingsError.
	SettingsError = mspsync.SettingsError
)

// Sentinels, as in package mspsync.
var (
	ErrUnauthorized      = mspsync.ErrUnauthorized
	ErrForbidden         = mspsync.ErrForbidden
	ErrNotFound          = mspsync.ErrNotFound
	ErrRateLimited       = mspsync.ErrRateLimited
	ErrConflict          = mspsync.ErrConflict
	ErrServerError       = mspsync.ErrServerError
	ErrForeignHost       = mspsync.ErrForeignHost
	ErrRedirect          = mspsync.ErrRedirect
	ErrMissingSetting    = mspsync.ErrMissingSetting
	ErrMalformedResponse = mspsync.ErrMalformedResponse
	ErrNoProgress        = mspsync.ErrNoProgress
)

// MaxErrorBody is mspsync.MaxErrorBody.
const MaxErrorBody = mspsync.MaxErrorBody

// Extracted is what a vendor's MessageExtractor finds in an error response.
type Extracted struct {
	Message string // human-readable message
	Code    string // vendor error code
	Kind    error  // sentinel override, nil to map from the status code
	// RetryAfter is the wait the vendor implies when the response has no
	// Retry-After header (Datto's IP block: about five minutes), used as if
	// the header had said it.
	RetryAfter time.Duration
}

// MessageExtractor pulls the vendor's message out of an error response body.
// It must not fail: an unrecognised body yields a zero Extracted and the
// engine falls back to DefaultMessage.
type MessageExtractor func(status int, header http.Header, body []byte) Extracted

// DefaultMessage is the fallback message extractor. It understands the common
// JSON error shapes ({"message"}, {"Message"}, {"errorMessage"},
// {"error":"..","error_description":".."}, {"error":{"code","message"}}) and
// otherwise returns the body as trimmed text, shortened to 512 bytes.
func DefaultMessage(status int, _ http.Header, body []byte) Extracted {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return Extracted{}
	}
	if body[0] == '{' {
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) == nil {
			str := func(keys ...string) string {
				for _, k := range keys {
					var s string
					if raw, ok := m[k]; ok && json.Unmarshal(raw, &s) == nil && s != "" {
						return s
					}
				}
				return ""
			}
			if raw, ok := m["error"]; ok && len(raw) > 0 && raw[0] == '{' {
				var inner struct {
					Code    any    `json:"code"`
					Message string `json:"message"`
				}
				if json.Unmarshal(raw, &inner) == nil && inner.Message != "" {
					code := ""
					if inner.Code != nil {
						code = fmt.Sprint(inner.Code)
					}
					return Extracted{Message: inner.Message, Code: code}
				}
			}
			msg := str("message", "Message", "errorMessage", "ErrorMessage", "error_description", "detail", "title")
			code := str("error", "code", "errorCode")
			if msg == "" {
				msg, code = code, ""
			} else if code == msg {
				code = ""
			}
			if msg != "" {
				return Extracted{Message: msg, Code: code}
			}
		}
	}
	if body[0] == '<' { // an HTML error page says nothing useful
		return Extracted{}
	}
	return Extracted{Message: Truncate(string(body), 512)}
}

// Truncate shortens s to at most n bytes on a rune boundary, adding "…" when
// it cut something.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
