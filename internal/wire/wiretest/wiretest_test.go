package wiretest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestDiff(t *testing.T) {
	t.Parallel()
	same := Diff([]byte(`{"a":18.0,"b":[1,{"c":null}],"d":"x"}`), []byte(` {"d":"x","b":[1e0,{"c":null}],"a":18}`))
	if len(same) != 0 {
		t.Errorf("equal documents differ: %q", same)
	}
	got := Diff(
		[]byte(`{"t":"2024-06-20T14:45:15.9746271Z","cf":[{"id":1,"x":2}],"n":null,"odd key":1,"arr":[1,2]}`),
		[]byte(`{"t":"2024-06-20T14:45:15Z","cf":[{"id":1}],"n":"","odd key":2,"arr":[1],"new":true}`))
	want := []string{
		`$.arr: want 2 elements, got 1`,
		`$.cf[0].x: missing (want 2)`,
		`$.n: want null, got ""`,
		`$.new: unexpected true`,
		`$["odd key"]: want 1, got 2`,
		`$.t: want "2024-06-20T14:45:15.9746271Z", got "2024-06-20T14:45:15Z"`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("Diff =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestEveryFileHasAVendor guards the round-trip tests of halo and dattormm,
// which each take the files named after their vendor: a file named
// otherwise would be tested by neither.
func TestEveryFileHasAVendor(t *testing.T) {
	t.Parallel()
	dir := RealworldDir(t)
	files := Files(t, dir)
	if len(files) == 0 {
		t.Fatalf("no JSON files in %s", dir)
	}
	for _, f := range files {
		if !strings.HasPrefix(f, "halo-") && !strings.HasPrefix(f, "datto-") {
			t.Errorf("%s: neither halo-* nor datto-*; no round-trip test reads it", f)
		}
	}
}

func TestRealworldDirFromEnv(t *testing.T) {
	t.Setenv(EnvRealworld, t.TempDir())
	var got string
	t.Run("set", func(t *testing.T) { got = RealworldDir(t) })
	if got != os.Getenv(EnvRealworld) {
		t.Errorf("RealworldDir = %q, want $%s", got, EnvRealworld)
	}
	t.Setenv(EnvRealworld, filepath.Join(t.TempDir(), "absent"))
	skipped := false
	t.Run("absent", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		RealworldDir(t)
	})
	if !skipped {
		t.Error("an absent directory did not skip")
	}
}

// recorder is a testing.TB that keeps what Errorf says.
type recorder struct {
	testing.TB
	msgs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

func TestRoundTripReportsEachDifference(t *testing.T) {
	t.Parallel()
	type thing struct {
		A int    `json:"a"`
		B string `json:"b,omitempty"`
	}
	r := &recorder{TB: t}
	RoundTrip[thing](r, "x", []byte(`{"a":1,"b":"","c":null}`))
	want := []string{`x as wiretest.thing: $.b: missing (want "")`, `x as wiretest.thing: $.c: missing (want null)`}
	if !slices.Equal(r.msgs, want) {
		t.Errorf("RoundTrip said %q, want %q", r.msgs, want)
	}
	r = &recorder{TB: t}
	RoundTrip[thing](r, "y", []byte(`[1]`))
	if len(r.msgs) != 1 || !strings.HasPrefix(r.msgs[0], "y: decoding as wiretest.thing: ") {
		t.Errorf("RoundTrip of an array said %q", r.msgs)
	}
}

func TestReportCountsPastTwenty(t *testing.T) {
	t.Parallel()
	var want, got strings.Builder
	want.WriteString("[")
	got.WriteString("[")
	for i := range 25 {
		if i > 0 {
			want.WriteString(",")
			got.WriteString(",")
		}
		fmt.Fprint(&want, i)
		fmt.Fprint(&got, -i-1)
	}
	want.WriteString("]")
	got.WriteString("]")
	r := &recorder{TB: t}
	Report(r, "arr", []byte(want.String()), []byte(got.String()))
	if len(r.msgs) != 21 || r.msgs[0] != "arr: $[0]: want 0, got -1" || r.msgs[20] != "arr: ... and 5 more differences" {
		t.Errorf("Report said %d lines: %q", len(r.msgs), r.msgs)
	}
}

func TestEachFile(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"halo-ticket-1.json", "halo-user-list-2.json", "datto-site-1.json", "halo-notes.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(`{"f":"`+name+`"}`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(EnvRealworld, dir)
	var mu sync.Mutex
	var got []string
	t.Run("halo", func(t *testing.T) {
		EachFile(t, "halo", func(t *testing.T, kind string, raw []byte) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, t.Name()+" "+kind+" "+string(raw))
		})
	})
	slices.Sort(got)
	want := []string{
		`TestEachFile/halo/halo-ticket-1.json ticket {"f":"halo-ticket-1.json"}`,
		`TestEachFile/halo/halo-user-list-2.json user-list {"f":"halo-user-list-2.json"}`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("EachFile ran\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
