package halotest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/mspsync/mspsync/fakeapi"
)

// resourceSchemas names the spec schema of each resource's POST body (an
// array of it). Halo's schemas forbid other properties
// (additionalProperties: false).
var resourceSchemas = map[string]string{
	"client": "Area", "site": "Site", "users": "Users", "asset": "Device", "assettype": "Xtype",
	"assetgroup": "Generic", "field": "Field", "fieldinfo": "FieldInfo", "tickets": "Faults",
	"actions": "Actions", "tickettype": "RequestType", "status": "TStatus", "clientcontract": "ContractHeader",
	"team": "SectionDetail",
}

// schemaRoots returns the request schemas of every resource, sorted.
func schemaRoots() []string {
	var out []string
	for _, s := range resourceSchemas {
		out = append(out, s)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// haloRead is how Halo's JSON reader converts values: numbers and
// booleans sent as strings are accepted ("assettype_id": "130" was), an
// integer with a fraction (95.0) is not.
var haloRead = fakeapi.CheckOptions{StringScalars: true}

// dotnetType names a kind the way .NET's model binder does in messages.
var dotnetType = map[fakeapi.Kind]string{
	fakeapi.String: "String", fakeapi.Integer: "Int32", fakeapi.Number: "Double", fakeapi.Boolean: "Boolean",
	fakeapi.Object: "Object", fakeapi.Array: "Array",
}

// checkBody validates one element of a POST body against its resource's
// schema and returns Halo's model-state errors ("[0].id": "...") for it.
func checkBody(res *resource, i int, rec fakeapi.Record) map[string]string {
	if res.schema == "" {
		return nil
	}
	out := map[string]string{}
	for _, v := range requestSchemas.Check(res.schema, rec, fmt.Sprintf("[%d]", i), haloRead) {
		switch v.Problem {
		case fakeapi.Unknown:
			if v.Schema == res.schema && slices.Contains(res.accepts, v.Name) {
				continue
			}
			out[v.Path] = fmt.Sprintf("Could not find member '%s' on object of type '%s'.", v.Name, v.Schema)
		case fakeapi.WrongType, fakeapi.NotInteger:
			out[v.Path] = fmt.Sprintf("The value '%s' is not valid for %s.", v.Literal(), dotnetType[v.Want])
		case fakeapi.Missing:
			out[v.Path] = "The " + v.Name + " field is required."
		}
	}
	return out
}

// writeModelState writes Halo's 400 for a body that does not bind: an
// object keyed by the path of each bad property (ASP.NET model state).
func writeModelState(w http.ResponseWriter, errs map[string]string) {
	fakeapi.WriteJSON(w, http.StatusBadRequest, errs)
}

// keyFields are the display columns Halo derives from an asset type's key
// fields; a client writes the values through "fields" (key_field
// sent on create is not persisted).
var keyFields = []struct{ column, typeField string }{
	{"key_field", "keyfield_id"}, {"key_field2", "keyfield2_id"}, {"key_field3", "keyfield3_id"},
}

// deriveKeyFields drops key_field* as sent and sets them from the asset's
// field values for the asset type's key fields.
func deriveKeyFields(rec, cur, assetType fakeapi.Record) {
	for _, kf := range keyFields {
		delete(rec, kf.column)
	}
	if assetType == nil {
		return
	}
	fields, sent := rec["fields"]
	if !sent {
		fields = cur["fields"]
	}
	items, _ := fields.([]any)
	for _, kf := range keyFields {
		id := fakeapi.KeyOf(assetType, kf.typeField)
		if id == "" {
			continue
		}
		for _, it := range items {
			if m, ok := it.(map[string]any); ok && fakeapi.Str(m["id"]) == id {
				rec[kf.column] = strings.TrimSpace(fakeapi.Str(m["value"]))
			}
		}
	}
}
