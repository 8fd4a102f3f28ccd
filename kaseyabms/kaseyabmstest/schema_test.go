package kaseyabmstest

import (
	goflag "flag"
	"testing"

	"github.com/mspsync/mspsync/internal/apispec"
	"github.com/mspsync/mspsync/internal/schemagen"
)

var update = goflag.Bool("update", false, "rewrite schema_gen.go from the OpenAPI document in $"+apispec.EnvVar)

// schemaRoots are the request bodies the fake checks.
var schemaRoots = []string{"Operation", "RecurringServicePostInputDto", "ResolveTicketDto", "ServiceInputDto", "TicketInputDto",
	"TicketNotePostInputDto", "WebhookConfigurationInputDto", "WebhookConfigurationListInputDto"}

// TestSchemasMatchSpec regenerates schema_gen.go from BMS's OpenAPI
// document and fails when the compiled-in schemas differ from it (run with
// -update to rewrite the file).
func TestSchemasMatchSpec(t *testing.T) {
	schemagen.Check(t, schemagen.Config{
		Spec: "kaseyabms-openapi.json", Package: "kaseyabmstest", Var: "requestSchemas", Roots: schemaRoots,
	}, "schema_gen.go", *update, "./kaseyabms/kaseyabmstest")
}
