package leveldriver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/internal/intake"
)

// DefaultTemplateSecretHeader is the header the automation-template
// intake reads its shared secret from, unless told otherwise.
const DefaultTemplateSecretHeader = "X-Mspsync-Secret"

// TemplateKeys are the keys of the automation-template form (an HTTP POST
// step in a Level automation, see TemplateHandler), in the order TemplateBody prints them: the keys that decide what
// is done first, free text last.
var TemplateKeys = []string{"event", "alert_id", "device_id", "policy_id", "group_id", "severity", "alert_time",
	"name", "hostname", "description"}

// decisive are the keys read only from their first occurrence before any
// free text.
var decisive = map[string]bool{"event": true, "alert_id": true, "device_id": true, "policy_id": true, "group_id": true}

// TemplateBody returns the JSON body to put in a Level automation's HTTP
// POST step, with each value a placeholder for the automation variable
// that fills it (the template is the operator's: Level has no fixed
// form). Keep the order: the decisive keys come before the alert text, so
// text that breaks out of its string cannot replace them.
func TemplateBody() string {
	var b strings.Builder
	b.WriteString("{")
	for i, k := range TemplateKeys {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "%q:%q", k, "{{"+k+"}}")
	}
	b.WriteString("}")
	return b.String()
}

// TemplatePayload is a decoded automation-template delivery.
type TemplatePayload struct {
	Event       string // "alert_active" or "alert_resolved"
	AlertID     string
	DeviceID    string
	PolicyID    string // keys the policy map when set
	GroupID     string // informational: routing reads the device's group from the API
	Severity    string
	AlertTime   time.Time
	Name        string
	Hostname    string
	Description string
	// Repeated lists keys that occurred more than once, or a decisive key
	// that came after free text; the first occurrence was used (a repeat
	// is alert text posing as a key).
	Repeated []string
}

// ErrTemplate matches a template delivery that cannot be used.
var ErrTemplate = errors.New("level: unusable automation-template delivery")

// DecodeTemplate reads an automation-template body. Level's automation
// fills the template's placeholders with alert text it does not escape,
// so every key is taken from its FIRST occurrence, a decisive key (event,
// alert_id, device_id, policy_id, group_id) only when it comes before any
// free-text key, and nothing after the body stops being valid JSON
// counts. event must be alert_active or alert_resolved and alert_id a
// Level ID.
func DecodeTemplate(body []byte) (*TemplatePayload, error) {
	vals, repeated := firstKeys(body)
	p := &TemplatePayload{Event: vals["event"], AlertID: vals["alert_id"], DeviceID: vals["device_id"], PolicyID: vals["policy_id"],
		GroupID: vals["group_id"], Severity: vals["severity"], Name: vals["name"], Hostname: vals["hostname"],
		Description: vals["description"], Repeated: repeated}
	if t, err := time.Parse(time.RFC3339, vals["alert_time"]); err == nil {
		p.AlertTime = t
	}
	switch {
	case p.Event != EventAlertActive && p.Event != EventAlertResolved:
		return nil, fmt.Errorf("%w: event %q is not alert_active or alert_resolved", ErrTemplate, p.Event)
	case !ValidID(p.AlertID):
		return nil, fmt.Errorf("%w: alert_id is missing or not a Level id", ErrTemplate)
	case p.DeviceID != "" && !ValidID(p.DeviceID):
		return nil, fmt.Errorf("%w: device_id is not a Level id", ErrTemplate)
	case len(p.PolicyID) > 256:
		return nil, fmt.Errorf("%w: policy_id is longer than 256 bytes", ErrTemplate)
	}
	return p, nil
}

// firstKeys walks the top-level object of body and returns the first
// string (or number, as text) value of each key; a decisive key seen
// after a free-text key is ignored and listed in repeated, as is every
// repeat. It stops at the first token that is not valid JSON.
func firstKeys(body []byte) (map[string]string, []string) {
	vals := map[string]string{}
	var repeated []string
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return vals, nil
	}
	freeText := false
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			break
		}
		k, ok := t.(string)
		if !ok {
			break
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			break
		}
		_, seen := vals[k]
		switch {
		case seen || (decisive[k] && freeText):
			repeated = append(repeated, k)
			continue
		}
		if !decisive[k] {
			freeText = true
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			vals[k] = s
			continue
		}
		var n json.Number
		if json.Unmarshal(raw, &n) == nil {
			vals[k] = n.String()
			continue
		}
		vals[k] = "" // null, object or array: present but empty
	}
	return vals, repeated
}

