package intake

import (
	"net/http"
	"net/http/httptest"
	"testing"
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
