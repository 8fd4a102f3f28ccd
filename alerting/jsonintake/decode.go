package jsonintake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/mspsync/mspsync/alerting"
)

// valueType is what a known key's value must be.
type valueType int

const (
	textValue  valueType = iota // a string (or null)
	idValue                     // a string or a non-negative integer (or null)
	countValue                  // a non-negative integer
)

// schema lists every key the intake reads and its type. Any other key is
// ignored (and its name logged).
var schema = map[string]valueType{
	"kind": textValue, "source": textValue, "event_id": idValue, "alert_id": idValue,
	"action": textValue, "alert_type": textValue, "user_email": textValue,
	"customer_ref": idValue, "customer_name": textValue, "severity": textValue,
	"title": textValue, "body": textValue, "time": textValue,
	"device_id": idValue, "device_name": textValue, "user_count": countValue,
}

// deciding are the keys that decide what a delivery does and where it
// goes. A sender that pastes text into a template must put them before
// the text; one whose first occurrence follows free text is still used,
// but reported (late), since text before it could have supplied it.
var deciding = map[string]bool{
	"kind": true, "source": true, "event_id": true, "alert_id": true, "action": true,
	"customer_ref": true, "device_id": true, "user_count": true,
}

// maxNoted caps the key names a decode reports, and noteLen each name.
const (
	maxNoted = 16
	noteLen  = 64
)

// decoded is one decoded delivery: an alert or a user count.
type decoded struct {
	kind  string // KindAlert or KindUserCount
	alert alerting.Alert
	count UserCount
	// duplicates and unknown name the keys that occurred more than once
	// (the first occurrence was used) and the keys the schema does not
	// have (ignored); late the deciding keys whose first occurrence came
	// after free text. Names only, capped, for the log.
	duplicates, unknown, late []string
	// severity is set when the body's severity was not recognised (the
	// alert's severity is then unknown): the name, for the log.
	severity string
}

// badBody is a body refused by decode: the message is safe to show (it
// quotes no secret and at most short values the sender chose).
type badBody struct{ msg string }

func (e *badBody) Error() string { return e.msg }

func refuse(format string, args ...any) error { return &badBody{fmt.Sprintf(format, args...)} }

// decode reads a delivery. The body must be one valid JSON object. Each
// key is read from its first occurrence: a repeat is ignored and reported,
// never obeyed, so no later text can change what an earlier key said.
// Keys the schema lacks are ignored and reported, whatever their value.
func decode(body []byte) (decoded, error) {
	var d decoded
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return d, refuse("empty body: send one JSON object")
	}
	if !json.Valid(body) {
		return d, refuse("body is not valid JSON")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return d, refuse("body is not a JSON object")
	}
	vals := map[string]string{}
	seen := map[string]bool{}
	textSeen := false // a key holding free text (or an unknown key) came already
	for {
		t, err := dec.Token()
		if err != nil {
			return d, refuse("body is not valid JSON")
		}
		if t == json.Delim('}') {
			break
		}
		key, _ := t.(string)
		v, err := dec.Token()
		if err != nil {
			return d, refuse("body is not valid JSON")
		}
		nested := false
		if dl, ok := v.(json.Delim); ok && (dl == '{' || dl == '[') {
			if err := skipNested(dec); err != nil {
				return d, refuse("body is not valid JSON")
			}
			nested = true
		}
		typ, known := schema[key]
		switch {
		case seen[key]:
			d.duplicates = note(d.duplicates, key)
			continue
		case !known:
			seen[key] = true
			textSeen = true
			d.unknown = note(d.unknown, key)
			continue
		}
		seen[key] = true
		switch {
		case deciding[key] && textSeen:
			d.late = note(d.late, key)
		case !deciding[key] && key != "time":
			textSeen = true
		}
		s, err := scalar(key, typ, v, nested)
		if err != nil {
			return d, err
		}
		vals[key] = s
	}
	if _, err := dec.Token(); err != io.EOF {
		return d, refuse("body has data after its JSON object")
	}
	switch kind := strings.ToLower(vals["kind"]); kind {
	case "", KindAlert:
		d.kind = KindAlert
		return d, d.readAlert(vals)
	case KindUserCount:
		d.kind = KindUserCount
		return d, d.readCount(vals)
	default:
		return d, refuse("kind %s: want %q or %q", quote(vals["kind"]), KindAlert, KindUserCount)
	}
}

