package dattormmdriver_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/memstore"
	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/dattormm/dattormmdriver"
	"github.com/mspsync/mspsync/dattormm/dattormmtest"
)

const hookSecret = "hook-secret-0123456789abcdef0123"

// seedDiskAlert seeds a site, a device and an open alert on it.
func seedDiskAlert(srv *dattormmtest.Server) (dattormm.Site, dattormm.Device, dattormm.Alert) {
	site := srv.SeedSite(dattormm.Site{Name: "Contoso"})
	dev := srv.SeedDevice(dattormm.Device{Hostname: "CON-PC01", SiteUID: site.UID})
	var ac dattormm.AlertContext
	ac.UnmarshalJSON([]byte(`{"@class":"perf_disk_usage_ctx","diskName":"C:"}`))
	al := srv.SeedAlert(dattormm.Alert{Priority: "Critical", Diagnostics: "C: 3% free", AlertContext: ac,
		AlertSourceInfo: dattormm.AlertSourceInfo{DeviceUID: dev.UID, DeviceName: dev.Hostname, SiteUID: site.UID, SiteName: site.Name}})
	return site, dev, al
}

// fillHook substitutes a template as Datto does.
func fillHook(tmpl, uid, msg string) string {
	return strings.NewReplacer("[alert_uid]", uid, "[alert_message_en]", msg, "[site_name]", "Contoso",
		"[device_hostname]", "CON-PC01", "[alert_priority]", "High").Replace(tmpl)
}

func post(h http.Handler, method, body string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, "/webhooks/datto", strings.NewReader(body)))
	return w
}

func TestWebhookHandler(t *testing.T) {
	t.Parallel()
	srv, _ := setup(t)
	_, _, al := seedDiskAlert(srv)
	v, _ := dattormm.NewWebhookVerifier(hookSecret)
	rec := &alertingtest.Recorder{}
	h := dattormmdriver.NewWebhookHandler(v, rec)
	raised, resolved := dattormm.WebhookTemplates(hookSecret)
	if w := post(h, http.MethodPost, fillHook(raised, al.AlertUID, "Disk full")); w.Code != 200 || w.Body.String() != `{"ok":true}` {
		t.Fatalf("raise: %d %s", w.Code, w.Body)
	}
	// Accepted with the webhook's fields; the vendor is not asked during
	// the request (NewEnricher does that in the worker).
	a := rec.Accepted()[0]
	if a.Source != "datto" || a.EventID != al.AlertUID || a.Kind != alerting.Raise || a.Customer.Name != "Contoso" || a.Customer.ID != "" ||
		a.Device.Hostname != "CON-PC01" || a.Severity != alerting.SeverityHigh || a.Title != "Disk full" {
		t.Errorf("alert = %+v", a)
	}
	if w := post(h, http.MethodPost, fillHook(resolved, al.AlertUID, "Disk full")); w.Code != 200 || rec.Accepted()[1].Kind != alerting.Resolve {
		t.Errorf("resolve: %d %+v", w.Code, rec.Accepted())
	}
	if n := srv.Count(http.MethodGet, "/api/v2/alert/"); n != 0 {
		t.Errorf("the handler made %d Datto look-ups; acknowledgement must not depend on Datto", n)
	}
	wrong, _ := dattormm.WebhookTemplates("other-secret-0123456789abcdef")
	for _, tc := range []struct {
		method, body string
		status       int
	}{
		{http.MethodGet, "", http.StatusMethodNotAllowed},
		{http.MethodPost, fillHook(wrong, al.AlertUID, "x"), http.StatusUnauthorized},
		{http.MethodPost, raised, http.StatusBadRequest},
		{http.MethodPost, "{", http.StatusBadRequest},
		{http.MethodPost, fillHook(raised, "../../account", "x"), http.StatusBadRequest},
		{http.MethodPost, strings.Repeat("x", 70<<10), http.StatusRequestEntityTooLarge},
	} {
		if w := post(h, tc.method, tc.body); w.Code != tc.status {
			t.Errorf("%s %.20q: status %d, want %d (%s)", tc.method, tc.body, w.Code, tc.status, w.Body)
		}
	}
	if len(rec.Accepted()) != 2 || len(rec.Rejected()) != 5 || rec.Rejected()[0] != alerting.ReasonBadSignature {
		t.Errorf("accepted %d, rejected %v", len(rec.Accepted()), rec.Rejected())
	}
	rec.FailNext(errors.New("disk full"))
	if w := post(h, http.MethodPost, fillHook(raised, al.AlertUID, "x")); w.Code != http.StatusServiceUnavailable {
		t.Errorf("store failure answered %d; Datto must not be told it was received", w.Code)
	}
	rec.FailNext(&alerting.RejectedError{Reason: alerting.ReasonUnmappedCustomer})
	if w := post(h, http.MethodPost, fillHook(raised, al.AlertUID, "x")); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("rejected alert answered %d", w.Code)
	}
}

