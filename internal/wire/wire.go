// Package wire decodes and encodes vendor objects that have far more fields
// than mspsync models (a Halo ticket has about 835), so that a
// read-modify-write never drops or alters data:
//
//   - Fields the Go type does not model are kept in an Extra map and written
//     back.
//   - A decoded object remembers what it was given (Seen): every member in
//     its order and exact form. Encoding it again writes each modelled field
//     the caller did not change exactly as received, so a Halo time keeps its
//     seven fractional digits and its missing zone, a Datto time stays an ISO
//     string or epoch milliseconds, a null stays null, and a nested object
//     keeps keys its Go type ignores.
//   - Integer fields are decoded leniently (12.0 and "12" become 12), as some
//     vendors type ids as doubles or strings; they are written back as plain
//     integers, which is what the vendors accept.
//
// # Clearing a field
//
// Which modelled fields are sent follows one rule:
//
//   - A field that was present in the decoded object is sent whenever its
//     value differs from what was received, even when it is now the zero
//     value: "" or 0 for strings and numbers, null for a nil pointer, slice
//     or map. That is how a caller clears a field: read the record, set the
//     field to its zero value, save it.
//   - A field that was absent is sent only when it is no longer zero.
//   - A value that was not decoded (a struct literal, such as a create or a
//     blind update) follows its json tags alone, so omitempty fields at
//     their zero value are left out and creates send no pile of zeros.
//
// For example, with a Halo ticket:
//
//	t, _ := hc.Tickets.Get(ctx, 9499) // team was "1st Line Support"
//	t.Team = ""                        // sent as "team":"" on save
//	hc.Tickets.Save(ctx, *t)
//
// A copy of a decoded value carries that memory with it: to create a new
// record from a read one, copy the fields you want into a fresh value.
//
// # Use
//
// A vendor type uses it from its JSON methods through a local alias without
// methods, keeping the memory in an unexported Seen field:
//
//	type Asset struct {
//		ID    int    `json:"id,omitempty"`
//		Extra Extra  `json:"-"`
//		seen  wire.Seen
//	}
//
//	func (a *Asset) UnmarshalJSON(b []byte) error {
//		type plain Asset
//		return wire.Unmarshal(b, (*plain)(a), &a.Extra, &a.seen)
//	}
//
//	func (a Asset) MarshalJSON() ([]byte, error) {
//		type plain Asset
//		return wire.Marshal(plain(a), a.Extra, a.seen)
//	}
package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Extra holds the fields of a JSON object that its Go type does not model.
type Extra = map[string]json.RawMessage

// Seen is what Unmarshal remembers of the JSON object a value was decoded
// from, for Marshal to write it back as received. The zero Seen stands for
// a value that was not decoded. A Seen is never modified after Unmarshal
// returns, so copies of a value share it safely.
type Seen struct{ obj *object }

// Decoded reports whether s comes from Unmarshal.
func (s Seen) Decoded() bool { return s.obj != nil }

type object struct {
	fi    *fieldInfo // of the type decoded into; span.field indexes its fields
	buf   []byte     // a private copy of the object, ints normalised
	spans []span
}

// span is one member of a JSON object, as offsets into its buffer.
type span struct {
	key0, key1 int32 // the quoted key
	val0, val1 int32 // the value
	field      int32 // index in fieldInfo.fields; -1 unmodelled, -2 a repeated unmodelled key
}

func (s span) key(buf []byte) []byte { return buf[s.key0:s.key1:s.key1] }

func (s span) raw(buf []byte) json.RawMessage { return buf[s.val0:s.val1:s.val1] }

// name returns the unquoted key.
func (s span) name(buf []byte) []byte {
	k := buf[s.key0+1 : s.key1-1]
	if bytes.IndexByte(k, '\\') < 0 {
		return k
	}
	var u string
	if json.Unmarshal(s.key(buf), &u) != nil {
		return k
	}
	return []byte(u)
}

// scratch holds spans while an object is split, before they are copied
// into a slice of the exact size.
var scratch = sync.Pool{New: func() any { s := make([]span, 0, 64); return &s }}

type field struct {
	name   string
	key    []byte // name quoted
	index  []int
	typ    reflect.Type
	quoted bool // the ",string" option
	isInt  bool // an integer or a pointer to one
}

type fieldInfo struct {
	fields []field
	byName map[string]int // exact JSON name → field
	byFold map[string]int // lower-case JSON name → field, as encoding/json matches names
}

var cache sync.Map // reflect.Type → *fieldInfo

