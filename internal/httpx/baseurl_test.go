package httpx

import (
	"strings"
	"testing"
)

func TestCleanBaseURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		raw      string
		suffixes []string
		want     string
		err      string
	}{
		{"https://acme.halopsa.com", []string{"/api"}, "https://acme.halopsa.com", ""},
		{"https://acme.halopsa.com/", []string{"/api"}, "https://acme.halopsa.com", ""},
		{"https://acme.halopsa.com//", []string{"/api"}, "https://acme.halopsa.com", ""},
		{"https://acme.halopsa.com/api", []string{"/api"}, "https://acme.halopsa.com", ""},
		{"https://acme.halopsa.com/api/", []string{"/api"}, "https://acme.halopsa.com", ""},
		{"https://acme.halopsa.com/API", []string{"/api"}, "https://acme.halopsa.com", ""},
		{"  acme.halopsa.com/api \n", []string{"/api"}, "https://acme.halopsa.com", ""},
		{"https://halo.example.com/halo/api", []string{"/api"}, "https://halo.example.com/halo", ""},
		{"https://halo.example.com/rapid", []string{"/api"}, "https://halo.example.com/rapid", ""}, // not a whole segment? kept below
		{"http://127.0.0.1:8080/prefix/", []string{"/api"}, "http://127.0.0.1:8080/prefix", ""},
		{"https://merlot-api.centrastage.net/api/v2/", []string{"/api/v2", "/api/v3", "/api"}, "https://merlot-api.centrastage.net", ""},
		{"https://x.example/auth/token", []string{"/token"}, "https://x.example/auth", ""},
		{"", nil, "", "empty"},
		{"ftp://x.example", nil, "", "absolute"},
		{"https://user:pw@x.example", nil, "", "credentials"},
		{"https://x.example/?tenant=a", nil, "", "query"},
	} {
		got, err := CleanBaseURL(tc.raw, tc.suffixes...)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("CleanBaseURL(%q) = %q, %v; want an error saying %q", tc.raw, got, err, tc.err)
			}
			if err != nil && strings.Contains(err.Error(), "pw") {
				t.Errorf("CleanBaseURL(%q): password in error %v", tc.raw, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("CleanBaseURL(%q, %q) = %q, %v; want %q", tc.raw, tc.suffixes, got, err, tc.want)
		}
	}
}
