package fakeapi

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Kind is the JSON type a request schema gives a property.
type Kind uint8

// Kinds of property.
const (
	Any     Kind = iota // no type declared: anything goes
	String              // "type": "string" (any format)
	Integer             // "type": "integer"
	Number              // "type": "number"
	Boolean             // "type": "boolean"
	Object              // an object; Ref names its schema ("" = free-form)
	Array               // an array; Items describes the elements
)

var kindNames = [...]string{"any", "string", "integer", "number", "boolean", "object", "array"}

// String returns the JSON Schema name of the kind.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Prop is one property of a Schema.
type Prop struct {
	Kind  Kind
	Ref   string // schema of an Object (or of an Array's elements, in Items)
	Items *Prop  // elements of an Array (nil: any)
}

// Schema is the request schema of one object: its properties, the ones
// required, and whether other properties are allowed.
type Schema struct {
	Name     string
	Props    map[string]Prop
	Required []string
	Open     bool // additional properties allowed
}

// Schemas is a set of request schemas by name, compiled into a vendor fake
// from the vendor's published document (see ParseSchemas). A fake must not
// read the document at run time: its users import it without the document.
//
// The compact text form has one string per schema: space-separated tokens
// "name:T" ("+name:T" when required), and the token "..." when the schema
// allows other properties. T is s (string), i (integer), n (number), b
// (boolean), o (free-form object), * (any), @Name (an object of schema
// Name, path-escaped) or [T (an array of T; a lone [ is an array of
// anything).
type Schemas struct {
	src  map[string]string
	mu   sync.Mutex
	done map[string]*Schema
}

// ParseSchemas returns the schemas whose compact text form is src (name →
// text). Each schema is parsed the first time it is used; a malformed one
// panics then, since src is generated code.
func ParseSchemas(src map[string]string) *Schemas {
	return &Schemas{src: src, done: map[string]*Schema{}}
}