func info(t reflect.Type) *fieldInfo {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if fi, ok := cache.Load(t); ok {
		return fi.(*fieldInfo)
	}
	fi := &fieldInfo{byName: map[string]int{}, byFold: map[string]int{}}
	// Shallower fields hide embedded ones of the same name, as in
	// encoding/json: walk each level before the structs it embeds.
	type level struct {
		t     reflect.Type
		index []int
	}
	queue := []level{{t: t}}
	for len(queue) > 0 {
		l := queue[0]
		queue = queue[1:]
		for i := range l.t.NumField() {
			f := l.t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			index := append(slices.Clip(l.index), i)
			if f.Anonymous && name == "" {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					queue = append(queue, level{t: ft, index: index})
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if _, dup := fi.byName[name]; dup {
				continue
			}
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			key, _ := json.Marshal(name)
			fd := field{name: name, key: key, index: index, typ: f.Type}
			fd.quoted = slices.Contains(strings.Split(opts, ","), "string")
			switch ft.Kind() {
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
				reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
				fd.isInt = true
			}
			fi.byName[name] = len(fi.fields)
			if _, dup := fi.byFold[strings.ToLower(name)]; !dup {
				fi.byFold[strings.ToLower(name)] = len(fi.fields)
			}
			fi.fields = append(fi.fields, fd)
		}
	}
	actual, _ := cache.LoadOrStore(t, fi)
	return actual.(*fieldInfo)
}

// lookup returns the field a JSON key (unquoted bytes) decodes into: the
// exact name, else a case-insensitive match, as encoding/json does.
func (fi *fieldInfo) lookup(name []byte) int {
	if i, ok := fi.byName[string(name)]; ok {
		return i
	}
	var buf [64]byte
	lower := buf[:0]
	for _, c := range name {
		if c >= utf8.RuneSelf {
			lower = []byte(strings.ToLower(string(name)))
			break
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower = append(lower, c)
	}
	if i, ok := fi.byFold[string(lower)]; ok {
		return i
	}
	return -1
}

// Unmarshal decodes the JSON object data into v (a pointer to a struct
// without its own UnmarshalJSON), stores the fields v does not model in
// *extra (nil when there are none) and what it was given in *seen.
func Unmarshal(data []byte, v any, extra *Extra, seen *Seen) error {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		if err := json.Unmarshal(data, v); err != nil {
			return err
		}
		*extra, *seen = nil, Seen{}
		return nil
	}
	fi := info(reflect.TypeOf(v))
	buf := bytes.Clone(trimmed)
	sp := scratch.Get().(*[]span)
	defer func() { *sp = (*sp)[:0]; scratch.Put(sp) }()
	spans, ok := scanObject(buf, (*sp)[:0])
	*sp = spans
	if !ok {
		if err := json.Unmarshal(data, v); err != nil {
			return err
		}
		return errors.New("wire: cannot split the JSON object into its members")
	}
	var fixed map[int]json.RawMessage // lenient integers, by span
	for i := range spans {
		s := &spans[i]
		s.field = int32(fi.lookup(s.name(buf)))
		if s.field >= 0 && fi.fields[s.field].isInt && !plainInt(s.raw(buf)) {
			if n, ok := lenientInt(s.raw(buf)); ok {
				if fixed == nil {
					fixed = map[int]json.RawMessage{}
				}
				fixed[i] = n
			}
		}
	}
	if fixed != nil { // rewrite the object with the fixed values
		buf = join(buf, spans, fixed)
		fields := make([]int32, len(spans))
		for i := range spans {
			fields[i] = spans[i].field
		}
		if spans, ok = scanObject(buf, spans[:0]); !ok || len(spans) != len(fields) {
			return errors.New("wire: cannot split the JSON object into its members")
		}
		*sp = spans
		for i := range spans {
			spans[i].field = fields[i]
		}
	}
	if err := json.Unmarshal(buf, v); err != nil {
		return err
	}
	var ex Extra
	for i := range spans {
		s := &spans[i]
		if s.field >= 0 {
			continue
		}
		if ex == nil {
			ex = make(Extra)
		}
		name := string(s.name(buf))
		if _, dup := ex[name]; dup {
			// encoding/json keeps the last value: so does Extra, and the
			// member is written once, where it first appeared.
			s.field = -2
		}
		ex[name] = s.raw(buf)
	}
	*extra, *seen = ex, Seen{&object{fi: fi, buf: buf, spans: slices.Clone(spans)}}
	return nil
}

// plainInt reports whether raw is a JSON integer or null.
func plainInt(raw []byte) bool {
	s := raw
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	if len(s) == 0 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return string(raw) == "null"
		}
	}
	return true
}

