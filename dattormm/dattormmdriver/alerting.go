package dattormmdriver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/internal/intake"
)

// Kind is the source kind of Datto RMM in both engines: the Source of
// its alerts and the kind of its reconcile links.
const Kind = "datto"

// WebhookHandler receives Datto RMM monitor webhooks (the templates of
// WebhookTemplates) and hands them to the alerting engine: POST only, body
// capped, state checked in constant time, alert_uid, alert_resolved and
// state decided by their first occurrence (alert text cannot repeat them to
// effect; a repeat is logged), Datto's test payload refused with a message
// saying so, every refusal counted and answered 4xx with a reason, nothing
// changed. A valid alert is accepted with the webhook's own fields and
// answered 200 {"ok":true} once it is durably recorded.
//
// The handler calls no vendor API: acknowledgement does not wait for Datto
// or the PSA, and a redelivery costs nothing but the deduplication. Details
// from GET /v2/alert/{uid}, and the check that a resolve is real, come from
// NewEnricher in the engine's worker (alerting.WithEnricher).
type WebhookHandler struct {
	Verifier *dattormm.WebhookVerifier
	Engine   alerting.Acceptor
	Logger   *slog.Logger
	// Account is the Datto account whose webhooks this handler receives
	// (its own URL and secret), set on every alert as Alert.Account; ""
	// for a deployment with one account. Give the engine that account's
	// enricher and resolver (alerting.WithAccountEnricher,
	// WithAccountResolver with NewAccountEnricher, NewAccountResolver).
	Account string
}

// NewWebhookHandler returns the handler that feeds verified Datto RMM
// webhooks to engine (an *alerting.Engine; give it NewEnricher with
// alerting.WithEnricher(Kind, …)).
func NewWebhookHandler(v *dattormm.WebhookVerifier, engine alerting.Acceptor) *WebhookHandler {
	return &WebhookHandler{Verifier: v, Engine: engine}
}