// readAlert builds the alert of an alert delivery.
func (d *decoded) readAlert(v map[string]string) error {
	a := alerting.Alert{
		Source: v["source"], EventID: v["event_id"], AlertID: v["alert_id"], Type: v["alert_type"],
		User: v["user_email"], Customer: alerting.CustomerRef{ID: v["customer_ref"], Name: v["customer_name"]},
		Device: alerting.Device{ID: v["device_id"], Hostname: v["device_name"]},
		Title:  v["title"], Body: v["body"],
	}
	var missing []string
	for _, k := range []string{"source", "event_id", "action"} {
		if v[k] == "" {
			missing = append(missing, k)
		}
	}
	if strings.ToLower(v["action"]) == ActionRaise && a.Type == "" {
		missing = append(missing, "alert_type")
	}
	if len(missing) > 0 {
		return refuse("missing required field(s): %s", strings.Join(missing, ", "))
	}
	switch strings.ToLower(v["action"]) {
	case ActionRaise:
		a.Kind = alerting.Raise
	case ActionResolve:
		a.Kind = alerting.Resolve
	default:
		return refuse("action %s: want %q or %q", quote(v["action"]), ActionRaise, ActionResolve)
	}
	for _, k := range []string{"source", "event_id", "alert_id", "customer_ref", "device_id", "user_email"} {
		if strings.IndexFunc(v[k], unicode.IsControl) >= 0 {
			return refuse("%s contains control characters", k)
		}
	}
	if a.User != "" && !isAddress(a.User) {
		return refuse("user_email %s is not an e-mail address or UPN", quote(a.User))
	}
	if s := v["severity"]; s != "" {
		a.Severity = alerting.ParseSeverity(s)
		if a.Severity == alerting.SeverityUnknown {
			d.severity = clip(s)
		}
	}
	t, err := readTime(v["time"])
	if err != nil {
		return err
	}
	a.Time = t
	if a.Title == "" {
		a.Title = a.Type
		if a.User != "" && a.Title != "" {
			a.Title += ": " + a.User
		}
	}
	if a.Body == "" {
		a.Body = summary(a)
	}
	if err := a.Validate(); err != nil {
		return refuse("%v", err)
	}
	d.alert = a
	return nil
}

// readCount builds the user count of a user count delivery.
func (d *decoded) readCount(v map[string]string) error {
	var missing []string
	for _, k := range []string{"source", "customer_ref", "user_count"} {
		if v[k] == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return refuse("missing required field(s) of a user count: %s", strings.Join(missing, ", "))
	}
	for _, k := range []string{"source", "customer_ref"} {
		if strings.IndexFunc(v[k], unicode.IsControl) >= 0 {
			return refuse("%s contains control characters", k)
		}
	}
	n, err := strconv.Atoi(v["user_count"])
	if err != nil || n > MaxUserCount {
		return refuse("user_count must be an integer from 0 to %d", MaxUserCount)
	}
	t, err := readTime(v["time"])
	if err != nil {
		return err
	}
	d.count = UserCount{Source: v["source"], CustomerRef: v["customer_ref"], CustomerName: v["customer_name"], Users: n, Time: t}
	return nil
}

// scalar returns the text of a known key's value, checking its type.
func scalar(key string, typ valueType, v json.Token, nested bool) (string, error) {
	if nested {
		return "", refuse("%s must be %s, not an object or array", key, typ)
	}
	switch v := v.(type) {
	case nil:
		return "", nil // null: as if missing
	case string:
		if typ == countValue {
			return "", refuse("%s must be %s, not a string", key, typ)
		}
		if key == "body" {
			return v, nil
		}
		return strings.TrimSpace(v), nil
	case json.Number:
		if typ == textValue {
			return "", refuse("%s must be %s, not a number", key, typ)
		}
		if !isDigits(string(v)) {
			return "", refuse("%s must be a non-negative integer when it is a number", key)
		}
		return string(v), nil
	default: // bool
		return "", refuse("%s must be %s", key, typ)
	}
}

// String describes the type for messages.
func (t valueType) String() string {
	switch t {
	case idValue:
		return "a string or an integer"
	case countValue:
		return "an integer"
	}
	return "a string"
}

func skipNested(dec *json.Decoder) error {
	for depth := 1; depth > 0; {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := t.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

func readTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, refuse("time %s is not RFC 3339 (2006-01-02T15:04:05Z)", quote(s))
	}
	return t, nil
}

// summary is the ticket text of an alert that came without a body.
func summary(a alerting.Alert) string {
	var lines []string
	add := func(label, v string) {
		if v != "" {
			lines = append(lines, label+": "+v)
		}
	}
	add("Alert type", a.Type)
	add("User", a.User)
	add("Customer", a.Customer.Name)
	add("Customer reference", a.Customer.ID)
	add("Device", a.Device.Hostname)
	add("Source", a.Source)
	add("Event", a.EventID)
	return strings.Join(lines, "\n")
}

// isAddress reports whether s looks like an e-mail address or UPN:
// local@domain, no space, no control or list characters.
func isAddress(s string) bool {
	at := strings.IndexByte(s, '@')
	if len(s) > 320 || at <= 0 || at == len(s)-1 || strings.Count(s, "@") != 1 {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`<>,;:"()[]\`, r)
	})
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// note appends a key name to a report list, capped.
func note(list []string, key string) []string {
	key = clip(key)
	if len(list) >= maxNoted || slices.Contains(list, key) {
		return list
	}
	return append(list, key)
}

// clip shortens s for a message or the log.
func clip(s string) string {
	if len(s) > noteLen {
		s = s[:noteLen] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}

// quote quotes a sender's value for a message, shortened.
func quote(s string) string { return strconv.Quote(clip(s)) }