// lenientInt rewrites an integer sent as an integral double or a numeric
// string as a JSON integer ("" as null).
func lenientInt(raw []byte) (json.RawMessage, bool) {
	s := strings.TrimSpace(string(raw))
	if uq, err := strconv.Unquote(s); err == nil {
		s = strings.TrimSpace(uq)
		if s == "" {
			return json.RawMessage("null"), true
		}
	}
	if _, err := strconv.ParseInt(s, 10, 64); err == nil {
		return json.RawMessage(s), true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != float64(int64(f)) {
		return nil, false
	}
	return json.RawMessage(strconv.FormatInt(int64(f), 10)), true
}

// join writes the members of the object in buf as one JSON object, with
// the values in fixed instead of theirs.
func join(buf []byte, spans []span, fixed map[int]json.RawMessage) []byte {
	b := make([]byte, 0, len(buf)+8*len(fixed))
	b = append(b, '{')
	for i, s := range spans {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, s.key(buf)...)
		b = append(b, ':')
		if raw, ok := fixed[i]; ok {
			b = append(b, raw...)
		} else {
			b = append(b, s.raw(buf)...)
		}
	}
	return append(b, '}')
}

// Marshal encodes v (a struct without its own MarshalJSON) with the extra
// fields it does not model; modelled fields win over extra ones of the same
// name. When seen comes from Unmarshal, the members it recorded come first
// and in their order, unchanged modelled fields as received, and the
// package rule for clearing fields applies; new fields follow, then new
// extra fields by name.
func Marshal(v any, extra Extra, seen Seen) ([]byte, error) {
	if seen.obj == nil && len(extra) == 0 {
		return json.Marshal(v)
	}
	base, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	fi := info(rv.Type())
	enc := make([]json.RawMessage, len(fi.fields)) // nil: left out by the json tags
	if !splitEncoded(base, fi, enc) {
		return nil, errors.New("wire: " + rv.Type().String() + " does not encode as a JSON object")
	}
	m := merger{fi: fi, enc: enc, extra: extra, done: make([]bool, len(fi.fields))}
	out := make([]byte, 0, len(base)+64)
	out = append(out, '{')
	if seen.obj != nil {
		if out, err = m.recorded(out, rv, seen.obj); err != nil {
			return nil, err
		}
	}
	out = m.newFields(out, rv, seen.obj != nil)
	out = m.addedExtra(out, seen.obj)
	return append(out, '}'), nil
}

// splitEncoded sets enc[i] to the value of field i in base, the JSON
// object encoding/json made of a value of the type of fi, and reports
// whether base is one.
func splitEncoded(base []byte, fi *fieldInfo, enc []json.RawMessage) bool {
	sp := scratch.Get().(*[]span)
	defer func() { *sp = (*sp)[:0]; scratch.Put(sp) }()
	spans, ok := scanObject(base, (*sp)[:0])
	*sp = spans
	if !ok {
		return false
	}
	for _, s := range spans {
		if i, ok := fi.byName[string(s.name(base))]; ok {
			enc[i] = s.raw(base)
		}
	}
	return true
}

// merger writes the members of the object Marshal returns. Its methods
// take the struct encoded (rv) and the object so far (out) as arguments:
// kept in merger, they would make enc and done escape to the heap.
type merger struct {
	fi      *fieldInfo        // the fields of the struct encoded
	enc     []json.RawMessage // each field as its json tags encode it; nil: left out
	extra   Extra             // the fields the struct does not model
	done    []bool            // the fields written
	written int               // extra fields written in the recorded order
}

// member appends one member to the object out, which starts with '{'.
func member(out, key, raw []byte) []byte {
	if len(out) > 1 {
		out = append(out, ',')
	}
	out = append(out, key...)
	out = append(out, ':')
	return append(out, raw...)
}

