package dattormmdriver_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/dattormm/dattormmdriver"
)

const hookSecret = "hook-secret-0123456789abcdef0123"

func TestWebhookHandler(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	site := srv.SeedSite(dattormm.Site{Name: "Contoso"})
	dev := srv.SeedDevice(dattormm.Device{Hostname: "CON-PC01", SiteUID: site.UID})
	var ac dattormm.AlertContext
	ac.UnmarshalJSON([]byte(`{"@class":"perf_disk_usage_ctx","diskName":"C:"}`))
	al := srv.SeedAlert(dattormm.Alert{Priority: "Critical", Diagnostics: "C: 3% free", AlertContext: ac,
		AlertSourceInfo: dattormm.AlertSourceInfo{DeviceUID: dev.UID, DeviceName: dev.Hostname, SiteUID: site.UID, SiteName: site.Name}})
	v, _ := dattormm.NewWebhookVerifier(hookSecret)
	rec := &alertingtest.Recorder{}
	h := dattormmdriver.NewWebhookHandler(v, rec, c)
	raised, resolved := dattormm.WebhookTemplates(hookSecret)
	fill := func(tmpl, uid string) string {
		return strings.NewReplacer("[alert_uid]", uid, "[alert_message_en]", "Disk full", "[site_name]", "Contoso",
			"[device_hostname]", "CON-PC01", "[alert_priority]", "High").Replace(tmpl)
	}
	post := func(method, body string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(method, "/webhooks/datto", strings.NewReader(body)))
		return w
	}
	if w := post(http.MethodPost, fill(raised, al.AlertUID)); w.Code != 200 || w.Body.String() != `{"ok":true}` {
		t.Fatalf("raise: %d %s", w.Code, w.Body)
	}
	a := rec.Accepted()[0]
	if a.Source != "datto" || a.EventID != al.AlertUID || a.Kind != alerting.Raise || a.Customer.ID != site.UID || a.Device.ID != dev.UID ||
		a.Type != "perf_disk_usage_ctx:C:" || a.Severity != alerting.SeverityCritical || a.Title != "Disk full" || !strings.Contains(a.Body, "C: 3% free") {
		t.Errorf("alert = %+v", a)
	}
	if w := post(http.MethodPost, fill(resolved, al.AlertUID)); w.Code != 200 || rec.Accepted()[1].Kind != alerting.Resolve {
		t.Errorf("resolve: %d %+v", w.Code, rec.Accepted())
	}
	// Enrichment failing falls back to the webhook's fields.
	if w := post(http.MethodPost, fill(raised, "unknown-alert")); w.Code != 200 || rec.Accepted()[2].Customer.Name != "Contoso" || rec.Accepted()[2].Customer.ID != "" {
		t.Errorf("unenriched: %d %+v", w.Code, rec.Accepted()[2])
	}
	wrong, _ := dattormm.WebhookTemplates("other-secret-0123456789abcdef")
	for _, tc := range []struct {
		method, body string
		status       int
	}{
		{http.MethodGet, "", http.StatusMethodNotAllowed},
		{http.MethodPost, fill(wrong, "x"), http.StatusUnauthorized},
		{http.MethodPost, raised, http.StatusBadRequest},
		{http.MethodPost, "{", http.StatusBadRequest},
		{http.MethodPost, strings.Repeat("x", 70<<10), http.StatusRequestEntityTooLarge},
	} {
		if w := post(tc.method, tc.body); w.Code != tc.status {
			t.Errorf("%s %.20q: status %d, want %d (%s)", tc.method, tc.body, w.Code, tc.status, w.Body)
		}
	}
	if len(rec.Accepted()) != 3 || len(rec.Rejected()) != 4 || rec.Rejected()[0] != alerting.ReasonBadSignature {
		t.Errorf("accepted %d, rejected %v", len(rec.Accepted()), rec.Rejected())
	}
	rec.FailNext(errors.New("disk full"))
	if w := post(http.MethodPost, fill(raised, al.AlertUID)); w.Code != http.StatusServiceUnavailable {
		t.Errorf("store failure answered %d; Datto must not be told it was received", w.Code)
	}
	rec.FailNext(&alerting.RejectedError{Reason: alerting.ReasonUnmappedCustomer})
	if w := post(http.MethodPost, fill(raised, al.AlertUID)); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("rejected alert answered %d", w.Code)
	}
}

func TestResolver(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	al := srv.SeedAlert(dattormm.Alert{Priority: "Low"})
	r := dattormmdriver.NewResolver(c)
	if err := r.ResolveAlert(t.Context(), alerting.AlertRef{Source: "datto", AlertID: al.AlertUID}); err != nil {
		t.Fatal(err)
	}
	if got, _ := srv.Alert(al.AlertUID); !got.Resolved {
		t.Error("not resolved")
	}
	if err := r.ResolveAlert(t.Context(), alerting.AlertRef{Source: "datto", AlertID: "gone"}); !errors.Is(err, alerting.ErrNotFound) {
		t.Errorf("unknown alert: %v", err)
	}
}
