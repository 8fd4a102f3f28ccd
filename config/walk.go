package config

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// walker checks a JSON document against a Go type the way encoding/json
// would decode it, collecting every problem with its key path. It also
// notes the lists of the destination that the document replaces.
type walker struct {
	errs   []error
	resets []reflect.Value
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func (w *walker) bad(path, format string, args ...any) {
	w.errs = append(w.errs, &Error{Key: path, Problem: fmt.Sprintf(format, args...)})
}

func (w *walker) want(path, what string, data []byte) {
	w.bad(path, "want %s, got %s", what, describe(data))
}

// value checks one JSON value (valid, without surrounding space) against
// t. v is the destination in dst, or invalid where dst holds nothing there
// (a nil pointer, a map entry, a list element). asString is the ",string"
// tag option.
func (w *walker) value(data []byte, t reflect.Type, v reflect.Value, path string, asString bool) {
	if data[0] == 'n' { // null: encoding/json accepts it for any type
		return
	}
	t, v = indirect(t, v)
	if w.decodesItself(data, t, path) {
		return
	}
	if asString {
		var ok bool
		if data, ok = w.unquote(data, t, path); !ok {
			return
		}
	}
	switch t.Kind() {
	case reflect.Interface:
		if t.NumMethod() > 0 {
			w.bad(path, "cannot be set from JSON (the field is a %s)", t)
		}
	case reflect.Struct:
		if data[0] != '{' {
			w.want(path, "an object", data)
			return
		}
		w.object(data, t, v, path)
	case reflect.Map:
		if data[0] != '{' {
			w.want(path, "an object", data)
			return
		}
		w.mapping(data, t, path)
	case reflect.Slice, reflect.Array:
		w.list(data, t, v, path)
	default:
		w.scalar(data, t, path)
	}
}

// indirect follows pointer type t to the type it points to, and v with it
// (invalid past a nil pointer).
func indirect(t reflect.Type, v reflect.Value) (reflect.Type, reflect.Value) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
		if v.IsValid() {
			if v.IsNil() {
				v = reflect.Value{}
			} else {
				v = v.Elem()
			}
		}
	}
	return t, v
}

// decodesItself checks data against t when t decodes itself (a
// json.Unmarshaler or encoding.TextUnmarshaler) and reports whether it does.
func (w *walker) decodesItself(data []byte, t reflect.Type, path string) bool {
	if t.Kind() == reflect.Interface {
		return false
	}
	switch pt := reflect.PointerTo(t); {
	case pt.Implements(jsonUnmarshaler):
		// A type that decodes itself is a leaf: let it judge the value.
		if err := reflect.New(t).Interface().(json.Unmarshaler).UnmarshalJSON(data); err != nil {
			w.bad(path, "%v", err)
		}
	case pt.Implements(textUnmarshaler):
		if data[0] != '"' {
			w.want(path, "a string", data)
			return true
		}
		var s string
		_ = json.Unmarshal(data, &s)
		if err := reflect.New(t).Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			w.bad(path, "%v", err)
		}
	default:
		return false
	}
	return true
}

// unquote applies the ",string" tag option: for a bool, number or string
// type t it returns the JSON value inside the string data, or false after
// noting a problem; data of other types is returned as it is.
func (w *walker) unquote(data []byte, t reflect.Type, path string) ([]byte, bool) {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.String:
		if data[0] != '"' {
			w.want(path, "a string holding "+kindWant(t), data)
			return nil, false
		}
		var s string
		_ = json.Unmarshal(data, &s)
		inner := []byte(strings.TrimSpace(s))
		if len(inner) == 0 || !json.Valid(inner) {
			w.want(path, "a string holding "+kindWant(t), data)
			return nil, false
		}
		return inner, true
	}
	return data, true
}

