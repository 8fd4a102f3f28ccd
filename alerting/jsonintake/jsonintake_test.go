package jsonintake_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/jsonintake"
)

// counter is a UserCounter that keeps what it is given.
type counter struct {
	mu     sync.Mutex
	counts []jsonintake.UserCount
	err    error
}

func (c *counter) SetUserCount(_ context.Context, u jsonintake.UserCount) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.err
	}
	c.counts = append(c.counts, u)
	return nil
}

func (c *counter) got() []jsonintake.UserCount {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.counts)
}

// newHandler returns a handler taking signatures, header and URL tokens,
// user counts, for the sources saasalerts and scripts.
func newHandler(t *testing.T, opts ...jsonintake.Option) (*jsonintake.Handler, *alertingtest.Recorder, *counter) {
	t.Helper()
	rec, c := &alertingtest.Recorder{}, &counter{}
	all := append([]jsonintake.Option{
		jsonintake.WithSources("saasalerts", "scripts"), jsonintake.WithSigningSecrets(secret),
		jsonintake.WithHeaderToken(token), jsonintake.WithURLToken(token + "-url"),
		jsonintake.WithUserCounter(c), jsonintake.WithAccount("eu"),
	}, opts...)
	h, err := jsonintake.NewHandler(rec, all...)
	if err != nil {
		t.Fatal(err)
	}
	return h, rec, c
}

type answer struct {
	code int
	body string
}

func post(h http.Handler, target string, body []byte, header ...string) answer {
	r := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return answer{w.Code, w.Body.String()}
}

func postSigned(h http.Handler, body []byte) answer {
	return post(h, "/alerts", body, jsonintake.SignatureHeader, jsonintake.Sign(secret, body))
}

func TestSignature(t *testing.T) {
	t.Parallel()
	other := "a-different-secret-0123456789abcd"
	altered := bytes.Replace(raiseBody, []byte("Too Many Downloads"), []byte("Too Many Uploads!!"), 1)
	for _, c := range []struct {
		name   string
		body   []byte
		header []string
		code   int
		reason alerting.Reason
		msg    string
	}{
		{"good", raiseBody, []string{jsonintake.SignatureHeader, jsonintake.Sign(secret, raiseBody)}, 200, "", `{"ok":true}`},
		{"upper-case hex", raiseBody, []string{jsonintake.SignatureHeader, "sha256=" + strings.ToUpper(strings.TrimPrefix(jsonintake.Sign(secret, raiseBody), "sha256="))}, 200, "", `{"ok":true}`},
		{"wrong secret", raiseBody, []string{jsonintake.SignatureHeader, jsonintake.Sign(other, raiseBody)}, 401, alerting.ReasonBadSignature, "does not match"},
		{"altered body", altered, []string{jsonintake.SignatureHeader, jsonintake.Sign(secret, raiseBody)}, 401, alerting.ReasonBadSignature, "does not match"},
		{"no prefix", raiseBody, []string{jsonintake.SignatureHeader, strings.TrimPrefix(jsonintake.Sign(secret, raiseBody), "sha256=")}, 401, alerting.ReasonBadSignature, "sha256="},
		{"missing header", raiseBody, nil, 401, alerting.ReasonBadSignature, "not authenticated: send a X-Mspsync-Signature header or"},
		{"empty body signed", []byte{}, []string{jsonintake.SignatureHeader, jsonintake.Sign(secret, nil)}, 400, alerting.ReasonMalformedPayload, "empty body"},
		{"empty body, raise's signature", []byte{}, []string{jsonintake.SignatureHeader, jsonintake.Sign(secret, raiseBody)}, 401, alerting.ReasonBadSignature, "does not match"},
		// A wrong signature decides even beside a good token.
		{"bad signature, good token", raiseBody, []string{jsonintake.SignatureHeader, jsonintake.Sign(other, raiseBody), jsonintake.TokenHeader, token}, 401, alerting.ReasonBadSignature, "X-Mspsync-Signature"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h, rec, _ := newHandler(t)
			got := post(h, "/alerts", c.body, c.header...)
			if got.code != c.code || !strings.Contains(got.body, c.msg) {
				t.Errorf("answer %d %s; want %d containing %q", got.code, got.body, c.code, c.msg)
			}
			if strings.Contains(got.body, secret) || strings.Contains(got.body, other) || strings.Contains(got.body, token) {
				t.Errorf("the answer shows a secret: %s", got.body)
			}
			wantAccepted := 0
			if c.code == 200 {
				wantAccepted = 1
			}
			if n := len(rec.Accepted()); n != wantAccepted {
				t.Errorf("accepted %d alerts; want %d", n, wantAccepted)
			}
			var wantRejected []alerting.Reason
			if c.reason != "" {
				wantRejected = []alerting.Reason{c.reason}
			}
			if r := rec.Rejected(); !slices.Equal(r, wantRejected) {
				t.Errorf("rejections %v; want %v", r, wantRejected)
			}
		})
	}
}

