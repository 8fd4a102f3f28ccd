package dattormmtest

import (
	"bytes"
	goflag "flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/mspsync/mspsync/internal/apispec"
	"github.com/mspsync/mspsync/internal/fakeapi/schemagen"
)

var update = goflag.Bool("update", false, "rewrite schema_gen.go from the OpenAPI document in $"+apispec.EnvVar)

// TestSchemasMatchSpec regenerates schema_gen.go from Datto's OpenAPI
// document and fails when the compiled-in schemas differ from it (run with
// -update to rewrite the file).
func TestSchemasMatchSpec(t *testing.T) {
	dir := os.Getenv(apispec.EnvVar)
	if dir == "" {
		t.Skipf("%s not set", apispec.EnvVar)
	}
	src, err := schemagen.Generate(schemagen.Config{
		Spec: filepath.Join(dir, "dattormm-openapi.json"), Package: "dattormmtest", Var: "requestSchemas", Roots: schemaRoots(), Closed: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("schema_gen.go", src, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	cur, err := os.ReadFile("schema_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(cur, src) {
		t.Error("schema_gen.go is stale: go test ./dattormm/dattormmtest -run TestSchemasMatchSpec -update")
	}
}
