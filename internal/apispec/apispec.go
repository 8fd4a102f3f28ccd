// Package apispec checks requests against a vendor's published OpenAPI
// document. Vendor packages use it in contract tests: run every client
// method against the fake, then check each request the fake logged, so a
// path, method, query parameter or body field the vendor does not document
// fails the build.
//
// The documents are reference data kept outside the repository; tests read
// them from the directory named by MSPSYNC_SPECS and skip without it.
package apispec

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// EnvVar names the directory holding the vendor OpenAPI documents.
const EnvVar = "MSPSYNC_SPECS"

// Spec is a loaded OpenAPI document.
type Spec struct {
	name   string
	routes []route
	schema map[string]json.RawMessage // components.schemas
	params map[string]param           // components.parameters
}

type route struct {
	template string
	segs     []string
	ops      map[string]*operation // lower-case method
}

type operation struct {
	query map[string]bool
	body  json.RawMessage // schema of the JSON request body, if any
}

type param struct {
	Ref  string `json:"$ref"`
	Name string `json:"name"`
	In   string `json:"in"`
}

type document struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas    map[string]json.RawMessage `json:"schemas"`
		Parameters map[string]param           `json:"parameters"`
	} `json:"components"`
}

// Load reads an OpenAPI 3 JSON document.
func Load(path string) (*Spec, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc document
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("apispec: %s: %w", path, err)
	}
	s := &Spec{name: filepath.Base(path), schema: doc.Components.Schemas, params: doc.Components.Parameters}
	for tmpl, item := range doc.Paths {
		r := route{template: tmpl, segs: split(tmpl), ops: map[string]*operation{}}
		var shared []param
		if p, ok := item["parameters"]; ok {
			_ = json.Unmarshal(p, &shared)
		}
		for method, rawOp := range item {
			switch method {
			case "get", "put", "post", "delete", "patch", "head", "options":
			default:
				continue
			}
			var op struct {
				Parameters  []param `json:"parameters"`
				RequestBody struct {
					Content map[string]struct {
						Schema json.RawMessage `json:"schema"`
					} `json:"content"`
				} `json:"requestBody"`
			}
			if err := json.Unmarshal(rawOp, &op); err != nil {
				return nil, fmt.Errorf("apispec: %s %s %s: %w", path, method, tmpl, err)
			}
			o := &operation{query: map[string]bool{}}
			for _, p := range append(append([]param(nil), shared...), op.Parameters...) {
				if p.Ref != "" {
					p = s.params[strings.TrimPrefix(p.Ref, "#/components/parameters/")]
				}
				if p.In == "query" {
					o.query[p.Name] = true
				}
			}
			for ct, c := range op.RequestBody.Content {
				if strings.Contains(ct, "json") && len(c.Schema) > 0 {
					o.body = c.Schema
					if ct == "application/json" {
						break
					}
				}
			}
			r.ops[method] = o
		}
		s.routes = append(s.routes, r)
	}
	// Literal segments beat parameters: check the most literal routes first.
	sort.Slice(s.routes, func(i, j int) bool {
		li, lj := literals(s.routes[i].segs), literals(s.routes[j].segs)
		if li != lj {
			return li > lj
		}
		return s.routes[i].template < s.routes[j].template
	})
	return s, nil
}

// ForTest loads $MSPSYNC_SPECS/file, skipping the test (with how to run it)
// when the variable is unset, and failing it when the file is unreadable.
func ForTest(t testing.TB, file string) *Spec {
	t.Helper()
	dir := os.Getenv(EnvVar)
	if dir == "" {
		t.Skipf("contract test skipped: set %s to the directory holding %s (CI sets it to ../shared/specs)", EnvVar, file)
	}
	s, err := Load(filepath.Join(dir, file))
	if err != nil {
		t.Fatalf("loading spec: %v", err)
	}
	return s
}

func split(p string) []string { return strings.Split(strings.Trim(p, "/"), "/") }

func literals(segs []string) int {
	n := 0
	for _, s := range segs {
		if !strings.HasPrefix(s, "{") {
			n++
		}
	}
	return n
}