// TestWebhookHandlerSpoofs posts genuine webhooks whose alert text tries
// to steer them; each must be accepted as what its first keys say, and
// logged.
func TestWebhookHandlerSpoofs(t *testing.T) {
	t.Parallel()
	const other = "0c9d8e7f-6a5b-4c3d-8e1f-0a9b8c7d6e5f"
	const uid = "b8f3e2a1-7c4d-4e9b-a0f1-2d3c4b5a6978"
	v, _ := dattormm.NewWebhookVerifier(hookSecret)
	raised, resolved := dattormm.WebhookTemplates(hookSecret)
	for _, tc := range []struct {
		name, tmpl, msg string
		kind            alerting.Kind
	}{
		{"resolve in message", raised, `x","alert_resolved":"true`, alerting.Raise},
		{"resolve bool in message", raised, `x","alert_resolved":true,"y":"`, alerting.Raise},
		{"raise in resolve message", resolved, `x","alert_resolved":false,"y":"`, alerting.Resolve},
		{"other alert in message", raised, `x","alert_uid":"` + other, alerting.Raise},
		{"other alert and resolve", raised, `x","alert_uid":"` + other + `","alert_resolved":true,"y":"`, alerting.Raise},
		{"broken JSON then resolve", raised, `"quoted" x","alert_resolved":true,"y":"`, alerting.Raise},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			rec := &alertingtest.Recorder{}
			h := &dattormmdriver.WebhookHandler{Verifier: v, Engine: rec, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
			if w := post(h, http.MethodPost, fillHook(tc.tmpl, uid, tc.msg)); w.Code != 200 {
				t.Fatalf("answered %d %s", w.Code, w.Body)
			}
			a := rec.Accepted()[0]
			if a.EventID != uid || a.AlertID != uid || a.Kind != tc.kind {
				t.Errorf("accepted %s %s; want %s %s", a.EventID, a.Kind, uid, tc.kind)
			}
			if strings.Contains(tc.msg, `"alert_`) && !strings.Contains(tc.msg, `"quoted"`) && !strings.Contains(logs.String(), "repeated") {
				t.Errorf("repeated key not logged: %s", logs.String())
			}
			if strings.Contains(logs.String(), hookSecret) {
				t.Error("secret in the log")
			}
		})
	}
}

func TestEnricher(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	site, dev, al := seedDiskAlert(srv)
	en := dattormmdriver.NewEnricher(c)
	v, _ := dattormm.NewWebhookVerifier(hookSecret)
	raised, resolved := dattormm.WebhookTemplates(hookSecret)
	decode := func(tmpl, uid string) alerting.Alert {
		wa, err := v.Decode([]byte(fillHook(tmpl, uid, "Disk full")))
		if err != nil {
			t.Fatal(err)
		}
		return dattormmdriver.ToAlert(wa, nil)
	}
	a := decode(raised, al.AlertUID)
	if err := en.Enrich(t.Context(), &a); err != nil {
		t.Fatal(err)
	}
	if a.Source != "datto" || a.EventID != al.AlertUID || a.Kind != alerting.Raise || a.Customer.ID != site.UID || a.Device.ID != dev.UID ||
		a.Type != "perf_disk_usage_ctx:C:" || a.Severity != alerting.SeverityCritical || a.Title != "Disk full" || !strings.Contains(a.Body, "C: 3% free") {
		t.Errorf("alert = %+v", a)
	}
	// Unknown alert: an error, so the engine goes on with the webhook's fields.
	u := decode(raised, "0c9d8e7f-6a5b-4c3d-8e1f-0a9b8c7d6e5f")
	if err := en.Enrich(t.Context(), &u); err == nil || errors.Is(err, alerting.ErrContradicted) {
		t.Errorf("unknown alert: %v", err)
	}
	// A resolve Datto contradicts (the alert is open) is refused…
	r := decode(resolved, al.AlertUID)
	if err := en.Enrich(t.Context(), &r); !errors.Is(err, alerting.ErrContradicted) {
		t.Errorf("resolve of an open alert: %v", err)
	}
	// …and confirmed once Datto has resolved it.
	al.Resolved, al.ResolvedBy = true, "monitor"
	srv.SeedAlert(al)
	r = decode(resolved, al.AlertUID)
	if err := en.Enrich(t.Context(), &r); err != nil || r.Kind != alerting.Resolve || r.Customer.ID != site.UID {
		t.Errorf("resolve of a resolved alert: %+v %v", r, err)
	}
	// A resolve of an alert Datto no longer knows is not contradicted.
	g := decode(resolved, "0c9d8e7f-6a5b-4c3d-8e1f-0a9b8c7d6e5f")
	if err := en.Enrich(t.Context(), &g); err != nil {
		t.Errorf("resolve of an unknown alert: %v", err)
	}
}

