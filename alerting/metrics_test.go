package alerting_test

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
)

// metricsText renders s.Metrics() one "name{reason="r"} value" line each,
// for tests that look for a series.
func metricsText(s alerting.Stats) string {
	var b strings.Builder
	for _, m := range s.Metrics() {
		b.WriteString(alerting.MetricPrefix + m.Name)
		if m.Label != "" {
			fmt.Fprintf(&b, "{%s=%q}", m.Label, m.LabelValue)
		}
		fmt.Fprintf(&b, " %d\n", m.Value)
	}
	return b.String()
}

func TestStatsMetrics(t *testing.T) {
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

	values := map[string]string{}
	for line := range strings.Lines(metricsText(f.stats(t))) {
		name, v, _ := strings.Cut(strings.TrimSuffix(line, "\n"), " ")
		values[name] = v
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
}

// TestMetricsCoverStats: every counter of Stats is one metric (a new
// field without one fails), names are well formed and unique per label
// value, gauges are exactly the values that go down, and the list does
// not depend on the values.
func TestMetricsCoverStats(t *testing.T) {
	t.Parallel()
	var s alerting.Stats
	v := reflect.ValueOf(&s).Elem()
	ints := 0
	for i := range v.NumField() {
		if fv := v.Field(i); fv.Kind() == reflect.Int64 {
			ints++
			fv.SetInt(int64(1000 + i))
		}
	}
	s.Rejected = map[alerting.Reason]int64{alerting.ReasonUnmappedCustomer: 7, "custom_reason": 3}
	s.Ignored = map[alerting.Reason]int64{}
	ms := s.Metrics()
	name := regexp.MustCompile(`^[a-z][a-z0-9_]*[a-z]$`)
	seen := map[string]bool{}
	values := map[int64]string{}
	plain := 0
	for _, m := range ms {
		if !name.MatchString(m.Name) || m.Help == "" || strings.HasSuffix(m.Name, "_total") == m.Gauge {
			t.Errorf("metric %+v: bad name, help or kind", m)
		}
		key := m.Name + "/" + m.LabelValue
		if seen[key] {
			t.Errorf("metric %s twice", key)
		}
		seen[key] = true
		if m.Label == "" {
			plain++
			values[m.Value] = m.Name
		} else if m.Label != alerting.ReasonLabel || m.LabelValue == "" {
			t.Errorf("metric %+v: bad label", m)
		}
	}
	if plain != ints || len(values) != ints {
		t.Errorf("%d unlabelled metrics with %d distinct values for %d int64 fields of Stats", plain, len(values), ints)
	}
	if !seen["rejected_total/unmapped_customer"] || !seen["rejected_total/custom_reason"] || !seen["ignored_total/nothing_open"] {
		t.Errorf("reasons missing: %v", seen)
	}
	if got := len(alerting.Stats{}.Metrics()); got != len(ms)-1 { // custom_reason is s's own
		t.Errorf("Stats{}.Metrics() has %d metrics, want %d", got, len(ms)-1)
	}
	for _, m := range ms {
		if m.Name == "pending" && !m.Gauge || m.Name == "poll_pre_existing" && !m.Gauge {
			t.Errorf("%s is not a gauge", m.Name)
		}
	}
}

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
