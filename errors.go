package mspsync

import (
	"errors"
	"fmt"
	"github.com/mspsync/mspsync/internal/redact"
	"net/http"
	"net/url"
	"strings"
	"time"
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
// re-export it as a type alias (halo.Error, dattormm.Error, ...), so
// errors.As(err, &e) with e a *mspsync.Error or a *halo.Error is the same.
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
		b.WriteString(redact.SanitizeText(e.Message))
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
	return redact.SanitizeText(s)
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

// ErrMalformedResponse is matched by an *Error whose response was a success
// status but whose body could not be decoded (truncated or invalid JSON).
var ErrMalformedResponse = errors.New("malformed response body")

// ErrNoProgress ends an iteration whose vendor returned a page that does not
// advance (a cursor seen before, or an empty page that claims more).
var ErrNoProgress = errors.New("pagination did not advance")

// ErrRedirect is matched by an *Error (and a *RedirectError) when the
// engine refused to follow a redirect because it would have carried
// credentials elsewhere: to another origin, from https to http, or away
// from a token endpoint at all.
var ErrRedirect = errors.New("redirect refused: credentials stay on the origin they were configured for")

// RedirectError says which redirect was refused and why. It matches
// ErrRedirect, and ErrForeignHost when the target is another origin.
type RedirectError struct {
	Status int    // status of the redirecting response (302, 307, 308, ...)
	From   string // sanitised URL of the request that was redirected
	To     string // sanitised redirect target
	Reason string // "another origin", "https to http", "token requests follow no redirect"
	// Foreign is true when To is another origin than the original request.
	Foreign bool
}

// Error names the refused target.
func (e *RedirectError) Error() string {
	return fmt.Sprintf("refused %d redirect to %s: %s (credentials stay on %s)", e.Status, e.To, e.Reason, redact.OriginOf(e.From))
}

// Is matches ErrRedirect, and ErrForeignHost for a cross-origin target.
func (e *RedirectError) Is(target error) bool {
	return target == ErrRedirect || (e.Foreign && target == ErrForeignHost)
}

// ErrMissingSetting matches a SettingsError: a client could not be built
// because settings were missing.
var ErrMissingSetting = errors.New("missing settings")

// SettingsError names every setting a client needs and did not get, so a
// user fixes them all at once. Each vendor package re-exports it.
type SettingsError struct {
	Vendor  string
	Missing []string
}

// Error names the vendor and the missing settings.
func (e *SettingsError) Error() string {
	return e.Vendor + ": missing settings: " + strings.Join(e.Missing, ", ") + " (set them in the environment)"
}

// Is matches ErrMissingSetting.
func (e *SettingsError) Is(target error) bool { return target == ErrMissingSetting }
