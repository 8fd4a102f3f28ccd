package wiretest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
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
