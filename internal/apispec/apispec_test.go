package apispec

import (
	"net/url"
	"os"
	"path/filepath"
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
    "/v2/site/{siteUid}": {"parameters": [{"name": "x", "in": "query"}], "post": {"requestBody": {"content": {"application/json": {"schema": {"allOf": [{"$ref": "#/components/schemas/Site"}, {"properties": {"extra": {}}}]}}}}}}
  },
  "components": {
    "schemas": {
      "Device": {"properties": {"id": {}, "inventory_number": {}}},
      "Site": {"properties": {"name": {}}}
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
