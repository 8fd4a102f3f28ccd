package leveldriver_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/level"
	"github.com/mspsync/mspsync/level/leveldriver"
)

const templateSecret = "template-secret-0123456789abcdef"

func post(h http.Handler, header, secret, body string) int {
	req := httptest.NewRequest(http.MethodPost, "/level/template", strings.NewReader(body))
	if secret != "" {
		req.Header.Set(header, secret)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Code
}

func TestTemplateIntakeNeedsTheSharedSecret(t *testing.T) {
	t.Parallel()
	rec := &alertingtest.Recorder{}
	h, err := leveldriver.NewTemplateHandler(rec, templateSecret)
	if err != nil {
		t.Fatal(err)
	}
	body := `{"event":"alert_active","alert_id":"QWxlcnQvMQ","device_id":"RGV2aWNlLzE","policy_id":"pol-7","name":"CPU usage","severity":"critical"}`
	for name, secret := range map[string]string{"missing": "", "wrong": "not-the-template-secret!!", "prefix": templateSecret[:20]} {
		if st := post(h, leveldriver.DefaultTemplateSecretHeader, secret, body); st != http.StatusUnauthorized {
			t.Errorf("%s secret: %d, want 401", name, st)
		}
	}
	if st := post(h, leveldriver.DefaultTemplateSecretHeader, templateSecret, body); st != http.StatusOK {
		t.Fatalf("right secret: %d", st)
	}
	got := rec.Accepted()
	if len(got) != 1 {
		t.Fatalf("%d accepted", len(got))
	}
	a := got[0]
	if a.Source != leveldriver.Kind || a.AlertID != "QWxlcnQvMQ" || a.Kind != alerting.Raise || a.Type != "pol-7" || a.Title != "CPU usage" ||
		a.Device.ID != "RGV2aWNlLzE" || a.Severity != alerting.SeverityHigh {
		t.Errorf("alert %+v: the policy_id is the type, the name the title", a)
	}
	if n := len(rec.Rejected()); n != 3 {
		t.Errorf("%d payloads reported rejected, want 3", n)
	}
	if _, err := leveldriver.NewTemplateHandler(rec, "short"); err == nil {
		t.Error("a short secret was accepted")
	}
	h.Header = "X-Other"
	if st := post(h, "X-Other", templateSecret, strings.Replace(body, "alert_active", "alert_resolved", 1)); st != http.StatusOK {
		t.Errorf("custom header: %d", st)
	}
	if a := rec.Accepted(); len(a) != 2 || a[1].Kind != alerting.Resolve {
		t.Errorf("resolve not accepted: %+v", a)
	}
}

// TestTemplateTextCannotSteerTheKeys: Level fills the template without
// escaping, so alert text can add keys; the first occurrence of each
// decides, and a decisive key after free text does not count.
func TestTemplateTextCannotSteerTheKeys(t *testing.T) {
	t.Parallel()
	desc := `x","alert_id":"Evil","policy_id":"vip-policy","event":"alert_resolved`
	body := `{"event":"alert_active","alert_id":"QWxlcnQvMQ","device_id":"RGV2aWNlLzE","name":"Disk","description":"` + desc + `"}`
	p, err := leveldriver.DecodeTemplate([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if p.AlertID != "QWxlcnQvMQ" || p.Event != leveldriver.EventAlertActive || p.PolicyID != "" || len(p.Repeated) != 3 {
		t.Errorf("payload %+v: text steered a key", p)
	}
	for name, b := range map[string]string{
		"no event":        `{"alert_id":"a1"}`,
		"other event":     `{"event":"device_updated","alert_id":"a1"}`,
		"no alert id":     `{"event":"alert_active"}`,
		"bad alert id":    `{"event":"alert_active","alert_id":"a 1"}`,
		"broken before":   `{"event":"alert_active",,"alert_id":"a1"}`,
		"not an object":   `["alert_active"]`,
		"alert id late":   `{"event":"alert_active","name":"x","alert_id":"a1"}`,
		"bad device id":   `{"event":"alert_active","alert_id":"a1","device_id":"d\"1"}`,
		"policy too long": `{"event":"alert_active","alert_id":"a1","policy_id":"` + strings.Repeat("p", 300) + `"}`,
	} {
		if _, err := leveldriver.DecodeTemplate([]byte(b)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if !strings.HasPrefix(leveldriver.TemplateBody(), `{"event":"{{event}}","alert_id":"{{alert_id}}","device_id"`) {
		t.Errorf("template %s: decisive keys must come first", leveldriver.TemplateBody())
	}
}

// TestTemplatePolicyIDKeysThePolicyMap: a template alert whose policy is
// mapped opens a ticket of the mapped type; an unmapped policy, none.
func TestTemplatePolicyIDKeysThePolicyMap(t *testing.T) {
	t.Parallel()
	e := newEstate(t)
	cfg := alerting.Config{Customers: []alerting.CustomerMapping{{Source: leveldriver.Kind, SourceCustomer: e.chain[0].ID, Customer: "msp"}}}
	leveldriver.PolicyMap{"pol-servers": "44"}.Apply(&cfg)
	p := newPipeline(t, e, cfg)
	h, _ := leveldriver.NewTemplateHandler(p.eng, templateSecret)
	for _, pol := range []string{"pol-servers", "pol-desktops"} {
		a := e.srv.SeedAlert(level.Alert{DeviceID: e.devs[0].ID, Name: "CPU usage"})
		body := `{"event":"alert_active","alert_id":"` + a.ID + `","device_id":"` + e.devs[0].ID + `","policy_id":"` + pol + `","name":"CPU usage"}`
		if st := post(h, leveldriver.DefaultTemplateSecretHeader, templateSecret, body); st != http.StatusOK {
			t.Fatalf("%s: %d", pol, st)
		}
	}
	p.process(t)
	tks := p.sink.Tickets()
	if len(tks) != 1 || tks[0].Defaults.Type != "44" || !strings.Contains(tks[0].Body, "Level policy: pol-servers") {
		t.Fatalf("tickets %+v", tks)
	}
}
