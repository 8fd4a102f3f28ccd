package intake

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
)

func TestSecrets(t *testing.T) {
	t.Parallel()
	if _, ok := NewSecrets("0123456789abcdef", "short"); ok {
		t.Error("a secret of 5 characters was accepted")
	}
	s, ok := NewSecrets("0123456789abcdef", "fedcba9876543210fedcba")
	if !ok || len(s) != 2 {
		t.Fatalf("NewSecrets = %d sums, %v", len(s), ok)
	}
	for given, want := range map[string]bool{
		"0123456789abcdef": true, "fedcba9876543210fedcba": true,
		"0123456789abcde": false, "": false, "0123456789abcdef ": false,
	} {
		if got := s.Match(given); got != want {
			t.Errorf("Match(%q) = %v, want %v", given, got, want)
		}
	}
	if empty, ok := NewSecrets(); !ok || empty.Match("") || empty.Match("0123456789abcdef") {
		t.Error("no secrets must match nothing")
	}
}

func TestReply(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status   int
		msg, out string
	}{
		{http.StatusOK, "ignored", `{"ok":true}`},
		{http.StatusAccepted, "", `{"ok":true}`},
		{http.StatusUnprocessableEntity, `bad "alert"`, `{"error":"bad \"alert\""}`},
		{http.StatusServiceUnavailable, "not recorded; retry", `{"error":"not recorded; retry"}`},
	} {
		w := httptest.NewRecorder()
		Reply(w, tc.status, tc.msg)
		if w.Code != tc.status || w.Body.String() != tc.out || w.Header().Get("Content-Type") != "application/json" {
			t.Errorf("Reply(%d, %q) = %d %s %q", tc.status, tc.msg, w.Code, w.Header().Get("Content-Type"), w.Body)
		}
	}
}

// TestReadPost checks the shared preamble of every intake: 405 answered
// and not recorded, 413 on an announced or a read oversize body (recorded,
// connection closed), 400 on a failed read, and the body otherwise.
func TestReadPost(t *testing.T) {
	t.Parallel()
	type refusal struct {
		status int
		err    error
	}
	run := func(r *http.Request) (*httptest.ResponseRecorder, []byte, bool, []refusal) {
		w := httptest.NewRecorder()
		var got []refusal
		body, ok := ReadPost(w, r, 8, func(status int, err error) {
			got = append(got, refusal{status, err})
			Reply(w, status, err.Error())
		})
		return w, body, ok, got
	}
	w, _, ok, got := run(httptest.NewRequest(http.MethodGet, "/", nil))
	if ok || w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != http.MethodPost || len(got) != 0 {
		t.Errorf("GET: ok %v, %d, Allow %q, %d refusals recorded", ok, w.Code, w.Header().Get("Allow"), len(got))
	}
	w, body, ok, got := run(httptest.NewRequest(http.MethodPost, "/", strings.NewReader("12345678")))
	if !ok || string(body) != "12345678" || len(got) != 0 {
		t.Errorf("8 bytes: ok %v, body %q, %d refusals", ok, body, len(got))
	}
	announced := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("123456789"))
	w, _, ok, got = run(announced)
	if ok || w.Code != http.StatusRequestEntityTooLarge || len(got) != 1 || w.Header().Get("Connection") != "close" {
		t.Errorf("9 bytes announced: ok %v, %d, %v", ok, w.Code, got)
	}
	unannounced := httptest.NewRequest(http.MethodPost, "/", io.MultiReader(strings.NewReader("12345"), strings.NewReader("6789")))
	unannounced.ContentLength = -1
	w, _, ok, got = run(unannounced)
	if ok || w.Code != http.StatusRequestEntityTooLarge || len(got) != 1 || !strings.Contains(got[0].err.Error(), "larger than 8 bytes") {
		t.Errorf("9 bytes unannounced: ok %v, %d, %v", ok, w.Code, got)
	}
	broken := httptest.NewRequest(http.MethodPost, "/", iotest.ErrReader(errors.New("connection reset")))
	broken.ContentLength = -1
	w, _, ok, got = run(broken)
	if ok || w.Code != http.StatusBadRequest || len(got) != 1 || !strings.Contains(got[0].err.Error(), "connection reset") {
		t.Errorf("failed read: ok %v, %d, %v", ok, w.Code, got)
	}
}
