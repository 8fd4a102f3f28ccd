package fakeapi

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Record is one stored object: a JSON object as decoded with json.Number
// for numbers, so every field a client sent is kept and re-encoded as sent.
type Record = map[string]any

// ErrNoRecord is returned by Table.Merge for an unknown key.
var ErrNoRecord = errors.New("no such record")

// Table is an in-memory collection of Records keyed by one field. Integer
// keys are assigned on insert when absent. Records are copied in and out, so
// callers never share state with the table. Safe for concurrent use.
type Table struct {
	mu    sync.RWMutex
	key   string
	next  int64
	rows  map[string]Record
	order []string // keys in compareKeys order
}

// NewTable returns a table keyed by the field key ("id", "uid").
func NewTable(key string) *Table {
	return &Table{key: key, rows: map[string]Record{}}
}

// Normalize round-trips v through JSON into a Record (numbers become
// json.Number). v may be a struct, a map or a Record.
func Normalize(v any) (Record, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var r Record
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		return nil, err
	}
	if r == nil {
		return nil, errors.New("not a JSON object")
	}
	return r, nil
}

// clone deep-copies a record's maps and slices; scalars are values.
func clone(r Record) Record {
	return copyValue(map[string]any(r)).(map[string]any)
}

func copyValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = copyValue(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = copyValue(e)
		}
		return s
	case []map[string]any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = copyValue(e)
		}
		return s
	}
	return v
}

// KeyOf returns the record's key as a string ("" when absent or zero).
func KeyOf(r Record, field string) string {
	v, ok := r[field]
	if !ok || v == nil {
		return ""
	}
	s := Str(v)
	if s == "0" {
		return ""
	}
	return s
}

// Str renders a field value the way a query-string filter compares it.
func Str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return strconv.FormatInt(i, 10)
		}
		if f, err := x.Float64(); err == nil && f == float64(int64(f)) {
			return strconv.FormatInt(int64(f), 10)
		}
		return x.String()
	case float64:
		if x == float64(int64(x)) {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

// Insert stores a copy of r, assigning the next integer key when r has
// none, and returns the stored copy. An existing record with the same key is
// replaced.
func (t *Table) Insert(r Record) Record {
	c := clone(r)
	t.mu.Lock()
	defer t.mu.Unlock()
	k := KeyOf(c, t.key)
	if k == "" {
		t.next++
		for t.rows[strconv.FormatInt(t.next, 10)] != nil {
			t.next++
		}
		c[t.key] = json.Number(strconv.FormatInt(t.next, 10))
		k = strconv.FormatInt(t.next, 10)
	} else if n, err := strconv.ParseInt(k, 10, 64); err == nil && n > t.next {
		t.next = n
	}
	if _, ok := t.rows[k]; !ok {
		i, _ := slices.BinarySearchFunc(t.order, k, compareKeys)
		t.order = slices.Insert(t.order, i, k)
	}
	t.rows[k] = c
	return clone(c)
}

// Merge overlays the fields of r onto the stored record with r's key and
// returns the result. Fields absent from r are left as they were.
func (t *Table) Merge(r Record) (Record, error) {
	c := clone(r)
	k := KeyOf(c, t.key)
	t.mu.Lock()
	defer t.mu.Unlock()
	cur, ok := t.rows[k]
	if !ok {
		return nil, fmt.Errorf("%w: %s=%s", ErrNoRecord, t.key, k)
	}
	for f, v := range c {
		cur[f] = v
	}
	cur[t.key] = json.Number(k)
	if _, err := strconv.ParseInt(k, 10, 64); err != nil {
		cur[t.key] = k
	}
	return clone(cur), nil
}

// Update applies fn to the stored record under key; false when absent.
func (t *Table) Update(key string, fn func(Record)) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	cur, ok := t.rows[key]
	if !ok {
		return false
	}
	fn(cur)
	t.rows[key] = clone(cur)
	return true
}

// Get returns a copy of the record under key.
func (t *Table) Get(key string) (Record, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	r, ok := t.rows[key]
	if !ok {
		return nil, false
	}
	return clone(r), true
}

// Delete removes the record under key and reports whether it existed.
func (t *Table) Delete(key string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.rows[key]; !ok {
		return false
	}
	delete(t.rows, key)
	t.order = slices.DeleteFunc(t.order, func(k string) bool { return k == key })
	return true
}

// List returns copies of the records for which match is true (nil: all),
// ordered by key (numeric keys numerically). match sees the stored record
// and must not modify it.
func (t *Table) List(match func(Record) bool) []Record {
	out, _ := t.Select(match, 0, -1)
	return out
}

// Select returns copies of the matching records in [offset, offset+limit)
// (limit < 0: to the end) and the number of all matching records. Only the
// returned window is copied, so paging through a large table stays cheap.
func (t *Table) Select(match func(Record) bool, offset, limit int) ([]Record, int) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	var out []Record
	total := 0
	for _, k := range t.order {
		r := t.rows[k]
		if match != nil && !match(r) {
			continue
		}
		if total >= offset && (limit < 0 || total < offset+limit) {
			out = append(out, clone(r))
		}
		total++
	}
	return out, total
}

// Len returns the number of records.
func (t *Table) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.rows)
}

// compareKeys orders numeric keys numerically and before non-numeric keys,
// which sort as strings.
func compareKeys(a, b string) int {
	ai, aerr := strconv.ParseInt(a, 10, 64)
	bi, berr := strconv.ParseInt(b, 10, 64)
	switch {
	case aerr == nil && berr == nil:
		return cmp.Compare(ai, bi)
	case aerr == nil:
		return -1
	case berr == nil:
		return 1
	}
	return strings.Compare(a, b)
}

// FieldEquals returns a matcher comparing a field to want with Str,
// case-insensitively.
func FieldEquals(field, want string) func(Record) bool {
	return func(r Record) bool { return strings.EqualFold(Str(r[field]), want) }
}
