package kaseyabms

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/mspsync/mspsync"
	"github.com/mspsync/mspsync/internal/httpx"
)

// Error is the error type of every failed call (see mspsync.Error): an HTTP
// status of 400 or more, or an HTTP 200 whose envelope says Success:
// false. StatusCode, method, sanitised URL, Code (the envelope's
// Error.Code), Message (Error.Message, then Details and SubErrors) and the
// raw body (capped, sanitised). ErrorInfoOf returns the envelope's error
// as BMS sent it.
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
	// ErrRedirect matches a redirect the client refused to follow: API
	// requests carry the bearer token only on their own origin, and token
	// requests follow no redirect at all.
	ErrRedirect = mspsync.ErrRedirect
	// ErrUnsuccessful matches an *Error for an HTTP 200 answer whose
	// envelope said Success: false: every V2 answer is wrapped in
	// {Success, Error, Result, TotalRecords}, and a 200 status alone does
	// not mean the call worked.
	ErrUnsuccessful = errors.New("kaseyabms: the API answered Success: false")
	// ErrIncomplete ends a walk whose items did not add up to the
	// TotalRecords BMS reported.
	ErrIncomplete = errors.New("kaseyabms: listing incomplete")
)

// ErrorInfo is the envelope's Error object: {Code, Message, Details,
// StackStrace (sic), SubErrors}.
type ErrorInfo struct {
	Code      int      `json:"Code"`
	Message   string   `json:"Message"`
	Details   string   `json:"Details"`
	SubErrors []string `json:"SubErrors"`
}

// ErrorInfoOf returns the envelope error carried by err (an *Error from
// this package, wrapped or not): Code, Message, Details and SubErrors as
// BMS sent them. ok is false when err is no BMS error or its body has no
// envelope error.
func ErrorInfoOf(err error) (info ErrorInfo, ok bool) {
	var he *Error
	if !errors.As(err, &he) || he.Vendor != Vendor {
		return ErrorInfo{}, false
	}
	ei := envelopeError(he.Body)
	if ei == nil {
		return ErrorInfo{}, false
	}
	info = *ei
	if n, err := strconv.Atoi(he.Code); err == nil {
		info.Code = n // the body is sanitised ("code" reads as a secret name); Code was kept before that
	}
	return info, true
}

// envelopeError decodes the Error member of an envelope body, nil when
// there is none.
func envelopeError(body []byte) *ErrorInfo {
	t := bytes.TrimSpace(body)
	if len(t) == 0 || t[0] != '{' {
		return nil
	}
	var env struct {
		Error json.RawMessage `json:"Error"`
	}
	if json.Unmarshal(t, &env) != nil || len(env.Error) == 0 || string(env.Error) == "null" {
		return nil
	}
	var raw struct {
		Code      json.RawMessage `json:"Code"`
		Message   string          `json:"Message"`
		Details   string          `json:"Details"`
		SubErrors []string        `json:"SubErrors"`
	}
	if json.Unmarshal(env.Error, &raw) != nil {
		return nil
	}
	ei := &ErrorInfo{Message: raw.Message, Details: raw.Details, SubErrors: raw.SubErrors}
	_ = json.Unmarshal(raw.Code, &ei.Code)
	return ei
}

// message joins an ErrorInfo's texts: Message, then Details, then the
// SubErrors.
func (e ErrorInfo) message() string {
	parts := make([]string, 0, 2+len(e.SubErrors))
	for _, s := range append([]string{e.Message, e.Details}, e.SubErrors...) {
		if s = strings.TrimSpace(s); s != "" && !containsFold(parts, s) {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "; ")
}

func containsFold(ss []string, s string) bool {
	for _, x := range ss {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// Hints added to refused credentials.
const (
	hintUnauthorized = "check BMS_TENANT (the company name as BMS shows it), BMS_USERNAME and BMS_PASSWORD of an API Employee whose role has Admin > Special Features > Has API Access"
	hintForbidden    = "the API employee's security role lacks the right for this endpoint"
)

// extractMessage reads BMS's envelope error ({"success": false, "error":
// {...}}), falling back to the common shapes, and adds what to fix to 401
// and 403. A message saying a record was not found makes the error match
// ErrNotFound whatever the status (BMS answers HTTP 200 with Success:
// false for some).
func extractMessage(status int, h http.Header, body []byte) httpx.Extracted {
	var x httpx.Extracted
	if ei := envelopeError(body); ei != nil {
		x.Message = ei.message()
		x.Code = strconv.Itoa(ei.Code)
		if ei.Code == 0 {
			x.Code = ""
		}
	}
	if x.Message == "" {
		x = httpx.DefaultMessage(status, h, body)
	}
	if status == http.StatusOK || status == http.StatusBadRequest {
		if notFoundText(x.Message) {
			x.Kind = errors.Join(ErrUnsuccessful, ErrNotFound)
		} else if status == http.StatusOK {
			x.Kind = ErrUnsuccessful
		}
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

// notFoundText reports whether a BMS message says a record does not exist
// ("Ticket not found", "Record does not exist", "Invalid ticket id").
func notFoundText(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "not found") || strings.Contains(m, "does not exist") || strings.Contains(m, "doesn't exist") ||
		strings.Contains(m, "no record")
}
