package dattormm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/mspsync/mspsync/internal/intake"
)

// The webhook payloads mspsync asks users to paste into Datto RMM (a
// monitor's Response section, or Setup > Integrations > Global Webhooks):
// Datto replaces each [placeholder] before it POSTs the body. Datto signs
// nothing, so the body carries a shared secret in "state".
//
// The three decisive keys come first, then the routing keys device_uid
// and site_uid (the device's and site's UIDs, so that an alert is routed
// by the device's link even when the API cannot be asked), and only then
// the free text, which Datto substitutes unescaped: Decode obeys the first
// occurrence of a key, so text cannot pose as any of the five.
const (
	webhookTemplate = `{"alert_uid":"[alert_uid]","alert_resolved":%s,"state":%s,"device_uid":"[device_uid]","site_uid":"[site_uid]","alert_type":"[alert_type]","alert_message":"[alert_message_en]","alert_priority":"[alert_priority]","device_hostname":"[device_hostname]","site_name":"[site_name]","platform":"[platform]","timestamp":"[timestamp]"}`
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
	AlertUID string
	Resolved bool
	// DeviceUID and SiteUID are the device's and site's UIDs (Datto's
	// [device_uid] and [site_uid]), when the body has them in UUID form
	// before any free text; otherwise empty (see Ignored).
	DeviceUID      string `json:",omitempty"`
	SiteUID        string `json:",omitempty"`
	AlertType      string
	AlertMessage   string
	AlertPriority  string
	DeviceHostname string
	SiteName       string
	Platform       string
	Timestamp      string
	// Partial is set when the body was not valid JSON (Datto does not
	// escape substituted values): only the fields before the break were
	// read; take the rest from Alerts.Get.
	Partial bool
	// Duplicates lists the keys that occurred more than once. Their first
	// occurrence was used; a later one is alert text posing as a field,
	// worth a warning in the log (the names only, never the values).
	Duplicates []string
	// Reordered is set when alert_uid, alert_resolved or state came after
	// another key, or device_uid or site_uid after free text: the template
	// was edited, and free text before them could decide them. Log it;
	// the fix is the template of WebhookTemplates.
	Reordered bool `json:",omitempty"`
	// Ignored lists the routing keys (device_uid, site_uid) whose value
	// was dropped: not a UUID, or after free text, which could have
	// supplied it. Names only; log them.
	Ignored []string `json:",omitempty"`
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
	secrets intake.Secrets
	// MaxBody caps the body read by Read (default DefaultWebhookMaxBody).
	MaxBody int64
}