// TemplateAlert builds the engine's alert of a template delivery: the
// policy_id, when there is one, is the alert type (so it keys the policy
// map), else the name; the event ID is the alert ID (the form has no
// event ID; raise and resolve differ by kind, so a repeat of either is
// one event).
func TemplateAlert(p *TemplatePayload) alerting.Alert {
	a := alerting.Alert{Source: Kind, EventID: p.AlertID, AlertID: p.AlertID, Kind: alerting.Raise, Type: p.Name,
		Severity: alerting.ParseSeverity(severities[strings.ToLower(p.Severity)]), Title: p.Name,
		Device: alerting.Device{ID: p.DeviceID, Hostname: p.Hostname}, Time: p.AlertTime}
	if p.PolicyID != "" {
		a.Type = p.PolicyID
	}
	if p.Event == EventAlertResolved {
		a.Kind = alerting.Resolve
	}
	if a.Title == "" {
		a.Title = "Level alert " + p.AlertID
	}
	var body []string
	if p.Description != "" {
		body = append(body, p.Description)
	}
	if p.Hostname != "" {
		body = append(body, "Device: "+p.Hostname)
	}
	if p.PolicyID != "" {
		body = append(body, "Level policy: "+p.PolicyID)
	}
	body = append(body, "Level alert: "+p.AlertID)
	a.Body = strings.Join(body, "\n")
	return a
}

// TemplateHandler receives the automation-template form of Level alerts
// (the older workaround in Level's documentation, before webhooks): an HTTP POST step in a Level automation, whose
// JSON body the operator writes (TemplateBody). It carries no signature,
// so it is protected by a shared secret the operator puts in a header
// (DefaultTemplateSecretHeader unless Header is set), compared in
// constant time; the body is untrusted (DecodeTemplate). Like
// WebhookHandler it makes no Level request: the Enricher completes the
// alert and finds its group in the worker.
type TemplateHandler struct {
	Engine alerting.Acceptor
	// Header is the secret's header (default DefaultTemplateSecretHeader).
	Header string
	Logger *slog.Logger
	// Account is set on every alert as Alert.Account.
	Account string
	secrets intake.Secrets
}

// NewTemplateHandler returns the template intake accepting any of
// secrets (two during a rotation; each at least 16 characters).
func NewTemplateHandler(engine alerting.Acceptor, secrets ...string) (*TemplateHandler, error) {
	s, ok := intake.NewSecrets(secrets...)
	if !ok || len(s) == 0 {
		return nil, fmt.Errorf("level: the automation-template intake needs a shared secret of at least %d characters", intake.MinSecretLen)
	}
	return &TemplateHandler{Engine: engine, secrets: s}, nil
}

// ServeHTTP handles one delivery.
func (h *TemplateHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	body, log, refuse, ok := startDelivery(w, r, h.Engine, h.Logger, "template delivery")
	if !ok {
		return
	}
	header := h.Header
	if header == "" {
		header = DefaultTemplateSecretHeader
	}
	if !h.secrets.Match(r.Header.Get(header)) {
		refuse(http.StatusUnauthorized, alerting.ReasonBadSignature, errors.New("level: missing or wrong shared secret"))
		return
	}
	p, err := DecodeTemplate(body)
	if err != nil {
		refuse(http.StatusBadRequest, alerting.ReasonMalformedPayload, err)
		return
	}
	if len(p.Repeated) > 0 {
		log.Warn("level template delivery has repeated or late keys; used the first occurrence of each", "alert", p.AlertID, "keys", p.Repeated)
	}
	a := TemplateAlert(p)
	a.Account = h.Account
	res, err := h.Engine.Accept(ctx, a)
	if err != nil {
		var re *alerting.RejectedError
		if errors.As(err, &re) {
			intake.Reply(w, http.StatusUnprocessableEntity, err.Error())
			return
		}
		log.Error("level template alert not recorded", "alert", a.AlertID, "err", err)
		intake.Reply(w, http.StatusServiceUnavailable, "not recorded; retry")
		return
	}
	log.Debug("level template alert accepted", "alert", a.AlertID, "outcome", res.Outcome)
	intake.Reply(w, http.StatusOK, "")
}
