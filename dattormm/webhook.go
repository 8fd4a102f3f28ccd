package dattormm

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
)

// The webhook payloads mspsync asks users to paste into Datto RMM (a
// monitor's Response section, or Setup > Integrations > Global Webhooks):
// Datto replaces each [placeholder] before it POSTs the body. Datto signs
// nothing, so the body carries a shared secret in "state".
const (
	webhookTemplate = `{"alert_uid":"[alert_uid]","alert_resolved":%s,"state":%s,"alert_type":"[alert_type]","alert_message":"[alert_message_en]","alert_priority":"[alert_priority]","device_hostname":"[device_hostname]","site_name":"[site_name]","platform":"[platform]","timestamp":"[timestamp]"}`
	// DefaultWebhookMaxBody is the largest webhook body accepted (64 KiB).
	DefaultWebhookMaxBody = 64 << 10
)

// WebhookTemplates returns the Alert Raised and Alert Resolved payloads for
// a secret, exactly as they are to be pasted into Datto RMM.
func WebhookTemplates(secret string) (raised, resolved string) {
	s, _ := json.Marshal(secret)
	return fmt.Sprintf(webhookTemplate, "false", s), fmt.Sprintf(webhookTemplate, "true", s)
}

// WebhookAlert is a decoded, verified Datto RMM monitor webhook. Fields
// Datto left as literal placeholders are empty.
type WebhookAlert struct {
	AlertUID       string
	Resolved       bool
	AlertType      string
	AlertMessage   string
	AlertPriority  string
	DeviceHostname string
	SiteName       string
	Platform       string
	Timestamp      string
	// Partial is set when the body was not valid JSON (Datto does not
	// escape substituted values) and only alert_uid, alert_resolved and
	// state could be read; take the rest from Alerts.Get.
	Partial bool
}

// EventID is the idempotency key of the webhook:
// "datto:<alert_uid>:raised" or "datto:<alert_uid>:resolved".
func (a *WebhookAlert) EventID() string {
	if a.Resolved {
		return "datto:" + a.AlertUID + ":resolved"
	}
	return "datto:" + a.AlertUID + ":raised"
}

// WebhookError says why a webhook was refused. Status is the HTTP status a
// receiver should answer with; Reason is safe to show (it never contains
// the secret or the body).
type WebhookError struct {
	Status int
	Reason string
	Kind   error
}

// Error returns the reason, which is safe to show.
func (e *WebhookError) Error() string { return "dattormm webhook: " + e.Reason }

// Is matches the Kind sentinel.
func (e *WebhookError) Is(target error) bool { return target == e.Kind }

// Sentinels of WebhookError.Kind.
var (
	ErrWebhookEmpty     = errors.New("empty webhook body")
	ErrWebhookTooLarge  = errors.New("webhook body too large")
	ErrWebhookMalformed = errors.New("webhook body is not the mspsync Datto template")
	ErrWebhookSecret    = errors.New("webhook state does not match the configured secret")
	ErrWebhookTest      = errors.New("Datto test webhook")
)

// WebhookStatus returns the HTTP status to answer a decode error with (400
// when err is not a *WebhookError).
func WebhookStatus(err error) int {
	var we *WebhookError
	if errors.As(err, &we) {
		return we.Status
	}
	return http.StatusBadRequest
}

// WebhookVerifier decodes Datto RMM webhooks and checks their secret. It is
// safe for concurrent use.
type WebhookVerifier struct {
	secrets [][sha256.Size]byte
	// MaxBody caps the body read by Read (default DefaultWebhookMaxBody).
	MaxBody int64
}

// NewWebhookVerifier returns a verifier accepting any of secrets (two
// during a rotation). Secrets shorter than 16 characters are refused:
// generate at least 32 random bytes, base64url or hex.
func NewWebhookVerifier(secrets ...string) (*WebhookVerifier, error) {
	v := &WebhookVerifier{MaxBody: DefaultWebhookMaxBody}
	for _, s := range secrets {
		if len(s) < 16 {
			return nil, errors.New("dattormm: webhook secret too short (use at least 32 random bytes, hex or base64url)")
		}
		v.secrets = append(v.secrets, sha256.Sum256([]byte(s)))
	}
	if len(v.secrets) == 0 {
		return nil, errors.New("dattormm: no webhook secret configured")
	}
	return v, nil
}

// Read reads at most MaxBody bytes of r and decodes them (see Decode).
func (v *WebhookVerifier) Read(r io.Reader) (*WebhookAlert, error) {
	limit := v.MaxBody
	if limit <= 0 {
		limit = DefaultWebhookMaxBody
	}
	body, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, &WebhookError{Status: http.StatusBadRequest, Reason: "reading body: " + err.Error(), Kind: ErrWebhookMalformed}
	}
	if int64(len(body)) > limit {
		return nil, &WebhookError{Status: http.StatusRequestEntityTooLarge, Reason: fmt.Sprintf("body larger than %d bytes", limit), Kind: ErrWebhookTooLarge}
	}
	return v.Decode(body)
}

var placeholder = regexp.MustCompile(`^\[[A-Za-z0-9_]+\]$`)

