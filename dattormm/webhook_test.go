package dattormm

import (
	"bytes"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
)

const (
	secret = "s3cr3t-0123456789abcdef-0123456789"
	uid1   = "b8f3e2a1-7c4d-4e9b-a0f1-2d3c4b5a6978"
	uid2   = "0c9d8e7f-6a5b-4c3d-8e1f-0a9b8c7d6e5f"
)

// substitute fills a template's placeholders the way Datto does for a real
// alert.
func substitute(tmpl string) string {
	return strings.NewReplacer(
		"[alert_uid]", uid1,
		"[alert_type]", "Disk usage",
		"[alert_message_en]", "C: is 92% full",
		"[alert_priority]", "High",
		"[device_hostname]", "CONTOSO-LT042",
		"[site_name]", "Contoso - HQ",
		"[platform]", "merlot",
		"[timestamp]", "2026-11-25 10:00:00",
	).Replace(tmpl)
}

func TestWebhookTemplatesRoundTrip(t *testing.T) {
	t.Parallel()
	raised, resolved := WebhookTemplates(secret)
	if !strings.Contains(raised, `"alert_resolved":false`) || !strings.Contains(resolved, `"alert_resolved":true`) ||
		!strings.Contains(raised, `"state":"`+secret+`"`) || !strings.Contains(raised, `"alert_message":"[alert_message_en]"`) {
		t.Fatalf("templates:\n%s\n%s", raised, resolved)
	}
	v, err := NewWebhookVerifier(secret)
	if err != nil {
		t.Fatal(err)
	}
	a, err := v.Decode([]byte(substitute(raised)))
	if err != nil {
		t.Fatal(err)
	}
	want := WebhookAlert{AlertUID: "b8f3e2a1-7c4d-4e9b-a0f1-2d3c4b5a6978", AlertType: "Disk usage", AlertMessage: "C: is 92% full",
		AlertPriority: "High", DeviceHostname: "CONTOSO-LT042", SiteName: "Contoso - HQ", Platform: "merlot", Timestamp: "2026-11-25 10:00:00"}
	if !reflect.DeepEqual(*a, want) || a.EventID() != "datto:b8f3e2a1-7c4d-4e9b-a0f1-2d3c4b5a6978:raised" {
		t.Errorf("raised = %+v", a)
	}
	r, err := v.Read(strings.NewReader(substitute(resolved)))
	if err != nil || !r.Resolved || !strings.HasSuffix(r.EventID(), ":resolved") {
		t.Errorf("resolved = %+v, %v", r, err)
	}
}

func TestWebhookRejections(t *testing.T) {
	t.Parallel()
	v, _ := NewWebhookVerifier(secret)
	raised, _ := WebhookTemplates(secret)
	good := substitute(raised)
	wrong, _ := WebhookTemplates("another-secret-0123456789abcdef")
	for name, tc := range map[string]struct {
		body   string
		kind   error
		status int
	}{
		"wrong secret":     {substitute(wrong), ErrWebhookSecret, http.StatusUnauthorized},
		"missing state":    {`{"alert_uid":"x","alert_resolved":false}`, ErrWebhookSecret, http.StatusUnauthorized},
		"empty body":       {"  ", ErrWebhookEmpty, http.StatusBadRequest},
		"truncated JSON":   {good[:len(good)/3], ErrWebhookMalformed, http.StatusBadRequest},
		"not the template": {`{"hello":"world"}`, ErrWebhookMalformed, http.StatusBadRequest},
		"test button":      {raised, ErrWebhookTest, http.StatusBadRequest},
		"empty uid":        {strings.Replace(good, "b8f3e2a1-7c4d-4e9b-a0f1-2d3c4b5a6978", "", 1), ErrWebhookMalformed, http.StatusBadRequest},
		"bad resolved":     {strings.Replace(good, `"alert_resolved":false`, `"alert_resolved":"maybe"`, 1), ErrWebhookMalformed, http.StatusBadRequest},
	} {
		_, err := v.Decode([]byte(tc.body))
		if !errors.Is(err, tc.kind) || WebhookStatus(err) != tc.status {
			t.Errorf("%s: err = %v (status %d), want %v/%d", name, err, WebhookStatus(err), tc.kind, tc.status)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("%s: secret in error", name)
		}
	}
	_, err := v.Decode([]byte(raised))
	if err == nil || !strings.Contains(err.Error(), "Trigger a real alert") {
		t.Errorf("test payload message: %v", err)
	}
	big := bytes.Repeat([]byte("x"), 2<<20)
	if _, err := v.Read(bytes.NewReader(big)); !errors.Is(err, ErrWebhookTooLarge) || WebhookStatus(err) != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MiB body: %v", err)
	}
	if _, err := v.Decode(big); !errors.Is(err, ErrWebhookTooLarge) {
		t.Errorf("2 MiB body via Decode: %v", err)
	}
}

