package visiononetest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/mspsync/mspsync/fakeapi"
)

// filter is a compiled TMV1-Filter expression.
type filter func(r fakeapi.Record) bool

// token kinds of the filter lexer.
const (
	tIdent = iota
	tString
	tNumber
	tPunct
	tEOF
)

type token struct {
	kind int
	text string
}

func lex(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		c := rune(s[i])
		switch {
		case unicode.IsSpace(c):
			i++
		case strings.ContainsRune("(),[]", c):
			out = append(out, token{tPunct, string(c)})
			i++
		case c == '\'':
			var b strings.Builder
			j := i + 1
			for ; ; j++ {
				if j >= len(s) {
					return nil, fmt.Errorf("unterminated string literal at %d", i)
				}
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' { // '' is one quote
						b.WriteByte('\'')
						j++
						continue
					}
					break
				}
				b.WriteByte(s[j])
			}
			out = append(out, token{tString, b.String()})
			i = j + 1
		case c == '-' || c == '.' || unicode.IsDigit(c):
			j := i + 1
			for j < len(s) && (s[j] == '.' || unicode.IsDigit(rune(s[j]))) {
				j++
			}
			out = append(out, token{tNumber, s[i:j]})
			i = j
		case unicode.IsLetter(c) || c == '_':
			j := i
			for j < len(s) && (unicode.IsLetter(rune(s[j])) || unicode.IsDigit(rune(s[j])) || s[j] == '_' || s[j] == '.') {
				j++
			}
			out = append(out, token{tIdent, s[i:j]})
			i = j
		default:
			return nil, fmt.Errorf("unexpected %q at %d", c, i)
		}
	}
	return append(out, token{kind: tEOF}), nil
}

type parser struct {
	toks   []token
	pos    int
	fields map[string]bool // nil: any field
}

// parseFilter compiles expr for a list whose filterable fields are fields
// (nil: any). An empty expression matches everything.
func parseFilter(expr string, fields map[string]bool) (filter, error) {
	if strings.TrimSpace(expr) == "" {
		return func(fakeapi.Record) bool { return true }, nil
	}
	toks, err := lex(expr)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, fields: fields}
	f, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.peek().kind != tEOF {
		return nil, fmt.Errorf("unexpected %q", p.peek().text)
	}
	return f, nil
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) next() token { t := p.toks[p.pos]; p.pos++; return t }

func (p *parser) keyword(k string) bool {
	if t := p.peek(); t.kind == tIdent && strings.EqualFold(t.text, k) {
		p.pos++
		return true
	}
	return false
}

func (p *parser) punct(s string) error {
	if t := p.next(); t.kind != tPunct || t.text != s {
		return fmt.Errorf("expected %q, got %q", s, t.text)
	}
	return nil
}

func (p *parser) or() (filter, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.keyword("or") {
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		a, b := l, r
		l = func(rec fakeapi.Record) bool { return a(rec) || b(rec) }
	}
	return l, nil
}

func (p *parser) and() (filter, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.keyword("and") {
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		a, b := l, r
		l = func(rec fakeapi.Record) bool { return a(rec) && b(rec) }
	}
	return l, nil
}

func (p *parser) unary() (filter, error) {
	if p.keyword("not") {
		f, err := p.unary()
		if err != nil {
			return nil, err
		}
		return func(r fakeapi.Record) bool { return !f(r) }, nil
	}
	if t := p.peek(); t.kind == tPunct && t.text == "(" {
		p.pos++
		f, err := p.or()
		if err != nil {
			return nil, err
		}
		return f, p.punct(")")
	}
	return p.comparison()
}

func (p *parser) field() (string, error) {
	t := p.next()
	if t.kind != tIdent {
		return "", fmt.Errorf("expected a field name, got %q", t.text)
	}
	if p.fields != nil && !p.fields[t.text] {
		return "", fmt.Errorf("field %q cannot be filtered on here", t.text)
	}
	return t.text, nil
}