// scalar checks data against a bool, number or string type t, and notes
// any other type as one JSON cannot set.
func (w *walker) scalar(data []byte, t reflect.Type, path string) {
	switch t.Kind() {
	case reflect.Bool:
		if data[0] != 't' && data[0] != 'f' {
			w.want(path, "true or false", data)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if !isNumber(data) {
			w.want(path, "a number", data)
		} else if _, err := strconv.ParseInt(string(data), 10, t.Bits()); err != nil {
			if errors.Is(err, strconv.ErrRange) {
				lo, hi := -int64(1)<<(t.Bits()-1), int64(1)<<(t.Bits()-1)-1
				w.bad(path, "want a number from %d to %d, got %s", lo, hi, data)
			} else {
				w.want(path, "a whole number", data)
			}
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if !isNumber(data) {
			w.want(path, "a number", data)
		} else if _, err := strconv.ParseUint(string(data), 10, t.Bits()); err != nil {
			if errors.Is(err, strconv.ErrRange) {
				w.bad(path, "want a number from 0 to %d, got %s", uint64(math.MaxUint64)>>(64-t.Bits()), data)
			} else {
				w.want(path, "a whole number, not negative", data)
			}
		}
	case reflect.Float32, reflect.Float64:
		if !isNumber(data) {
			w.want(path, "a number", data)
		} else if _, err := strconv.ParseFloat(string(data), t.Bits()); err != nil {
			w.bad(path, "%s is out of range for a %d-bit number", data, t.Bits())
		}
	case reflect.String:
		if data[0] != '"' {
			w.want(path, "a string", data)
		}
	default:
		w.bad(path, "cannot be set from JSON (the field is a %s)", t)
	}
}

// list checks a JSON array against slice or array type t (a []byte may
// also be a base64 string), noting v as a list the document replaces.
func (w *walker) list(data []byte, t reflect.Type, v reflect.Value, path string) {
	if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 && data[0] == '"' {
		// []byte: base64, as encoding/json writes it.
		var s string
		_ = json.Unmarshal(data, &s)
		if _, err := base64.StdEncoding.DecodeString(s); err != nil {
			w.want(path, "base64", data)
		}
		return
	}
	if data[0] != '[' {
		w.want(path, "an array", data)
		return
	}
	if v.IsValid() && v.CanSet() {
		w.resets = append(w.resets, v)
	}
	i := 0
	each(data, func(_ string, el []byte) {
		w.value(el, t.Elem(), reflect.Value{}, path+"["+strconv.Itoa(i)+"]", false)
		i++
	})
}

// object checks the members of a JSON object against struct type t.
func (w *walker) object(data []byte, t reflect.Type, v reflect.Value, path string) {
	fields := structFields(t)
	seen := map[string]bool{}
	each(data, func(key string, el []byte) {
		p := join(path, key)
		if seen[key] {
			w.bad(p, "duplicate key")
			return
		}
		seen[key] = true
		f, ok := fields.byName[key]
		if !ok || f.index == nil {
			w.bad(p, "unknown key%s", suggest(key, fields.names))
			return
		}
		w.value(el, f.typ, fieldOf(v, f.index), p, f.asString)
	})
}

// mapping checks the entries of a JSON object against map type t. Map
// entries are replaced, not merged, by encoding/json, so there is no
// destination to follow.
func (w *walker) mapping(data []byte, t reflect.Type, path string) {
	kt := t.Key()
	textKey := reflect.PointerTo(kt).Implements(textUnmarshaler)
	if !textKey && kt.Kind() != reflect.String && !isInt(kt) && !isUint(kt) {
		w.bad(path, "cannot be set from JSON (the field is a %s)", t)
		return
	}
	seen := map[string]bool{}
	each(data, func(key string, el []byte) {
		p := join(path, key)
		if seen[key] {
			w.bad(p, "duplicate key")
			return
		}
		seen[key] = true
		switch {
		case textKey:
			if err := reflect.New(kt).Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(key)); err != nil {
				w.bad(p, "bad key: %v", err)
				return
			}
		case isInt(kt):
			if _, err := strconv.ParseInt(key, 10, kt.Bits()); err != nil {
				w.bad(p, "the key must be a whole number")
				return
			}
		case isUint(kt):
			if _, err := strconv.ParseUint(key, 10, kt.Bits()); err != nil {
				w.bad(p, "the key must be a whole number, not negative")
				return
			}
		}
		w.value(el, t.Elem(), reflect.Value{}, p, false)
	})
}

func isInt(t reflect.Type) bool  { return t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64 }
func isUint(t reflect.Type) bool { return t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uintptr }

// each calls fn for every member of a JSON object (key and raw value) or
// every element of a JSON array (empty key), in document order. data must
// be valid JSON.
func each(data []byte, fn func(key string, raw []byte)) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // '{' or '['
		return
	}
	object := data[0] == '{'
	for dec.More() {
		var key string
		if object {
			tok, err := dec.Token()
			if err != nil {
				return
			}
			key, _ = tok.(string)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return
		}
		fn(key, bytes.TrimSpace(raw))
	}
}

func isNumber(data []byte) bool { return data[0] == '-' || (data[0] >= '0' && data[0] <= '9') }

func kindWant(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a JSON string"
	}
	return "a number"
}

// describe shows a JSON value briefly, for "got …".
func describe(data []byte) string {
	switch data[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		var s string
		_ = json.Unmarshal(data, &s)
		if utf8.RuneCountInString(s) > 40 {
			s = string([]rune(s)[:37]) + "…"
		}
		return strconv.Quote(s)
	}
	if len(data) > 40 {
		return string(data[:37]) + "…"
	}
	return string(data)
}

