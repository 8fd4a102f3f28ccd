package schemagen

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/internal/apispec"
)

// recorder is a testing.TB that keeps what Errorf says.
type recorder struct {
	testing.TB
	msgs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

func TestCheck(t *testing.T) {
	specs := t.TempDir()
	doc := `{"components":{"schemas":{"Thing":{"type":"object","properties":{"name":{"type":"string"}}}}}}`
	if err := os.WriteFile(filepath.Join(specs, "v-openapi.json"), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(apispec.EnvVar, specs)
	cfg := Config{Spec: "v-openapi.json", Package: "vtest", Var: "requestSchemas", Roots: []string{"Thing"}}
	file := filepath.Join(t.TempDir(), "schema_gen.go")

	Check(t, cfg, file, true, "./v/vtest") // writes the file
	r := &recorder{TB: t}
	Check(r, cfg, file, false, "./v/vtest")
	if len(r.msgs) != 0 {
		t.Errorf("fresh file: %q", r.msgs)
	}

	if err := os.WriteFile(file, []byte("package vtest\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = &recorder{TB: t}
	Check(r, cfg, file, false, "./v/vtest")
	if len(r.msgs) != 1 || !strings.Contains(r.msgs[0], "is stale: go test ./v/vtest -run TestCheck -update") {
		t.Errorf("stale file: %q", r.msgs)
	}
}