// Decode parses a webhook body, checks its state against the secrets in
// constant time (comparing SHA-256 digests, so lengths do not leak), and
// refuses Datto's test payload, whose alert_uid is still "[alert_uid]".
// Content-Type is ignored. A body that is not valid JSON is scanned for
// alert_uid, alert_resolved and state alone (Partial is then set).
func (v *WebhookVerifier) Decode(body []byte) (*WebhookAlert, error) {
	if int64(len(body)) > v.maxBody() {
		return nil, &WebhookError{Status: http.StatusRequestEntityTooLarge, Reason: fmt.Sprintf("body larger than %d bytes", v.maxBody()), Kind: ErrWebhookTooLarge}
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, &WebhookError{Status: http.StatusBadRequest, Reason: "empty body", Kind: ErrWebhookEmpty}
	}
	fields, partial := parseWebhook(body)
	if fields == nil {
		return nil, &WebhookError{Status: http.StatusBadRequest, Reason: "body is not the mspsync Datto template (no alert_uid, alert_resolved and state found)", Kind: ErrWebhookMalformed}
	}
	state, _ := fields["state"].(string)
	if !v.secretOK(state) {
		return nil, &WebhookError{Status: http.StatusUnauthorized, Reason: "state does not match the configured secret", Kind: ErrWebhookSecret}
	}
	a := &WebhookAlert{Partial: partial}
	a.AlertUID = text(fields["alert_uid"])
	switch {
	case a.AlertUID == "" && fields["alert_uid"] != nil && placeholder.MatchString(strings.TrimSpace(fmt.Sprint(fields["alert_uid"]))):
		return nil, &WebhookError{Status: http.StatusBadRequest, Kind: ErrWebhookTest,
			Reason: "received Datto's test payload: the secret is correct, but Datto only fills in [alert_uid] for real alerts. Trigger a real alert to test end to end."}
	case a.AlertUID == "":
		return nil, &WebhookError{Status: http.StatusBadRequest, Reason: "alert_uid is missing or empty", Kind: ErrWebhookMalformed}
	}
	resolved, ok := boolish(fields["alert_resolved"])
	if !ok {
		return nil, &WebhookError{Status: http.StatusBadRequest, Reason: `alert_resolved must be true or false`, Kind: ErrWebhookMalformed}
	}
	a.Resolved = resolved
	a.AlertType = text(fields["alert_type"])
	a.AlertMessage = text(fields["alert_message"])
	a.AlertPriority = text(fields["alert_priority"])
	a.DeviceHostname = text(fields["device_hostname"])
	a.SiteName = text(fields["site_name"])
	a.Platform = text(fields["platform"])
	a.Timestamp = text(fields["timestamp"])
	return a, nil
}

func (v *WebhookVerifier) maxBody() int64 {
	if v.MaxBody <= 0 {
		return DefaultWebhookMaxBody
	}
	return v.MaxBody
}

func (v *WebhookVerifier) secretOK(state string) bool {
	if state == "" {
		return false
	}
	got := sha256.Sum256([]byte(state))
	ok := 0
	for _, s := range v.secrets {
		ok |= subtle.ConstantTimeCompare(got[:], s[:])
	}
	return ok == 1
}

var (
	scanUID      = regexp.MustCompile(`"alert_uid"\s*:\s*"([^"\\]*)"`)
	scanResolved = regexp.MustCompile(`"alert_resolved"\s*:\s*"?(true|false)"?`)
	scanState    = regexp.MustCompile(`"state"\s*:\s*"((?:[^"\\]|\\.)*)"`)
)

// parseWebhook returns the body's fields: strict JSON first, then a
// tolerant scan of the three keys that matter. nil when neither works.
func parseWebhook(body []byte) (map[string]any, bool) {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err == nil && m != nil {
		if _, ok := m["alert_uid"]; ok {
			return m, false
		}
		return nil, false
	}
	uid, res, st := scanUID.FindSubmatch(body), scanResolved.FindSubmatch(body), scanState.FindSubmatch(body)
	if uid == nil || res == nil || st == nil {
		return nil, false
	}
	var state string
	if json.Unmarshal(append(append([]byte{'"'}, st[1]...), '"'), &state) != nil {
		return nil, false
	}
	return map[string]any{"alert_uid": string(uid[1]), "alert_resolved": string(res[1]), "state": state}, true
}

// text returns a string field, treating a literal [placeholder] as empty.
func text(v any) string {
	s, ok := v.(string)
	if !ok {
		if v == nil {
			return ""
		}
		s = fmt.Sprint(v)
	}
	s = strings.TrimSpace(s)
	if placeholder.MatchString(s) {
		return ""
	}
	return s
}

func boolish(v any) (bool, bool) {
	switch b := v.(type) {
	case bool:
		return b, true
	case string:
		switch strings.ToLower(strings.TrimSpace(b)) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

var subjectUID = regexp.MustCompile(`Alert\{([^{}\s]+)\}`)

// ParseAlertSubject extracts the alert UID from an email subject or ticket
// summary following Halo's Alert{<uid>} convention (Datto's email variable
// [alertuid]), so alerts raised by email and by webhook group together. A
// literal "[alertuid]" is not a UID.
func ParseAlertSubject(subject string) (string, bool) {
	m := subjectUID.FindStringSubmatch(subject)
	if m == nil || placeholder.MatchString(m[1]) {
		return "", false
	}
	return m[1], true
}
