package alerting

import (
	"errors"
	"time"
)

// EventKind says which step of the engine an Event reports.
type EventKind string

// Event kinds.
const (
	// EventAccepted: an alert reached Accept or Submit. Result.Outcome is
	// OutcomeQueued, OutcomeDuplicate, OutcomeIgnored or OutcomeRejected;
	// Err is set when the alert was not accepted.
	EventAccepted EventKind = "accepted"
	// EventProcessed: a recorded alert was applied to the PSA.
	// Result.Outcome says what was written (OutcomeCreated, OutcomeNoted,
	// OutcomeClosed, ...); OutcomePending means it failed and is retried
	// later (Result.Err says why, Attempt which attempt it was).
	EventProcessed EventKind = "processed"
	// EventSourceResolved: resolve sync resolved an alert at its source
	// after its ticket was closed in the PSA (Result.TicketID).
	EventSourceResolved EventKind = "source_resolved"
	// EventPayloadRejected: an intake refused a payload before it became
	// an alert (RejectPayload; Result.Reason says why).
	EventPayloadRejected EventKind = "payload_rejected"
)

// Event is one step of the engine, reported as it happens to the function
// set with WithObserver. Programs use it for progress lines and their own
// counters without parsing log messages.
type Event struct {
	Kind    EventKind
	Time    time.Time
	Source  string // the alert's source ("datto", "level", ...)
	Account string // the source account, when the engine has several
	AlertID string // the source's alert ID, when known
	Type    string // the alert type, when known
	Result  Result
	Attempt int   // EventProcessed: the processing attempt (1 for the first)
	Err     error // why an alert was not accepted or processing failed
}

// WithObserver makes the engine call fn with every Event, on the goroutine
// that did the step (keep fn quick; it may be called concurrently). Only
// one observer is kept; a later WithObserver replaces it.
func WithObserver(fn func(Event)) Option {
	return func(e *Engine) error {
		if fn == nil {
			return errors.New("alerting: WithObserver: nil function")
		}
		e.observer = fn
		return nil
	}
}

// observe reports ev to the observer, if any.
func (e *Engine) observe(ev Event) {
	if e.observer == nil {
		return
	}
	if ev.Time.IsZero() {
		ev.Time = e.now()
	}
	e.observer(ev)
}

// observeAlert reports an event about alert a.
func (e *Engine) observeAlert(kind EventKind, a Alert, res Result, attempt int, err error) {
	if e.observer == nil {
		return
	}
	if err == nil {
		err = res.Err
	}
	e.observe(Event{Kind: kind, Source: a.Source, Account: a.Account, AlertID: a.ID(), Type: a.Type, Result: res, Attempt: attempt, Err: err})
}