func TestOversizeBody(t *testing.T) {
	t.Parallel()
	h, rec, _ := newHandler(t, jsonintake.WithMaxBody(int64(len(raiseBody))))
	if got := postSigned(h, raiseBody); got.code != 200 {
		t.Fatalf("a body of exactly the cap: %d %s", got.code, got.body)
	}
	big := append(bytes.TrimSuffix(slices.Clone(raiseBody), []byte("}")), []byte(`,"x":1}`)...)
	// Signed correctly, and still refused before the signature is checked.
	if got := postSigned(h, big); got.code != http.StatusRequestEntityTooLarge || !strings.Contains(got.body, fmt.Sprintf("larger than %d bytes", len(raiseBody))) {
		t.Errorf("a body over the cap: %d %s; want 413", got.code, got.body)
	}
	// Without a Content-Length the cap holds while reading.
	r := httptest.NewRequest(http.MethodPost, "/alerts", struct{ *bytes.Reader }{bytes.NewReader(big)})
	r.ContentLength = -1
	r.Header.Set(jsonintake.SignatureHeader, jsonintake.Sign(secret, big))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("a streamed body over the cap: %d; want 413", w.Code)
	}
	if n, r := len(rec.Accepted()), rec.Rejected(); n != 1 || !slices.Equal(r, []alerting.Reason{alerting.ReasonMalformedPayload, alerting.ReasonMalformedPayload}) {
		t.Errorf("accepted %d, rejections %v; want 1 and two malformed", n, r)
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		target string
		header []string
		code   int
	}{
		{"header token", "/alerts", []string{jsonintake.TokenHeader, token}, 200},
		{"bearer token", "/alerts", []string{"Authorization", "Bearer " + token}, 200},
		{"bearer, lower-case scheme", "/alerts", []string{"Authorization", "bearer " + token}, 200},
		{"URL token", "/alerts?token=" + token + "-url", nil, 200},
		{"wrong header token", "/alerts", []string{jsonintake.TokenHeader, token + "x"}, 401},
		{"wrong bearer", "/alerts", []string{"Authorization", "Bearer " + strings.ToUpper(token)}, 401},
		{"basic is not a token", "/alerts", []string{"Authorization", "Basic " + token}, 401},
		{"header token in the URL", "/alerts?token=" + token, nil, 401},
		{"URL token in the header", "/alerts", []string{jsonintake.TokenHeader, token + "-url"}, 401},
		{"wrong URL token", "/alerts?token=guess-guess-guess-guess", nil, 401},
		{"empty URL token", "/alerts?token=", nil, 401},
		// A wrong header token is not rescued by a good URL token.
		{"wrong header, good URL", "/alerts?token=" + token + "-url", []string{jsonintake.TokenHeader, "nope-nope-nope-nope"}, 401},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h, rec, _ := newHandler(t)
			got := post(h, c.target, raiseBody, c.header...)
			if got.code != c.code {
				t.Fatalf("answer %d %s; want %d", got.code, got.body, c.code)
			}
			if strings.Contains(got.body, token) {
				t.Errorf("the answer shows the token: %s", got.body)
			}
			if c.code == 200 {
				if a := rec.Accepted(); len(a) != 1 || a[0].EventID != "evt-1" {
					t.Errorf("accepted %+v; want evt-1", a)
				}
			} else if n, r := len(rec.Accepted()), rec.Rejected(); n != 0 || !slices.Equal(r, []alerting.Reason{alerting.ReasonBadSignature}) {
				t.Errorf("accepted %d, rejections %v; want none and one bad_signature", n, r)
			}
		})
	}
}

