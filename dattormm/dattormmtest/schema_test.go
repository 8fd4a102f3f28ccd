package dattormmtest

import (
	goflag "flag"
	"testing"

	"github.com/mspsync/mspsync/internal/apispec"
	"github.com/mspsync/mspsync/internal/schemagen"
)

var update = goflag.Bool("update", false, "rewrite schema_gen.go from the OpenAPI document in $"+apispec.EnvVar)

// TestSchemasMatchSpec regenerates schema_gen.go from Datto's OpenAPI
// document and fails when the compiled-in schemas differ from it (run with
// -update to rewrite the file).
func TestSchemasMatchSpec(t *testing.T) {
	schemagen.Check(t, schemagen.Config{
		Spec: "dattormm-openapi.json", Package: "dattormmtest", Var: "requestSchemas", Roots: schemaRoots(), Closed: true,
	}, "schema_gen.go", *update, "./dattormm/dattormmtest")
}