func TestWebhookLenientParsing(t *testing.T) {
	t.Parallel()
	old := "old-secret-0123456789abcdef"
	v, err := NewWebhookVerifier(secret, old) // rotation: both accepted
	if err != nil {
		t.Fatal(err)
	}
	// Datto does not escape values: a quote in the message breaks the JSON.
	body := `{"alert_uid":"` + uid1 + `","alert_resolved":"true","state":"` + old + `","alert_message":"disk "C:" full","site_name":"[site_name]"}`
	a, err := v.Decode([]byte(body))
	if err != nil || a.AlertUID != uid1 || !a.Resolved || !a.Partial || a.AlertMessage != "" {
		t.Errorf("tolerant decode = %+v, %v", a, err)
	}
	a, err = v.Decode([]byte(`{"alert_uid":"` + uid2 + `","alert_resolved":"false","state":"` + secret + `","site_name":"[site_name]","device_hostname":""}`))
	if err != nil || a.Resolved || a.SiteName != "" || a.Partial {
		t.Errorf("placeholders as empty = %+v, %v", a, err)
	}
	if _, err := NewWebhookVerifier("short"); err == nil {
		t.Error("short secret accepted")
	}
	if _, err := NewWebhookVerifier(); err == nil {
		t.Error("no secret accepted")
	}
}

func TestParseAlertSubject(t *testing.T) {
	t.Parallel()
	for subject, want := range map[string]string{
		"Alert on device: 10.0.0.4, reason Disk full - Alert{b8f3e2a1-7c4d}": "b8f3e2a1-7c4d",
		"Alert{abc}":                "abc",
		"RE: Alert{abc} (reopened)": "abc",
		"Alert{[alertuid]}":         "",
		"Alert{}":                   "",
		"no uid here":               "",
		"Alert{with space}":         "",
	} {
		got, ok := ParseAlertSubject(subject)
		if got != want || ok != (want != "") {
			t.Errorf("ParseAlertSubject(%q) = %q, %v; want %q", subject, got, ok, want)
		}
	}
}

// The templates carry [device_uid] and [site_uid] right after the three
// decisive keys and before any free text; Decode returns them when they
// are UUIDs, and drops (and names) them when they are not, or when they
// come after free text that could have supplied them.
func TestWebhookRoutingKeys(t *testing.T) {
	t.Parallel()
	const dev, site = "00000002-0000-4000-8000-000000000007", "00000001-0000-4000-8000-000000000001"
	raised, _ := WebhookTemplates(secret)
	if i, j, k := strings.Index(raised, `"state"`), strings.Index(raised, `"device_uid":"[device_uid]"`), strings.Index(raised, `"alert_type"`); i < 0 || j < i || k < j ||
		!strings.Contains(raised, `"device_uid":"[device_uid]","site_uid":"[site_uid]","alert_type"`) {
		t.Fatalf("template does not put device_uid and site_uid after state and before the free text:\n%s", raised)
	}
	v, err := NewWebhookVerifier(secret)
	if err != nil {
		t.Fatal(err)
	}
	full := strings.NewReplacer("[device_uid]", strings.ToUpper(dev), "[site_uid]", site).Replace(substitute(raised))
	a, err := v.Decode([]byte(full))
	if err != nil || a.DeviceUID != dev || a.SiteUID != site || a.Reordered || len(a.Ignored) != 0 {
		t.Fatalf("decoded %+v, %v; want device %s site %s", a, err, dev, site)
	}
	// Datto leaves them literal (or empty) for alerts without a device.
	if a, err := v.Decode([]byte(substitute(raised))); err != nil || a.DeviceUID != "" || a.SiteUID != "" || len(a.Ignored) != 0 {
		t.Errorf("literal placeholders: %+v, %v; want empty and nothing ignored", a, err)
	}
	bad := strings.NewReplacer("[device_uid]", "12345", "[site_uid]", "../etc").Replace(substitute(raised))
	if a, err := v.Decode([]byte(bad)); err != nil || a.DeviceUID != "" || a.SiteUID != "" || !slices.Equal(a.Ignored, []string{"device_uid", "site_uid"}) {
		t.Errorf("non-UUID values: %+v, %v; want both dropped and named", a, err)
	}
	// Alert text that poses as device_uid before the real one, in an
	// edited template with the routing keys after the free text: not
	// obeyed.
	spoof := `{"alert_uid":"` + uid1 + `","alert_resolved":false,"state":"` + secret + `","alert_message":"x","device_uid":"` + dev + `","site_uid":""}`
	if a, err := v.Decode([]byte(spoof)); err != nil || a.DeviceUID != "" || !a.Reordered || !slices.Equal(a.Ignored, []string{"device_uid"}) {
		t.Errorf("device_uid after free text: %+v, %v; want it dropped, named and the body reordered", a, err)
	}
}