// recorded writes the members obj recorded that are still there, in their
// order.
func (m *merger) recorded(out []byte, rv reflect.Value, obj *object) ([]byte, error) {
	// A type's JSON methods each declare their own alias, so obj
	// usually comes from another (identical) type: map its fields.
	remap := fieldMap(obj.fi, m.fi)
	for _, s := range obj.spans {
		field := int(s.field)
		switch {
		case field == -2: // written at its first place
			continue
		case field == -1:
			out = m.recordedExtra(out, obj, s)
			continue
		case remap != nil:
			if field = remap[field]; field < 0 {
				continue
			}
		}
		var err error
		if out, err = m.recordedField(out, rv, obj, s, field); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// recordedExtra writes the unmodelled member s of obj if Extra still holds
// it and no modelled field has its name.
func (m *merger) recordedExtra(out []byte, obj *object, s span) []byte {
	name := s.name(obj.buf)
	raw, ok := m.extra[string(name)]
	if !ok {
		return out
	}
	if _, modelled := m.fi.byName[string(name)]; modelled {
		return out
	}
	m.written++
	return member(out, s.key(obj.buf), raw)
}

// recordedField writes modelled field i, recorded as member s of obj, once:
// as received when unchanged.
func (m *merger) recordedField(out []byte, rv reflect.Value, obj *object, s span, i int) ([]byte, error) {
	if m.done[i] {
		return out, nil
	}
	m.done[i] = true
	f := &m.fi.fields[i]
	fv, err := rv.FieldByIndexErr(f.index)
	if err != nil { // behind a nil embedded pointer: cleared
		return member(out, s.key(obj.buf), []byte("null")), nil
	}
	raw, err := f.encode(fv, s.raw(obj.buf), m.enc[i])
	if err != nil {
		return nil, err
	}
	return member(out, s.key(obj.buf), raw), nil
}

// newFields writes the modelled fields not yet written that the json tags
// encode; for a decoded value, only those no longer zero.
func (m *merger) newFields(out []byte, rv reflect.Value, decoded bool) []byte {
	for i := range m.fi.fields {
		if m.done[i] || m.enc[i] == nil {
			continue
		}
		if decoded { // absent from the decoded object: only once set
			if fv, err := rv.FieldByIndexErr(m.fi.fields[i].index); err != nil || fv.IsZero() {
				continue
			}
		}
		out = member(out, m.fi.fields[i].key, m.enc[i])
	}
	return out
}

// addedExtra writes, by name, the extra fields the caller added: those
// neither modelled nor recorded in obj (which may be nil).
func (m *merger) addedExtra(out []byte, obj *object) []byte {
	if len(m.extra) <= m.written {
		return out
	}
	recorded := map[string]bool{}
	if obj != nil {
		for _, s := range obj.spans {
			if s.field == -1 {
				recorded[string(s.name(obj.buf))] = true
			}
		}
	}
	keys := make([]string, 0, len(m.extra)-m.written)
	for k := range m.extra {
		if _, modelled := m.fi.byName[k]; !modelled && !recorded[k] {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		key, _ := json.Marshal(k)
		out = member(out, key, m.extra[k])
	}
	return out
}

// fieldMap maps the fields of from to those of to by name (-1: none), or
// returns nil when they are the same.
func fieldMap(from, to *fieldInfo) []int {
	same := len(from.fields) == len(to.fields)
	for i := 0; same && i < len(from.fields); i++ {
		same = from.fields[i].name == to.fields[i].name && from.fields[i].typ == to.fields[i].typ
	}
	if same {
		return nil
	}
	m := make([]int, len(from.fields))
	for i, f := range from.fields {
		m[i] = -1
		if j, ok := to.byName[f.name]; ok && to.fields[j].typ == f.typ {
			m[i] = j
		}
	}
	return m
}

// encode returns what to send for a field that was present in the decoded
// object as raw: raw itself when the value is unchanged, else its encoding
// (std, or nil when the json tags left it out because it is now empty).
func (f *field) encode(fv reflect.Value, raw, std json.RawMessage) (json.RawMessage, error) {
	if f.unchanged(fv, raw) {
		return raw, nil
	}
	if std != nil {
		return std, nil
	}
	b, err := json.Marshal(fv.Interface())
	if err != nil {
		return nil, err
	}
	if f.quoted && len(b) > 0 && b[0] != '"' && string(b) != "null" {
		b, _ = json.Marshal(string(b))
	}
	return b, nil
}

// unchanged reports whether fv holds what raw decodes to.
func (f *field) unchanged(fv reflect.Value, raw json.RawMessage) bool {
	if f.quoted {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			raw = json.RawMessage(s)
		}
	}
	nv := reflect.New(f.typ)
	if json.Unmarshal(raw, nv.Interface()) != nil {
		return false
	}
	return reflect.DeepEqual(nv.Elem().Interface(), fv.Interface())
}

// scanObject appends the members of the JSON object data to dst, without
// decoding their values. It reports false when data is not a well-formed
// object; values are only delimited here, encoding/json validates them.
func scanObject(data []byte, dst []span) ([]span, bool) {
	if len(data) > math.MaxInt32 {
		return dst, false
	}
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return dst, false
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return dst, skipSpace(data, i+1) == len(data)
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return dst, false
		}
		end := skipString(data, i)
		if end < 0 {
			return dst, false
		}
		s := span{key0: int32(i), key1: int32(end), field: -1}
		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return dst, false
		}
		i = skipSpace(data, i+1)
		vend := skipValue(data, i)
		if vend < 0 {
			return dst, false
		}
		s.val0, s.val1 = int32(i), int32(vend)
		dst = append(dst, s)
		i = skipSpace(data, vend)
		if i >= len(data) {
			return dst, false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return dst, skipSpace(data, i+1) == len(data)
		default:
			return dst, false
		}
	}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// skipString returns the index after the string starting at data[i], or -1.
func skipString(data []byte, i int) int {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// skipValue returns the index after the value starting at data[i], or -1.
func skipValue(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				j = skipString(data, j)
				if j < 0 {
					return -1
				}
				j--
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(data) {
		switch data[j] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			if j == i {
				return -1
			}
			return j
		}
		j++
	}
	if j == i {
		return -1
	}
	return j
}
