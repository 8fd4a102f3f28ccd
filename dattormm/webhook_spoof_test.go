package dattormm

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// fillWith substitutes a template the way Datto does, without escaping:
// msg goes into the message and host into the device and site names.
func fillWith(tmpl, uid, typ, msg, host string) string {
	return strings.NewReplacer("[alert_uid]", uid, "[alert_type]", typ, "[alert_message_en]", msg,
		"[alert_priority]", "High", "[device_hostname]", host, "[site_name]", host, "[platform]", "merlot",
		"[timestamp]", "2026-11-25 10:00:00").Replace(tmpl)
}

// TestWebhookSpoofs checks that alert text cannot change what a webhook
// does: with encoding/json's last-key-wins, each of these messages turned
// a raise into a resolve, moved it to another alert, or changed the state
// that was checked.
func TestWebhookSpoofs(t *testing.T) {
	t.Parallel()
	v, _ := NewWebhookVerifier(secret)
	raised, resolved := WebhookTemplates(secret)
	for _, tc := range []struct {
		name, tmpl, typ, msg, host string
		resolved, partial          bool
		dups                       []string
	}{
		{name: "resolved in message", tmpl: raised, msg: `x","alert_resolved":"true`, dups: []string{"alert_resolved"}},
		{name: "resolved bool in message", tmpl: raised, msg: `x","alert_resolved":true,"y":"`, dups: []string{"alert_resolved"}},
		{name: "unresolve in message", tmpl: resolved, msg: `x","alert_resolved":false,"y":"`, resolved: true, dups: []string{"alert_resolved"}},
		{name: "other uid in message", tmpl: raised, msg: `x","alert_uid":"` + uid2, dups: []string{"alert_uid"}},
		{name: "other uid in hostname", tmpl: raised, host: `h","alert_uid":"` + uid2 + `","z":"`, dups: []string{"alert_uid", "z"}},
		{name: "uid and resolved in type", tmpl: raised, typ: `t","alert_uid":"` + uid2 + `","alert_resolved":true,"q":"`, dups: []string{"alert_uid", "alert_resolved"}},
		{name: "state in message", tmpl: raised, msg: `x","state":"guess`, dups: []string{"state"}},
		{name: "unescaped quote then resolved", tmpl: raised, msg: `say "hi","alert_resolved":true,"x":"`, partial: true},
		{name: "object closed early", tmpl: raised, msg: `x"},{"alert_resolved":true,"alert_uid":"` + uid2, partial: true},
		{name: "nested object", tmpl: raised, msg: `x","alert_resolved":{"a":[1,{"b":2}]},"y":"`, dups: []string{"alert_resolved"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := v.Decode([]byte(fillWith(tc.tmpl, uid1, tc.typ, tc.msg, tc.host)))
			if err != nil {
				t.Fatalf("refused: %v (refusing would let alert text suppress the alert)", err)
			}
			if a.AlertUID != uid1 || a.Resolved != tc.resolved {
				t.Errorf("decided uid %s resolved %v; want %s %v", a.AlertUID, a.Resolved, uid1, tc.resolved)
			}
			if a.Partial != tc.partial || !slices.Equal(a.Duplicates, tc.dups) || a.Reordered {
				t.Errorf("partial %v dups %v reordered %v; want %v %v false", a.Partial, a.Duplicates, a.Reordered, tc.partial, tc.dups)
			}
		})
	}
}

