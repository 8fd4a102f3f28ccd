package schemagen

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/mspsync/mspsync/internal/apispec"
)

// Check is the drift test of a vendor fake's generated schemas: it
// generates file from cfg, where cfg.Spec names a document in the
// directory $MSPSYNC_SPECS, and fails t when file (relative to the
// test's working directory) differs; with update it rewrites file
// instead. pkg is the fake's package path as go test takes it
// ("./halo/halotest"), named in the failure with how to update. It skips t
// when MSPSYNC_SPECS is not set.
func Check(t testing.TB, cfg Config, file string, update bool, pkg string) {
	t.Helper()
	dir := os.Getenv(apispec.EnvVar)
	if dir == "" {
		t.Skipf("%s not set", apispec.EnvVar)
	}
	cfg.Spec = filepath.Join(dir, cfg.Spec)
	src, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if update {
		if err := os.WriteFile(file, src, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	cur, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(cur, src) {
		t.Errorf("%s is stale: go test %s -run %s -update", file, pkg, t.Name())
	}
}