func TestOnlyConfiguredAuthCounts(t *testing.T) {
	t.Parallel()
	rec := &alertingtest.Recorder{}
	h, err := jsonintake.NewHandler(rec, jsonintake.WithSources("scripts"), jsonintake.WithHeaderToken(token))
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"source":"scripts","event_id":"1","action":"raise","alert_type":"x"}`)
	// No signing secret is configured: a signature header proves nothing,
	// and a URL token is not accepted either.
	for _, target := range []string{"/alerts", "/alerts?token=" + token} {
		got := post(h, target, body, jsonintake.SignatureHeader, jsonintake.Sign(secret, body))
		if got.code != 401 || !strings.Contains(got.body, "send a X-Mspsync-Token or Authorization: Bearer header") {
			t.Errorf("%s: %d %s; want 401 naming the token header", target, got.code, got.body)
		}
	}
	if got := post(h, "/alerts", body, jsonintake.SignatureHeader, "sha256=00", jsonintake.TokenHeader, token); got.code != 200 {
		t.Errorf("a token with an unused signature header: %d %s", got.code, got.body)
	}
	if n := len(rec.Accepted()); n != 1 {
		t.Errorf("accepted %d; want 1", n)
	}
}

func TestAlertFields(t *testing.T) {
	t.Parallel()
	h, rec, _ := newHandler(t)
	body := []byte(`{"kind":"alert","source":"scripts","event_id":12345,"action":"Raise","alert_type":"Backup failed",
		"user_email":"Bob@Contoso.example","customer_ref":42,"customer_name":" Contoso ","severity":"warning",
		"title":"  Nightly backup failed ","body":"  exit code 3\n","time":"2025-05-01T09:30:00+02:00",
		"device_id":"dev-9","device_name":"srv-01","extra":{"nested":[1,2]},"user_count":null}`)
	if got := postSigned(h, body); got.code != 200 {
		t.Fatalf("answer %d %s", got.code, got.body)
	}
	a := rec.Accepted()[0]
	want := alerting.Alert{
		Source: "scripts", Account: "eu", EventID: "12345", Kind: alerting.Raise, Type: "Backup failed",
		User: "Bob@Contoso.example", Customer: alerting.CustomerRef{ID: "42", Name: "Contoso"},
		Device: alerting.Device{ID: "dev-9", Hostname: "srv-01"}, Severity: alerting.SeverityMedium,
		Title: "Nightly backup failed", Body: "  exit code 3\n", Raw: body,
	}
	gotTime := a.Time
	a.Time = time.Time{}
	if fmt.Sprintf("%+v", a) != fmt.Sprintf("%+v", want) {
		t.Errorf("alert\n %+v\nwant\n %+v", a, want)
	}
	if !gotTime.Equal(time.Date(2025, 5, 1, 7, 30, 0, 0, time.UTC)) {
		t.Errorf("time %v", gotTime)
	}
	if a.ID() != "12345" {
		t.Errorf("ID() = %q; want the event ID when alert_id is missing", a.ID())
	}
}

func TestAlertDefaults(t *testing.T) {
	t.Parallel()
	h, rec, _ := newHandler(t)
	body := []byte(`{"source":"saasalerts","event_id":"e1","action":"raise","alert_type":"Too Many Downloads","user_email":"ann@contoso.example","customer_name":"Contoso","severity":"purple"}`)
	if got := postSigned(h, body); got.code != 200 {
		t.Fatalf("answer %d %s", got.code, got.body)
	}
	a := rec.Accepted()[0]
	if a.Title != "Too Many Downloads: ann@contoso.example" {
		t.Errorf("title %q", a.Title)
	}
	wantBody := "Alert type: Too Many Downloads\nUser: ann@contoso.example\nCustomer: Contoso\nSource: saasalerts\nEvent: e1"
	if a.Body != wantBody {
		t.Errorf("body %q; want %q", a.Body, wantBody)
	}
	if a.Severity != alerting.SeverityUnknown || !a.Time.IsZero() {
		t.Errorf("an unknown severity and no time gave %q, %v; want unknown and zero", a.Severity, a.Time)
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	h, rec, _ := newHandler(t)
	for _, b := range []string{
		`{"source":"saasalerts","event_id":"r-1","action":"raise","alert_type":"Impossible travel"}`,
		`{"source":"saasalerts","event_id":"r-1","action":"resolve"}`,
		`{"source":"saasalerts","event_id":"r-1","action":"RESOLVE"}`,
	} {
		if got := postSigned(h, []byte(b)); got.code != 200 {
			t.Fatalf("%s: %d %s", b, got.code, got.body)
		}
	}
	got := rec.Accepted()
	if len(got) != 3 {
		t.Fatalf("accepted %d", len(got))
	}
	raise, resolve := got[0], got[1]
	if resolve.Kind != alerting.Resolve || resolve.ID() != raise.ID() || resolve.Key() != raise.Key() || resolve.EventKey() == raise.EventKey() {
		t.Errorf("resolve %+v does not resolve raise %+v (keys %s, %s)", resolve, raise, resolve.EventKey(), raise.EventKey())
	}
	if got[2].EventKey() != resolve.EventKey() {
		t.Errorf("a redelivered resolve has key %s; the first %s", got[2].EventKey(), resolve.EventKey())
	}
}

func TestRefusesBadBodies(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, body, msg string
		code            int
	}{
		{"not JSON", `source=saasalerts&event_id=1`, "not valid JSON", 400},
		{"truncated", `{"source":"saasalerts","event_id":"1","action":"raise"`, "not valid JSON", 400},
		{"array", `[{"source":"saasalerts"}]`, "not a JSON object", 400},
		{"string", `"raise"`, "not a JSON object", 400},
		{"two objects", `{"source":"saasalerts"} {"source":"saasalerts"}`, "not valid JSON", 400},
		{"whitespace", " \n\t ", "empty body", 400},
		{"empty object", `{}`, "missing required field(s): source, event_id, action", 400},
		{"no alert type on a raise", `{"source":"saasalerts","event_id":"1","action":"raise"}`, "missing required field(s): alert_type", 400},
		{"empty strings", `{"source":"","event_id":" ","action":"raise","alert_type":"x"}`, "missing required field(s): source, event_id", 400},
		{"null event_id", `{"source":"saasalerts","event_id":null,"action":"raise","alert_type":"x"}`, "missing required field(s): event_id", 400},
		{"unknown action", `{"source":"saasalerts","event_id":"1","action":"close"}`, `action "close": want "raise" or "resolve"`, 400},
		{"unknown kind", `{"kind":"ticket","source":"saasalerts","event_id":"1","action":"raise"}`, `kind "ticket"`, 400},
		{"object id", `{"source":"saasalerts","event_id":{"id":1},"action":"raise","alert_type":"x"}`, "event_id must be a string or an integer, not an object or array", 400},
		{"fractional id", `{"source":"saasalerts","event_id":1.5,"action":"raise","alert_type":"x"}`, "event_id must be a non-negative integer", 400},
		{"negative id", `{"source":"saasalerts","event_id":-1,"action":"raise","alert_type":"x"}`, "event_id must be a non-negative integer", 400},
		{"number title", `{"source":"saasalerts","event_id":"1","action":"raise","alert_type":"x","title":7}`, "title must be a string, not a number", 400},
		{"bool action", `{"source":"saasalerts","event_id":"1","action":true}`, "action must be a string", 400},
		{"array user", `{"source":"saasalerts","event_id":"1","action":"raise","alert_type":"x","user_email":["a@b.c"]}`, "user_email must be a string", 400},
		{"bad email", `{"source":"saasalerts","event_id":"1","action":"raise","alert_type":"x","user_email":"ann contoso"}`, `user_email "ann contoso" is not an e-mail address`, 400},
		{"two addresses", `{"source":"saasalerts","event_id":"1","action":"raise","alert_type":"x","user_email":"a@b.c, d@e.f"}`, "is not an e-mail address", 400},
		{"bad time", `{"source":"saasalerts","event_id":"1","action":"raise","alert_type":"x","time":"yesterday"}`, `time "yesterday" is not RFC 3339`, 400},
		{"newline in id", `{"source":"saasalerts","event_id":"1\nmspsync-ref: x","action":"raise","alert_type":"x"}`, "event_id contains control characters", 400},
		{"long id", `{"source":"saasalerts","event_id":"` + strings.Repeat("a", 600) + `","action":"raise","alert_type":"x"}`, "event_id is longer than 512 bytes", 400},
		{"bad source characters", `{"source":"saas alerts","event_id":"1","action":"raise","alert_type":"x"}`, "use letters, digits", 400},
		{"source not configured", `{"source":"datto","event_id":"1","action":"resolve"}`, `source "datto" is not one this intake accepts`, 403},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h, rec, cnt := newHandler(t)
			got := postSigned(h, []byte(c.body))
			if got.code != c.code || !strings.Contains(got.body, jsonQuote(c.msg)) {
				t.Errorf("answer %d %s; want %d containing %q", got.code, got.body, c.code, c.msg)
			}
			if n, r := len(rec.Accepted()), rec.Rejected(); n != 0 || !slices.Equal(r, []alerting.Reason{alerting.ReasonMalformedPayload}) {
				t.Errorf("accepted %d, rejections %v; want none and one malformed_payload", n, r)
			}
			if n := len(cnt.got()); n != 0 {
				t.Errorf("%d user counts taken", n)
			}
		})
	}
}

// jsonQuote escapes msg as it appears inside the JSON answer.
func jsonQuote(msg string) string { return strings.ReplaceAll(msg, `"`, `\"`) }

func TestDuplicateKeysFirstWins(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, body, event, user string }{
		{"action repeated", `{"source":"saasalerts","event_id":"d-1","action":"raise","alert_type":"x","action":"resolve"}`, "d-1", ""},
		{"source and id repeated", `{"source":"saasalerts","event_id":"d-2","action":"raise","alert_type":"x","source":"datto","event_id":"other"}`, "d-2", ""},
		{"repeat of a nested value", `{"source":"saasalerts","event_id":"d-3","action":"raise","alert_type":"x","user_email":"a@b.c","user_email":{"x":1}}`, "d-3", "a@b.c"},
		{"null first", `{"source":"saasalerts","event_id":"d-4","action":"raise","alert_type":"x","user_email":null,"user_email":"a@b.c"}`, "d-4", ""},
		// Text that imitates keys is only text.
		{"keys in text", `{"source":"saasalerts","event_id":"d-5","action":"raise","alert_type":"x","body":"\",\"action\":\"resolve\",\"event_id\":\"y"}`, "d-5", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h, rec, _ := newHandler(t)
			if got := postSigned(h, []byte(c.body)); got.code != 200 {
				t.Fatalf("answer %d %s; want 200 (a repeat is ignored, not refused)", got.code, got.body)
			}
			a := rec.Accepted()[0]
			if a.Source != "saasalerts" || a.EventID != c.event || a.Kind != alerting.Raise || a.User != c.user {
				t.Errorf("alert source %q event %q kind %v user %q; want the first occurrences: saasalerts %s raise %q", a.Source, a.EventID, a.Kind, a.User, c.event, c.user)
			}
		})
	}
}

