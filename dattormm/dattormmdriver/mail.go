package dattormmdriver

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/dattormm"
)

// MailIntake takes Datto RMM alert e-mails (subject with Alert{[alertuid]},
// see dattormm.MailDecoder) and hands them to the alerting engine with the
// semantics of WebhookHandler: the same source (Kind), event ID (the alert
// UID) and kind, so an alert that arrives both by webhook and by e-mail is
// deduplicated, routed and resolved as one. A message that is not an alert
// is counted with Engine.RejectPayload and changes nothing.
//
// It serves receiver.Maildir and receiver.MailEndpoint (HandleMail,
// RejectMail) and can be called directly (Accept).
//
// What protects it: an e-mail carries no shared secret and its From header
// can be forged, so
//
//   - the channel is the authentication: a Maildir only local delivery can
//     write to, or an HTTP endpoint that requires its own credentials
//     (receiver.NewMailEndpoint);
//   - Decoder.AllowFrom optionally drops mail from other senders (a filter
//     against mistakes, not a proof of origin);
//   - NewEnricher checks every e-mail with Datto RMM's API in the engine's
//     worker: a resolve e-mail closes nothing unless Datto confirms the
//     alert resolved (when the API cannot be asked, it is ignored, unlike a
//     webhook's), and a raise e-mail for an alert Datto does not know is
//     ignored. Both are counted as ReasonContradicted.
type MailIntake struct {
	// Decoder decodes the e-mails; nil means a zero dattormm.MailDecoder.
	Decoder *dattormm.MailDecoder
	Engine  alerting.Acceptor
	Logger  *slog.Logger
}

// NewMailIntake returns the intake that feeds Datto RMM alert e-mails
// decoded by d (nil: defaults) to engine (an *alerting.Engine with
// NewEnricher for Kind).
func NewMailIntake(d *dattormm.MailDecoder, engine alerting.Acceptor) *MailIntake {
	return &MailIntake{Decoder: d, Engine: engine}
}

// Accept decodes msg and hands its alert to the engine. A message that is
// not a Datto alert e-mail is counted (RejectPayload: ReasonBadSignature
// for a sender not on the allow-list, else ReasonMalformedPayload) and
// returned as an error marked alerting.Permanent, with a reason saying
// why; the engine's errors are returned as they are (alerting.ErrRejected:
// final; anything else: nothing was recorded, try again).
func (m *MailIntake) Accept(ctx context.Context, msg *mail.Message) (alerting.Result, error) {
	log := m.logger()
	d := m.Decoder
	if d == nil {
		d = &dattormm.MailDecoder{}
	}
	ma, err := d.Decode(msg)
	if err != nil {
		reason := alerting.ReasonMalformedPayload
		if errors.Is(err, dattormm.ErrMailSender) {
			reason = alerting.ReasonBadSignature
		}
		m.Engine.RejectPayload(ctx, Kind, reason, err)
		log.Warn("datto e-mail refused", "reason", reason, "message_id", messageID(msg), "err", err)
		return alerting.Result{Outcome: alerting.OutcomeRejected, Reason: reason}, alerting.Permanent(err)
	}
	a := MailToAlert(ma)
	res, err := m.Engine.Accept(ctx, a)
	if err != nil {
		if errors.Is(err, alerting.ErrRejected) {
			log.Warn("datto e-mail alert rejected", "event", a.EventID, "kind", a.Kind, "message_id", ma.MessageID, "err", err)
		} else {
			log.Error("datto e-mail alert not recorded", "event", a.EventID, "message_id", ma.MessageID, "err", err)
		}
		return res, err
	}
	log.Debug("datto e-mail alert accepted", "event", a.EventID, "kind", a.Kind, "outcome", res.Outcome, "message_id", ma.MessageID)
	return res, nil
}

// HandleMail is Accept without its result (receiver.MailHandler).
func (m *MailIntake) HandleMail(ctx context.Context, msg *mail.Message) error {
	_, err := m.Accept(ctx, msg)
	return err
}

// RejectMail counts a delivery the receiver refused before it reached
// HandleMail (bad credentials, an unreadable or oversized message).
func (m *MailIntake) RejectMail(ctx context.Context, reason alerting.Reason, err error) {
	m.Engine.RejectPayload(ctx, Kind, reason, err)
	m.logger().Warn("datto e-mail delivery refused", "reason", reason, "err", err)
}

func (m *MailIntake) logger() *slog.Logger {
	if m.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return m.Logger
}

func messageID(msg *mail.Message) string {
	if msg == nil {
		return ""
	}
	return strings.Trim(strings.TrimSpace(msg.Header.Get("Message-Id")), "<>")
}

