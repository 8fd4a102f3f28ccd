package vsaxdriver

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/internal/intake"
	"github.com/mspsync/mspsync/vsax"
)

// MaxWebhookBody caps a notification webhook body (1 MiB; VSA X's are a
// few hundred bytes).
const MaxWebhookBody = 1 << 20

// WebhookHandler receives VSA X notification webhooks and hands them to
// the alerting engine: POST only, body capped (413), x-hmac-signature
// checked over the raw body in constant time before anything is decoded,
// the payload decoded only after that (Id required, DeviceIdentifier a
// GUID), every refusal counted and answered 4xx with a reason. A valid
// notification is accepted as a raise and answered 200 once durably
// recorded; a failure to record answers 503 so VSA X retries.
//
// Routing: the alert's device is the DeviceIdentifier (the engine finds
// the PSA asset linked to it), its customer reference the organization
// ("org-<OrganizationId>", the SourceSite ID reconcile maps; with an
// Account "<account>:org-<OrganizationId>"), then the engine's default
// customer. VSA X never sends a resolve.
type WebhookHandler struct {
	Verifier *vsax.WebhookVerifier
	Engine   alerting.Acceptor
	Logger   *slog.Logger
	// Account is the VSA X instance whose webhooks this handler receives
	// (Alert.Account, and the prefix of the customer reference, as
	// ReconcileSource.Account prefixes its sites); "" for a deployment
	// with one instance.
	Account string
}

// NewWebhookHandler returns the handler that feeds verified VSA X
// notification webhooks to engine.
func NewWebhookHandler(v *vsax.WebhookVerifier, engine alerting.Acceptor) *WebhookHandler {
	return &WebhookHandler{Verifier: v, Engine: engine}
}

// ServeHTTP handles one delivery.
func (h *WebhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	log := h.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	body, ok := intake.ReadPost(w, r, MaxWebhookBody, func(status int, err error) {
		err = fmt.Errorf("vsax: webhook: %w", err)
		h.Engine.RejectPayload(ctx, Kind, alerting.ReasonMalformedPayload, err)
		log.Warn("vsax webhook refused", "reason", alerting.ReasonMalformedPayload, "err", err)
		intake.Reply(w, status, err.Error())
	})
	if !ok {
		return
	}
	if err := h.Verifier.Verify(body, r.Header.Get(vsax.SignatureHeader)); err != nil {
		h.Engine.RejectPayload(ctx, Kind, alerting.ReasonBadSignature, err)
		log.Warn("vsax webhook refused", "reason", alerting.ReasonBadSignature, "err", err)
		intake.Reply(w, http.StatusUnauthorized, err.Error())
		return
	}
	p, err := vsax.DecodeWebhook(body)
	if err != nil {
		h.Engine.RejectPayload(ctx, Kind, alerting.ReasonMalformedPayload, err)
		log.Warn("vsax webhook refused", "reason", alerting.ReasonMalformedPayload, "err", err)
		intake.Reply(w, http.StatusBadRequest, err.Error())
		return
	}
	a := AccountAlert(&p, h.Account)
	a.Raw = body
	if _, err := h.Engine.Accept(ctx, a); err != nil {
		var re *alerting.RejectedError
		if errors.As(err, &re) {
			log.Warn("vsax alert rejected", "event", a.EventID, "err", err)
			intake.Reply(w, http.StatusUnprocessableEntity, err.Error())
			return
		}
		log.Error("vsax alert not recorded", "event", a.EventID, "err", err)
		intake.Reply(w, http.StatusServiceUnavailable, "not recorded; retry")
		return
	}
	intake.Reply(w, http.StatusOK, "")
}

// ToAlert turns a delivered notification into a raise: event and alert
// ID the notification Id, type the Title, severity from Priority, device
// the DeviceIdentifier, customer the organization.
func ToAlert(p *vsax.WebhookPayload) alerting.Alert {
	id := strconv.FormatInt(int64(p.ID), 10)
	a := alerting.Alert{
		Source: Kind, EventID: id, AlertID: id, Kind: alerting.Raise,
		Type: p.Title, Severity: alerting.ParseSeverity(string(p.Priority)),
		Title: p.Title, Body: p.Message, Time: p.DateTime.Time,
		Device: alerting.Device{ID: p.DeviceIdentifier},
	}
	if a.Title == "" {
		a.Title = p.Message
	}
	if p.OrganizationID > 0 {
		a.Customer = alerting.CustomerRef{ID: OrgSiteID(int64(p.OrganizationID))}
	}
	return a
}

// AccountAlert is ToAlert for the notifications of one VSA X instance
// (account "" for a deployment with one): the alert carries the account
// and its customer reference is scoped to it (AccountSiteID). The webhook
// handler and the OpenAlertLister both build their alerts with it, so a
// pushed notification and its polled copy are one event.
func AccountAlert(p *vsax.WebhookPayload, account string) alerting.Alert {
	a := ToAlert(p)
	a.Account = account
	if a.Customer.ID != "" {
		a.Customer.ID = AccountSiteID(account, a.Customer.ID)
	}
	return a
}
