package alerting

import (
	"errors"
	"fmt"
)

// Sentinel errors. Match them with errors.Is.
var (
	// ErrRejected matches every *RejectedError.
	ErrRejected = errors.New("alerting: alert rejected")
	// ErrInvalidAlert: the alert fails Alert.Validate.
	ErrInvalidAlert = errors.New("alerting: invalid alert")
	// ErrUnmappedCustomer: the customer is not mapped, not auto-matched,
	// and there is no catch-all.
	ErrUnmappedCustomer = errors.New("alerting: customer is not mapped and there is no catch-all")
	// ErrSinkRejected: the sink refused the ticket for good (Permanent).
	ErrSinkRejected = errors.New("alerting: the PSA rejected the request")

	// ErrNotFound: a store record or PSA record does not exist. Sinks and
	// resolvers wrap it (fmt.Errorf("%w: …", alerting.ErrNotFound)).
	ErrNotFound = errors.New("alerting: not found")
	// ErrTicketClosed: a sink was asked to write to a closed ticket.
	ErrTicketClosed = errors.New("alerting: ticket is closed")
	// ErrConflict: a compare-and-swap found another version.
	ErrConflict = errors.New("alerting: version conflict")
	// ErrLeaseLost: a pending item is no longer held by the caller.
	ErrLeaseLost = errors.New("alerting: lease lost")
	// ErrInvalidConfig matches the configuration errors of LoadConfig,
	// Config.Validate and New (each also a *ConfigError via errors.As).
	ErrInvalidConfig = errors.New("alerting: invalid configuration")
	// ErrClosed: the engine was closed.
	ErrClosed = errors.New("alerting: engine closed")
)

// Reason explains a rejection or an ignored alert; it is the label of the
// rejected and ignored counters.
type Reason string

// Reasons an alert is rejected (an error: the alert is not turned into a
// ticket and the caller should hear about it).
const (
	ReasonInvalidAlert     Reason = "invalid_alert"
	ReasonUnmappedCustomer Reason = "unmapped_customer"
	ReasonSinkRejected     Reason = "sink_rejected"
)

// Reasons a webhook receiver reports with Engine.RejectPayload for input
// that never became an Alert.
const (
	ReasonBadSignature     Reason = "bad_signature"     // missing or wrong signature, secret or state
	ReasonMalformedPayload Reason = "malformed_payload" // not decodable, or a test payload with placeholders
)

// Reasons an alert is ignored (by configuration or by the delivery
// semantics; not an error).
const (
	ReasonCustomerDisabled   Reason = "customer_disabled"     // the customer's mapping is disabled
	ReasonAlertTypeDisabled  Reason = "alert_type_disabled"   // the alert type's rule is disabled
	ReasonAlertTypeNotMapped Reason = "alert_type_not_mapped" // OnlyMappedAlertTypes and no rule
	ReasonNothingOpen        Reason = "nothing_open"          // a resolve for an alert with no open ticket
	ReasonAlreadyResolved    Reason = "already_resolved"      // a resolve for a resolved alert (an echo)
	ReasonTicketClosed       Reason = "ticket_closed"         // a resolve for an alert whose ticket is closed
	ReasonLateRaise          Reason = "late_raise"            // a raise for an alert already resolved
	ReasonAlreadyOpen        Reason = "already_open"          // a raise for an alert already on the open ticket
	ReasonContradicted       Reason = "contradicted"          // the source's API contradicts the event (Enricher, ErrContradicted)
)

var rejectReasons = []Reason{ReasonInvalidAlert, ReasonUnmappedCustomer, ReasonSinkRejected, ReasonBadSignature, ReasonMalformedPayload}

var ignoreReasons = []Reason{
	ReasonCustomerDisabled, ReasonAlertTypeDisabled, ReasonAlertTypeNotMapped, ReasonNothingOpen,
	ReasonAlreadyResolved, ReasonTicketClosed, ReasonLateRaise, ReasonAlreadyOpen, ReasonContradicted,
	ReasonWindowResolved,
}

// RejectedError reports an alert the engine will not turn into a ticket. It
// matches ErrRejected and the sentinel of its reason (ErrInvalidAlert,
// ErrUnmappedCustomer, ErrSinkRejected).
type RejectedError struct {
	Reason   Reason
	EventKey string      // the event's idempotency key
	Customer CustomerRef // the source customer, for unmapped customers
	Err      error       // the underlying problem, if any
}

// Error names the event, the reason and what to configure.
func (e *RejectedError) Error() string {
	msg := "alerting: alert " + e.EventKey + " rejected (" + string(e.Reason) + ")"
	switch {
	case e.Reason == ReasonUnmappedCustomer:
		msg += fmt.Sprintf(": source customer id=%q name=%q is not mapped, not auto-matched, and no catch_all is configured", e.Customer.ID, e.Customer.Name)
	case e.Err != nil:
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Is matches ErrRejected and the reason's sentinel.
func (e *RejectedError) Is(target error) bool {
	switch target {
	case ErrRejected:
		return true
	case ErrInvalidAlert:
		return e.Reason == ReasonInvalidAlert
	case ErrUnmappedCustomer:
		return e.Reason == ReasonUnmappedCustomer
	case ErrSinkRejected:
		return e.Reason == ReasonSinkRejected
	}
	return false
}

// Unwrap returns the underlying error.
func (e *RejectedError) Unwrap() error { return e.Err }

// PermanentError marks a sink or resolver error that retrying cannot fix.
type PermanentError struct{ Err error }

// Error returns the wrapped error's message, marked permanent.
func (e *PermanentError) Error() string { return "permanent: " + e.Err.Error() }

// Unwrap returns the wrapped error.
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent marks err as not worth retrying (a PSA validation error). The
// engine rejects the alert with ReasonSinkRejected instead of retrying.
// Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &PermanentError{Err: err}
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}
