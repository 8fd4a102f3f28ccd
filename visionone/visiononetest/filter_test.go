package visiononetest

import (
	"encoding/json"
	"testing"

	"github.com/mspsync/mspsync/fakeapi"
)

// TestFilter: the TMV1-Filter subset the fake honours, and what it refuses.
func TestFilter(t *testing.T) {
	t.Parallel()
	rec := fakeapi.Record{"status": "Open", "severity": "high", "riskScore": json.Number("75"), "userName": "O'Brien",
		"installedAgents": []any{"Trend Vision One Agent", "Other"}}
	for expr, want := range map[string]bool{
		"":                                       true,
		"status eq 'Open'":                       true,
		"status eq 'open' and severity eq 'low'": false,
		"status eq 'Closed' or severity eq 'high'": true,
		"not (status eq 'Closed')":                 true,
		"riskScore ge 70":                          true,
		"riskScore gt 75":                          false,
		"userName eq 'O''Brien'":                   true,
		"contains(userName,'brien')":               true,
		"installedAgents eq 'Other'":               true,
		"hassubset(installedAgents, ['Other','Trend Vision One Agent'])":       true,
		"(riskScore lt 10) or (startswith(status,'Op') and severity ne 'low')": true,
	} {
		f, err := parseFilter(expr, nil)
		if err != nil {
			t.Errorf("%q: %v", expr, err)
			continue
		}
		if got := f(rec); got != want {
			t.Errorf("%q = %v, want %v", expr, got, want)
		}
	}
	for _, expr := range []string{"status eq", "status eq 'Open", "status like 'x'", "(status eq 'Open'", "colour eq 'red'"} {
		if _, err := parseFilter(expr, set("status")); err == nil {
			t.Errorf("%q accepted", expr)
		}
	}
}
