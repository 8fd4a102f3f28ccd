package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
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
	for _, want := range []string{"is shared by 2 source devices", "excluded from matching", "create_customer", "matched by Serial Number", "deleted in the source"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	for _, want := range []string{"reading expensive fields", "applied 61 of 61 writes", "Datto audit reads", "requests"} {
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
