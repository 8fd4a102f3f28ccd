// Package wire decodes and encodes vendor objects that have far more fields
// than mspsync models (a Halo ticket has about 835). Unknown fields are kept
// in an Extra map and written back, so a read-modify-write never drops data,
// and integer fields are decoded leniently (12.0 and "12" become 12), as
// some vendors type ids as doubles or strings.
//
// A vendor type uses it from its JSON methods through a local alias without
// methods:
//
//	func (a *Asset) UnmarshalJSON(b []byte) error {
//		type plain Asset
//		return wire.Unmarshal(b, (*plain)(a), &a.Extra)
//	}
//
//	func (a Asset) MarshalJSON() ([]byte, error) {
//		type plain Asset
//		return wire.Marshal(plain(a), a.Extra)
//	}
package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// Extra holds the fields of a JSON object that its Go type does not model.
type Extra = map[string]json.RawMessage

type fieldInfo struct {
	names map[string]bool         // every JSON name the type models
	ints  map[string]reflect.Kind // JSON names of integer fields (int, *int, ...)
}

var cache sync.Map // reflect.Type → *fieldInfo

func info(t reflect.Type) *fieldInfo {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if fi, ok := cache.Load(t); ok {
		return fi.(*fieldInfo)
	}
	fi := &fieldInfo{names: map[string]bool{}, ints: map[string]reflect.Kind{}}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					walk(ft)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			fi.names[name] = true
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			switch ft.Kind() {
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
				reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
				fi.ints[name] = ft.Kind()
			}
		}
	}
	walk(t)
	cache.Store(t, fi)
	return fi
}

// Unmarshal decodes the JSON object data into v (a pointer to a struct
// without its own UnmarshalJSON) and stores the fields v does not model in
// *extra (nil when there are none).
func Unmarshal(data []byte, v any, extra *Extra) error {
	fi := info(reflect.TypeOf(v))
	if err := json.Unmarshal(data, v); err != nil {
		var ute *json.UnmarshalTypeError
		if !errors.As(err, &ute) {
			return err
		}
		fixed, ok := lenientInts(data, fi)
		if !ok {
			return err
		}
		if json.Unmarshal(fixed, v) != nil {
			return err
		}
		data = fixed
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		*extra = nil
		return nil
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &all); err != nil {
		return err
	}
	for k := range all {
		if fi.names[k] {
			delete(all, k)
		}
	}
	if len(all) == 0 {
		all = nil
	}
	*extra = all
	return nil
}

// lenientInts rewrites integer fields sent as integral doubles or numeric
// strings into JSON integers.
func lenientInts(data []byte, fi *fieldInfo) ([]byte, bool) {
	var all map[string]json.RawMessage
	if json.Unmarshal(data, &all) != nil {
		return nil, false
	}
	changed := false
	for name := range fi.ints {
		raw, ok := all[name]
		if !ok {
			continue
		}
		s := strings.TrimSpace(string(raw))
		if s == "null" {
			continue
		}
		if uq, err := strconv.Unquote(s); err == nil {
			s = strings.TrimSpace(uq)
			if s == "" {
				all[name] = json.RawMessage("null")
				changed = true
				continue
			}
		}
		if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			if string(raw) != s {
				all[name] = json.RawMessage(s)
				changed = true
			}
			continue
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f != float64(int64(f)) {
			return nil, false
		}
		all[name] = json.RawMessage(strconv.FormatInt(int64(f), 10))
		changed = true
	}
	if !changed {
		return nil, false
	}
	out, err := json.Marshal(all)
	return out, err == nil
}

// Marshal encodes v (a struct without its own MarshalJSON) and adds the
// extra fields it does not model. Modelled fields win over extra ones of the
// same name.
func Marshal(v any, extra Extra) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		return nil, err
	}
	fi := info(reflect.TypeOf(v))
	for k, raw := range extra {
		if _, set := obj[k]; set || fi.names[k] {
			continue
		}
		obj[k] = raw
	}
	return json.Marshal(obj)
}
