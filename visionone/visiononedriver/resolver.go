package visiononedriver

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/visionone"
)

// Resolver writes Closed back to the workbench alerts whose PSA ticket was
// closed (alerting resolve sync), with the configured investigation
// result. Alerts of the other kinds have nothing to write back and are
// done at once. Register one per customer:
// alerting.WithAccountResolver(Kind, cust.Ref(), r).
type Resolver struct {
	c      *visionone.Client
	result string
}

var (
	_ alerting.Resolver           = (*Resolver)(nil)
	_ alerting.AlertStatusChecker = (*Resolver)(nil)
)

// NewResolver returns the resolver of one customer's client; result is
// the investigationResult written on close (required: one of
// visionone.InvestigationResults — no value is right for every close).
func NewResolver(c *visionone.Client, investigationResult string) (*Resolver, error) {
	if c == nil {
		return nil, errors.New("visiononedriver: NewResolver: nil client")
	}
	if !slices.Contains(visionone.InvestigationResults, investigationResult) {
		return nil, &invalidConfig{&alerting.ConfigError{Key: "investigation_result",
			Problem: fmt.Sprintf("%q is not one of %q (required when resolve sync is on)", investigationResult, visionone.InvestigationResults)}}
	}
	return &Resolver{c: c, result: investigationResult}, nil
}

// ResolveAlert closes the workbench alert: GET for its ETag (done if it is
// Closed already), PATCH with If-Match; on 412 GET again and stop if it is
// Closed now, else PATCH once more with the new ETag. It never sends an
// ETag twice. An alert Vision One no longer has matches
// alerting.ErrNotFound.
func (r *Resolver) ResolveAlert(ctx context.Context, ref alerting.AlertRef) error {
	if !IsWorkbenchAlertID(ref.AlertID) {
		return nil
	}
	upd := visionone.AlertUpdate{Status: visionone.StatusClosed, InvestigationResult: r.result}
	for attempt := 0; ; attempt++ {
		a, err := r.c.Workbench.Get(ctx, ref.AlertID)
		if errors.Is(err, visionone.ErrNotFound) {
			return fmt.Errorf("%w: %w", alerting.ErrNotFound, err)
		}
		if err != nil {
			return err
		}
		if a.Status == visionone.StatusClosed {
			return nil
		}
		err = r.c.Workbench.Update(ctx, a.ID, a.ETag, upd)
		if err == nil || !errors.Is(err, visionone.ErrPreconditionFailed) || attempt == 1 {
			return err
		}
	}
}

// AlertOpen reports whether the workbench alert is not Closed; the other
// kinds are open until their ticket says otherwise.
func (r *Resolver) AlertOpen(ctx context.Context, ref alerting.AlertRef) (bool, error) {
	if !IsWorkbenchAlertID(ref.AlertID) {
		return true, nil
	}
	a, err := r.c.Workbench.Get(ctx, ref.AlertID)
	if errors.Is(err, visionone.ErrNotFound) {
		return false, fmt.Errorf("%w: %w", alerting.ErrNotFound, err)
	}
	if err != nil {
		return false, err
	}
	return a.Status != visionone.StatusClosed, nil
}

// OpenAlertLister lists a customer's open workbench alerts (status Open or
// In Progress, created within the lookback) for the engine's
// reconciliation poll (alerting.WithOpenAlertLister(Kind, cust.Ref(), l)):
// an alert closed in Vision One then resolves its ticket.
type OpenAlertLister struct {
	c        *visionone.Client
	cust     CustomerConfig
	lookback time.Duration
	now      func() time.Time
}

// DefaultOpenLookback is how far back OpenAlertLister looks.
const DefaultOpenLookback = 30 * 24 * time.Hour

// NewOpenAlertLister returns the lister of one customer; lookback 0 means
// DefaultOpenLookback.
func NewOpenAlertLister(c *visionone.Client, cust CustomerConfig, lookback time.Duration) *OpenAlertLister {
	if lookback <= 0 {
		lookback = DefaultOpenLookback
	}
	return &OpenAlertLister{c: c, cust: cust, lookback: lookback, now: time.Now}
}

// OpenAlerts yields the open workbench alerts as raises, with the same IDs
// as the poller's and the intake's.
func (l *OpenAlertLister) OpenAlerts(ctx context.Context) iter.Seq2[alerting.Alert, error] {
	return func(yield func(alerting.Alert, error) bool) {
		now := l.now()
		opts := &visionone.AlertListOptions{Start: now.Add(-l.lookback), End: now.Add(time.Minute), DateTimeTarget: visionone.TargetCreated,
			OrderBy: "createdDateTime asc", Filter: visionone.Eq("status", visionone.StatusOpen) + " or " + visionone.Eq("status", visionone.StatusInProgress)}
		for w, err := range l.c.Workbench.Alerts(ctx, opts) {
			if err != nil {
				yield(alerting.Alert{}, err)
				return
			}
			if !yield(WorkbenchAlert(l.cust, &w), nil) {
				return
			}
		}
	}
}