// Names returns the names of every schema, sorted.
func (s *Schemas) Names() []string {
	out := make([]string, 0, len(s.src))
	for n := range s.src {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Get returns the named schema.
func (s *Schemas) Get(name string) (*Schema, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sc, ok := s.done[name]; ok {
		return sc, true
	}
	text, ok := s.src[name]
	if !ok {
		return nil, false
	}
	sc, err := parseSchema(name, text)
	if err != nil {
		panic(fmt.Sprintf("fakeapi: schema %s: %v", name, err))
	}
	s.done[name] = sc
	return sc, true
}

func parseSchema(name, text string) (*Schema, error) {
	sc := &Schema{Name: name, Props: map[string]Prop{}}
	for _, tok := range strings.Fields(text) {
		if tok == "..." {
			sc.Open = true
			continue
		}
		req := strings.HasPrefix(tok, "+")
		tok = strings.TrimPrefix(tok, "+")
		pname, t, ok := strings.Cut(tok, ":")
		if !ok || pname == "" {
			return nil, fmt.Errorf("bad token %q", tok)
		}
		p, err := parseProp(t)
		if err != nil {
			return nil, fmt.Errorf("property %s: %w", pname, err)
		}
		sc.Props[pname] = p
		if req {
			sc.Required = append(sc.Required, pname)
		}
	}
	return sc, nil
}

func parseProp(t string) (Prop, error) {
	switch {
	case t == "s":
		return Prop{Kind: String}, nil
	case t == "i":
		return Prop{Kind: Integer}, nil
	case t == "n":
		return Prop{Kind: Number}, nil
	case t == "b":
		return Prop{Kind: Boolean}, nil
	case t == "o":
		return Prop{Kind: Object}, nil
	case t == "*":
		return Prop{Kind: Any}, nil
	case t == "[":
		return Prop{Kind: Array}, nil
	case strings.HasPrefix(t, "["):
		it, err := parseProp(t[1:])
		if err != nil {
			return Prop{}, err
		}
		return Prop{Kind: Array, Items: &it}, nil
	case strings.HasPrefix(t, "@") && len(t) > 1:
		ref, err := url.PathUnescape(t[1:])
		if err != nil {
			return Prop{}, err
		}
		return Prop{Kind: Object, Ref: ref}, nil
	}
	return Prop{}, fmt.Errorf("bad type %q", t)
}

// Problem is what is wrong with a property of a request body.
type Problem uint8

// Problems found by Schemas.Check.
const (
	Unknown    Problem = iota + 1 // not a property of the schema
	WrongType                     // a value of another JSON type
	NotInteger                    // a number with a fraction or exponent (95.0) for an integer
	Missing                       // a required property absent, null or blank
)

// Violation is one way a request body breaks its schema.
type Violation struct {
	Path    string // JSON path of the property: "[0].fields[1].id", "name"
	Name    string // the property's own name
	Schema  string // the schema it was checked against
	Problem Problem
	Want    Kind // for WrongType and NotInteger
	Value   any  // the value sent (nil for Unknown objects and Missing)
}

// Literal renders the value as it was sent ("95.0", "yes", "{…}").
func (v Violation) Literal() string {
	switch x := v.Value.(type) {
	case nil:
		return "null"
	case string:
		return x
	case json.Number:
		return x.String()
	case map[string]any:
		return "{…}"
	case []any:
		return "[…]"
	}
	return fmt.Sprint(v.Value)
}

// CheckOptions says how leniently a vendor's JSON reader converts values.
type CheckOptions struct {
	// StringScalars: numbers and booleans may be sent as strings ("130"
	// for an integer, "true" for a boolean), and strings as numbers or
	// booleans, as ASP.NET's reader converts them.
	StringScalars bool
	// IntegralFloats: an integer may be sent with a fraction of zero
	// (95.0). Halo refuses that.
	IntegralFloats bool
}

// Check validates v (a JSON value decoded with UseNumber, normally a
// Record) against the named schema and returns every violation, in a
// stable order; path prefixes the reported paths ("[0]" for the first
// element of an array body). Null is accepted for every property that is
// not required, since the vendors treat every field as nullable.
func (s *Schemas) Check(schema string, v any, path string, opt CheckOptions) []Violation {
	var out []Violation
	s.check(schema, v, path, opt, &out)
	return out
}

func (s *Schemas) check(schema string, v any, path string, opt CheckOptions, out *[]Violation) {
	sc, ok := s.Get(schema)
	if !ok {
		return
	}
	obj, ok := v.(map[string]any)
	if !ok {
		*out = append(*out, Violation{Path: path, Schema: schema, Problem: WrongType, Want: Object, Value: v})
		return
	}
	join := func(name string) string {
		if path == "" {
			return name
		}
		return path + "." + name
	}
	for _, name := range sc.Required {
		val, ok := obj[name]
		if str, isStr := val.(string); !ok || val == nil || (isStr && strings.TrimSpace(str) == "") {
			*out = append(*out, Violation{Path: join(name), Name: name, Schema: schema, Problem: Missing})
		}
	}
	names := make([]string, 0, len(obj))
	for name := range obj {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		val := obj[name]
		p, ok := sc.Props[name]
		if !ok {
			if !sc.Open {
				*out = append(*out, Violation{Path: join(name), Name: name, Schema: schema, Problem: Unknown, Value: val})
			}
			continue
		}
		s.checkValue(p, val, join(name), name, schema, opt, out)
	}
}

func (s *Schemas) checkValue(p Prop, v any, path, name, schema string, opt CheckOptions, out *[]Violation) {
	if v == nil {
		return
	}
	bad := func(pr Problem) {
		*out = append(*out, Violation{Path: path, Name: name, Schema: schema, Problem: pr, Want: p.Kind, Value: v})
	}
	switch p.Kind {
	case Any:
	case String:
		switch v.(type) {
		case string:
		case json.Number, bool:
			if !opt.StringScalars {
				bad(WrongType)
			}
		default:
			bad(WrongType)
		}
	case Integer:
		var lit string
		switch x := v.(type) {
		case json.Number:
			lit = x.String()
		case string:
			if !opt.StringScalars {
				bad(WrongType)
				return
			}
			lit = strings.TrimSpace(x)
			if lit == "" {
				return
			}
		default:
			bad(WrongType)
			return
		}
		if _, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return
		}
		f, err := strconv.ParseFloat(lit, 64)
		switch {
		case err != nil:
			bad(WrongType)
		case f != float64(int64(f)) || !opt.IntegralFloats:
			bad(NotInteger)
		}
	case Number:
		switch x := v.(type) {
		case json.Number:
		case string:
			if _, err := strconv.ParseFloat(strings.TrimSpace(x), 64); !opt.StringScalars || err != nil {
				bad(WrongType)
			}
		default:
			bad(WrongType)
		}
	case Boolean:
		switch x := v.(type) {
		case bool:
		case string:
			if _, err := strconv.ParseBool(strings.TrimSpace(x)); !opt.StringScalars || err != nil {
				bad(WrongType)
			}
		default:
			bad(WrongType)
		}
	case Object:
		if _, ok := v.(map[string]any); !ok {
			bad(WrongType)
			return
		}
		if p.Ref != "" {
			s.check(p.Ref, v, path, opt, out)
		}
	case Array:
		items, ok := v.([]any)
		if !ok {
			bad(WrongType)
			return
		}
		if p.Items == nil {
			return
		}
		for i, it := range items {
			s.checkValue(*p.Items, it, path+"["+strconv.Itoa(i)+"]", name, schema, opt, out)
		}
	}
}