func TestUserCount(t *testing.T) {
	t.Parallel()
	h, rec, cnt := newHandler(t)
	body := []byte(`{"kind":"user_count","source":"saasalerts","customer_ref":"org-42","customer_name":"Contoso","user_count":57,"time":"2025-05-01T00:00:00Z"}`)
	if got := postSigned(h, body); got.code != 200 || got.body != `{"ok":true}` {
		t.Fatalf("answer %d %s", got.code, got.body)
	}
	if got := post(h, "/alerts?token="+token+"-url", []byte(`{"kind":"user_count","source":"scripts","customer_ref":7,"user_count":0}`)); got.code != 200 {
		t.Fatalf("URL token, zero users: %d %s", got.code, got.body)
	}
	want := []jsonintake.UserCount{
		{Source: "saasalerts", CustomerRef: "org-42", CustomerName: "Contoso", Users: 57, Time: time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC), Account: "eu"},
		{Source: "scripts", CustomerRef: "7", Users: 0, Account: "eu"},
	}
	if got := cnt.got(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("counts %+v; want %+v", got, want)
	}
	if n, r := len(rec.Accepted()), rec.Rejected(); n != 0 || len(r) != 0 {
		t.Errorf("a user count reached the engine: %d alerts, %v rejections", n, r)
	}
}

