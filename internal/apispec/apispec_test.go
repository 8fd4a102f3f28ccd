package apispec

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const doc = `{
  "openapi": "3.0.1",
  "paths": {
    "/Asset": {
      "get": {"parameters": [{"name": "page_no", "in": "query"}, {"name": "pageinate", "in": "query"}]},
      "post": {"requestBody": {"content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Device"}}}}}}
    },
    "/Asset/{id}": {"get": {"parameters": [{"name": "id", "in": "path"}, {"$ref": "#/components/parameters/Inc"}]}},
    "/Asset/NextTag": {"get": {}},
    "/v2/site/{siteUid}": {"parameters": [{"name": "x", "in": "query"}], "post": {"requestBody": {"content": {"application/json": {"schema": {"allOf": [{"$ref": "#/components/schemas/Site"}, {"properties": {"extra": {}}}]}}}}}},
    "/Tickets": {
      "get": {"parameters": [
        {"name": "page_size", "in": "query", "schema": {"type": "int"}},
        {"name": "max", "in": "query", "schema": {"type": "integer", "format": "int32"}},
        {"name": "open_only", "in": "query", "schema": {"type": "bool"}},
        {"name": "muted", "in": "query", "schema": {"type": "boolean"}},
        {"name": "ratio", "in": "query", "schema": {"type": "double"}},
        {"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}},
        {"name": "when", "in": "query", "schema": {"type": "DateTime"}},
        {"name": "order", "in": "query", "schema": {"type": "string", "enum": ["asc", "desc"]}},
        {"name": "ids", "in": "query", "schema": {"type": "List<int>"}},
        {"name": "kinds", "in": "query", "schema": {"type": "array", "items": {"type": "string", "enum": ["device", "user"]}}},
        {"name": "guid", "in": "query", "schema": {"type": "string", "format": "uuid"}},
        {"name": "either", "in": "query", "schema": {"type": ["integer", "null"]}},
        {"name": "free", "in": "query"}
      ]},
      "post": {"requestBody": {"content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Faults"}}}}}}
    },
    "/v2/device/id/{deviceId}": {"get": {"parameters": [{"name": "deviceId", "in": "path", "schema": {"type": "integer", "format": "int64"}}]}},
    "/Open": {"post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Open"}}}}}}
  },
  "components": {
    "schemas": {
      "Device": {"properties": {"id": {}, "inventory_number": {}}},
      "Site": {"properties": {"name": {}}},
      "Faults": {"type": "object", "additionalProperties": false, "properties": {
        "id": {"type": "integer"},
        "assets": {"type": "array", "items": {"$ref": "#/components/schemas/Device"}},
        "customfields": {"type": "array", "items": {"$ref": "#/components/schemas/CustomField"}},
        "owner": {"$ref": "#/components/schemas/Site"},
        "tags": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Site"}},
        "meta": {"type": "object", "additionalProperties": true, "properties": {"a": {}}},
        "target": {"oneOf": [{"$ref": "#/components/schemas/Site"}, {"$ref": "#/components/schemas/Device"}]}
      }},
      "CustomField": {"type": "object", "additionalProperties": false, "properties": {"id": {}, "value": {}}},
      "Open": {"type": "object", "properties": {"anything": {"type": "object"}, "closed": {"type": "object", "additionalProperties": false}}}
    },
    "parameters": {"Inc": {"name": "includedetails", "in": "query"}}
  }
}`