// join appends an object key to a path: ".key" for plain words,
// `["key"]` otherwise.
func join(path, key string) string {
	plain := key != ""
	for _, r := range key {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			plain = false
			break
		}
	}
	switch {
	case !plain:
		return path + "[" + strconv.Quote(key) + "]"
	case path == "":
		return key
	}
	return path + "." + key
}

// suggest returns ` (did you mean "x"?)` for the known key closest to an
// unknown one: the same but for case, at most two edits away, or the only
// key that adds or drops a "_word" ("customer" for "customer_id"). It
// returns "" when none is close.
func suggest(key string, known []string) string {
	best, bestD := "", 3
	var words []string
	lk := strings.ToLower(key)
	for _, k := range known {
		lo := strings.ToLower(k)
		d := distance(lk, lo)
		if d < bestD && d*2 < max(len(key), len(k)) {
			best, bestD = k, d
		}
		if strings.HasPrefix(lo, lk+"_") || strings.HasPrefix(lk, lo+"_") {
			words = append(words, k)
		}
	}
	if best == "" && len(words) == 1 {
		best = words[0]
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// distance is the edit distance between a and b in bytes: insertions,
// deletions, substitutions and swaps of neighbours count one each.
func distance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// field is a JSON key of a struct type.
type field struct {
	index    []int // path through embedded structs; nil for a name json ignores
	typ      reflect.Type
	tagged   bool
	asString bool
}

// fieldSet is the JSON view of a struct type.
type fieldSet struct {
	byName map[string]field
	names  []string // known keys, sorted, for suggestions
}

var fieldCache sync.Map // reflect.Type → *fieldSet

// structFields lists the keys encoding/json decodes into struct type t:
// json tags, untagged exported fields by name, fields of embedded structs
// promoted (a shallower field wins, then a tagged one; an unresolved tie
// is ignored, as encoding/json does).
func structFields(t reflect.Type) *fieldSet {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.(*fieldSet)
	}
	fs := &fieldSet{byName: map[string]field{}}
	visited := map[reflect.Type]bool{}
	for next := []embedded{{t, nil}}; len(next) > 0; {
		current := next
		next = nil
		found := map[string][]field{}
		for _, e := range current {
			if visited[e.typ] {
				continue
			}
			visited[e.typ] = true
			next = append(next, e.fields(found)...)
		}
		fs.settle(found)
	}
	for name, f := range fs.byName {
		if f.index != nil {
			fs.names = append(fs.names, name)
		}
	}
	slices.Sort(fs.names)
	got, _ := fieldCache.LoadOrStore(t, fs)
	return got.(*fieldSet)
}

// embedded is a struct type whose fields a struct promotes, at index.
type embedded struct {
	typ   reflect.Type
	index []int
}

// fields adds the JSON keys of e's own fields to found and returns the
// embedded structs whose fields it promotes, one level deeper.
func (e embedded) fields(found map[string][]field) []embedded {
	var deeper []embedded
	for i := range e.typ.NumField() {
		sf := e.typ.Field(i)
		ft := sf.Type
		if sf.Anonymous {
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if !sf.IsExported() && ft.Kind() != reflect.Struct {
				continue
			}
		} else if !sf.IsExported() {
			continue
		}
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		index := append(slices.Clone(e.index), i)
		if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
			deeper = append(deeper, embedded{ft, index})
			continue
		}
		f := field{index: index, typ: sf.Type, tagged: name != ""}
		if name == "" {
			name = sf.Name
		}
		for o := range strings.SplitSeq(opts, ",") {
			if o == "string" {
				f.asString = true
			}
		}
		found[name] = append(found[name], f)
	}
	return deeper
}

// settle adds the keys found at one depth that no shallower field holds:
// the only field of a name, else the only tagged one, else an ignored tie.
func (fs *fieldSet) settle(found map[string][]field) {
	for name, fields := range found {
		if _, shallower := fs.byName[name]; shallower {
			continue
		}
		var tagged []field
		for _, f := range fields {
			if f.tagged {
				tagged = append(tagged, f)
			}
		}
		switch {
		case len(fields) == 1:
			fs.byName[name] = fields[0]
		case len(tagged) == 1:
			fs.byName[name] = tagged[0]
		default:
			fs.byName[name] = field{} // ambiguous: encoding/json ignores it
		}
	}
}

// fieldOf follows index from struct value v, or returns an invalid value
// when v is invalid or a nil embedded pointer lies on the way.
func fieldOf(v reflect.Value, index []int) reflect.Value {
	for _, i := range index {
		if !v.IsValid() {
			return v
		}
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}
			}
			v = v.Elem()
		}
		v = v.Field(i)
	}
	return v
}