// ServeHTTP handles one webhook.
func (h *WebhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	log := h.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	reply := func(status int, msg string) { intake.Reply(w, status, msg) }
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
	if len(wa.Duplicates) > 0 || wa.Reordered || len(wa.Ignored) > 0 {
		// The first occurrences decided; a repeat is alert text posing as
		// a field (or an edited template). Names only, never values.
		log.Warn("datto webhook has repeated, reordered or unusable keys; used the first occurrence of each",
			"alert", wa.AlertUID, "repeated", wa.Duplicates, "reordered", wa.Reordered, "ignored", wa.Ignored)
	}
	a := ToAlert(wa, nil)
	a.Account = h.Account
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

// NewEnricher returns the alerting.Enricher of Datto RMM alerts (use it
// with alerting.WithEnricher(Kind, …)). It reads the alert with one GET
// /v2/alert/{uid} in the engine's worker and rebuilds it with ToAlert from
// the webhook (kept in Alert.Raw) and the API's answer: device and site
// UIDs, priority, diagnostics, alert type.
//
// For a resolve the same read confirms it: if Datto reports the alert
// still open, the resolve is not real (alert text or a replay cannot close
// tickets) and the error matches alerting.ErrContradicted, so the engine
// ignores it. An alert Datto no longer knows counts as resolved, as for
// NewResolver. When Datto cannot be asked (an error, or the engine's
// enrichment timeout), the engine goes on with the webhook's fields; a
// resolve is then applied unconfirmed, on the strength of the webhook's
// secret and its first-occurrence alert_uid and alert_resolved. An alert
// that came by e-mail (MailIntake) has no secret: its resolve is ignored
// unless confirmed, and its raise is ignored when Datto does not know the
// alert (both ErrContradicted). A raise the reconciliation poll found
// (OpenAlertLister, Alert.FoundByPoll) was built from the API's own record
// and is not read again.
func NewEnricher(c *dattormm.Client) alerting.Enricher { return NewAccountEnricher(c, "") }

// NewAccountEnricher is NewEnricher for the alerts of one Datto account
// (Alert.Account), read with that account's client c: use it with
// alerting.WithAccountEnricher(Kind, account, …). An alert of another
// account is refused (an error, so the engine routes it as recorded),
// never looked up in this account.
func NewAccountEnricher(c *dattormm.Client, account string) alerting.Enricher {
	return alerting.EnricherFunc(func(ctx context.Context, a *alerting.Alert) error {
		if a.Source != Kind {
			return nil
		}
		if a.Account != account {
			return fmt.Errorf("dattormm: alert %s is of account %q; this enricher reads account %q", a.ID(), a.Account, account)
		}
		if a.FoundByPoll && a.Kind == alerting.Raise && a.Body != "" {
			return nil // built by OpenAlertLister from the API's own record
		}
		wa := webhookOf(a)
		if !dattormm.IsAlertUID(wa.AlertUID) {
			return fmt.Errorf("dattormm: alert id %q is not a Datto alert UID; not asking the API", wa.AlertUID)
		}
		full, err := c.Alerts.Get(ctx, wa.AlertUID)
		if err != nil && fromMail(a) {
			if merr := mailUnconfirmed(wa, err); merr != nil {
				return merr // an e-mail has no secret: stricter than a webhook (MailIntake)
			}
		}
		switch {
		case err != nil && wa.Resolved && errors.Is(err, dattormm.ErrNotFound):
			return nil // nothing contradicts the resolve; keep the webhook's fields
		case err != nil:
			return fmt.Errorf("dattormm: reading alert %s: %w", wa.AlertUID, err)
		case wa.Resolved && !full.Resolved:
			return fmt.Errorf("%w: resolve webhook for Datto alert %s, which Datto RMM reports open", alerting.ErrContradicted, wa.AlertUID)
		}
		t, acct := a.Time, a.Account
		*a = ToAlert(wa, full)
		a.Account = acct
		if a.Time.IsZero() {
			a.Time = t
		}
		return nil
	})
}

// webhookOf returns the webhook an alert was made from (its Raw, as
// ToAlert keeps it), or one rebuilt from the alert's fields.
func webhookOf(a *alerting.Alert) *dattormm.WebhookAlert {
	var wa dattormm.WebhookAlert
	if json.Unmarshal(a.Raw, &wa) == nil && wa.AlertUID == a.ID() {
		wa.Resolved = a.Kind == alerting.Resolve
		return &wa
	}
	return &dattormm.WebhookAlert{AlertUID: a.ID(), Resolved: a.Kind == alerting.Resolve, AlertType: a.Type,
		AlertMessage: a.Title, DeviceHostname: a.Device.Hostname, SiteName: a.Customer.Name,
		DeviceUID: a.Device.ID, SiteUID: a.Customer.ID}
}

// ToAlert turns a webhook (and, when available, the alert as the API
// reports it) into an alerting.Alert: event ID the alert UID, customer the
// site (UID and name), device the device (UID and hostname), type from the
// alert context's class (else the webhook's alert_type), severity from the
// priority, title from the message (else diagnostics). The API's device
// and site win; without it the webhook's device_uid and site_uid route the
// alert (to the PSA asset linked to the device).
func ToAlert(wa *dattormm.WebhookAlert, full *dattormm.Alert) alerting.Alert {
	a := alerting.Alert{
		Source:   Kind,
		EventID:  wa.AlertUID,
		AlertID:  wa.AlertUID,
		Kind:     alerting.Raise,
		Type:     wa.AlertType,
		Severity: alerting.ParseSeverity(wa.AlertPriority),
		Title:    wa.AlertMessage,
		Device:   alerting.Device{ID: wa.DeviceUID, Hostname: wa.DeviceHostname},
		Customer: alerting.CustomerRef{ID: wa.SiteUID, Name: wa.SiteName},
	}
	if wa.Resolved {
		a.Kind = alerting.Resolve
	}
	var body []string
	if full != nil {
		src := full.AlertSourceInfo
		a.Device = alerting.Device{ID: firstNonEmpty(src.DeviceUID, wa.DeviceUID), Hostname: firstNonEmpty(src.DeviceName, wa.DeviceHostname)}
		a.Customer = alerting.CustomerRef{ID: firstNonEmpty(src.SiteUID, wa.SiteUID), Name: firstNonEmpty(src.SiteName, wa.SiteName)}
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
		body = append(body, "(Fields are the webhook's: Datto RMM's API did not provide this alert's details.)")
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
func NewResolver(c *dattormm.Client) alerting.Resolver { return NewAccountResolver(c, "") }

// NewAccountResolver is NewResolver for the alerts of one Datto account,
// resolved with that account's client c: use it with
// alerting.WithAccountResolver(Kind, account, …). An alert of another
// account is refused for good (alerting.Permanent), never sent to this
// account.
func NewAccountResolver(c *dattormm.Client, account string) alerting.Resolver {
	return &resolver{c: c, account: account}
}

// resolver resolves the alerts of one account, and tells whether they are
// still open (alerting.AlertStatusChecker, asked when a maintenance window
// ends).
type resolver struct {
	c       *dattormm.Client
	account string
}

var _ alerting.AlertStatusChecker = (*resolver)(nil)

func (r *resolver) check(ref alerting.AlertRef) error {
	if ref.Account != r.account {
		return alerting.Permanent(fmt.Errorf("dattormm: alert %s is of account %q; this driver serves account %q", ref.AlertID, ref.Account, r.account))
	}
	return nil
}

// ResolveAlert resolves the alert in Datto RMM; one Datto no longer knows
// counts as resolved.
func (r *resolver) ResolveAlert(ctx context.Context, ref alerting.AlertRef) error {
	if err := r.check(ref); err != nil {
		return err
	}
	err := r.c.Alerts.Resolve(ctx, ref.AlertID)
	if errors.Is(err, dattormm.ErrNotFound) {
		return fmt.Errorf("%w: %w", alerting.ErrNotFound, err)
	}
	return err
}

// AlertOpen reads the alert (GET /v2/alert/{uid}) and reports whether it
// is still open; one Datto no longer knows is not.
func (r *resolver) AlertOpen(ctx context.Context, ref alerting.AlertRef) (bool, error) {
	if err := r.check(ref); err != nil {
		return false, err
	}
	a, err := r.c.Alerts.Get(ctx, ref.AlertID)
	if errors.Is(err, dattormm.ErrNotFound) {
		return false, fmt.Errorf("%w: %w", alerting.ErrNotFound, err)
	}
	if err != nil {
		return false, err
	}
	return !a.Resolved, nil
}
