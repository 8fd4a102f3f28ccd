package leveldriver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/internal/intake"
	"github.com/mspsync/mspsync/level"
)

// SignatureHeader is the header Level signs its webhooks in:
// "sha256=" + hex(HMAC-SHA256(raw body, secret)).
const SignatureHeader = "X-Level-Signature"

// MaxWebhookBody caps a webhook body; a larger one is refused unread.
const MaxWebhookBody = 1 << 20

// Webhook event types.
const (
	EventAlertActive   = "alert_active"
	EventAlertResolved = "alert_resolved"
)

// ErrBadSignature matches a delivery whose X-Level-Signature is missing
// or wrong.
var ErrBadSignature = errors.New("level: missing or wrong X-Level-Signature")

// Verifier checks X-Level-Signature with the secret set in Level's webhook
// settings (the shared intake.HMACVerifier: hex, "sha256=" prefix).
type Verifier struct{ hmac *intake.HMACVerifier }

// NewVerifier returns the verifier of secret (non-empty).
func NewVerifier(secret string) (*Verifier, error) {
	if strings.TrimSpace(secret) == "" {
		return nil, errors.New("level: empty webhook secret")
	}
	h, err := intake.NewHMACVerifier(intake.Hex, "sha256=", []byte(secret))
	if err != nil {
		return nil, fmt.Errorf("level: %w", err)
	}
	return &Verifier{hmac: h}, nil
}

// Verify checks sig ("sha256=<hex>", hex in either case) against body in
// constant time. The error matches ErrBadSignature (and
// intake.ErrSignature) and says what was wrong, never the secret.
func (v *Verifier) Verify(body []byte, sig string) error {
	if err := v.hmac.Verify(body, sig); err != nil {
		return fmt.Errorf("%w (%w)", ErrBadSignature, err)
	}
	return nil
}

// Envelope is a Level webhook delivery.
type Envelope struct {
	EventType  string          `json:"event_type"`
	EventID    string          `json:"event_id"`
	OccurredAt time.Time       `json:"occurred_at"`
	Data       json.RawMessage `json:"data"`
}

// WebhookHandler receives Level's outbound webhooks and hands alert events
// to the alerting engine: POST only, body capped, signature checked on the
// raw bytes before anything is decoded, alert_active → raise,
// alert_resolved → resolve, the event ID is Level's event_id (kept by its
// retries and manual re-runs, so the engine deduplicates them). The
// handler makes no Level request: an event whose data lacks device_id or
// name is recorded as it came and completed by the Enricher in the
// engine's worker, which also finds the alert's group. Alert and device
// IDs are checked (printable, no spaces, at most 256 bytes) before
// anything is recorded. Other event types (device_*, group_*) are
// acknowledged and passed to OnOtherEvent, if set (an early sync: see
// EarlySync); unknown ones too.
type WebhookHandler struct {
	Verifier *Verifier
	Engine   alerting.Acceptor
	Logger   *slog.Logger
	// Account is set on every alert as Alert.Account.
	Account string
	// OnOtherEvent, when set, is called with every verified event that is
	// not an alert event (device_updated, group_created, ...).
	OnOtherEvent func(Envelope)
}

// NewWebhookHandler returns the handler that feeds verified Level webhooks
// to engine.
func NewWebhookHandler(v *Verifier, engine alerting.Acceptor) *WebhookHandler {
	return &WebhookHandler{Verifier: v, Engine: engine}
}

// ServeHTTP handles one delivery.
func (h *WebhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	body, log, refuse, ok := startDelivery(w, r, h.Engine, h.Logger, "webhook")
	if !ok {
		return
	}
	if err := h.Verifier.Verify(body, r.Header.Get(SignatureHeader)); err != nil {
		refuse(http.StatusUnauthorized, alerting.ReasonBadSignature, err)
		return
	}
	var env Envelope
	if err := json.Unmarshal(body, &env); err != nil || env.EventType == "" || env.EventID == "" {
		refuse(http.StatusBadRequest, alerting.ReasonMalformedPayload, errors.New("level: webhook is not an event envelope"))
		return
	}
	if env.EventType != EventAlertActive && env.EventType != EventAlertResolved {
		if h.OnOtherEvent != nil {
			h.OnOtherEvent(env)
		}
		log.Debug("level event acknowledged", "type", env.EventType, "event", env.EventID)
		intake.Reply(w, http.StatusOK, "")
		return
	}
	var la level.Alert
	if err := json.Unmarshal(env.Data, &la); err != nil || la.ID == "" {
		refuse(http.StatusBadRequest, alerting.ReasonMalformedPayload, errors.New("level: alert event without data.id"))
		return
	}
	if !ValidID(la.ID) || (la.DeviceID != "" && !ValidID(la.DeviceID)) {
		refuse(http.StatusBadRequest, alerting.ReasonMalformedPayload, errors.New("level: alert or device id is not a Level id"))
		return
	}
	a := ToAlert(&env, &la)
	a.Account = h.Account
	res, err := h.Engine.Accept(ctx, a)
	if err != nil {
		var re *alerting.RejectedError
		if errors.As(err, &re) {
			intake.Reply(w, http.StatusUnprocessableEntity, err.Error())
			return
		}
		log.Error("level alert not recorded", "event", a.EventID, "err", err)
		intake.Reply(w, http.StatusServiceUnavailable, "not recorded; retry")
		return
	}
	log.Debug("level alert accepted", "event", a.EventID, "outcome", res.Outcome)
	intake.Reply(w, http.StatusOK, "")
}