func load(t *testing.T) *Spec {
	t.Helper()
	p := filepath.Join(t.TempDir(), "x.json")
	if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCheck(t *testing.T) {
	t.Parallel()
	s := load(t)
	for _, tc := range []struct {
		method, path, query, wantErr string
	}{
		{"GET", "/Asset", "page_no=1&pageinate=true", ""},
		{"GET", "/Asset", "page_size=5", "undeclared query parameters [page_size]"},
		{"GET", "/asset", "", "no such path"},
		{"DELETE", "/Asset", "", "has no DELETE operation"},
		{"GET", "/Asset/12", "includedetails=true", ""},
		{"GET", "/Asset/NextTag", "", ""},
		{"POST", "/v2/site/abc", "x=1", ""},
		{"GET", "/Asset/12/more", "", "no such path"},
	} {
		q, _ := url.ParseQuery(tc.query)
		err := s.Check(tc.method, tc.path, q)
		if tc.wantErr == "" && err != nil {
			t.Errorf("%s %s?%s: %v", tc.method, tc.path, tc.query, err)
		}
		if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s %s?%s: err = %v, want %q", tc.method, tc.path, tc.query, err, tc.wantErr)
		}
	}
}

func TestCheckBody(t *testing.T) {
	t.Parallel()
	s := load(t)
	if err := s.CheckBody("POST", "/Asset", []byte(`[{"id":1,"inventory_number":"PC1"}]`)); err != nil {
		t.Error(err)
	}
	if err := s.CheckBody("POST", "/Asset", []byte(`[{"id":1,"serial":"x"}]`)); err == nil || !strings.Contains(err.Error(), "[serial]") {
		t.Errorf("unknown field: err = %v", err)
	}
	if err := s.CheckBody("POST", "/v2/site/u1", []byte(`{"name":"a","extra":1}`)); err != nil {
		t.Error(err)
	}
	if err := s.CheckBody("GET", "/Asset/NextTag", []byte(`{"a":1}`)); err == nil {
		t.Error("body on a body-less operation accepted")
	}
}

func TestCheckQueryValues(t *testing.T) {
	t.Parallel()
	s := load(t)
	for _, tc := range []struct{ query, wantErr string }{
		{"page_size=100&max=250&open_only=true&muted=False&ratio=0.5&since=2024-05-01T10:00:00Z&when=2024-05-01T10:00:00Z" +
			"&order=desc&ids=1,2,3&kinds=device&kinds=device,user&guid=0f8fad5b-d9cb-469f-a165-70867728950e&either=3&free=x", ""},
		{"page_size=ten", "page_size=\"ten\": not an integer"},
		{"max=3000000000", "max=\"3000000000\": not an integer"},
		{"open_only=1", "open_only=\"1\": not a boolean"},
		{"ratio=half", "not a number"},
		{"since=2024-05-01", "not a date-time"},
		{"when=yesterday", "not a date-time"},
		{"order=up", `"up" is not one of [asc desc]`},
		{"ids=1,x", "not a list of integers"},
		{"kinds=device,robot", `"robot" is not one of [device user]`},
		{"guid=123", "not a UUID"},
		{"either=x", "not an integer"},
		{"page_size=1&open_only=yes&unknown=1", "undeclared query parameters [unknown]"},
	} {
		q, _ := url.ParseQuery(tc.query)
		err := s.Check("GET", "/Tickets", q)
		if tc.wantErr == "" && err != nil {
			t.Errorf("%s: %v", tc.query, err)
		}
		if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s: err = %v, want %q", tc.query, err, tc.wantErr)
		}
	}
	if err := s.Check("GET", "/Tickets", url.Values{"page_size": {"x"}, "open_only": {"x"}}); err == nil ||
		!strings.Contains(err.Error(), "page_size") || !strings.Contains(err.Error(), "open_only") {
		t.Errorf("every bad value is reported: %v", err)
	}
	if err := s.Check("GET", "/v2/device/id/123", nil); err != nil {
		t.Error(err)
	}
	if err := s.Check("GET", "/v2/device/id/abc", nil); err == nil || !strings.Contains(err.Error(), `path parameter deviceId="abc"`) {
		t.Errorf("path value: err = %v", err)
	}
}

