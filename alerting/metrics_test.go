package alerting_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
)

// sample matches one sample line of the text exposition format.
var sample = regexp.MustCompile(`^(mspsync_alerting_[a-z_]+)(\{reason="[a-z_]+"\})? (\d+)$`)

func TestWritePrometheus(t *testing.T) {
	t.Parallel()
	f := newFixture(t, baseConfig())
	f.submit(t, raise("m1"))
	f.submit(t, raise("m1"))
	f.submit(t, resolve("m1"))
	a := raise("m2")
	a.Customer.ID = "unmapped"
	_, _ = f.eng.Submit(t.Context(), a)
	f.sink.FailNext(alertingtest.OpAny, 1, nil)
	f.submit(t, raise("m3")) // pending

	var buf bytes.Buffer
	if err := f.eng.WriteMetrics(t.Context(), &buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	typed := map[string]string{}
	values := map[string]string{}
	for line := range strings.Lines(out) {
		line = strings.TrimSuffix(line, "\n")
		if strings.HasPrefix(line, "# TYPE ") {
			parts := strings.Fields(line)
			typed[parts[2]] = parts[3]
			continue
		}
		if strings.HasPrefix(line, "# HELP ") {
			continue
		}
		m := sample.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("malformed line %q", line)
			continue
		}
		if typed[m[1]] == "" {
			t.Errorf("sample before its TYPE line: %q", line)
		}
		values[m[1]+m[2]] = m[3]
	}
	for series, want := range map[string]string{
		"mspsync_alerting_received_total":                                "5",
		"mspsync_alerting_deduplicated_total":                            "1",
		"mspsync_alerting_tickets_created_total":                         "1",
		"mspsync_alerting_tickets_closed_total":                          "1",
		"mspsync_alerting_notes_added_total":                             "0",
		`mspsync_alerting_rejected_total{reason="unmapped_customer"}`:    "1",
		`mspsync_alerting_rejected_total{reason="invalid_alert"}`:        "0",
		`mspsync_alerting_ignored_total{reason="nothing_open"}`:          "0",
		"mspsync_alerting_pending":                                       "1",
		"mspsync_alerting_retries_total":                                 "1",
		"mspsync_alerting_source_resolves_total":                         "0",
		`mspsync_alerting_ignored_total{reason="alert_type_not_mapped"}`: "0",
	} {
		if values[series] != want {
			t.Errorf("%s = %q, want %s", series, values[series], want)
		}
	}
	if typed["mspsync_alerting_pending"] != "gauge" || typed["mspsync_alerting_received_total"] != "counter" {
		t.Errorf("types = %v", typed)
	}
}

func TestMetricsHandler(t *testing.T) {
	t.Parallel()
	f := newFixture(t, baseConfig())
	f.submit(t, raise("h1"))
	srv := httptest.NewServer(f.eng.MetricsHandler())
	t.Cleanup(srv.Close)

	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	_, _ = body.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") ||
		!strings.Contains(body.String(), "mspsync_alerting_tickets_created_total 1\n") {
		t.Errorf("GET /metrics = %d %s:\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body.String())
	}
	resp, err = http.Post(srv.URL+"/metrics", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /metrics = %d, want 405", resp.StatusCode)
	}
}

func TestWritePrometheusEscapesAndFails(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	s := alerting.Stats{Rejected: map[alerting.Reason]int64{`we"ird\`: 2}}
	if err := alerting.WritePrometheus(&buf, s); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `mspsync_alerting_rejected_total{reason="we\"ird\\"} 2`) {
		t.Errorf("label not escaped:\n%s", buf.String())
	}
	if err := alerting.WritePrometheus(failWriter{}, s); err == nil {
		t.Error("a failing writer gave no error")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRejectPayloadIsCounted(t *testing.T) {
	t.Parallel()
	f := newFixture(t, baseConfig())
	f.eng.RejectPayload(t.Context(), "datto", alerting.ReasonBadSignature, errors.New("state does not match"))
	f.eng.RejectPayload(t.Context(), "level", alerting.ReasonBadSignature, nil)
	f.eng.RejectPayload(t.Context(), "datto", alerting.ReasonMalformedPayload, errors.New("not JSON"))
	s := f.stats(t)
	if s.Rejected[alerting.ReasonBadSignature] != 2 || s.Rejected[alerting.ReasonMalformedPayload] != 1 || s.Received != 0 {
		t.Errorf("stats = %+v", s)
	}
	if n, _ := f.store.Pending(t.Context()); n != 0 || f.sink.Calls(alertingtest.OpAny) != 0 {
		t.Error("a rejected payload changed something")
	}
}
