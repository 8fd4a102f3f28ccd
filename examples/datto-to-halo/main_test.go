package main

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDemoSecondRunChangesNothing(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(t.Context(), options{demo: true}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var sums []string
	for _, l := range lines {
		if strings.HasPrefix(l, "summary: ") {
			sums = append(sums, l)
		}
	}
	if len(sums) != 2 {
		t.Fatalf("summaries = %v", sums)
	}
	if sums[0] != "summary: created=56 updated=5 unchanged=0 deactivated=0 skipped=1 ambiguous=0 failed=0" {
		t.Errorf("first run: %s", sums[0])
	}
	if sums[1] != "summary: created=0 updated=0 unchanged=54 deactivated=0 skipped=1 ambiguous=0 failed=0" || lines[len(lines)-1] != sums[1] {
		t.Errorf("second run: %s (last line %q)", sums[1], lines[len(lines)-1])
	}
	// The default plan: grouped by customer, names not IDs, one line per
	// action within 120 columns, totals at the end.
	for i, l := range lines {
		if n := utf8.RuneCountInString(l); n > 120 {
			t.Errorf("line %d has %d runes: %q", i+1, n, l)
		}
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^Contoso \(23\)$`),
		regexp.MustCompile(`(?m)^Fabrikam \(19\)$`),
		regexp.MustCompile(`(?m)^  update +Main +CON-DE01 +CON-DE01 +Operating System: "" → Microsoft Window…; \(\+4 more\) \[ok\]$`),
		regexp.MustCompile(`(?m)^  create +Main +FAB-DE01 +\(new\) +type Desktop; inventory_number=FAB-DE01; .* \[ok\]$`),
		regexp.MustCompile(`(?m)^  new cust\. +Main +Fabrikam +source site "Fabrikam" is not mapped`),
		regexp.MustCompile(`(?m)^  new type +Server +no asset type named "Server" \[ok\]$`),
		regexp.MustCompile(`(?m)^Not placed \(1\)\n  skip +OLD-PC99 +deleted in the source$`),
		regexp.MustCompile(`(?m)^writes: 61 planned: 61 applied, 0 failed, 0 not applied$`),
	} {
		if !want.MatchString(out.String()) {
			t.Errorf("plan lacks %s:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "customer:") || strings.Contains(out.String(), "site:") {
		t.Errorf("the plan shows refs:\n%s", out.String())
	}
	for _, want := range []string{"reading expensive fields", "audits: 37/37 devices", "applied 61 of 61 writes", "Datto audit reads", "requests"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, errOut.String())
		}
	}
	// Halo writes per run: creates and updates go in batches.
	done := regexp.MustCompile(`done: \d+ Datto audit reads; halo \d+ requests \((\d+) reads, (\d+) writes\)`).FindAllStringSubmatch(errOut.String(), -1)
	if len(done) != 2 {
		t.Fatalf("done lines = %v", done)
	}
	if w, _ := strconv.Atoi(done[0][2]); w > 12 {
		t.Errorf("first run: %s Halo writes; want at most 12 (batched)", done[0][2])
	}
	if done[1][2] != "0" {
		t.Errorf("second run: %s Halo writes; want 0", done[1][2])
	}
}

func TestDryRunJSONAndPrintConfig(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(t.Context(), options{demo: true, dryRun: true, asJSON: true}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	dec := json.NewDecoder(&out)
	var first struct {
		DryRun  bool           `json:"dry_run"`
		Summary map[string]int `json:"summary"`
		Plan    struct {
			Actions []map[string]any `json:"actions"`
		} `json:"plan"`
	}
	if err := dec.Decode(&first); err != nil || !first.DryRun || first.Summary["created"] != 56 || len(first.Plan.Actions) == 0 {
		t.Fatalf("dry-run JSON: %+v, %v", first.Summary, err)
	}
	var second struct{ Summary map[string]int }
	if err := dec.Decode(&second); err != nil || second.Summary["created"] != 56 {
		t.Errorf("a dry run wrote something: second plan %v, %v", second.Summary, err)
	}

	out.Reset()
	if code := run(t.Context(), options{demo: true, printConfig: true}, &out, &errOut); code != exitOK {
		t.Fatal(code)
	}
	path := filepath.Join(t.TempDir(), "cfg.json")
	if err := os.WriteFile(path, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run(t.Context(), options{demo: true, configPath: path}, &out, &errOut); code != exitOK {
		t.Fatalf("printed config does not load back: exit %d %s", code, errOut.String())
	}
	os.WriteFile(path, []byte(`{"sites":{"method":"nope"}}`), 0o600)
	errOut.Reset()
	if code := run(t.Context(), options{demo: true, configPath: path}, &out, &errOut); code != exitSettings || !strings.Contains(errOut.String(), "sites.method") {
		t.Errorf("bad config: exit %d, %s", code, errOut.String())
	}
}

func TestMissingSettings(t *testing.T) {
	for _, k := range []string{"HALO_URL", "HALO_CLIENT_ID", "HALO_CLIENT_SECRET", "DATTO_API_URL", "DATTO_API_KEY", "DATTO_API_SECRET"} {
		t.Setenv(k, "")
	}
	var errOut bytes.Buffer
	code := run(t.Context(), options{}, &bytes.Buffer{}, &errOut)
	for _, want := range []string{"HALO_URL, HALO_CLIENT_ID, HALO_CLIENT_SECRET", "DATTO_API_URL, DATTO_API_KEY, DATTO_API_SECRET"} {
		if code != exitSettings || !strings.Contains(errOut.String(), want) {
			t.Errorf("exit %d, %q not named: %s", code, want, errOut.String())
		}
	}
}

// TestAllKeepsTheFullTable: -all prints every action with its IDs and
// reasons, unchanged assets too.
func TestAllKeepsTheFullTable(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(t.Context(), options{demo: true, all: true}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	for _, want := range []string{"ACTION", "is shared by 2 source devices", "excluded from matching", "create_customer", "matched by Serial Number", "deleted in the source", "unchanged"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("-all output lacks %q", want)
		}
	}
}

// TestCheck runs -check against the demo's fakes: one line per vendor
// with what it learned; a wrong -log-format is a settings error.
func TestCheck(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(t.Context(), options{demo: true, check: true}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !regexp.MustCompile(`^halo: ok: http://127\.0\.0\.1:\d+/halo tenant \w+, acting as agent "API" \(#1\)$`).MatchString(lines[0]) ||
		!regexp.MustCompile(`^datto: ok: account "Fake MSP" \(uid \w+\), 55 devices, http://127\.0\.0\.1:\d+/datto, API fake$`).MatchString(lines[1]) {
		t.Errorf("-check printed:\n%s", out.String())
	}
	if code := run(t.Context(), options{demo: true, logFormat: "xml"}, &out, &errOut); code != exitSettings {
		t.Errorf("-log-format xml: exit %d", code)
	}
}

// TestCheckFailsOnAClosedPort: -check with a refused connection prints
// the cause and the host within seconds and exits 1.
func TestCheckFailsOnAClosedPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	t.Setenv("HALO_URL", "http://"+addr+"/api/")
	t.Setenv("HALO_CLIENT_ID", "id")
	t.Setenv("HALO_CLIENT_SECRET", "cs-SECRET")
	t.Setenv("DATTO_API_URL", "http://"+addr)
	t.Setenv("DATTO_API_KEY", "key")
	t.Setenv("DATTO_API_SECRET", "ds-SECRET")
	var out, errOut bytes.Buffer
	if code := run(t.Context(), options{check: true}, &out, &errOut); code != exitFailed {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{"halo: FAILED: halo: POST http://" + addr + "/auth/token", "datto: FAILED: dattormm: POST http://" + addr + "/auth/oauth/token", "connection refused"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("-check output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String()+errOut.String(), "SECRET") {
		t.Errorf("a secret was printed")
	}
}

// TestLogFormatJSON: with -log-format json every line on stderr is a JSON
// record.
func TestLogFormatJSON(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(t.Context(), options{demo: true, dryRun: true, logFormat: "json"}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	n := 0
	for l := range strings.SplitSeq(strings.TrimSpace(errOut.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil || m["msg"] == nil || m["level"] == nil {
			t.Errorf("not a JSON record: %q (%v)", l, err)
		}
		n++
	}
	if n < 5 || !strings.Contains(errOut.String(), `"msg":"audits: 37/37 devices"`) {
		t.Errorf("%d records:\n%s", n, errOut.String())
	}
}

// TestPlanOutThenApplyPlan keeps the demo's plan in a file without
// writing, then applies exactly it (the demo's fakes are seeded the same
// in each run, so Halo has not changed underneath it).
func TestPlanOutThenApplyPlan(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "plan.json")
	var out, errOut bytes.Buffer
	if code := run(t.Context(), options{demo: true, planOut: path, mappingsPath: filepath.Join(dir, "m.json")}, &out, &errOut); code != exitOK {
		t.Fatalf("-plan-out: exit %d\n%s", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), "plan kept in "+path) || !strings.Contains(out.String(), "summary: created=56 updated=5") || strings.Contains(out.String(), "[ok]") {
		t.Errorf("-plan-out wrote something or kept nothing:\n%s\n%s", out.String(), errOut.String())
	}
	raw, err := os.ReadFile(path)
	if err != nil || !bytes.Contains(raw, []byte(`"format": "mspsync-reconcile-plan"`)) || !bytes.Contains(raw, []byte(`"version": 2`)) {
		t.Fatalf("plan file: %v\n%.300s", err, raw)
	}
	out.Reset()
	errOut.Reset()
	if code := run(t.Context(), options{demo: true, applyPlan: path, mappingsPath: filepath.Join(dir, "m2.json")}, &out, &errOut); code != exitOK {
		t.Fatalf("-apply-plan: exit %d\n%s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "writes: 61 planned: 61 applied, 0 failed, 0 not applied") || !strings.Contains(errOut.String(), "applying the plan of "+path) {
		t.Errorf("-apply-plan:\n%s\n%s", out.String(), errOut.String())
	}
	// Refused: a plan file of another format, and the two flags together.
	os.WriteFile(path, []byte(`{"format":"other","version":1,"changeset":{}}`), 0o600)
	if code := run(t.Context(), options{demo: true, applyPlan: path}, &out, &errOut); code != exitSettings || !strings.Contains(errOut.String(), `format "other"`) {
		t.Errorf("foreign plan file: exit %d\n%s", code, errOut.String())
	}
	if code := run(t.Context(), options{demo: true, applyPlan: path, planOut: path}, &out, &errOut); code != exitSettings {
		t.Errorf("-plan-out with -apply-plan: exit %d", code)
	}
}

// TestApplyPlanRefusesADuplicate: a plan whose asset create would now
// match an asset Halo holds (the demo's fakes are seeded afresh each run,
// so the plan's recorded serial is edited to the one Halo's CON-DE01
// carries, as if a technician had added that asset since) is refused
// with exit status 4, the conflict named, and nothing written.
func TestApplyPlanRefusesADuplicate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "plan.json")
	var out, errOut bytes.Buffer
	if code := run(t.Context(), options{demo: true, planOut: path, mappingsPath: filepath.Join(dir, "m.json")}, &out, &errOut); code != exitOK {
		t.Fatalf("-plan-out: exit %d\n%s", code, errOut.String())
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	first := regexp.MustCompile(`"field": "Serial Number",\s+"value": "[^"]+"`).FindIndex(raw)
	if first == nil {
		t.Fatalf("no create records a serial:\n%.2000s", raw)
	}
	edited := slices.Concat(raw[:first[0]], []byte(`"field": "Serial Number", "value": "SNCO0001"`), raw[first[1]:])
	if err := os.WriteFile(path, edited, 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errOut.Reset()
	code := run(t.Context(), options{demo: true, applyPlan: path, mappingsPath: filepath.Join(dir, "m2.json")}, &out, &errOut)
	if code != exitConflict || !strings.Contains(errOut.String(), `has Serial Number "SNCO0001" now, which matches device`) ||
		!strings.Contains(errOut.String(), "nothing was written") || strings.Contains(out.String(), "[ok]") {
		t.Errorf("-apply-plan: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
}