func TestCheckBodyNested(t *testing.T) {
	t.Parallel()
	s := load(t)
	for _, tc := range []struct{ body, wantErr string }{
		{`[{"id":1,"assets":[{"id":2,"inventory_number":"PC"}],"customfields":[{"id":3,"value":"x"}],"owner":{"name":"a"},` +
			`"tags":{"t1":{"name":"x"}},"meta":{"a":1,"b":2},"target":{"inventory_number":"PC"}}]`, ""},
		{`[{"assets":[{"id":2,"serial":"x"}]}]`, "[assets.serial]"},
		{`[{"customfields":[{"id":3,"label":"x"}]}]`, "[customfields.label]"},
		{`[{"owner":{"name":"a","zip":1}}]`, "[owner.zip]"},
		{`[{"tags":{"t1":{"name":"x","colour":"red"}}}]`, "[tags.t1.colour]"},
		{`[{"target":{"name":"a","nope":1}}]`, "[target.nope]"},
		{`[{"assets":{"id":2}}]`, "assets is an object; the schema wants an array"},
		{`[{"owner":[{"name":"a"}]}]`, "owner is an array; the schema wants an object"},
		{`[{"top":1,"owner":{"zip":1}}]`, "[owner.zip top]"},
	} {
		err := s.CheckBody("POST", "/Tickets", []byte(tc.body))
		if tc.wantErr == "" && err != nil {
			t.Errorf("%s: %v", tc.body, err)
		}
		if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s: err = %v, want %q", tc.body, err, tc.wantErr)
		}
	}
	if err := s.CheckBody("POST", "/Tickets", []byte(`[{"userlookup":{"id":-1},"owner":{"zip":1}}]`), "userlookup", "owner.zip"); err != nil {
		t.Errorf("allowed paths: %v", err)
	}
	if err := s.CheckBody("POST", "/Open", []byte(`{"anything":{"x":1},"closed":{}}`)); err != nil {
		t.Errorf("open object: %v", err)
	}
	if err := s.CheckBody("POST", "/Open", []byte(`{"closed":{"x":1}}`)); err == nil || !strings.Contains(err.Error(), "[closed.x]") {
		t.Errorf("additionalProperties false without properties: %v", err)
	}
}

type fakeService struct{}

func (*fakeService) List(context.Context) error { return nil }
func (*fakeService) Get(context.Context) error  { return nil }
func (*fakeService) private()                   {}

type fakeClient struct {
	Things  *fakeService
	Widgets *fakeService
	Name    string
	hidden  *fakeService
}

func (*fakeClient) Ping(context.Context) error { return nil }
func (*fakeClient) Stats() int                 { return 0 }

func TestOperations(t *testing.T) {
	t.Parallel()
	c := &fakeClient{hidden: nil}
	got := Operations(c)
	want := []string{"Things.Get", "Things.List", "Widgets.Get", "Widgets.List", "fakeClient.Ping", "fakeClient.Stats"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Operations = %v, want %v", got, want)
	}
	noop := func(context.Context) error { return nil }
	missing, stale := Contract{Client: c, Calls: map[string]func(context.Context) error{
		"Things.Get": noop, "Things.List": noop, "Widgets.Get": noop, "fakeClient.Ping": noop, "fakeClient.Stats": noop, "Things.Gone": noop,
	}, Quiet: map[string]string{"fakeClient.Stats": "counts", "Old.Quiet": "gone"}}.Uncovered()
	if !reflect.DeepEqual(missing, []string{"Widgets.List"}) || !reflect.DeepEqual(stale, []string{"Old.Quiet", "Things.Gone"}) {
		t.Errorf("missing %v, stale %v", missing, stale)
	}
}

func TestForTestSkipsWithoutEnv(t *testing.T) {
	if os.Getenv(EnvVar) != "" {
		t.Skip("MSPSYNC_SPECS is set")
	}
	ok := t.Run("inner", func(t *testing.T) {
		ForTest(t, "halo-openapi.json")
		t.Error("ForTest returned without the variable")
	})
	if !ok {
		t.Error("inner test failed instead of skipping")
	}
}
