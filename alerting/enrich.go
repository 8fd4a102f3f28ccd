package alerting

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// Enricher completes an accepted alert from its source's API before it is
// routed: the customer and device IDs, the alert type, severity and
// details that a webhook leaves out. Set one per source with WithEnricher.
//
// Intakes record first and enrich later: a webhook is validated,
// deduplicated and durably recorded, and the sender is answered, without
// any vendor call, so acknowledgement latency does not depend on the
// vendor's API and a redelivery costs no look-up. The engine calls Enrich
// in the worker, on a copy of the recorded alert, each time it processes
// the event (once, unless processing fails later and the event is
// retried).
//
// Enrich may change any field except Source, Account, EventID, AlertID,
// Kind and FoundByPoll (the engine restores them). Its error decides what
// happens:
//
//   - nil: the enriched alert is routed.
//   - an error matching ErrContradicted: the source's API contradicts the
//     event (a resolve for an alert the source reports open); the event is
//     ignored with ReasonContradicted, logged and never retried.
//   - any other error, a timeout (WithEnrichTimeout), or an enriched alert
//     that fails Alert.Validate: the failure is logged and counted
//     (Stats.EnrichErrors) and the alert is routed with the fields it was
//     recorded with. Enrichment never blocks or drops an alert.
type Enricher interface {
	// Enrich completes a in place from the source's API (see above).
	Enrich(ctx context.Context, a *Alert) error
}

// EnricherFunc adapts a function to Enricher.
type EnricherFunc func(ctx context.Context, a *Alert) error

// Enrich calls f.
func (f EnricherFunc) Enrich(ctx context.Context, a *Alert) error { return f(ctx, a) }

// ErrContradicted is returned (wrapped) by an Enricher when the source's
// API contradicts the event, for example a resolve webhook for an alert the
// source still reports open. The engine ignores the event.
var ErrContradicted = errors.New("alerting: the source contradicts the event")

// defaultEnrichTimeout bounds one Enrich call.
const defaultEnrichTimeout = 10 * time.Second

// WithEnricher makes the engine enrich the alerts of source with en before
// routing them (see Enricher). Routing decisions that depend on enriched
// fields (customer mapping, disabled customers and alert types) are then
// taken in the worker, after enrichment, rather than in Accept: Accept
// only validates, deduplicates and records such alerts.
//
// It serves the alerts without an Account; alerts of an account use
// WithAccountEnricher's.
func WithEnricher(source string, en Enricher) Option {
	return WithAccountEnricher(source, "", en)
}

// WithAccountEnricher makes the engine enrich the alerts of one source
// account (Alert.Source and Alert.Account) with en, and only those: an
// alert is never enriched from another account's API.
func WithAccountEnricher(source, account string, en Enricher) Option {
	return func(e *Engine) error {
		if source == "" || en == nil {
			return errors.New("alerting: WithEnricher: empty source or nil enricher")
		}
		if !validSource(account) {
			return fmt.Errorf("alerting: WithAccountEnricher: account %q: use letters, digits, '.', '_' or '-'", account)
		}
		if e.enrichers == nil {
			e.enrichers = map[[2]string]Enricher{}
		}
		e.enrichers[[2]string{source, account}] = en
		return nil
	}
}

// WithEnrichTimeout bounds one Enrich call (default 10s); when it expires
// the alert is routed with the fields it was recorded with.
func WithEnrichTimeout(d time.Duration) Option {
	return func(e *Engine) error {
		if d <= 0 {
			return fmt.Errorf("alerting: WithEnrichTimeout(%s): want > 0", d)
		}
		e.enrichTimeout = d
		return nil
	}
}

// enricher returns the enricher of an alert's source and account, or nil.
func (e *Engine) enricher(a Alert) Enricher { return e.enrichers[[2]string{a.Source, a.Account}] }

// enriched reports whether an alert is enriched in the worker.
func (e *Engine) enriched(a Alert) bool { return e.enricher(a) != nil }

// enrich runs the enricher of item's source on a copy of its alert and
// replaces item.Alert with the result, or keeps the recorded alert when
// enrichment fails. It then applies the static routing decisions Accept
// left to the worker. done reports that the event needs nothing more
// (res says why: ignored).
func (e *Engine) enrich(ctx context.Context, item *PendingItem) (res Result, done bool) {
	en := e.enricher(item.Alert)
	if en == nil {
		return Result{}, false
	}
	orig := item.Alert
	res = Result{EventKey: item.ID}
	a := orig
	a.Raw = slices.Clone(orig.Raw)
	d := e.enrichTimeout
	if d <= 0 {
		d = defaultEnrichTimeout
	}
	ectx, cancel := context.WithTimeout(ctx, d)
	err := en.Enrich(ectx, &a)
	cancel()
	if err == nil {
		a.Source, a.Account, a.EventID, a.AlertID, a.Kind = orig.Source, orig.Account, orig.EventID, orig.AlertID, orig.Kind
		a.FoundByPoll = orig.FoundByPoll
		if a.Time.IsZero() {
			a.Time = orig.Time
		}
		if verr := a.Validate(); verr != nil {
			err = fmt.Errorf("enriched alert is invalid: %w", verr)
		}
	}
	switch {
	case err == nil:
		item.Alert = a
	case errors.Is(err, ErrContradicted):
		e.log.LogAttrs(ctx, slog.LevelWarn, "alerting: event contradicted by its source; ignored",
			slog.String("event", item.ID), slog.Any("err", err))
		return e.ignored(ctx, res, ReasonContradicted, orig), true
	default:
		e.stats.enrichErrors.Add(1)
		e.log.LogAttrs(ctx, slog.LevelWarn, "alerting: enrichment failed; using the alert as recorded",
			slog.String("event", item.ID), slog.Int("attempt", item.Attempts), slog.Any("err", err))
	}
	if item.Alert.Kind == Raise {
		if reason, ok := e.staticIgnore(item.Alert); ok {
			return e.ignored(ctx, res, reason, item.Alert), true
		}
	}
	return Result{}, false
}
