// Package criteria is the rule language of mspsync's engines: a criterion
// tests one named field with an operator (equals, not equals, starts with,
// ends with, contains, regex, empty, not empty, in list), case-insensitive
// unless asked otherwise. Rules are compiled once, when a configuration is
// loaded, so an invalid regex or an unknown operator is a configuration
// error, never a run-time surprise.
package criteria

import (
	"fmt"
	"regexp"
	"strings"
)

// Op is a criterion's operator.
type Op string

// Operators.
const (
	Equals     Op = "equals"
	NotEquals  Op = "not_equals"
	StartsWith Op = "starts_with"
	EndsWith   Op = "ends_with"
	Contains   Op = "contains"
	Regex      Op = "regex"
	Empty      Op = "empty"
	NotEmpty   Op = "not_empty"
	InList     Op = "in_list"
)

var ops = map[Op]bool{Equals: true, NotEquals: true, StartsWith: true, EndsWith: true, Contains: true, Regex: true, Empty: true, NotEmpty: true, InList: true}

// Criterion tests one field. In JSON:
//
//	{"field": "hostname", "op": "starts_with", "value": "CON-"}
//	{"field": "deviceType.category", "op": "in_list", "values": ["Server", "ESXi Host"]}
//	{"field": "Serial Number", "op": "regex", "value": "^VMW-", "case_sensitive": true}
//	{"field": "siteName", "op": "not_empty"}
type Criterion struct {
	// Field names the value tested: a device field of the source
	// ("hostname", "deviceType.category") or, in site and type rules, a
	// PSA-side field of the same name first.
	Field string `json:"field"`
	// Op is the operator: equals, not_equals, starts_with, ends_with,
	// contains, regex (RE2 syntax, unanchored), empty, not_empty, in_list.
	Op Op `json:"op"`
	// Value is the operand of every operator but empty, not_empty and
	// in_list.
	Value  string   `json:"value,omitempty"`
	Values []string `json:"values,omitempty"` // the list, for in_list
	// CaseSensitive compares case as it is (default: case-insensitive).
	CaseSensitive bool `json:"case_sensitive,omitempty"`
}

// Matcher is a compiled list of criteria that must all hold.
type Matcher struct {
	crit []compiled
}

type compiled struct {
	Criterion
	want string // Value, folded once here rather than on every match
	re   *regexp.Regexp
	set  map[string]bool
}

// Error names the criterion that does not compile.
type Error struct {
	Index  int
	Field  string
	Reason string
}

// Error names the criterion and what is wrong with it.
func (e *Error) Error() string {
	return fmt.Sprintf("criterion %d (field %q): %s", e.Index, e.Field, e.Reason)
}

// Compile checks and prepares criteria (all must hold). An empty list
// matches everything.
func Compile(cs []Criterion) (*Matcher, error) {
	m := &Matcher{}
	for i, c := range cs {
		if strings.TrimSpace(c.Field) == "" {
			return nil, &Error{Index: i, Field: c.Field, Reason: "no field"}
		}
		if !ops[c.Op] {
			return nil, &Error{Index: i, Field: c.Field, Reason: fmt.Sprintf("unknown operator %q (one of equals, not_equals, starts_with, ends_with, contains, regex, empty, not_empty, in_list)", c.Op)}
		}
		cc := compiled{Criterion: c}
		cc.want = cc.fold(c.Value)
		switch c.Op {
		case Regex:
			expr := c.Value
			if !c.CaseSensitive {
				expr = "(?i)" + expr
			}
			re, err := regexp.Compile(expr)
			if err != nil {
				return nil, &Error{Index: i, Field: c.Field, Reason: "invalid regex: " + err.Error()}
			}
			cc.re = re
		case InList:
			if len(c.Values) == 0 {
				return nil, &Error{Index: i, Field: c.Field, Reason: "in_list needs values"}
			}
			cc.set = map[string]bool{}
			for _, v := range c.Values {
				cc.set[cc.fold(strings.TrimSpace(v))] = true
			}
		case Empty, NotEmpty:
		default:
			if c.Value == "" {
				return nil, &Error{Index: i, Field: c.Field, Reason: string(c.Op) + " needs a value"}
			}
		}
		m.crit = append(m.crit, cc)
	}
	return m, nil
}

func (c compiled) fold(s string) string {
	if c.CaseSensitive {
		return s
	}
	return strings.ToLower(s)
}

// Match reports whether every criterion holds for the fields get returns
// (missing fields are empty).
func (m *Matcher) Match(get func(field string) string) bool {
	for i := range m.crit {
		if !m.crit[i].holds(strings.TrimSpace(get(m.crit[i].Field))) {
			return false
		}
	}
	return true
}

// holds tests one (trimmed) value. A case-insensitive comparison folds
// the value as strings.ToLower does; an ASCII value is folded on the
// stack, so matching allocates nothing for the values devices carry.
func (c *compiled) holds(v string) bool {
	switch c.Op {
	case Regex:
		return c.re.MatchString(v)
	case Empty:
		return v == ""
	case NotEmpty:
		return v != ""
	}
	if c.CaseSensitive {
		return c.compare(v)
	}
	switch asciiCase(v) {
	case lowerASCII:
		return c.compare(v)
	case upperASCII:
		var buf [64]byte
		return c.compare(string(appendLower(buf[:0], v)))
	}
	return c.compare(strings.ToLower(v))
}

// compare tests a folded value against the folded operand.
func (c *compiled) compare(fv string) bool {
	switch c.Op {
	case Equals:
		return fv == c.want
	case NotEquals:
		return fv != c.want
	case StartsWith:
		return strings.HasPrefix(fv, c.want)
	case EndsWith:
		return strings.HasSuffix(fv, c.want)
	case Contains:
		return strings.Contains(fv, c.want)
	case InList:
		return c.set[fv]
	}
	return false
}

// The kinds of string asciiCase tells apart.
const (
	lowerASCII = iota // ASCII without capitals: strings.ToLower returns it as it is
	upperASCII        // ASCII with capitals
	nonASCII
)

// asciiCase says whether s is ASCII and whether it has capitals.
func asciiCase(s string) int {
	k := lowerASCII
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b >= 0x80:
			return nonASCII
		case 'A' <= b && b <= 'Z':
			k = upperASCII
		}
	}
	return k
}

// appendLower appends the ASCII string s lower-cased, as strings.ToLower
// would return it.
func appendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		dst = append(dst, b)
	}
	return dst
}
