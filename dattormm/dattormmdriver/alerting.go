package dattormmdriver

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
	"github.com/mspsync/mspsync/dattormm"
)

// Kind is the source kind of Datto RMM in both engines: the Source of
// its alerts and the kind of its reconcile links.
const Kind = "datto"

// WebhookHandler receives Datto RMM monitor webhooks (the templates of
// WebhookTemplates) and hands them to the alerting engine: POST only, body
// capped, state checked in constant time, Datto's test payload refused with
// a message saying so, every refusal counted and answered 4xx with a
// reason, nothing changed. A valid alert is enriched from GET
// /v2/alert/{uid} (device and site UIDs, priority, diagnostics, alert type)
// within EnrichTimeout, falling back to the webhook's own fields, and then
// accepted; the answer is 200 {"ok":true} once it is durably recorded.
type WebhookHandler struct {
	Verifier *dattormm.WebhookVerifier
	Engine   alerting.Acceptor
	// Client enriches alerts; nil skips enrichment.
	Client *dattormm.Client
	// EnrichTimeout bounds enrichment (default 5 s).
	EnrichTimeout time.Duration
	Logger        *slog.Logger
}

// NewWebhookHandler returns the handler that feeds verified Datto RMM
// webhooks to engine (an *alerting.Engine), enriching them through
// client (nil: no enrichment).
func NewWebhookHandler(v *dattormm.WebhookVerifier, engine alerting.Acceptor, client *dattormm.Client) *WebhookHandler {
	return &WebhookHandler{Verifier: v, Engine: engine, Client: client}
}

// ServeHTTP handles one webhook.
func (h *WebhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	log := h.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	reply := func(status int, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if status < 300 {
			fmt.Fprint(w, `{"ok":true}`)
			return
		}
		b, _ := json.Marshal(map[string]string{"error": msg})
		w.Write(b)
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		reply(http.StatusMethodNotAllowed, "POST only")
		return
	}
	wa, err := h.Verifier.Read(r.Body)
	if err != nil {
		reason := alerting.ReasonMalformedPayload
		if errors.Is(err, dattormm.ErrWebhookSecret) {
			reason = alerting.ReasonBadSignature
		}
		h.Engine.RejectPayload(ctx, Kind, reason, err)
		log.Warn("datto webhook refused", "reason", reason, "err", err)
		reply(dattormm.WebhookStatus(err), err.Error())
		return
	}
	a := ToAlert(wa, h.enrich(ctx, wa, log))
	res, err := h.Engine.Accept(ctx, a)
	if err != nil {
		var re *alerting.RejectedError
		if errors.As(err, &re) {
			log.Warn("datto alert rejected", "event", a.EventID, "err", err)
			reply(http.StatusUnprocessableEntity, err.Error())
			return
		}
		log.Error("datto alert not recorded", "event", a.EventID, "err", err)
		reply(http.StatusServiceUnavailable, "not recorded; retry") // nothing was acknowledged
		return
	}
	log.Debug("datto alert accepted", "event", a.EventID, "kind", a.Kind, "outcome", res.Outcome)
	reply(http.StatusOK, "")
}

// enrich reads the alert from the API, or returns nil when it cannot.
func (h *WebhookHandler) enrich(ctx context.Context, wa *dattormm.WebhookAlert, log *slog.Logger) *dattormm.Alert {
	if h.Client == nil {
		return nil
	}
	d := h.EnrichTimeout
	if d <= 0 {
		d = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	full, err := h.Client.Alerts.Get(ctx, wa.AlertUID)
	if err != nil {
		log.Warn("datto alert not enriched; using the webhook's fields", "alert", wa.AlertUID, "err", err)
		return nil
	}
	return full
}

// ToAlert turns a webhook (and, when available, the alert as the API
// reports it) into an alerting.Alert: event ID the alert UID, customer the
// site (UID and name), device the device (UID and hostname), type from the
// alert context's class (else the webhook's alert_type), severity from the
// priority, title from the message (else diagnostics).
func ToAlert(wa *dattormm.WebhookAlert, full *dattormm.Alert) alerting.Alert {
	a := alerting.Alert{
		Source:   Kind,
		EventID:  wa.AlertUID,
		AlertID:  wa.AlertUID,
		Kind:     alerting.Raise,
		Type:     wa.AlertType,
		Severity: alerting.ParseSeverity(wa.AlertPriority),
		Title:    wa.AlertMessage,
		Device:   alerting.Device{Hostname: wa.DeviceHostname},
		Customer: alerting.CustomerRef{Name: wa.SiteName},
	}
	if wa.Resolved {
		a.Kind = alerting.Resolve
	}
	var body []string
	if full != nil {
		src := full.AlertSourceInfo
		a.Device = alerting.Device{ID: src.DeviceUID, Hostname: firstNonEmpty(src.DeviceName, wa.DeviceHostname)}
		a.Customer = alerting.CustomerRef{ID: src.SiteUID, Name: firstNonEmpty(src.SiteName, wa.SiteName)}
		if t := full.AlertContext.AlertType(); t != "" {
			a.Type = t
		}
		if s := alerting.ParseSeverity(full.Priority); s != alerting.SeverityUnknown {
			a.Severity = s
		}
		if !full.Timestamp.IsZero() && !wa.Resolved {
			a.Time = full.Timestamp.Time
		}
		if wa.Resolved && !full.ResolvedOn.IsZero() {
			a.Time = full.ResolvedOn.Time
		}
		if full.Diagnostics != "" {
			body = append(body, strings.TrimSpace(full.Diagnostics))
		}
	} else {
		body = append(body, "(Datto RMM could not be asked for this alert's details; fields are the webhook's.)")
	}
	if a.Title == "" {
		a.Title = firstNonEmpty(firstLine(body), "Datto RMM alert "+wa.AlertUID)
	}
	if a.Device.Hostname != "" {
		body = append(body, "Device: "+a.Device.Hostname)
	}
	if a.Customer.Name != "" {
		body = append(body, "Site: "+a.Customer.Name)
	}
	body = append(body, "Datto alert: "+wa.AlertUID)
	a.Body = strings.Join(body, "\n")
	a.Raw, _ = json.Marshal(wa)
	return a
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

func firstLine(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	l, _, _ := strings.Cut(ss[0], "\n")
	return strings.TrimSpace(l)
}

// NewResolver returns the alerting.Resolver that resolves alerts in Datto
// RMM (POST /v2/alert/{uid}/resolve); an alert Datto no longer knows
// counts as resolved.
func NewResolver(c *dattormm.Client) alerting.Resolver {
	return alerting.ResolverFunc(func(ctx context.Context, ref alerting.AlertRef) error {
		err := c.Alerts.Resolve(ctx, ref.AlertID)
		if errors.Is(err, dattormm.ErrNotFound) {
			return fmt.Errorf("%w: %w", alerting.ErrNotFound, err)
		}
		return err
	})
}
