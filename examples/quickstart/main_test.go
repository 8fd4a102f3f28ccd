package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/halo"
)

func TestDemo(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(t.Context(), flags{demo: true}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Datto RMM sites (3)", "Northwind Traders", "HaloPSA customers (2)", "Fabrikam"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(errOut.String(), "datto: ") || !strings.Contains(errOut.String(), "requests") {
		t.Errorf("no progress on stderr:\n%s", errOut.String())
	}
	out.Reset()
	if err := run(t.Context(), flags{demo: true, asJSON: true}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	var sum Summary
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil || len(sum.DattoSites) != 3 || sum.DattoSites[2].Count != 11 || sum.HaloCustomers[0].Count != 3 {
		t.Errorf("json = %+v, %v", sum, err)
	}
}

func TestMissingSettingsNamed(t *testing.T) {
	for _, k := range []string{"HALO_URL", "HALO_CLIENT_ID", "HALO_CLIENT_SECRET", "DATTO_API_URL", "DATTO_API_KEY", "DATTO_API_SECRET"} {
		t.Setenv(k, "")
	}
	t.Setenv("HALO_URL", "https://acme.halopsa.example")
	err := run(t.Context(), flags{}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "HALO_CLIENT_ID, HALO_CLIENT_SECRET") ||
		!strings.Contains(err.Error(), "DATTO_API_URL, DATTO_API_KEY, DATTO_API_SECRET") || !errors.Is(err, halo.ErrMissingSetting) {
		t.Errorf("err = %v", err)
	}
}

// TestCheckAndJSONLogs runs -demo -check (one line per vendor), and the
// demo with -log-format json (every stderr line a JSON record).
func TestCheckAndJSONLogs(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(t.Context(), flags{demo: true, check: true}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "halo: ok: http://127.0.0.1:") || !strings.Contains(lines[0], `acting as agent "API"`) ||
		!strings.HasPrefix(lines[1], `datto: ok: account "Fake MSP"`) || !strings.Contains(lines[1], "24 devices") {
		t.Errorf("-check printed:\n%s", out.String())
	}
	errOut.Reset()
	if err := run(t.Context(), flags{demo: true, logFormat: "json"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	for l := range strings.SplitSeq(strings.TrimSpace(errOut.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil || m["msg"] == nil {
			t.Errorf("not a JSON record: %q", l)
		}
	}
	if err := run(t.Context(), flags{demo: true, logFormat: "yaml"}, &out, &errOut); !errors.Is(err, errUsage) {
		t.Errorf("-log-format yaml: %v", err)
	}
}
