package receiver_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/memstore"
	"github.com/mspsync/mspsync/alerting/receiver"
)

// opsEngine is an engine with a request log on a memstore, fed through a
// handler wrapped in receiver.Intake.
func opsEngine(t *testing.T) (*alerting.Engine, *memstore.Store, *alertingtest.Sink) {
	t.Helper()
	store, sink := memstore.New(), alertingtest.NewSink()
	eng, err := alerting.New(alerting.Config{CatchAll: &alerting.CatchAll{Customer: "C1"}}, store, sink, alerting.WithRequestLog(store))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	return eng, store, sink
}

func get(t *testing.T, h http.Handler, target, accept string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// /requests serves the request log as JSON and as an HTML table, with the
// intake channel receiver.Intake names, the routing and the ticket; alert
// text is escaped and the page runs no script.
func TestRequestLogHandler(t *testing.T) {
	t.Parallel()
	eng, store, sink := opsEngine(t)
	intake := receiver.Intake("webhook", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := alerting.Alert{Source: "datto", EventID: r.URL.Query().Get("id"), Kind: alerting.Raise, Type: "Disk",
			Title: `<script>alert("x")</script> & disk full`, Customer: alerting.CustomerRef{ID: "s1", Name: "Contoso"},
			Device: alerting.Device{ID: "d1", Hostname: "CON-PC01"}}
		if _, err := eng.Accept(r.Context(), a); err != nil {
			http.Error(w, err.Error(), 422)
		}
	}))
	for _, id := range []string{"e1", "e2"} {
		rec := httptest.NewRecorder()
		intake.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/hook?id="+id, nil))
		if rec.Code != 200 {
			t.Fatalf("intake answered %d", rec.Code)
		}
	}
	eng.RejectPayload(alerting.ContextWithIntake(t.Context(), "mail"), "level", alerting.ReasonMalformedPayload, errors.New("not JSON"))
	if _, err := eng.ProcessPending(t.Context()); err != nil {
		t.Fatal(err)
	}
	tickets := sink.Tickets()
	if len(tickets) != 2 {
		t.Fatalf("%d tickets", len(tickets))
	}
	h := receiver.RequestLogHandler(store)

	rec := get(t, h, "/requests", "")
	var body struct{ Requests []alerting.Request }
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("JSON: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Requests) != 3 {
		t.Fatalf("JSON body: %v, %d entries\n%s", err, len(body.Requests), rec.Body.String())
	}
	rs := body.Requests
	if rs[0].Source != "level" || rs[0].Intake != "mail" || rs[0].Status != alerting.RequestRejected || rs[0].Reason != alerting.ReasonMalformedPayload {
		t.Errorf("newest entry: %+v", rs[0])
	}
	for _, r := range rs[1:] {
		var tk alertingtest.Ticket
		for _, x := range tickets {
			if r.Alert != nil && x.Alert.EventID == r.Alert.EventID {
				tk = x
			}
		}
		if r.Intake != "webhook" || r.Status != alerting.RequestAccepted || r.Applied == nil || r.Applied.TicketID != tk.ID ||
			r.Applied.Outcome != alerting.OutcomeCreated || r.Applied.Routing.By != alerting.RouteCatchAll || r.Applied.Routing.Customer != "C1" {
			t.Errorf("entry %d: %+v applied %+v; want ticket %s", r.Seq, r, r.Applied, tk.ID)
		}
	}

	rec = get(t, h, "/requests?source=datto&limit=1", "")
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Requests) != 1 || body.Requests[0].Alert.EventID != "e2" {
		t.Errorf("?source=datto&limit=1: %v %+v", err, body.Requests)
	}
	for _, bad := range []string{"/requests?limit=0", "/requests?limit=x", "/requests?format=xml"} {
		if rec := get(t, h, bad, ""); rec.Code != 400 {
			t.Errorf("%s answered %d", bad, rec.Code)
		}
	}
	if rec := httptest.NewRecorder(); true {
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/requests", nil))
		if rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("POST answered %d", rec.Code)
		}
	}

	for _, tc := range []struct{ target, accept string }{
		{"/requests", "text/html,application/xhtml+xml,*/*;q=0.8"},
		{"/requests?format=html", ""},
	} {
		rec := get(t, h, tc.target, tc.accept)
		page := rec.Body.String()
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") ||
			!strings.Contains(rec.Header().Get("Content-Security-Policy"), "default-src 'none'") {
			t.Fatalf("%s: %d %v", tc.target, rec.Code, rec.Header())
		}
		if strings.Contains(page, "<script>") || !strings.Contains(page, "&lt;script&gt;") {
			t.Errorf("%s: alert text is not escaped:\n%s", tc.target, page)
		}
		for _, want := range []string{"<td>" + tickets[0].ID + "</td>", "<td>" + tickets[1].ID + "</td>", "customer C1", "by catch_all",
			"CON-PC01", "rejected: malformed_payload", "not JSON", "<td>webhook</td>", "<td>mail</td>"} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: page lacks %q", tc.target, want)
			}
		}
	}
	if rec := get(t, h, "/requests?format=json", "text/html"); !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Errorf("?format=json with a browser's Accept: %s", rec.Header().Get("Content-Type"))
	}
}