func (p *parser) value() (any, error) {
	switch t := p.next(); t.kind {
	case tString:
		return t.text, nil
	case tNumber:
		f, err := strconv.ParseFloat(t.text, 64)
		return f, err
	case tPunct:
		if t.text != "[" {
			return nil, fmt.Errorf("unexpected %q", t.text)
		}
		var list []string
		for {
			v := p.next()
			if v.kind != tString {
				return nil, fmt.Errorf("expected a string in a list, got %q", v.text)
			}
			list = append(list, v.text)
			if n := p.next(); n.text == "]" {
				return list, nil
			} else if n.text != "," {
				return nil, fmt.Errorf("expected , or ], got %q", n.text)
			}
		}
	default:
		return nil, fmt.Errorf("expected a value, got %q", t.text)
	}
}

func (p *parser) comparison() (filter, error) {
	// A function: contains(field, 'x'), startswith(field, 'x'),
	// hassubset(field, ['a','b']).
	if t := p.peek(); t.kind == tIdent && p.toks[p.pos+1].text == "(" {
		fn := strings.ToLower(t.text)
		p.pos += 2
		field, err := p.field()
		if err != nil {
			return nil, err
		}
		if err := p.punct(","); err != nil {
			return nil, err
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		if err := p.punct(")"); err != nil {
			return nil, err
		}
		switch fn {
		case "contains", "startswith":
			s, ok := v.(string)
			if !ok {
				return nil, fmt.Errorf("%s needs a string", fn)
			}
			return func(r fakeapi.Record) bool {
				for _, have := range values(r[field]) {
					if fn == "contains" && strings.Contains(strings.ToLower(have), strings.ToLower(s)) ||
						fn == "startswith" && strings.HasPrefix(strings.ToLower(have), strings.ToLower(s)) {
						return true
					}
				}
				return false
			}, nil
		case "hassubset":
			want, ok := v.([]string)
			if !ok {
				return nil, fmt.Errorf("hassubset needs a list")
			}
			return func(r fakeapi.Record) bool {
				have := map[string]bool{}
				for _, h := range values(r[field]) {
					have[strings.ToLower(h)] = true
				}
				for _, w := range want {
					if !have[strings.ToLower(w)] {
						return false
					}
				}
				return true
			}, nil
		}
		return nil, fmt.Errorf("unknown function %q", t.text)
	}
	field, err := p.field()
	if err != nil {
		return nil, err
	}
	op := p.next()
	if op.kind != tIdent {
		return nil, fmt.Errorf("expected an operator after %s", field)
	}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	switch strings.ToLower(op.text) {
	case "eq", "ne":
		neg := strings.EqualFold(op.text, "ne")
		return func(r fakeapi.Record) bool { return equals(r[field], v) != neg }, nil
	case "gt", "ge", "lt", "le":
		want, ok := v.(float64)
		if !ok {
			return nil, fmt.Errorf("%s needs a number", op.text)
		}
		o := strings.ToLower(op.text)
		return func(r fakeapi.Record) bool {
			have, err := strconv.ParseFloat(fakeapi.Str(r[field]), 64)
			if err != nil {
				return false
			}
			switch o {
			case "gt":
				return have > want
			case "ge":
				return have >= want
			case "lt":
				return have < want
			}
			return have <= want
		}, nil
	}
	return nil, fmt.Errorf("unknown operator %q", op.text)
}

// values returns a field's value as strings: one for a scalar, one per
// element of a list.
func values(v any) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, fakeapi.Str(e))
		}
		return out
	case json.Number:
		return []string{x.String()}
	}
	return []string{fakeapi.Str(v)}
}

func equals(have, want any) bool {
	for _, h := range values(have) {
		switch w := want.(type) {
		case string:
			if strings.EqualFold(h, w) {
				return true
			}
		case float64:
			if f, err := strconv.ParseFloat(h, 64); err == nil && f == w {
				return true
			}
		}
	}
	return false
}