// NewWebhookVerifier returns a verifier accepting any of secrets (two
// during a rotation). Secrets shorter than 16 characters are refused:
// generate at least 32 random bytes, base64url or hex.
func NewWebhookVerifier(secrets ...string) (*WebhookVerifier, error) {
	sums, ok := intake.NewSecrets(secrets...)
	if !ok {
		return nil, errors.New("dattormm: webhook secret too short (use at least 32 random bytes, hex or base64url)")
	}
	v := &WebhookVerifier{MaxBody: DefaultWebhookMaxBody, secrets: sums}
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

var (
	placeholder = regexp.MustCompile(`^\[[A-Za-z0-9_]+\]$`)
	alertUID    = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`)
)

// IsAlertUID reports whether s has the form of a Datto RMM alert UID: a
// UUID, 8-4-4-4-12 hexadecimal digits. Device and site UIDs have the same
// form.
func IsAlertUID(s string) bool { return alertUID.MatchString(s) }

// Decode parses a webhook body, checks its state against the secrets in
// constant time (comparing SHA-256 digests, so lengths do not leak), and
// refuses Datto's test payload, whose alert_uid is still "[alert_uid]".
// Content-Type is ignored.
//
// Datto substitutes alert text into the body without escaping it, so the
// free-text fields can contain anything, including `","alert_resolved":true`.
// Decode therefore decides from the FIRST occurrence of every key (the
// template puts alert_uid, alert_resolved and state before any free text),
// never the last as encoding/json would: a repeated key is reported in
// Duplicates, not obeyed. A body that stops being valid JSON part-way (an
// unescaped quote in a message) keeps the fields read before the break and
// sets Partial. alert_uid must be a string holding a UUID.
func (v *WebhookVerifier) Decode(body []byte) (*WebhookAlert, error) {
	if int64(len(body)) > v.maxBody() {
		return nil, &WebhookError{Status: http.StatusRequestEntityTooLarge, Reason: fmt.Sprintf("body larger than %d bytes", v.maxBody()), Kind: ErrWebhookTooLarge}
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, &WebhookError{Status: http.StatusBadRequest, Reason: "empty body", Kind: ErrWebhookEmpty}
	}
	f := readFirstKeys(body)
	if _, ok := f.values["alert_uid"]; !ok {
		return nil, &WebhookError{Status: http.StatusBadRequest, Reason: "body is not the mspsync Datto template (no alert_uid found)", Kind: ErrWebhookMalformed}
	}
	if _, ok := f.values["state"]; !ok && f.partial {
		return nil, &WebhookError{Status: http.StatusBadRequest, Reason: "body is not valid JSON and breaks off before state", Kind: ErrWebhookMalformed}
	}
	state, _ := f.values["state"].(string)
	if !v.secretOK(state) {
		return nil, &WebhookError{Status: http.StatusUnauthorized, Reason: "state does not match the configured secret", Kind: ErrWebhookSecret}
	}
	a := &WebhookAlert{Partial: f.partial, Duplicates: f.dups, Reordered: f.reordered}
	uid, isString := f.values["alert_uid"].(string)
	uid = strings.TrimSpace(uid)
	switch {
	case !isString:
		return nil, &WebhookError{Status: http.StatusBadRequest, Reason: "alert_uid is not a string", Kind: ErrWebhookMalformed}
	case uid == "[alert_uid]":
		return nil, &WebhookError{Status: http.StatusBadRequest, Kind: ErrWebhookTest,
			Reason: "received Datto's test payload: the secret is correct, but Datto only fills in [alert_uid] for real alerts. Trigger a real alert to test end to end."}
	case uid == "":
		return nil, &WebhookError{Status: http.StatusBadRequest, Reason: "alert_uid is missing or empty", Kind: ErrWebhookMalformed}
	case !IsAlertUID(uid):
		return nil, &WebhookError{Status: http.StatusBadRequest, Reason: "alert_uid is not a Datto alert UID (a UUID)", Kind: ErrWebhookMalformed}
	}
	a.AlertUID = uid
	resolved, ok := boolish(f.values["alert_resolved"])
	if !ok {
		return nil, &WebhookError{Status: http.StatusBadRequest, Reason: `alert_resolved must be true or false`, Kind: ErrWebhookMalformed}
	}
	a.Resolved = resolved
	for _, k := range routingKeys {
		v := text(f.values[k])
		switch {
		case v == "":
			continue
		case f.late[k] || !IsAlertUID(v):
			a.Ignored = append(a.Ignored, k)
			continue
		}
		if k == "device_uid" {
			a.DeviceUID = strings.ToLower(v)
		} else {
			a.SiteUID = strings.ToLower(v)
		}
	}
	a.AlertType = text(f.values["alert_type"])
	a.AlertMessage = text(f.values["alert_message"])
	a.AlertPriority = text(f.values["alert_priority"])
	a.DeviceHostname = text(f.values["device_hostname"])
	a.SiteName = text(f.values["site_name"])
	a.Platform = text(f.values["platform"])
	a.Timestamp = text(f.values["timestamp"])
	return a, nil
}

func (v *WebhookVerifier) maxBody() int64 {
	if v.MaxBody <= 0 {
		return DefaultWebhookMaxBody
	}
	return v.MaxBody
}

func (v *WebhookVerifier) secretOK(state string) bool { return v.secrets.Match(state) }

// nested stands for an object or array value; no field of the template
// has one.
type nested struct{}

// firstKeys is what readFirstKeys found in a body.
type firstKeys struct {
	values    map[string]any  // the first value of every top-level key
	dups      []string        // keys that occurred more than once, in order
	partial   bool            // the body is not one valid JSON object
	reordered bool            // a key other than the three decisive ones came before one of them
	late      map[string]bool // routing keys whose first occurrence came after free text
}

// decisive are the keys that decide what a webhook does. The template puts
// them first; free text comes after them.
var decisive = map[string]bool{"alert_uid": true, "alert_resolved": true, "state": true}

// routingKeys come after the decisive keys and before any free text: they
// route the alert (device_uid to the PSA asset linked to it).
var routingKeys = []string{"device_uid", "site_uid"}

func isRoutingKey(k string) bool { return k == "device_uid" || k == "site_uid" }

// readFirstKeys walks the top-level object of body with encoding/json's
// tokenizer and keeps the first value of every key. A key's value counts
// only once the token after it (the next key or the closing brace) has been
// read, so a value cut short by a syntax error is dropped; reading stops at
// the first error (partial). Object and array values are skipped and kept
// as nested.
func readFirstKeys(body []byte) firstKeys {
	f := firstKeys{values: map[string]any{}, late: map[string]bool{}}
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		f.partial = true
		return f
	}
	var pendingKey string
	var pendingVal any
	havePending, otherSeen, textSeen := false, false, false
	commit := func() {
		if !havePending {
			return
		}
		havePending = false
		if _, seen := f.values[pendingKey]; seen {
			if !slices.Contains(f.dups, pendingKey) {
				f.dups = append(f.dups, pendingKey)
			}
			return
		}
		if decisive[pendingKey] && otherSeen {
			f.reordered = true
		}
		if isRoutingKey(pendingKey) && textSeen {
			f.reordered, f.late[pendingKey] = true, true
		}
		if !decisive[pendingKey] {
			otherSeen = true
			textSeen = textSeen || !isRoutingKey(pendingKey)
		}
		f.values[pendingKey] = pendingVal
	}
	for {
		t, err := dec.Token()
		if err != nil {
			f.partial = true
			return f
		}
		commit()
		if t == json.Delim('}') {
			break
		}
		key, ok := t.(string)
		if !ok {
			f.partial = true
			return f
		}
		v, err := dec.Token()
		if err != nil {
			f.partial = true
			return f
		}
		if d, ok := v.(json.Delim); ok && (d == '{' || d == '[') {
			if !skipNested(dec) {
				f.partial = true
				return f
			}
			v = nested{}
		}
		pendingKey, pendingVal, havePending = key, v, true
	}
	if _, err := dec.Token(); err != io.EOF {
		f.partial = true // something after the object
	}
	return f
}

// skipNested consumes the rest of an object or array whose opening
// delimiter was just read; false on a syntax error.
func skipNested(dec *json.Decoder) bool {
	for depth := 1; depth > 0; {
		t, err := dec.Token()
		if err != nil {
			return false
		}
		if d, ok := t.(json.Delim); ok {
			switch d {
			case '{', '[':
				depth++
			default:
				depth--
			}
		}
	}
	return true
}

// text returns a string field, treating a literal [placeholder] as empty.
func text(v any) string {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case float64, bool:
		s = fmt.Sprint(v)
	default: // missing, null, object or array
		return ""
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
