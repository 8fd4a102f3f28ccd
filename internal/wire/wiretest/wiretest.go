// Package wiretest helps tests check that vendor types round-trip real
// captured responses: it finds the shared directory of real responses
// (realworld) and compares JSON documents as values.
package wiretest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// EnvRealworld names the environment variable that overrides where the
// real responses are read from.
const EnvRealworld = "MSPSYNC_REALWORLD"

// RealworldDir returns the directory of real captured responses:
// $MSPSYNC_REALWORLD, else ../shared/realworld next to the module root (the
// directory holding go.mod, found by walking up from the working
// directory). It skips t when the directory does not exist.
func RealworldDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv(EnvRealworld)
	if dir == "" {
		root, err := moduleRoot()
		if err != nil {
			t.Skipf("realworld responses: %v; set %s", err, EnvRealworld)
		}
		dir = filepath.Join(root, "..", "shared", "realworld")
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Skipf("realworld responses not found at %s; set %s to their directory", dir, EnvRealworld)
	}
	return dir
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Files returns the names of the JSON files in dir, sorted.
func Files(t testing.TB, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range names {
		names[i] = filepath.Base(n)
	}
	slices.Sort(names)
	return names
}

// EachFile runs check, as a parallel subtest named after the file, on
// every JSON file of the realworld directory whose name starts with
// vendor+"-", with the file's kind (the name between that prefix and its
// last "-": "ticket" for halo-ticket-1.json) and content. It fails t when
// there is no such file.
func EachFile(t *testing.T, vendor string, check func(t *testing.T, kind string, raw []byte)) {
	t.Helper()
	dir := RealworldDir(t)
	prefix := vendor + "-"
	n := 0
	for _, name := range Files(t, dir) {
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		n++
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			kind := strings.TrimPrefix(name, prefix)
			if i := strings.LastIndexByte(kind, '-'); i >= 0 {
				kind = kind[:i]
			}
			check(t, kind, raw)
		})
	}
	if n == 0 {
		t.Fatalf("no %s* files in %s", prefix, dir)
	}
}

// RoundTrip decodes raw as a T, encodes that again and reports each
// difference from raw (see Report); what names raw in the messages.
func RoundTrip[T any](t testing.TB, what string, raw []byte) {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Errorf("%s: decoding as %T: %v", what, v, err)
		return
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Errorf("%s: encoding %T: %v", what, v, err)
		return
	}
	Report(t, fmt.Sprintf("%s as %T", what, v), raw, out)
}

// maxReported is how many differences Report lists before it counts the
// rest.
const maxReported = 20

// Report fails t with each difference (Diff) between the JSON documents
// want and got, prefixed with what; past 20 it counts the rest.
func Report(t testing.TB, what string, want, got []byte) {
	t.Helper()
	diffs := Diff(want, got)
	for i, d := range diffs {
		if i == maxReported {
			t.Errorf("%s: ... and %d more differences", what, len(diffs)-maxReported)
			break
		}
		t.Errorf("%s: %s", what, d)
	}
}

// Diff compares two JSON documents as values and describes each difference
// on one line that starts with its JSON path ($.customfields[0].value).
// Member order and white space do not matter, and numbers are equal when
// their values are (18.0 equals 18). It is empty when the documents are
// equal.
func Diff(want, got []byte) []string {
	w, err := parse(want)
	if err != nil {
		return []string{"$: want is not JSON: " + err.Error()}
	}
	g, err := parse(got)
	if err != nil {
		return []string{"$: got is not JSON: " + err.Error()}
	}
	var out []string
	diff("$", w, g, &out)
	return out
}

func parse(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("data after the JSON value")
	}
	return v, nil
}

var ident = regexp.MustCompile(`^[A-Za-z_@][A-Za-z0-9_@]*$`)

func member(path, key string) string {
	if ident.MatchString(key) {
		return path + "." + key
	}
	q, _ := json.Marshal(key)
	return path + "[" + string(q) + "]"
}

func diff(path string, want, got any, out *[]string) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			*out = append(*out, fmt.Sprintf("%s: want %s, got %s", path, show(want), show(got)))
			return
		}
		keys := make([]string, 0, len(w)+len(g))
		for k := range w {
			keys = append(keys, k)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			wv, inW := w[k]
			gv, inG := g[k]
			switch {
			case !inG:
				*out = append(*out, fmt.Sprintf("%s: missing (want %s)", member(path, k), show(wv)))
			case !inW:
				*out = append(*out, fmt.Sprintf("%s: unexpected %s", member(path, k), show(gv)))
			default:
				diff(member(path, k), wv, gv, out)
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			*out = append(*out, fmt.Sprintf("%s: want %s, got %s", path, show(want), show(got)))
			return
		}
		if len(w) != len(g) {
			*out = append(*out, fmt.Sprintf("%s: want %d elements, got %d", path, len(w), len(g)))
		}
		for i := range min(len(w), len(g)) {
			diff(fmt.Sprintf("%s[%d]", path, i), w[i], g[i], out)
		}
	case json.Number:
		g, ok := got.(json.Number)
		if !ok || !sameNumber(w, g) {
			*out = append(*out, fmt.Sprintf("%s: want %s, got %s", path, show(want), show(got)))
		}
	default: // string, bool, nil
		if want != got {
			*out = append(*out, fmt.Sprintf("%s: want %s, got %s", path, show(want), show(got)))
		}
	}
}

func sameNumber(a, b json.Number) bool {
	if a == b {
		return true
	}
	x, ok1 := new(big.Rat).SetString(string(a))
	y, ok2 := new(big.Rat).SetString(string(b))
	return ok1 && ok2 && x.Cmp(y) == 0
}

func show(v any) string {
	b, _ := json.Marshal(v)
	s := string(b)
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	if _, ok := v.(json.Number); ok {
		return s
	}
	switch v.(type) {
	case map[string]any:
		return "object " + s
	case []any:
		return "array " + s
	}
	return strings.TrimSpace(s)
}
