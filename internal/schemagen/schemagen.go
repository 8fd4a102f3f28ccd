// Package schemagen compiles the request-body schemas of an OpenAPI 3
// document into the compact text form of fakeapi.ParseSchemas, as a Go
// source file for a vendor fake. Fakes are imported by users who do not
// have the document, so the schemas travel as Go data; a test in each fake
// regenerates the file from the document (when MSPSYNC_SPECS names it) and
// fails when the two differ (Check).
package schemagen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/format"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Config says what to generate.
type Config struct {
	Spec    string   // path of the OpenAPI JSON document
	Package string   // Go package of the output
	Var     string   // name of the *fakeapi.Schemas variable
	Roots   []string // schemas of the request bodies to check; what they reference is included
	// Closed treats a schema without additionalProperties as closed (no
	// other properties allowed). Without it only additionalProperties:
	// false closes a schema.
	Closed bool
}

type schema struct {
	Ref                  string             `json:"$ref"`
	Type                 any                `json:"type"`
	Properties           map[string]*schema `json:"properties"`
	Items                *schema            `json:"items"`
	Required             []string           `json:"required"`
	AdditionalProperties any                `json:"additionalProperties"`
	AllOf                []*schema          `json:"allOf"`
}

func (s *schema) typ() string {
	switch t := s.Type.(type) {
	case string:
		return t
	case []any: // OpenAPI 3.1: ["string", "null"]
		for _, e := range t {
			if e, ok := e.(string); ok && e != "null" {
				return e
			}
		}
	}
	return ""
}

// Generate returns the formatted Go source.
func Generate(cfg Config) ([]byte, error) {
	all, err := readSchemas(cfg.Spec)
	if err != nil {
		return nil, err
	}
	c := compiler{all: all, closed: cfg.Closed, out: map[string]string{}, queue: slices.Clone(cfg.Roots)}
	if err := c.run(); err != nil {
		return nil, err
	}
	return source(cfg, c.out)
}

// readSchemas returns the component schemas of the OpenAPI document at
// path, by name.
func readSchemas(path string) (map[string]*schema, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Components struct {
			Schemas map[string]*schema `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("schemagen: %s: %w", path, err)
	}
	return doc.Components.Schemas, nil
}

// compiler compiles named object schemas into the compact form, the
// roots first, then every object schema they reference.
type compiler struct {
	all    map[string]*schema // the document's schemas, by name
	closed bool               // Config.Closed
	out    map[string]string  // compiled schemas, by name
	queue  []string           // names still to compile
}

// run compiles the schemas in the queue until it is empty.
func (c *compiler) run() error {
	for len(c.queue) > 0 {
		name := c.queue[0]
		c.queue = c.queue[1:]
		if _, done := c.out[name]; done {
			continue
		}
		s, ok := c.all[name]
		if !ok {
			return fmt.Errorf("schemagen: no schema %q", name)
		}
		s = c.resolve(s)
		c.out[name] = "" // mark before recursing
		text, err := c.object(name, s)
		if err != nil {
			return err
		}
		c.out[name] = text
	}
	return nil
}

// object compiles object schema s, named name: "..." when it allows other
// properties, then its properties by name.
func (c *compiler) object(name string, s *schema) (string, error) {
	props := make([]string, 0, len(s.Properties))
	for p := range s.Properties {
		props = append(props, p)
	}
	slices.Sort(props)
	var toks []string
	switch ap := s.AdditionalProperties.(type) {
	case bool:
		if ap {
			toks = append(toks, "...")
		}
	case map[string]any:
		toks = append(toks, "...")
	case nil:
		if !c.closed {
			toks = append(toks, "...")
		}
	}
	for _, p := range props {
		if strings.ContainsAny(p, " :\t\n") {
			return "", fmt.Errorf("schemagen: %s: property name %q cannot be encoded", name, p)
		}
		t, err := c.encode(s.Properties[p])
		if err != nil {
			return "", err
		}
		tok := p + ":" + t
		if slices.Contains(s.Required, p) {
			tok = "+" + tok
		}
		toks = append(toks, tok)
	}
	return strings.Join(toks, " "), nil
}

// encode compiles the type of a property or list item; a reference to an
// object schema becomes "@name" and queues that schema.
func (c *compiler) encode(s *schema) (string, error) {
	if s.Ref != "" {
		name := refName(s.Ref)
		t := c.resolve(s)
		if isObject(t) {
			c.queue = append(c.queue, name)
			return "@" + url.PathEscape(name), nil
		}
		s = t
	}
	switch s.typ() {
	case "string":
		return "s", nil
	case "integer":
		return "i", nil
	case "number":
		return "n", nil
	case "boolean":
		return "b", nil
	case "object":
		return "o", nil
	case "array":
		if s.Items == nil {
			return "[", nil
		}
		it, err := c.encode(s.Items)
		if err != nil {
			return "", err
		}
		if it == "*" {
			return "[", nil
		}
		return "[" + it, nil
	}
	return "*", nil
}

// resolve follows $ref and a lone allOf from s, at most ten steps.
func (c *compiler) resolve(s *schema) *schema {
	for range 10 {
		switch {
		case s.Ref != "":
			t, ok := c.all[refName(s.Ref)]
			if !ok {
				return s
			}
			s = t
		case len(s.AllOf) == 1 && s.Properties == nil:
			s = s.AllOf[0]
		default:
			return s
		}
	}
	return s
}

// refName returns the schema name a $ref ends with.
func refName(ref string) string { return ref[strings.LastIndex(ref, "/")+1:] }

// isObject reports whether s is an object schema with properties.
func isObject(s *schema) bool { return s.typ() == "object" && s.Properties != nil }

// source writes the compiled schemas out as the formatted Go file.
func source(cfg Config, out map[string]string) ([]byte, error) {
	names := make([]string, 0, len(out))
	for n := range out {
		names = append(names, n)
	}
	slices.Sort(names)
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by internal/schemagen from %s; DO NOT EDIT.\n\n", filepath.Base(cfg.Spec))
	fmt.Fprintf(&b, "package %s\n\nimport \"github.com/mspsync/mspsync/fakeapi\"\n\n", cfg.Package)
	fmt.Fprintf(&b, "// %s holds the request-body schemas of %s reachable from %s,\n// in fakeapi.ParseSchemas's compact form.\n",
		cfg.Var, filepath.Base(cfg.Spec), strings.Join(cfg.Roots, ", "))
	fmt.Fprintf(&b, "var %s = fakeapi.ParseSchemas(map[string]string{\n", cfg.Var)
	for _, n := range names {
		fmt.Fprintf(&b, "\t%q: %q,\n", n, out[n])
	}
	b.WriteString("})\n")
	return format.Source(b.Bytes())
}