func (s *Spec) match(method, path string) (*route, *operation, error) {
	segs := split(path)
	var pathMatched *route
	for i := range s.routes {
		r := &s.routes[i]
		if len(r.segs) != len(segs) {
			continue
		}
		ok := true
		for k, seg := range r.segs {
			if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
				if segs[k] == "" {
					ok = false
					break
				}
				continue
			}
			if seg != segs[k] {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		if op, found := r.ops[strings.ToLower(method)]; found {
			return r, op, nil
		}
		if pathMatched == nil {
			pathMatched = r
		}
	}
	if pathMatched != nil {
		return nil, nil, fmt.Errorf("%s: %s %s: path %s has no %s operation", s.name, method, path, pathMatched.template, method)
	}
	return nil, nil, fmt.Errorf("%s: %s %s: no such path in the document", s.name, method, path)
}

// Check reports an error unless method and path (relative to the
// document's server root, e.g. "/Asset/12") match an operation — literal
// segments exactly, case included — and every query parameter name in query
// is declared for it.
func (s *Spec) Check(method, path string, query url.Values) error {
	r, op, err := s.match(method, path)
	if err != nil {
		return err
	}
	var unknown []string
	for name := range query {
		if !op.query[name] {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("%s: %s %s (%s): undeclared query parameters %v", s.name, method, path, r.template, unknown)
	}
	return nil
}

// CheckBody reports an error when a JSON request body has top-level object
// fields (of the object, or of each element of an array body) that the
// operation's request schema does not declare, other than the allowed ones
// (documented deviations, such as a field the vendor accepts but its
// document lacks). Schemas without declared properties accept anything.
func (s *Spec) CheckBody(method, path string, body []byte, allowed ...string) error {
	r, op, err := s.match(method, path)
	if err != nil {
		return err
	}
	if len(op.body) == 0 {
		if len(strings.TrimSpace(string(body))) == 0 {
			return nil
		}
		return fmt.Errorf("%s: %s %s (%s): operation takes no JSON body", s.name, method, path, r.template)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("%s: %s %s: body is not JSON: %w", s.name, method, path, err)
	}
	schema := op.body
	if arr, ok := v.([]any); ok {
		schema = s.items(schema)
		for _, el := range arr {
			if err := s.checkObject(method, path, r.template, schema, el, allowed); err != nil {
				return err
			}
		}
		return nil
	}
	return s.checkObject(method, path, r.template, schema, v, allowed)
}

func (s *Spec) checkObject(method, path, tmpl string, schema json.RawMessage, v any, allowed []string) error {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	props := s.properties(schema, 0)
	if props == nil {
		return nil
	}
	var unknown []string
	for k := range obj {
		if !props[k] && !slices.Contains(allowed, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("%s: %s %s (%s): body fields not in the schema: %v", s.name, method, path, tmpl, unknown)
	}
	return nil
}

type schemaNode struct {
	Ref        string                     `json:"$ref"`
	Items      json.RawMessage            `json:"items"`
	Properties map[string]json.RawMessage `json:"properties"`
	AllOf      []json.RawMessage          `json:"allOf"`
}

func (s *Spec) resolve(raw json.RawMessage) schemaNode {
	var n schemaNode
	_ = json.Unmarshal(raw, &n)
	for depth := 0; n.Ref != "" && depth < 16; depth++ {
		ref := s.schema[strings.TrimPrefix(n.Ref, "#/components/schemas/")]
		n = schemaNode{}
		_ = json.Unmarshal(ref, &n)
	}
	return n
}

func (s *Spec) items(raw json.RawMessage) json.RawMessage {
	if n := s.resolve(raw); len(n.Items) > 0 {
		return n.Items
	}
	return raw
}

// properties returns the declared property names of an object schema
// (following $ref and allOf), or nil when it declares none.
func (s *Spec) properties(raw json.RawMessage, depth int) map[string]bool {
	if depth > 16 {
		return nil
	}
	n := s.resolve(raw)
	var out map[string]bool
	add := func(k string) {
		if out == nil {
			out = map[string]bool{}
		}
		out[k] = true
	}
	for k := range n.Properties {
		add(k)
	}
	for _, sub := range n.AllOf {
		for k := range s.properties(sub, depth+1) {
			add(k)
		}
	}
	return out
}
