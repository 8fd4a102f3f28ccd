package jsonintake

import (
	"encoding/json"
	"time"

	"github.com/mspsync/mspsync/internal/intake"
)

// Header and parameter names of the intake.
const (
	// SignatureHeader carries SignaturePrefix and the lower- or upper-case
	// hex HMAC-SHA256 of the raw body under a signing secret.
	SignatureHeader = "X-Mspsync-Signature"
	// SignaturePrefix introduces the hex digest in SignatureHeader.
	SignaturePrefix = "sha256="
	// TokenHeader carries a token for senders that cannot sign
	// (WithHeaderToken); "Authorization: Bearer <token>" is taken too.
	TokenHeader = "X-Mspsync-Token"
	// TokenParam is the query parameter of a token in the URL
	// (WithURLToken): https://host/path?token=<token>.
	TokenParam = "token"
)

// Values of the "kind" key.
const (
	// KindAlert is a raise or resolve (also when "kind" is missing).
	KindAlert = "alert"
	// KindUserCount is a customer's user count.
	KindUserCount = "user_count"
)

// Values of the "action" key of an alert.
const (
	ActionRaise   = "raise"
	ActionResolve = "resolve"
)

// MaxUserCount is the largest user count accepted.
const MaxUserCount = 10_000_000

// Sign returns the SignatureHeader value of body under secret:
// "sha256=" and the hex HMAC-SHA256 of the raw bytes, what a sender in Go
// puts in the header (the doc shows the same with openssl).
func Sign(secret string, body []byte) string {
	return intake.Sign(intake.Hex, SignaturePrefix, []byte(secret), body)
}

// Alert is the body of an alert delivery (a raise or a resolve), with the
// exact key names of the schema: marshal it, sign the bytes and POST them.
// Its JSON carries "kind":"alert" and the deciding keys before any free
// text (see the package doc). The handler decodes the keys itself (first
// occurrence of each); the struct is for senders and tests.
type Alert struct {
	// Source names the sending system ("saasalerts", "backup-script");
	// letters, digits, '.', '_' and '-', one of the handler's WithSources.
	Source string `json:"source"`
	// EventID identifies this delivery: a redelivery with the same
	// source, action and event ID has one effect.
	EventID string `json:"event_id"`
	// Action is ActionRaise or ActionResolve.
	Action string `json:"action"`
	// AlertID is the alert that raise and resolve share; empty means
	// EventID (then a resolve repeats the raise's event_id).
	AlertID string `json:"alert_id,omitempty"`
	// CustomerRef is the sender's reference to the customer (an
	// organisation ID): manual mappings match it.
	CustomerRef string `json:"customer_ref,omitempty"`
	// DeviceID names a device the alert concerns, if any.
	DeviceID string `json:"device_id,omitempty"`
	// Time is when the sender raised or resolved the alert (RFC 3339).
	Time time.Time `json:"time,omitzero"`
	// AlertType is the alert type ("Too Many Downloads"); required for a
	// raise. Per-type ticket settings and User+Alert grouping key on it.
	AlertType string `json:"alert_type,omitempty"`
	// UserEmail is the address or UPN of the user concerned, if any.
	UserEmail string `json:"user_email,omitempty"`
	// CustomerName is the customer's name (auto-matching uses it).
	CustomerName string `json:"customer_name,omitempty"`
	// DeviceName is the device's name.
	DeviceName string `json:"device_name,omitempty"`
	// Severity is info, low, medium, high or critical (or a common
	// synonym: warning, major, emergency, …).
	Severity string `json:"severity,omitempty"`
	// Title and Body become the ticket summary and details.
	Title string `json:"title,omitempty"`
	Body  string `json:"body,omitempty"`
}

// MarshalJSON encodes a as an alert body: "kind":"alert" first, then its
// fields in the order above.
func (a Alert) MarshalJSON() ([]byte, error) {
	type plain Alert
	return json.Marshal(struct {
		Kind string `json:"kind"`
		plain
	}{KindAlert, plain(a)})
}

// UserCount is the number of users a source reports for one customer:
// the body of a user count delivery (its JSON always carries
// "kind":"user_count" first) and what the handler gives a UserCounter.
type UserCount struct {
	// Source is the sending system, one of the handler's WithSources.
	Source string `json:"source"`
	// CustomerRef is the sender's reference to the customer (required).
	CustomerRef string `json:"customer_ref"`
	// Users is the number of users (0 to MaxUserCount). It is a count,
	// not a change: a redelivery sets the same number again.
	Users int `json:"user_count"`
	// Time is when the sender counted (RFC 3339), if it says.
	Time time.Time `json:"time,omitzero"`
	// CustomerName is the customer's name, if known.
	CustomerName string `json:"customer_name,omitempty"`
	// Account is the handler's WithAccount; it is not part of the body.
	Account string `json:"-"`
}

// MarshalJSON encodes u as a user count body: "kind":"user_count" first,
// then its fields.
func (u UserCount) MarshalJSON() ([]byte, error) {
	type plain UserCount
	return json.Marshal(struct {
		Kind string `json:"kind"`
		plain
	}{KindUserCount, plain(u)})
}
