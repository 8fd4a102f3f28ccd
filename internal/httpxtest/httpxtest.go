// Package httpxtest holds the test helpers every vendor package uses: a
// test server mounted under a non-root path prefix that fails the test on
// any request outside it, request assertions, and per-test httpmock
// transports (never the process-global one).
package httpxtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
)

// NewServer starts an httptest server whose handlers live on the returned
// mux under prefix ("/api-test"); a request that lost the prefix (an
// endpoint written with an absolute path) fails the test. base is the
// server URL plus prefix, to hand to NewClient.
func NewServer(t testing.TB, prefix string) (mux *http.ServeMux, base string) {
	t.Helper()
	prefix = "/" + strings.Trim(prefix, "/")
	mux = http.NewServeMux()
	root := http.NewServeMux()
	root.Handle(prefix+"/", http.StripPrefix(prefix, mux))
	root.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside %s/: %s %s (absolute path in an endpoint?)", prefix, r.Method, r.URL.Path)
		http.Error(w, "outside base path", http.StatusBadGateway)
	})
	srv := httptest.NewServer(root)
	t.Cleanup(srv.Close)
	return mux, srv.URL + prefix
}

// MockClient returns an *http.Client backed by a fresh httpmock transport,
// for injection with a client's WithHTTPClient option. Tests using it may
// run in parallel: nothing global is touched.
func MockClient(t testing.TB) (*http.Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	return &http.Client{Transport: mt}, mt
}

// Method fails the test unless r.Method is want.
func Method(t testing.TB, r *http.Request, want string) {
	t.Helper()
	if r.Method != want {
		t.Errorf("method = %s, want %s", r.Method, want)
	}
}

// Query fails the test unless r's query string holds exactly want.
func Query(t testing.TB, r *http.Request, want url.Values) {
	t.Helper()
	got := r.URL.Query()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("query = %s, want %s", got.Encode(), want.Encode())
	}
}

// Header fails the test unless header key of r is want.
func Header(t testing.TB, r *http.Request, key, want string) {
	t.Helper()
	if got := r.Header.Get(key); got != want {
		t.Errorf("header %s = %q, want %q", key, got, want)
	}
}

// JSONBody decodes r's body and fails the test unless it equals want, which
// may be a JSON string or any value (compared after a JSON round trip, so
// field order and number formatting do not matter). The body stays
// readable for the handler.
func JSONBody(t testing.TB, r *http.Request, want any) {
	t.Helper()
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	var got any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Errorf("body is not JSON: %v: %s", err, raw)
		return
	}
	if !reflect.DeepEqual(got, Roundtrip(t, want)) {
		t.Errorf("body = %s\nwant   %s", raw, mustJSON(want))
	}
}

// Roundtrip returns v as generic JSON (a JSON string is parsed first).
func Roundtrip(t testing.TB, v any) any {
	t.Helper()
	var raw []byte
	if s, ok := v.(string); ok {
		raw = []byte(s)
	} else {
		var err error
		if raw, err = json.Marshal(v); err != nil {
			t.Fatalf("marshal: %v", err)
		}
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("unmarshal %s: %v", raw, err)
	}
	return out
}

// JSONMarshal fails the test unless v marshals to the JSON want (compared
// as values).
func JSONMarshal(t testing.TB, v any, want string) {
	t.Helper()
	got := Roundtrip(t, v)
	if !reflect.DeepEqual(got, Roundtrip(t, want)) {
		t.Errorf("marshal = %s\nwant      %s", mustJSON(v), want)
	}
}

func mustJSON(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}
