package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Sentinels matched by errors.Is against an *Error. A vendor decoder may set
// Error.Kind to one of them to override the mapping from the status code.
var (
	ErrUnauthorized = errors.New("unauthorized")
	ErrForbidden    = errors.New("forbidden")
	ErrNotFound     = errors.New("not found")
	ErrRateLimited  = errors.New("rate limited")
	// ErrConflict covers 409 Conflict and 412 Precondition Failed.
	ErrConflict = errors.New("conflict or precondition failed")
	// ErrServerError covers every 5xx status.
	ErrServerError = errors.New("server error")
)

// ErrForeignHost is returned when an absolute URL handed to the engine (a
// vendor's next-page link, say) points at another scheme or host than the
// client's base URL. Following it would send credentials elsewhere.
var ErrForeignHost = errors.New("url points outside the configured base URL")

// MaxErrorBody is the number of bytes of an error response's body that
// are read and kept on an *Error (64 KiB); the rest is never read.
const MaxErrorBody = 64 << 10

// Error is the one error type of every vendor client. Vendor packages
// re-export it as a type alias (halo.Error, dattormm.Error, ...).
//
// Error never contains a secret: URL is sanitised, and Message, Body and
// the cause shown by Error pass through SanitizeText.
type Error struct {
	Vendor     string        // "halo", "dattormm", ...
	Method     string        // HTTP method
	URL        string        // sanitised request URL
	StatusCode int           // HTTP status; 0 when no response was received
	Code       string        // vendor error code, if the vendor has one
	Message    string        // vendor message extracted from its error shape
	Body       []byte        // response body, at most MaxErrorBody bytes, sanitised
	RetryAfter time.Duration // parsed Retry-After, 0 when absent
	RequestID  string        // vendor request-ID header, when the response had one
	Kind       error         // sentinel chosen by the vendor (it may match several through its own Is); overrides the status mapping
	Err        error         // underlying cause (token endpoint failure, ...), if any
}

// Error renders "vendor: METHOD url: status: message".
func (e *Error) Error() string {
	var b strings.Builder
	if e.Vendor != "" {
		b.WriteString(e.Vendor)
		b.WriteString(": ")
	}
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.URL)
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, ": %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(SanitizeText(e.Message))
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	if cause := e.cause(); cause != "" {
		b.WriteString(": ")
		b.WriteString(cause)
	}
	return b.String()
}

// cause is the text of Err that Error adds: only when no response was
// received (the cause is then the only explanation) and Message does not
// already say it. A *url.Error is reduced to its inner error, since method
// and URL are shown already. The text is sanitised.
func (e *Error) cause() string {
	if e.Err == nil || (e.StatusCode != 0 && e.Message != "") {
		return ""
	}
	err := e.Err
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	s := err.Error()
	if e.Message != "" && strings.Contains(e.Message, s) {
		return ""
	}
	return SanitizeText(s)
}

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is the sentinel this error stands for.
func (e *Error) Is(target error) bool {
	if e.Kind != nil {
		return target == e.Kind || errors.Is(e.Kind, target)
	}
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound || e.StatusCode == http.StatusGone
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrConflict:
		return e.StatusCode == http.StatusConflict || e.StatusCode == http.StatusPreconditionFailed
	case ErrServerError:
		return e.StatusCode >= 500 && e.StatusCode <= 599
	}
	return false
}

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