func TestWebhookAlertUIDValidation(t *testing.T) {
	t.Parallel()
	v, _ := NewWebhookVerifier(secret)
	raised, _ := WebhookTemplates(secret)
	good := fillWith(raised, uid1, "t", "m", "h")
	for name, uid := range map[string]string{
		"number":             `12345`,
		"null":               `null`,
		"object":             `{"id":"` + uid1 + `"}`,
		"array":              `["` + uid1 + `"]`,
		"dot dot":            `"../../v2/account"`,
		"slash":              `"` + uid1 + `/resolve"`,
		"escaped slash":      `"` + uid1 + `\/x"`,
		"other placeholder":  `"[alert_id]"`,
		"query":              `"` + uid1 + `?x=1"`,
		"uuid with spaces":   `"` + uid1[:8] + ` ` + uid1[9:] + `"`,
		"too long":           `"` + uid1 + `0"`,
		"not hex":            `"g8f3e2a1-7c4d-4e9b-a0f1-2d3c4b5a6978"`,
		"percent escape":     `"%2e%2e%2f"`,
		"unicode look-alike": `"b8f3e2a1‐7c4d-4e9b-a0f1-2d3c4b5a6978"`,
	} {
		body := strings.Replace(good, `"`+uid1+`"`, uid, 1)
		_, err := v.Decode([]byte(body))
		if !errors.Is(err, ErrWebhookMalformed) || WebhookStatus(err) != http.StatusBadRequest || !strings.Contains(err.Error(), "alert_uid") {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Upper-case UUIDs are UUIDs.
	if a, err := v.Decode([]byte(strings.Replace(good, uid1, strings.ToUpper(uid1), 1))); err != nil || a.AlertUID != strings.ToUpper(uid1) {
		t.Errorf("upper case: %+v %v", a, err)
	}
	// The placeholder of the test button keeps its own message.
	if _, err := v.Decode([]byte(raised)); !errors.Is(err, ErrWebhookTest) {
		t.Errorf("test button: %v", err)
	}
}

func TestWebhookFirstKeyWins(t *testing.T) {
	t.Parallel()
	v, _ := NewWebhookVerifier(secret)
	// A first state that is wrong is not rescued by a right one later.
	body := `{"alert_uid":"` + uid1 + `","alert_resolved":false,"state":"wrong-secret-0123456789abcdef","alert_message":"x","state":"` + secret + `"}`
	if _, err := v.Decode([]byte(body)); !errors.Is(err, ErrWebhookSecret) {
		t.Errorf("later state obeyed: %v", err)
	}
	// An edited template with free text before the decisive keys is
	// accepted but flagged.
	body = `{"alert_message":"x","alert_uid":"` + uid1 + `","alert_resolved":false,"state":"` + secret + `"}`
	if a, err := v.Decode([]byte(body)); err != nil || !a.Reordered {
		t.Errorf("reordered: %+v %v", a, err)
	}
	// A value cut off by a syntax error is dropped, not half used.
	body = `{"alert_uid":"` + uid1 + `","alert_resolved":false,"state":"` + secret + `","alert_type":"disk "C:"","site_name":"Contoso"}`
	if a, err := v.Decode([]byte(body)); err != nil || !a.Partial || a.AlertType != "" || a.SiteName != "" {
		t.Errorf("cut value: %+v %v", a, err)
	}
	// Trailing data after the object marks the body partial.
	body = `{"alert_uid":"` + uid1 + `","alert_resolved":true,"state":"` + secret + `"} trailing`
	if a, err := v.Decode([]byte(body)); err != nil || !a.Partial || !a.Resolved {
		t.Errorf("trailing: %+v %v", a, err)
	}
}

// FuzzWebhookDecode fills the SDK's templates with arbitrary alert text
// (Datto does not escape it) and checks that the text never changes the
// alert UID, raise or resolve, or the secret check; it also decodes the
// text itself as a body, which must not panic. The seed corpus runs in
// every go test.
func FuzzWebhookDecode(f *testing.F) {
	for _, s := range []string{
		"", "Disk C: 92% full", `say "hi"`, `\`, `\"`, "line\nbreak", `x","alert_resolved":"true`,
		`x","alert_resolved":true,"y":"`, `x","alert_uid":"` + uid2, `x","state":"guess`, `x"}`, `x"}{"alert_resolved":true}`,
		`x","alert_resolved":{"a":[`, `x","alert_uid":["`, "\x00\xff\xfe", `x","alert_resolved":true}`, `{"alert_uid":"` + uid1 + `"}`,
		`[[[[[[[[[[`, `x","":"`, `x",,"`, `\u0022,"alert_resolved":true,"x":"`,
	} {
		f.Add(s, "Disk usage", false)
		f.Add(s, s, true)
	}
	v, _ := NewWebhookVerifier(secret)
	raised, resolved := WebhookTemplates(secret)
	f.Fuzz(func(t *testing.T, msg, typ string, res bool) {
		_, _ = v.Decode([]byte(msg))
		tmpl := raised
		if res {
			tmpl = resolved
		}
		a, err := v.Decode([]byte(fillWith(tmpl, uid1, typ, msg, msg)))
		if err != nil {
			t.Fatalf("refused (alert text would suppress the alert): %v", err)
		}
		if a.AlertUID != uid1 || a.Resolved != res {
			t.Fatalf("alert text changed the decision: uid %s resolved %v", a.AlertUID, a.Resolved)
		}
	})
}
