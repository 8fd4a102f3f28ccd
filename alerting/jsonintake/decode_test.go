package jsonintake

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/mspsync/mspsync/alerting"
)

func TestDecodeReportsKeys(t *testing.T) {
	t.Parallel()
	body := `{"kind":"alert","source":"s","event_id":"1","action":"raise","alert_type":"x","title":"t",
		"customer_ref":"late-ref","details":{"a":[1,{"b":2}]},"source":"other","title":"again","source":"third","time":"2025-05-01T00:00:00Z"}`
	d, err := decode([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.duplicates, []string{"source", "title"}) || !slices.Equal(d.unknown, []string{"details"}) || !slices.Equal(d.late, []string{"customer_ref"}) {
		t.Errorf("duplicates %q unknown %q late %q", d.duplicates, d.unknown, d.late)
	}
	if d.alert.Source != "s" || d.alert.Title != "t" || d.alert.Customer.ID != "late-ref" {
		t.Errorf("alert %+v: want the first occurrences, the late key still used", d.alert)
	}
	// Deciding keys before any free text are not late, whatever their
	// order among themselves; time is not free text.
	d, err = decode([]byte(`{"time":"2025-05-01T00:00:00Z","action":"raise","device_id":"d","source":"s","event_id":"1","alert_type":"x"}`))
	if err != nil || len(d.late) != 0 || len(d.duplicates) != 0 || len(d.unknown) != 0 {
		t.Errorf("decode = %+v, %v; want nothing reported", d, err)
	}
}

func TestDecodeCapsReports(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(`{"source":"s","event_id":"1","action":"raise","alert_type":"x"`)
	for i := range 40 {
		fmt.Fprintf(&b, `,"k%d%s":1,"source":"s"`, i, strings.Repeat("x", 100))
	}
	b.WriteString("}")
	d, err := decode([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.unknown) != maxNoted || len(d.duplicates) != 1 {
		t.Fatalf("%d unknown, %d duplicates reported; want %d and 1", len(d.unknown), len(d.duplicates), maxNoted)
	}
	if n := len(d.unknown[0]); n > noteLen+len("…") {
		t.Errorf("a reported name is %d bytes; want at most %d", n, noteLen+len("…"))
	}
}

func TestDecodeUserCountKind(t *testing.T) {
	t.Parallel()
	d, err := decode([]byte(`{"kind":"USER_COUNT","source":"s","customer_ref":"c","user_count":3,"action":"raise"}`))
	if err != nil || d.kind != KindUserCount || d.count.Users != 3 || d.count.CustomerRef != "c" {
		t.Errorf("decode = %+v, %v", d, err)
	}
	// user_count in an alert is not read.
	d, err = decode([]byte(`{"source":"s","event_id":"1","action":"raise","alert_type":"x","user_count":3}`))
	if err != nil || d.kind != KindAlert {
		t.Errorf("decode = %+v, %v", d, err)
	}
}

// template is a body a naive sender builds by pasting text into a string,
// with every deciding key before the text (as the package doc asks).
const template = `{"kind":"alert","source":"saasalerts","event_id":"f-1","action":"%s","alert_id":"a-1","customer_ref":"org-42","device_id":"","alert_type":"Too Many Downloads","user_email":"ann@contoso.example","title":"%s","body":"%s"}`

// FuzzDecode feeds arbitrary bytes to the decoder (it must not panic, and
// what it accepts must be a valid alert or count), encodes arbitrary text
// into an alert with encoding/json (it must be accepted with its deciding
// fields intact), and pastes the text unescaped into a template (it may
// break the body, but never change the source, IDs, action, kind or
// routing). The seed corpus runs in every go test.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"", "Disk C: 92% full", `say "hi"`, `\`, `\"`, "line\nbreak", `x","action":"resolve`,
		`x","kind":"user_count","customer_ref":"x","user_count":5,"z":"`, `x","event_id":"guess`,
		`x","alert_id":"victim","device_id":"dev-1`, `x","customer_ref":"org-1`, `x"}`, `x"}{"action":"resolve"}`,
		`x","action":{"a":[`, "\x00\xff\xfe", `[[[[[[[[[[`, `x","":"`, `x",,"`, `\u0022,"action":"resolve","x":"`,
		`{"source":"saasalerts","event_id":"1","action":"raise","alert_type":"x"}`,
		`{"kind":"user_count","source":"s","customer_ref":"c","user_count":7}`, `{"user_count":1e400}`,
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, text string, resolve bool) {
		if d, err := decode([]byte(text)); err == nil {
			checkDecoded(t, d)
		}
		action := ActionRaise
		if resolve {
			action = ActionResolve
		}
		encoded, err := json.Marshal(Alert{Source: "saasalerts", EventID: "f-1", Action: action, AlertID: "a-1",
			CustomerRef: "org-42", AlertType: "Too Many Downloads", Title: text, Body: text, CustomerName: text, DeviceName: text, Severity: text})
		if err != nil {
			t.Fatal(err)
		}
		d, err := decode(encoded)
		if err != nil {
			t.Fatalf("an encoded alert was refused (its text would suppress it): %v", err)
		}
		checkDecisions(t, d, resolve)
		if d, err := decode(fmt.Appendf(nil, template, action, text, text)); err == nil {
			checkDecisions(t, d, resolve)
		}
	})
}

// checkDecoded checks what decode accepted.
func checkDecoded(t *testing.T, d decoded) {
	t.Helper()
	switch d.kind {
	case KindAlert:
		if err := d.alert.Validate(); err != nil {
			t.Fatalf("accepted an invalid alert: %v", err)
		}
		for _, id := range []string{d.alert.Source, d.alert.EventID, d.alert.AlertID, d.alert.Customer.ID, d.alert.Device.ID, d.alert.User} {
			if strings.ContainsFunc(id, unicode.IsControl) {
				t.Fatalf("accepted an ID with control characters: %q", id)
			}
		}
	case KindUserCount:
		if c := d.count; c.Source == "" || c.CustomerRef == "" || c.Users < 0 || c.Users > MaxUserCount {
			t.Fatalf("accepted a bad count: %+v", c)
		}
	default:
		t.Fatalf("kind %q", d.kind)
	}
}

// checkDecisions checks that text left the deciding fields as sent.
func checkDecisions(t *testing.T, d decoded, resolve bool) {
	t.Helper()
	want := alerting.Raise
	if resolve {
		want = alerting.Resolve
	}
	a := d.alert
	if d.kind != KindAlert || a.Source != "saasalerts" || a.EventID != "f-1" || a.AlertID != "a-1" || a.Kind != want ||
		a.Customer.ID != "org-42" || a.Device.ID != "" || a.Type != "Too Many Downloads" {
		t.Fatalf("text changed the decision: kind %q source %q event %q alert %q action %v customer %q device %q type %q",
			d.kind, a.Source, a.EventID, a.AlertID, a.Kind, a.Customer.ID, a.Device.ID, a.Type)
	}
}