// MailAlert decodes a Datto RMM alert e-mail with the default
// dattormm.MailDecoder and returns its alert (see MailToAlert), for
// library users with their own mail handling. Hand it to an
// alerting.Acceptor, whose enricher (NewEnricher) confirms it with the API.
func MailAlert(msg *mail.Message) (alerting.Alert, error) {
	var d dattormm.MailDecoder
	ma, err := d.Decode(msg)
	if err != nil {
		return alerting.Alert{}, err
	}
	return MailToAlert(ma), nil
}

// mailRaw is what an e-mail's alert keeps in Alert.Raw: the fields of the
// equivalent webhook (NewEnricher reads them as it reads a webhook's) and
// where the alert came from, so the enricher applies the e-mail rules.
type mailRaw struct {
	dattormm.WebhookAlert
	Via       string `json:"via"`
	From      string `json:"from,omitempty"`
	MessageID string `json:"message_id,omitempty"`
}

const viaMail = "mail"

// MailToAlert turns a decoded e-mail into an alerting.Alert as ToAlert
// turns the equivalent webhook (same source, alert ID and kind; a raise
// has the webhook's event ID, so the engine deduplicates the two), with the device and site UIDs when the e-mail carried them, and
// a body that says the fields are the e-mail's until NewEnricher replaces
// them with the API's. Its Time is left zero (the time it is accepted), as
// a webhook's: the Date header is the sender's word.
//
// A resolve's event ID is the alert UID plus ":mail:" and a digest of the
// e-mail's Message-ID. A resolve e-mail the API contradicts (a forgery, or
// one that came before Datto recorded the resolution) is ignored and its
// event ID remembered as processed; with the webhook's event ID it would
// also swallow the genuine resolve webhook that follows. With its own, it
// cannot: the genuine resolve still closes the ticket, and a redelivery of
// the same e-mail is still a duplicate. Two genuine resolves (webhook and
// e-mail) are harmless: the second finds the alert resolved.
func MailToAlert(ma *dattormm.MailAlert) alerting.Alert {
	wa := dattormm.WebhookAlert{AlertUID: ma.AlertUID, Resolved: ma.Resolved, AlertType: ma.AlertType, AlertMessage: ma.AlertMessage,
		AlertPriority: ma.AlertPriority, DeviceHostname: ma.DeviceHostname, SiteName: ma.SiteName}
	a := ToAlert(&wa, nil)
	a.Device.ID = ma.DeviceUID
	a.Customer.ID = ma.SiteUID
	body := strings.Split(a.Body, "\n")
	body[0] = "(Fields are the e-mail's: Datto RMM's API did not provide this alert's details.)"
	if ma.From != "" {
		body = append(body, "Received by e-mail from "+ma.From)
	}
	a.Body = strings.Join(body, "\n")
	if ma.Resolved {
		a.EventID = ma.AlertUID + ":mail:" + mailKey(ma)
	}
	a.Raw, _ = json.Marshal(mailRaw{WebhookAlert: wa, Via: viaMail, From: ma.From, MessageID: ma.MessageID})
	return a
}

// mailKey names one resolve e-mail: a digest of its Message-ID, or of its
// sender, subject and date when it has none.
func mailKey(ma *dattormm.MailAlert) string {
	id := ma.MessageID
	if id == "" {
		id = ma.From + "\n" + ma.Subject + "\n" + ma.Date.UTC().Format(time.RFC3339)
	}
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:8])
}

// fromMail reports whether a was made by MailToAlert.
func fromMail(a *alerting.Alert) bool {
	var r struct {
		Via string `json:"via"`
	}
	return json.Unmarshal(a.Raw, &r) == nil && r.Via == viaMail
}

// mailUnconfirmed applies the e-mail rules of NewEnricher when the API
// could not give the alert (err != nil): a resolve closes nothing
// unconfirmed, except for an alert Datto no longer knows; a raise for an
// alert Datto does not know is not real. nil: go on as for a webhook.
func mailUnconfirmed(wa *dattormm.WebhookAlert, err error) error {
	notFound := errors.Is(err, dattormm.ErrNotFound)
	switch {
	case wa.Resolved && !notFound:
		return fmt.Errorf("%w: resolve e-mail for Datto alert %s could not be confirmed with Datto RMM (%v); an e-mail carries no secret, so it closes nothing unconfirmed", alerting.ErrContradicted, wa.AlertUID, err)
	case !wa.Resolved && notFound:
		return fmt.Errorf("%w: alert e-mail for Datto alert %s, which Datto RMM does not know", alerting.ErrContradicted, wa.AlertUID)
	}
	return nil
}
