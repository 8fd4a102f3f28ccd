package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
)

// Error is one problem with a configuration: the key at fault and what is
// wrong with its value. Decode, LoadFile and the engines' Validate methods
// return it (alone, wrapped, or joined with others); find it with
// errors.As.
type Error struct {
	// Key is the path of the value at fault in the document's own names:
	// object keys joined by dots, list positions in brackets, map keys
	// that are not plain words quoted in brackets, e.g.
	// "sites.rules[2].criteria[0].op" or `ticket.fields["Serial No"]`.
	// Empty when the problem is the document as a whole (invalid JSON).
	Key string
	// Problem says what is wrong, e.g. "unknown key" or
	// `want a number, got "a"`.
	Problem string
}

// Error returns "config <key>: <problem>", or "config: <problem>" when Key
// is empty.
func (e *Error) Error() string {
	if e.Key == "" {
		return "config: " + e.Problem
	}
	return "config " + e.Key + ": " + e.Problem
}

// Decode reads one JSON value from r and stores it in dst, which must be a
// non-nil pointer. Unlike json.Unmarshal it is strict: unknown or repeated
// keys, values of the wrong type and trailing data are errors, each an
// *Error naming the full key path (see the package documentation). When
// the document has several problems they are joined, in document order.
//
// What dst holds beforehand is kept where the document is silent: objects
// merge key by key into it, arrays replace its lists. dst is changed only
// when Decode succeeds. An error reading r is returned as it is.
func Decode(r io.Reader, dst any) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	return decode(data, dst)
}

// LoadFile decodes the JSON file at path into dst, as Decode does. Problems
// with the document are wrapped with the path ("sync.json: config …"); a
// file that cannot be opened gives the *fs.PathError of os.Open.
func LoadFile(path string, dst any) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := Decode(f, dst); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func decode(data []byte, dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("config: Decode needs a non-nil pointer, not %T", dst)
	}
	if err := checkSyntax(data); err != nil {
		return err
	}
	w := walker{}
	w.value(bytes.TrimSpace(data), rv.Type().Elem(), rv.Elem(), "", false)
	if len(w.errs) == 1 {
		return w.errs[0]
	}
	if len(w.errs) > 1 {
		return errors.Join(w.errs...)
	}
	// Arrays replace: encoding/json would decode into the default list's
	// elements and keep what the document does not set.
	for _, v := range w.resets {
		v.SetZero()
	}
	if err := json.Unmarshal(data, dst); err != nil {
		// The walk mirrors encoding/json; this is a case it missed.
		return &Error{Problem: err.Error()}
	}
	return nil
}

// checkSyntax reports invalid JSON, an empty document and trailing data,
// with the line and column of the fault.
func checkSyntax(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			return &Error{Problem: fmt.Sprintf("invalid JSON at %s: %s", position(data, se.Offset-1), se)}
		case errors.Is(err, io.EOF):
			return &Error{Problem: "the document is empty"}
		case errors.Is(err, io.ErrUnexpectedEOF):
			return &Error{Problem: "invalid JSON: the document ends early"}
		}
		return &Error{Problem: "invalid JSON: " + err.Error()}
	}
	off := dec.InputOffset()
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		for off < int64(len(data)) && isSpace(data[off]) {
			off++
		}
		return &Error{Problem: fmt.Sprintf("more than one JSON value: unexpected data at %s", position(data, off))}
	}
	return nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// position turns a byte offset into "line L, column C" (both from 1).
func position(data []byte, off int64) string {
	off = max(0, min(off, int64(len(data))))
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - int64(bytes.LastIndexByte(data[:off], '\n'))
	return fmt.Sprintf("line %d, column %d", line, col)
}
