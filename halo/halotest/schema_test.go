package halotest

import (
	goflag "flag"
	"testing"

	"github.com/mspsync/mspsync/internal/apispec"
	"github.com/mspsync/mspsync/internal/schemagen"
)

var update = goflag.Bool("update", false, "rewrite schema_gen.go from the OpenAPI document in $"+apispec.EnvVar)

// TestSchemasMatchSpec regenerates schema_gen.go from Halo's OpenAPI
// document and fails when the compiled-in schemas differ from it (run with
// -update to rewrite the file).
func TestSchemasMatchSpec(t *testing.T) {
	schemagen.Check(t, schemagen.Config{
		Spec: "halo-openapi.json", Package: "halotest", Var: "requestSchemas", Roots: schemaRoots(),
	}, "schema_gen.go", *update, "./halo/halotest")
}
