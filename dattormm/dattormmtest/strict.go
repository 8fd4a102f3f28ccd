package dattormmtest

import (
	"net/http"
	"strings"
	"time"

	"github.com/mspsync/mspsync/fakeapi"
)

// schemaRoots are the request bodies the fake takes, by the names of
// Datto's OpenAPI document: PUT /v2/site, POST /v2/site/{uid}, POST
// /v2/device/{uid}/udf.
func schemaRoots() []string { return []string{"CreateSiteRequest", "SiteRequest", "Udf"} }

// dattoRead holds bodies to the published request schemas: JSON types as
// declared, no properties beyond them, required ones present. (Datto's
// Spring server may coerce or ignore more; its document does not say so.)
var dattoRead = fakeapi.CheckOptions{}

// decodeBody reads a JSON object body and checks it against schema. On
// failure it answers Datto's 400 ("Request is invalid.", Spring's error
// body) and returns false.
func (s *Server) decodeBody(w http.ResponseWriter, r *http.Request, schema string) (fakeapi.Record, bool) {
	var req fakeapi.Record
	if err := fakeapi.DecodeJSON(r.Body, &req); err != nil || req == nil {
		s.badRequest(w, r, "Request is invalid.")
		return nil, false
	}
	if vs := requestSchemas.Check(schema, req, "", dattoRead); len(vs) > 0 {
		s.badRequest(w, r, "Request is invalid.")
		return nil, false
	}
	return req, true
}

func (s *Server) badRequest(w http.ResponseWriter, r *http.Request, msg string) {
	fakeapi.WriteJSON(w, http.StatusBadRequest, map[string]any{
		"timestamp": time.Now().UnixMilli(), "status": http.StatusBadRequest, "error": "Bad Request",
		"message": msg, "path": strings.TrimPrefix(r.URL.Path, "/datto"),
	})
}