func TestUserCountRefusals(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, body, msg string }{
		{"no count", `{"kind":"user_count","source":"saasalerts","customer_ref":"org-42"}`, "missing required field(s) of a user count: user_count"},
		{"no customer", `{"kind":"user_count","source":"saasalerts","user_count":3}`, "missing required field(s) of a user count: customer_ref"},
		{"string count", `{"kind":"user_count","source":"saasalerts","customer_ref":"o","user_count":"3"}`, "user_count must be an integer, not a string"},
		{"negative", `{"kind":"user_count","source":"saasalerts","customer_ref":"o","user_count":-3}`, "user_count must be a non-negative integer"},
		{"fraction", `{"kind":"user_count","source":"saasalerts","customer_ref":"o","user_count":2.5}`, "user_count must be a non-negative integer"},
		{"too many", `{"kind":"user_count","source":"saasalerts","customer_ref":"o","user_count":10000001}`, "user_count must be an integer from 0 to 10000000"},
		{"huge", `{"kind":"user_count","source":"saasalerts","customer_ref":"o","user_count":99999999999999999999999}`, "user_count must be an integer from 0 to 10000000"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h, rec, cnt := newHandler(t)
			got := postSigned(h, []byte(c.body))
			if got.code != 400 || !strings.Contains(got.body, jsonQuote(c.msg)) {
				t.Errorf("answer %d %s; want 400 containing %q", got.code, got.body, c.msg)
			}
			if n := len(cnt.got()); n != 0 || !slices.Equal(rec.Rejected(), []alerting.Reason{alerting.ReasonMalformedPayload}) {
				t.Errorf("%d counts taken, rejections %v", n, rec.Rejected())
			}
		})
	}
	t.Run("unauthenticated", func(t *testing.T) {
		t.Parallel()
		h, _, cnt := newHandler(t)
		body := []byte(`{"kind":"user_count","source":"saasalerts","customer_ref":"o","user_count":3}`)
		if got := post(h, "/alerts", body, jsonintake.SignatureHeader, jsonintake.Sign("wrong-secret-wrong-secret-wrong!", body)); got.code != 401 || len(cnt.got()) != 0 {
			t.Errorf("answer %d, %d counts taken; want 401 and none", got.code, len(cnt.got()))
		}
	})
}

