package level

import (
	"context"
	"errors"
	"iter"
	"net/http"

	"github.com/mspsync/mspsync/internal/httpx"
)

// AlertsService reads and resolves alerts (GET /alerts, GET /alerts/{id},
// POST /alerts/{id}/resolve).
type AlertsService service

// Alert statuses for AlertListOptions.Status.
const (
	StatusActive   = "active"
	StatusResolved = "resolved"
)

// AlertListOptions filters Alerts.All.
type AlertListOptions struct {
	DeviceID string `url:"device_id,omitempty"`
	Status   string `url:"status,omitempty"` // StatusActive or StatusResolved
}

func alertID(a *Alert) string { return a.ID }

func (s *AlertsService) list(opts *AlertListOptions) list[Alert] {
	var f any
	if opts != nil {
		f = *opts
	}
	return newList(s.c, "alerts", f, alertID)
}

// All walks every alert matching opts (nil: every alert).
func (s *AlertsService) All(ctx context.Context, opts *AlertListOptions) iter.Seq2[Alert, error] {
	return s.list(opts).all(ctx)
}

// ListPage reads the page of alerts after cursor ("" for the first).
func (s *AlertsService) ListPage(ctx context.Context, opts *AlertListOptions, cursor string) (*Page[Alert], error) {
	return s.list(opts).page(ctx, cursor)
}

// Get reads one alert.
func (s *AlertsService) Get(ctx context.Context, id string) (*Alert, error) {
	var a Alert
	if err := s.c.get(ctx, "alerts/"+esc(id), nil, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// Resolve resolves an alert: POST /alerts/{id}/resolve with no body (see
// WithResolveMethod), and once more with PUT when Level answers 405. It is
// safe to replay. A 404 (the alert is gone) is returned as an error
// matching ErrNotFound: callers treat it as already resolved. A 403 means
// the key is read-only.
func (s *AlertsService) Resolve(ctx context.Context, id string) error {
	path := "alerts/" + esc(id) + "/resolve"
	first := s.c.cfg.resolveMethod
	err := s.c.write(ctx, first, path, nil, httpx.ReplaySafe, nil)
	var he *Error
	if errors.As(err, &he) && he.StatusCode == http.StatusMethodNotAllowed {
		other := http.MethodPut
		if first == http.MethodPut {
			other = http.MethodPost
		}
		err = s.c.write(ctx, other, path, nil, httpx.ReplaySafe, nil)
	}
	return err
}