// /healthz is 200 while the process serves; /readyz runs named checks at
// once, each within the timeout, and answers 503 naming those that failed.
func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	if rec := get(t, receiver.Healthz(), "/healthz", ""); rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != "ok" {
		t.Errorf("healthz: %d %q", rec.Code, rec.Body.String())
	}
	ok := receiver.Check{Name: "store", Run: func(context.Context) error { return nil }}
	down := receiver.Check{Name: "psa", Run: func(context.Context) error { return errors.New("halo: 503 Service Unavailable") }}
	hang := receiver.Check{Name: "rmm", Run: func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }}
	deaf := receiver.Check{Name: "deaf", Run: func(context.Context) error { time.Sleep(time.Hour); return nil }}
	type answer struct {
		Ready  bool
		Failed []string
		Checks []receiver.CheckResult
	}
	read := func(h http.Handler) (int, answer) {
		rec := get(t, h, "/readyz", "")
		var a answer
		if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
			t.Fatalf("readyz body: %v: %s", err, rec.Body.String())
		}
		return rec.Code, a
	}
	if code, a := read(receiver.Ready(time.Second, ok)); code != 200 || !a.Ready || len(a.Checks) != 1 || !a.Checks[0].OK {
		t.Errorf("all pass: %d %+v", code, a)
	}
	start := time.Now()
	code, a := read(receiver.Ready(100*time.Millisecond, ok, down, hang, deaf))
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("readyz took %s with a 100ms timeout", took)
	}
	if code != http.StatusServiceUnavailable || a.Ready || strings.Join(a.Failed, ",") != "psa,rmm,deaf" {
		t.Fatalf("some fail: %d %+v", code, a)
	}
	if !a.Checks[0].OK || !strings.Contains(a.Checks[1].Error, "503") || !strings.Contains(a.Checks[2].Error, "deadline") || !strings.Contains(a.Checks[3].Error, "timeout") {
		t.Errorf("check results: %+v", a.Checks)
	}
}

// readOnlyStore is a memstore whose cursor writes fail, as a full disk or
// a read-only database replica would.
type readOnlyStore struct{ *memstore.Store }

func (readOnlyStore) SetCursor(context.Context, string, string) error {
	return errors.New("disk full")
}

// Engine.CheckStore writes to the store: it fails when the store cannot
// be written, and /readyz says which check failed.
func TestEngineCheckStore(t *testing.T) {
	t.Parallel()
	eng, store, _ := opsEngine(t)
	if err := eng.CheckStore(t.Context()); err != nil {
		t.Errorf("CheckStore: %v", err)
	}
	if v, _ := store.Cursor(t.Context(), "mspsync.readyz"); v == "" {
		t.Error("CheckStore wrote nothing")
	}
	ro, err := alerting.New(alerting.Config{CatchAll: &alerting.CatchAll{Customer: "C1"}}, readOnlyStore{memstore.New()}, alertingtest.NewSink())
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	rec := get(t, receiver.Ready(time.Second, receiver.Check{Name: "store", Run: ro.CheckStore}), "/readyz", "")
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"failed":["store"]`) || !strings.Contains(rec.Body.String(), "disk full") {
		t.Errorf("read-only store: %d %s", rec.Code, rec.Body.String())
	}
}