// engineOn returns an engine on a memstore and a fake sink with Datto's
// enricher, mapping the Datto site to PSA customer C1.
func engineOn(t testing.TB, c *dattormm.Client, siteUID string, opts ...alerting.Option) (*alerting.Engine, *alertingtest.Sink) {
	sink := alertingtest.NewSink()
	cfg := alerting.Config{Customers: []alerting.CustomerMapping{{Source: "datto", SourceCustomer: siteUID, Customer: "C1"}}}
	opts = append([]alerting.Option{alerting.WithEnricher(dattormmdriver.Kind, dattormmdriver.NewEnricher(c)),
		alerting.WithRetryBackoff(time.Millisecond, 10*time.Millisecond)}, opts...)
	eng, err := alerting.New(cfg, memstore.New(), sink, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	return eng, sink
}

// TestDuplicatesCostNoLookups: 1,000 deliveries of one webhook cost one
// Datto look-up (in the worker), and a spoofed or contradicted resolve
// does not close the ticket.
func TestDuplicatesCostNoLookups(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	site, _, al := seedDiskAlert(srv)
	eng, sink := engineOn(t, c, site.UID)
	v, _ := dattormm.NewWebhookVerifier(hookSecret)
	h := dattormmdriver.NewWebhookHandler(v, eng)
	raised, resolved := dattormm.WebhookTemplates(hookSecret)
	body := fillHook(raised, al.AlertUID, "Disk full")
	srv.ResetRequests()
	for i := range 1000 {
		if w := post(h, http.MethodPost, body); w.Code != 200 {
			t.Fatalf("delivery %d: %d %s", i, w.Code, w.Body)
		}
	}
	if _, err := eng.ProcessPending(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := srv.Count(http.MethodGet, "/api/v2/alert/"); n != 1 {
		t.Errorf("1,000 deliveries cost %d Datto look-ups; want 1 (duplicates 0)", n)
	}
	tks := sink.Tickets()
	if len(tks) != 1 || tks[0].Customer != "C1" || tks[0].Alert.Device.ID == "" {
		t.Fatalf("tickets %+v", tks)
	}
	// A resolve webhook for an alert Datto reports open changes nothing.
	if w := post(h, http.MethodPost, fillHook(resolved, al.AlertUID, "Disk full")); w.Code != 200 {
		t.Fatalf("resolve: %d", w.Code)
	}
	eng.ProcessPending(t.Context())
	st, _ := eng.Stats(t.Context())
	if tk, _ := sink.Ticket(tks[0].ID); tk.State != alerting.TicketOpen || st.Ignored[alerting.ReasonContradicted] != 1 {
		t.Errorf("contradicted resolve: ticket %s, ignored %v", tk.State, st.Ignored)
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

// When a maintenance window ends, the engine asks Datto whether the alerts
// it held back are still open: the resolver answers.
func TestResolverTellsWhetherAnAlertIsOpen(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	site := srv.SeedSite(dattormm.Site{Name: "Contoso"})
	open := srv.SeedAlert(dattormm.Alert{AlertSourceInfo: dattormm.AlertSourceInfo{SiteUID: site.UID}})
	done := srv.SeedAlert(dattormm.Alert{Resolved: true, AlertSourceInfo: dattormm.AlertSourceInfo{SiteUID: site.UID}})
	checker, ok := dattormmdriver.NewResolver(c).(alerting.AlertStatusChecker)
	if !ok {
		t.Fatal("the Datto resolver is not an AlertStatusChecker")
	}
	for uid, want := range map[string]bool{open.AlertUID: true, done.AlertUID: false} {
		if got, err := checker.AlertOpen(t.Context(), alerting.AlertRef{Source: dattormmdriver.Kind, AlertID: uid}); err != nil || got != want {
			t.Errorf("AlertOpen(%s) = %v, %v; want %v", uid, got, err, want)
		}
	}
	if _, err := checker.AlertOpen(t.Context(), alerting.AlertRef{Source: dattormmdriver.Kind, AlertID: "00000000-0000-4000-8000-00000000dead"}); !errors.Is(err, alerting.ErrNotFound) {
		t.Errorf("unknown alert: %v", err)
	}
	other := dattormmdriver.NewAccountResolver(c, "acct-b").(alerting.AlertStatusChecker)
	if _, err := other.AlertOpen(t.Context(), alerting.AlertRef{Source: dattormmdriver.Kind, AlertID: open.AlertUID}); !alerting.IsPermanent(err) {
		t.Errorf("another account's alert: %v", err)
	}
}