func TestUserCounterAnswers(t *testing.T) {
	t.Parallel()
	body := []byte(`{"kind":"user_count","source":"saasalerts","customer_ref":"org-42","user_count":5}`)
	for _, c := range []struct {
		name string
		err  error
		code int
	}{
		{"unknown customer", fmt.Errorf("%w: customer org-42", alerting.ErrNotFound), 422},
		{"permanent", alerting.Permanent(errors.New("no per-user contract")), 422},
		{"rejected", &alerting.RejectedError{Reason: alerting.ReasonUnmappedCustomer}, 422},
		{"PSA down", errors.New("connection refused"), 503},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h, _, cnt := newHandler(t)
			cnt.err = c.err
			if got := postSigned(h, body); got.code != c.code {
				t.Errorf("answer %d %s; want %d", got.code, got.body, c.code)
			}
		})
	}
	t.Run("no counter", func(t *testing.T) {
		t.Parallel()
		rec := &alertingtest.Recorder{}
		h, _ := jsonintake.NewHandler(rec, jsonintake.WithSources("saasalerts"), jsonintake.WithSigningSecrets(secret))
		if got := postSigned(h, body); got.code != 422 || !strings.Contains(got.body, "takes no user counts") {
			t.Errorf("answer %d %s; want 422", got.code, got.body)
		}
	})
}

