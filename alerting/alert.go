package alerting

import (
	"fmt"
	"strings"
	"time"
)

// Kind says whether an alert is raised or resolved.
type Kind string

// The two kinds of alert event.
const (
	Raise   Kind = "raise"
	Resolve Kind = "resolve"
)

// Severity is the engine's neutral severity scale. Drivers map their
// vendor's scale onto it (ParseSeverity knows the common names).
type Severity string

// Severities, lowest first. SeverityUnknown is the zero value.
const (
	SeverityUnknown  Severity = ""
	SeverityInfo     Severity = "info"
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Valid reports whether s is one of the defined severities (the zero value
// included).
func (s Severity) Valid() bool {
	switch s {
	case SeverityUnknown, SeverityInfo, SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical:
		return true
	}
	return false
}

// ParseSeverity maps a vendor's severity or priority name onto the neutral
// scale, ignoring case and surrounding space: information/informational/info,
// low/minor, medium/moderate/warning/normal/elevated, high/major/error,
// critical/emergency/fatal. Anything else is SeverityUnknown.
func ParseSeverity(s string) Severity {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "info", "information", "informational":
		return SeverityInfo
	case "low", "minor":
		return SeverityLow
	case "medium", "moderate", "warning", "normal", "elevated":
		return SeverityMedium
	case "high", "major", "error":
		return SeverityHigh
	case "critical", "emergency", "fatal":
		return SeverityCritical
	}
	return SeverityUnknown
}

// Device is the device an alert concerns, as the source knows it.
type Device struct {
	ID       string `json:"id,omitempty"`       // the source's device ID (Datto device UID, VSA X Identifier, Level device id)
	Hostname string `json:"hostname,omitempty"` // display name
}

// IsZero reports whether d names no device.
func (d Device) IsZero() bool { return d.ID == "" && d.Hostname == "" }

// CustomerRef is the source's reference to the customer an alert belongs to
// (a Datto site, a VSA X organization, a Level group, a Vision One
// connection). Manual mappings match ID; auto-match uses Name.
type CustomerRef struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// Alert is one vendor-neutral alert event: a raise or a resolve. Webhook
// receivers and pollers in the vendor packages produce them; Engine.Submit
// consumes them.
type Alert struct {
	// Source names the alerting system: "datto", "vsax", "level",
	// "visionone", … Letters, digits, '.', '_' and '-' only.
	Source string `json:"source"`
	// Account names the source account the alert came from (a Datto RMM
	// account UID, a VSA X tenant) when one deployment takes alerts from
	// several accounts of one source. Empty is the source's only account.
	// Letters, digits, '.', '_' and '-' only. An alert of one account never
	// touches the alerts, tickets' resolves or resolver of another: its keys
	// include the account, and resolve sync uses the resolver registered
	// for its source and account (WithAccountResolver).
	Account string `json:"account,omitempty"`
	// EventID is the source's ID of this event. Together with Source and Kind
	// it is the idempotency key: a redelivery with the same three has one
	// effect. For sources whose raise and resolve carry the same ID (Datto's
	// alert_uid) that is fine, because Kind is part of the key.
	EventID string `json:"event_id"`
	// AlertID is the source's ID of the alert that raise and resolve events
	// share (Level data.id, Vision One workbench id). Empty means EventID.
	AlertID string `json:"alert_id,omitempty"`
	// Kind is Raise or Resolve.
	Kind Kind `json:"kind"`
	// Type is the alert type: a monitor or policy name, a Vision One model,
	// "Too Many Downloads". Per-type ticket overrides and User+Alert grouping
	// key on it (case-insensitively).
	Type string `json:"type,omitempty"`
	// User is the e-mail address or UPN of the user the alert concerns, if any.
	User string `json:"user,omitempty"`
	// Device is the device the alert concerns, if any.
	Device Device `json:"device,omitzero"`
	// Customer is the source's customer reference.
	Customer CustomerRef `json:"customer,omitzero"`
	// Severity on the neutral scale.
	Severity Severity `json:"severity,omitempty"`
	// Title and Body become the ticket summary and details (or a note).
	Title string `json:"title,omitempty"`
	Body  string `json:"body,omitempty"`
	// Time is when the source raised or resolved the alert. Zero means the
	// time the engine accepted it.
	Time time.Time `json:"time,omitzero"`
	// Raw is the payload as received, kept for drivers and audits. It is
	// stored with the pending item and never logged.
	Raw []byte `json:"raw,omitempty"`
	// FoundByPoll marks an event the reconciliation poll ingested
	// (Engine.PollOpenAlerts) because the source never pushed it: an open
	// alert with no record, or the resolve of an alert no longer open.
	FoundByPoll bool `json:"found_by_poll,omitempty"`
}

// ScopedSource returns the source and account an alert's keys start with:
// source when account is empty, else "source:account".
func ScopedSource(source, account string) string {
	if account == "" {
		return source
	}
	return source + ":" + account
}

// ID returns the alert's ID: AlertID, or EventID when AlertID is empty.
func (a Alert) ID() string {
	if a.AlertID != "" {
		return a.AlertID
	}
	return a.EventID
}

// Key returns the key that names the alert (not the event) in the store:
// "source/alertID", or "source:account/alertID" for an alert of an
// account.
func (a Alert) Key() string { return AlertKey(ScopedSource(a.Source, a.Account), a.ID()) }

// EventKey returns the idempotency key of the event: "source/kind/eventID"
// ("source:account/kind/eventID" for an alert of an account). It is the ID
// of the event's PendingItem.
func (a Alert) EventKey() string {
	return ScopedSource(a.Source, a.Account) + "/" + string(a.Kind) + "/" + a.EventID
}

// AlertKey returns the store key of an alert from its source and ID.
func AlertKey(source, alertID string) string { return source + "/" + alertID }

// maxIDLen bounds event and alert IDs; real IDs are far shorter.
const maxIDLen = 512

// Validate checks that an alert can be accepted. The error names the field.
func (a Alert) Validate() error {
	switch {
	case a.Source == "":
		return fmt.Errorf("source is empty")
	case !validSource(a.Source):
		return fmt.Errorf("source %q: use letters, digits, '.', '_' or '-'", a.Source)
	case !validSource(a.Account):
		return fmt.Errorf("account %q: use letters, digits, '.', '_' or '-'", a.Account)
	case a.EventID == "":
		return fmt.Errorf("event_id is empty")
	case len(a.EventID) > maxIDLen:
		return fmt.Errorf("event_id is longer than %d bytes", maxIDLen)
	case len(a.AlertID) > maxIDLen:
		return fmt.Errorf("alert_id is longer than %d bytes", maxIDLen)
	case a.Kind != Raise && a.Kind != Resolve:
		return fmt.Errorf("kind %q: want %q or %q", a.Kind, Raise, Resolve)
	case !a.Severity.Valid():
		return fmt.Errorf("severity %q is not one of info, low, medium, high, critical", a.Severity)
	}
	return nil
}

func validSource(s string) bool {
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
		default:
			return false
		}
	}
	return true
}