// ValidID reports whether s can be a Level ID: 1 to 256 printable ASCII
// characters without spaces or quotes (Level's IDs are base64 GIDs; they
// are never parsed).
func ValidID(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// severities maps Level's severities onto the engine's scale (alga-psa's
// mapping: emergency → critical, critical → major, warning → moderate,
// information → minor, read by alerting.ParseSeverity).
var severities = map[string]string{
	level.SeverityEmergency: "critical", level.SeverityCritical: "high",
	level.SeverityWarning: "moderate", level.SeverityInformation: "low",
}

// ToAlert builds the engine's alert of a webhook event: the alert's name
// (the monitor) is its type, the device its device. The customer is left
// to routing: Level alerts carry no group (the device's link from the
// import, or Customer.ID set by a caller that looked the group up).
func ToAlert(env *Envelope, la *level.Alert) alerting.Alert {
	a := alerting.Alert{
		Source: Kind, EventID: env.EventID, AlertID: la.ID, Kind: alerting.Raise, Type: la.Name,
		Severity: alerting.ParseSeverity(severities[strings.ToLower(la.Severity)]),
		Title:    la.Name, Device: alerting.Device{ID: la.DeviceID, Hostname: la.DeviceHostname},
		Time: env.OccurredAt,
	}
	if env.EventType == EventAlertResolved {
		a.Kind = alerting.Resolve
	}
	if a.Title == "" {
		a.Title = "Level alert " + la.ID
	}
	var body []string
	if la.Description != "" {
		body = append(body, la.Description)
	}
	if la.DeviceHostname != "" {
		body = append(body, "Device: "+la.DeviceHostname)
	}
	body = append(body, "Level alert: "+la.ID)
	a.Body = strings.Join(body, "\n")
	a.Raw = env.Data
	return a
}

// NewResolver returns the alerting.Resolver that resolves Level alerts
// when their PSA ticket closes (Alerts.Resolve: POST, PUT on 405). An
// alert Level no longer knows (404) matches alerting.ErrNotFound, which
// the engine takes as already resolved.
func NewResolver(c *level.Client) alerting.Resolver { return &resolver{c: c} }

type resolver struct{ c *level.Client }

var _ alerting.AlertStatusChecker = (*resolver)(nil)

func (r *resolver) ResolveAlert(ctx context.Context, ref alerting.AlertRef) error {
	err := r.c.Alerts.Resolve(ctx, ref.AlertID)
	if errors.Is(err, level.ErrNotFound) {
		return fmt.Errorf("%w: %w", alerting.ErrNotFound, err)
	}
	return err
}

// AlertOpen reports whether Level still has the alert unresolved.
func (r *resolver) AlertOpen(ctx context.Context, ref alerting.AlertRef) (bool, error) {
	a, err := r.c.Alerts.Get(ctx, ref.AlertID)
	if errors.Is(err, level.ErrNotFound) {
		return false, fmt.Errorf("%w: %w", alerting.ErrNotFound, err)
	}
	if err != nil {
		return false, err
	}
	return !a.IsResolved, nil
}

// startDelivery is the start both Level intakes share: the logger (a
// discarding one when logger is nil), refuse, which records a refused
// delivery with the engine, logs it and answers status, and the body of
// the POST, read up to MaxWebhookBody. ok is false when the request has
// been answered.
func startDelivery(w http.ResponseWriter, r *http.Request, eng alerting.Acceptor, logger *slog.Logger, what string) (body []byte, log *slog.Logger, refuse func(int, alerting.Reason, error), ok bool) {
	log = logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	refuse = func(status int, reason alerting.Reason, err error) {
		eng.RejectPayload(r.Context(), Kind, reason, err)
		log.Warn("level "+what+" refused", "reason", reason, "err", err)
		intake.Reply(w, status, err.Error())
	}
	body, ok = intake.ReadPost(w, r, MaxWebhookBody, func(status int, err error) {
		refuse(status, alerting.ReasonMalformedPayload, fmt.Errorf("level: %s: %w", what, err))
	})
	return body, log, refuse, ok
}