func TestEngineAnswers(t *testing.T) {
	t.Parallel()
	h, rec, _ := newHandler(t)
	rec.FailNext(errors.New("store down"))
	if got := postSigned(h, raiseBody); got.code != 503 || strings.Contains(got.body, "store down") {
		t.Errorf("store failure: %d %s; want 503 without the cause", got.code, got.body)
	}
	rec.FailNext(&alerting.RejectedError{Reason: alerting.ReasonUnmappedCustomer, EventKey: "saasalerts/raise/evt-1", Customer: alerting.CustomerRef{ID: "org-42"}})
	if got := postSigned(h, raiseBody); got.code != 422 || !strings.Contains(got.body, "unmapped_customer") {
		t.Errorf("rejected: %d %s; want 422 with the reason", got.code, got.body)
	}
	r := httptest.NewRequest(http.MethodPut, "/alerts", bytes.NewReader(raiseBody))
	r.Header.Set(jsonintake.SignatureHeader, jsonintake.Sign(secret, raiseBody))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 405 || w.Header().Get("Allow") != http.MethodPost {
		t.Errorf("PUT: %d Allow %q", w.Code, w.Header().Get("Allow"))
	}
	if n := len(rec.Accepted()); n != 0 {
		t.Errorf("accepted %d", n)
	}
}

func TestNewHandlerRefuses(t *testing.T) {
	t.Parallel()
	rec := &alertingtest.Recorder{}
	src := jsonintake.WithSources("saasalerts")
	for name, c := range map[string]struct {
		acc  alerting.Acceptor
		opts []jsonintake.Option
		msg  string
	}{
		"nil engine":       {nil, []jsonintake.Option{src, jsonintake.WithSigningSecrets(secret)}, "nil engine"},
		"no source":        {rec, []jsonintake.Option{jsonintake.WithSigningSecrets(secret)}, "no source configured"},
		"bad source":       {rec, []jsonintake.Option{jsonintake.WithSources("saas alerts"), jsonintake.WithSigningSecrets(secret)}, "use letters"},
		"empty source":     {rec, []jsonintake.Option{jsonintake.WithSources(""), jsonintake.WithSigningSecrets(secret)}, "source is empty"},
		"no auth":          {rec, []jsonintake.Option{src}, "no authentication configured"},
		"short secret":     {rec, []jsonintake.Option{src, jsonintake.WithSigningSecrets(secret, "short")}, "WithSigningSecrets: a secret is shorter than 16"},
		"no secret":        {rec, []jsonintake.Option{src, jsonintake.WithSigningSecrets()}, "WithSigningSecrets: no secret"},
		"short token":      {rec, []jsonintake.Option{src, jsonintake.WithHeaderToken("tiny")}, "WithHeaderToken: a token is shorter"},
		"short URL token":  {rec, []jsonintake.Option{src, jsonintake.WithURLToken("tiny")}, "WithURLToken: a token is shorter"},
		"no URL token":     {rec, []jsonintake.Option{src, jsonintake.WithURLToken()}, "WithURLToken: no token"},
		"non-positive cap": {rec, []jsonintake.Option{src, jsonintake.WithSigningSecrets(secret), jsonintake.WithMaxBody(0)}, "WithMaxBody"},
	} {
		h, err := jsonintake.NewHandler(c.acc, c.opts...)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: NewHandler = %v, %v; want an error containing %q", name, h, err, c.msg)
			continue
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "tiny") {
			t.Errorf("%s: the error shows the secret: %v", name, err)
		}
	}
}

