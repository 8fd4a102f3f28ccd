// Package apispec checks requests against a vendor's published OpenAPI
// document. Vendor packages use it in contract tests: run every client
// method against the fake, then check each request the fake logged, so a
// path, method, query parameter (name or value) or body field (at any
// depth) the vendor does not document fails the build. Operations lists a
// client's methods, so that a contract test can require an invocation of
// each of them.
//
// The documents are reference data kept outside the repository; tests read
// them from the directory named by MSPSYNC_SPECS and skip without it.
package apispec

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
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
	query map[string]json.RawMessage // declared query parameter → its schema (may be empty)
	path  map[string]json.RawMessage // path parameter → its schema
	body  json.RawMessage            // schema of the JSON request body, if any
}

type param struct {
	Ref    string          `json:"$ref"`
	Name   string          `json:"name"`
	In     string          `json:"in"`
	Schema json.RawMessage `json:"schema"`
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
			o := &operation{query: map[string]json.RawMessage{}, path: map[string]json.RawMessage{}}
			for _, p := range append(append([]param(nil), shared...), op.Parameters...) {
				if p.Ref != "" {
					p = s.params[strings.TrimPrefix(p.Ref, "#/components/parameters/")]
				}
				switch p.In {
				case "query":
					o.query[p.Name] = p.Schema
				case "path":
					o.path[p.Name] = p.Schema
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
// segments exactly, case included — every query parameter name in query is
// declared for it, and every query and path parameter value fits its
// declared schema (see CheckValue).
func (s *Spec) Check(method, path string, query url.Values) error {
	r, op, err := s.match(method, path)
	if err != nil {
		return err
	}
	var unknown []string
	var bad []error
	for name, vals := range query {
		sch, ok := op.query[name]
		if !ok {
			unknown = append(unknown, name)
			continue
		}
		for _, v := range vals {
			if err := s.CheckValue(sch, v); err != nil {
				bad = append(bad, fmt.Errorf("query parameter %s=%q: %w", name, v, err))
			}
		}
	}
	segs := split(path)
	for k, seg := range r.segs {
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			name = strings.TrimSuffix(name, "}")
			v, _ := url.PathUnescape(segs[k])
			if err := s.CheckValue(op.path[name], v); err != nil {
				bad = append(bad, fmt.Errorf("path parameter %s=%q: %w", name, v, err))
			}
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		bad = append(bad, fmt.Errorf("undeclared query parameters %v", unknown))
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Slice(bad, func(i, j int) bool { return bad[i].Error() < bad[j].Error() })
	return fmt.Errorf("%s: %s %s (%s): %w", s.name, method, path, r.template, errors.Join(bad...))
}

// valueNode is the part of a schema that constrains a parameter value.
type valueNode struct {
	Ref    string            `json:"$ref"`
	Type   json.RawMessage   `json:"type"` // a string, or a list of them (OpenAPI 3.1)
	Format string            `json:"format"`
	Enum   []any             `json:"enum"`
	Items  json.RawMessage   `json:"items"`
	AnyOf  []json.RawMessage `json:"anyOf"`
	OneOf  []json.RawMessage `json:"oneOf"`
}

func (s *Spec) resolveValue(raw json.RawMessage) valueNode {
	var n valueNode
	_ = json.Unmarshal(raw, &n)
	for depth := 0; n.Ref != "" && depth < 16; depth++ {
		ref := s.schema[strings.TrimPrefix(n.Ref, "#/components/schemas/")]
		n = valueNode{}
		_ = json.Unmarshal(ref, &n)
	}
	return n
}

func (n valueNode) types() []string {
	var one string
	if json.Unmarshal(n.Type, &one) == nil {
		return []string{one}
	}
	var many []string
	_ = json.Unmarshal(n.Type, &many)
	return many
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// CheckValue reports whether a parameter value (as sent in a URL) fits a
// parameter schema: its enum; type integer, number or boolean; format
// date-time, date or uuid of a string; each comma-separated element of an
// array. Halo's non-standard type names are understood: int, long, bool,
// double, DateTime and List<int>. An empty or unknown schema accepts
// anything.
func (s *Spec) CheckValue(schema json.RawMessage, v string) error {
	return s.checkValue(schema, v, 0)
}

func (s *Spec) checkValue(schema json.RawMessage, v string, depth int) error {
	if len(schema) == 0 || depth > 16 {
		return nil
	}
	n := s.resolveValue(schema)
	if alts := append(append([]json.RawMessage(nil), n.AnyOf...), n.OneOf...); len(alts) > 0 {
		var first error
		for _, alt := range alts {
			err := s.checkValue(alt, v, depth+1)
			if err == nil {
				return nil
			}
			if first == nil {
				first = err
			}
		}
		return first
	}
	types := n.types()
	if len(types) == 0 {
		types = []string{""}
	}
	var first error
	for _, typ := range types {
		err := s.checkTyped(n, typ, v, depth)
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	return first
}

func (s *Spec) checkTyped(n valueNode, typ, v string, depth int) error {
	switch strings.ToLower(typ) {
	case "array":
		for el := range strings.SplitSeq(v, ",") {
			if err := s.checkValue(n.Items, el, depth+1); err != nil {
				return err
			}
		}
		return checkEnum(n.Enum, v, true)
	case "list<int>":
		for el := range strings.SplitSeq(v, ",") {
			if _, err := strconv.ParseInt(strings.TrimSpace(el), 10, 64); err != nil {
				return fmt.Errorf("%q is not a list of integers", v)
			}
		}
		return nil
	case "integer", "int", "long", "int32", "int64":
		bits := 64
		if n.Format == "int32" || typ == "int32" {
			bits = 32
		}
		if _, err := strconv.ParseInt(v, 10, bits); err != nil {
			return fmt.Errorf("not an integer (%s)", typ+formatSuffix(n.Format))
		}
	case "number", "double", "float", "decimal":
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return fmt.Errorf("not a number (%s)", typ)
		}
	case "boolean", "bool":
		if !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
			return fmt.Errorf("not a boolean (%s): want true or false", typ)
		}
	case "datetime":
		return checkFormat("date-time", v)
	case "null":
		if v != "" {
			return errors.New("not null")
		}
	case "string", "":
		if err := checkFormat(n.Format, v); err != nil {
			return err
		}
	}
	return checkEnum(n.Enum, v, false)
}

func formatSuffix(f string) string {
	if f == "" {
		return ""
	}
	return ", " + f
}

func checkFormat(format, v string) error {
	switch format {
	case "date-time":
		if _, err := time.Parse(time.RFC3339, v); err != nil {
			return fmt.Errorf("not a date-time (RFC 3339): %w", err)
		}
	case "date":
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			return fmt.Errorf("not a date (YYYY-MM-DD): %w", err)
		}
	case "uuid":
		if !uuidRE.MatchString(v) {
			return errors.New("not a UUID")
		}
	}
	return nil
}

// checkEnum reports a value outside a non-empty enum. For an array with an
// enum of its own, each comma-separated element must be one of its values.
func checkEnum(enum []any, v string, elements bool) error {
	if len(enum) == 0 {
		return nil
	}
	vals := []string{v}
	if elements {
		vals = strings.Split(v, ",")
	}
	allowed := make([]string, len(enum))
	for i, e := range enum {
		allowed[i] = fmt.Sprint(e)
	}
	for _, x := range vals {
		if !slices.Contains(allowed, x) {
			return fmt.Errorf("%q is not one of %v", x, allowed)
		}
	}
	return nil
}

// CheckBody reports an error when a JSON request body has object fields,
// at any depth, that the operation's request schema does not declare:
// properties of nested objects and of array items are checked too,
// following $ref, allOf (merged), anyOf and oneOf (any alternative may
// match). A schema that declares properties is closed unless its
// additionalProperties allows more (true, or a schema the extra values are
// checked against); one that declares none accepts any keys unless
// additionalProperties is false. A JSON array where the schema wants an
// object, or the reverse, is an error too.
//
// allowed names documented deviations, such as a field the vendor accepts
// but its document lacks, by path: the field names from the body root
// joined by dots, array indices left out ("userlookup",
// "customfields.value"). An allowed field is not looked into.
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
	w := &bodyWalk{s: s, allowed: allowed}
	w.walk(op.body, v, "", 0)
	if len(w.unknown) == 0 && len(w.wrong) == 0 {
		return nil
	}
	var msgs []string
	if len(w.unknown) > 0 {
		sort.Strings(w.unknown)
		msgs = append(msgs, fmt.Sprintf("body fields not in the schema: %v", slices.Compact(w.unknown)))
	}
	if len(w.wrong) > 0 {
		sort.Strings(w.wrong)
		msgs = append(msgs, "body shape: "+strings.Join(slices.Compact(w.wrong), "; "))
	}
	return fmt.Errorf("%s: %s %s (%s): %s", s.name, method, path, r.template, strings.Join(msgs, "; "))
}

type schemaNode struct {
	Ref                  string                     `json:"$ref"`
	Type                 json.RawMessage            `json:"type"`
	Items                json.RawMessage            `json:"items"`
	Properties           map[string]json.RawMessage `json:"properties"`
	AdditionalProperties json.RawMessage            `json:"additionalProperties"`
	AllOf                []json.RawMessage          `json:"allOf"`
	AnyOf                []json.RawMessage          `json:"anyOf"`
	OneOf                []json.RawMessage          `json:"oneOf"`
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

// objectShape is an object schema with its allOf parts merged.
type objectShape struct {
	props  map[string]json.RawMessage
	extra  json.RawMessage // additionalProperties schema, if one
	open   bool            // additionalProperties: true (or a schema)
	closed bool            // additionalProperties: false somewhere
	items  json.RawMessage
	types  map[string]bool
}

func (s *Spec) shape(raw json.RawMessage, depth int, into *objectShape) {
	if depth > 16 {
		return
	}
	n := s.resolve(raw)
	for k, v := range n.Properties {
		if into.props == nil {
			into.props = map[string]json.RawMessage{}
		}
		into.props[k] = v
	}
	switch ap := strings.TrimSpace(string(n.AdditionalProperties)); {
	case ap == "":
	case ap == "false":
		into.closed = true
	case ap == "true":
		into.open = true
	default:
		into.open, into.extra = true, n.AdditionalProperties
	}
	if len(n.Items) > 0 {
		into.items = n.Items
	}
	for _, t := range (valueNode{Type: n.Type}).types() {
		if into.types == nil {
			into.types = map[string]bool{}
		}
		into.types[t] = true
	}
	for _, sub := range n.AllOf {
		s.shape(sub, depth+1, into)
	}
}

type bodyWalk struct {
	s       *Spec
	allowed []string
	unknown []string // dotted paths of undeclared fields
	wrong   []string // shape mismatches
}

func join(at, k string) string {
	if at == "" {
		return k
	}
	return at + "." + k
}

func where(at string) string {
	if at == "" {
		return "the body"
	}
	return at
}

func (w *bodyWalk) walk(schema json.RawMessage, v any, at string, depth int) {
	if len(schema) == 0 || depth > 32 {
		return
	}
	n := w.s.resolve(schema)
	if alts := append(append([]json.RawMessage(nil), n.AnyOf...), n.OneOf...); len(alts) > 0 {
		var best *bodyWalk
		for _, alt := range alts {
			try := &bodyWalk{s: w.s, allowed: w.allowed}
			try.walk(alt, v, at, depth+1)
			if len(try.unknown)+len(try.wrong) == 0 {
				return
			}
			if best == nil || len(try.unknown)+len(try.wrong) < len(best.unknown)+len(best.wrong) {
				best = try
			}
		}
		w.unknown = append(w.unknown, best.unknown...)
		w.wrong = append(w.wrong, best.wrong...)
		// an anyOf beside properties (rare) is checked below as well
		if len(n.Properties) == 0 && len(n.AllOf) == 0 {
			return
		}
	}
	var sh objectShape
	w.s.shape(schema, depth, &sh)
	switch x := v.(type) {
	case map[string]any:
		if sh.types["array"] && !sh.types["object"] {
			w.wrong = append(w.wrong, where(at)+" is an object; the schema wants an array")
			return
		}
		for k, val := range x {
			path := join(at, k)
			if slices.Contains(w.allowed, path) {
				continue
			}
			if ps, ok := sh.props[k]; ok {
				w.walk(ps, val, path, depth+1)
				continue
			}
			switch {
			case len(sh.extra) > 0:
				w.walk(sh.extra, val, path, depth+1)
			case sh.open:
			case sh.props == nil && !sh.closed:
				// declares nothing: anything goes
			default:
				w.unknown = append(w.unknown, path)
			}
		}
	case []any:
		if sh.props != nil && len(sh.items) == 0 || sh.types["object"] && !sh.types["array"] {
			w.wrong = append(w.wrong, where(at)+" is an array; the schema wants an object")
			return
		}
		for _, el := range x {
			w.walk(sh.items, el, at, depth+1)
		}
	}
}