func TestAlertStructMarshalsToTheSchema(t *testing.T) {
	t.Parallel()
	h, rec, _ := newHandler(t)
	in := jsonintake.Alert{Source: "scripts", EventID: "m-1", Action: jsonintake.ActionRaise, AlertType: "Disk full",
		UserEmail: "ops@contoso.example", CustomerRef: "c-1", CustomerName: "Contoso", Severity: "critical",
		Title: "Disk C: full", Body: "92%", Time: time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC), DeviceID: "d-1", DeviceName: "pc-1"}
	body, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := postSigned(h, body); got.code != 200 {
		t.Fatalf("answer %d %s", got.code, got.body)
	}
	a := rec.Accepted()[0]
	if a.Source != in.Source || a.EventID != in.EventID || a.Type != in.AlertType || a.User != in.UserEmail ||
		a.Customer != (alerting.CustomerRef{ID: "c-1", Name: "Contoso"}) || a.Severity != alerting.SeverityCritical ||
		a.Title != in.Title || a.Body != in.Body || !a.Time.Equal(in.Time) || a.Device != (alerting.Device{ID: "d-1", Hostname: "pc-1"}) {
		t.Errorf("the struct's JSON decoded as %+v", a)
	}
}

func TestLogsNamesNeverValues(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	h, rec, _ := newHandler(t, jsonintake.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	body := []byte(`{"source":"saasalerts","event_id":"l-1","action":"raise","alert_type":"x","title":"VALUE-ONE",
		"action":"VALUE-TWO","customer_ref":"VALUE-THREE","vendor_extra":"VALUE-FOUR","severity":"VALUE-FIVE"}`)
	if got := postSigned(h, body); got.code != 200 {
		t.Fatalf("answer %d %s", got.code, got.body)
	}
	if got := post(h, "/alerts?token=wrong-wrong-wrong-wrong", body, jsonintake.TokenHeader, "WRONG-TOKEN-0123456789"); got.code != 401 {
		t.Fatalf("answer %d %s", got.code, got.body)
	}
	out := logs.String()
	for _, want := range []string{`"repeated":["action"]`, `"after_text":["customer_ref"]`, `"unknown":["vendor_extra"]`, `"severity":"VALUE-FIVE"`, "bad_signature"} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %s:\n%s", want, out)
		}
	}
	for _, leak := range []string{"VALUE-ONE", "VALUE-TWO", "VALUE-FOUR", "WRONG-TOKEN", "wrong-wrong", secret, token} {
		if strings.Contains(out, leak) {
			t.Errorf("the log shows %q:\n%s", leak, out)
		}
	}
	if a := rec.Accepted(); len(a) != 1 || a[0].Kind != alerting.Raise || a[0].Customer.ID != "VALUE-THREE" {
		t.Errorf("accepted %+v", a)
	}
}

// The package doc's openssl pipeline computes the header Sign computes,
// and the handler accepts it.
func TestOpenSSLSignatureMatchesTheDoc(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("no openssl")
	}
	body := `{"kind":"alert","source":"saasalerts","event_id":"evt-8d41","action":"raise","customer_ref":"org-42","alert_type":"Too Many Downloads","user_email":"ann@contoso.example","customer_name":"Contoso"}`
	cmd := exec.CommandContext(t.Context(), "sh", "-c", `printf '%s' "$body" | openssl dgst -sha256 -hmac "$ALERTS_SECRET" -hex | sed 's/^.* //'`)
	cmd.Env = append(os.Environ(), "body="+body, "ALERTS_SECRET="+secret)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	sig := "sha256=" + strings.TrimSpace(string(out))
	if want := jsonintake.Sign(secret, []byte(body)); sig != want {
		t.Fatalf("openssl gives %s; Sign %s", sig, want)
	}
	h, rec, _ := newHandler(t)
	if got := post(h, "/alerts", []byte(body), jsonintake.SignatureHeader, sig); got.code != 200 || len(rec.Accepted()) != 1 {
		t.Errorf("answer %d %s", got.code, got.body)
	}
}
