package level_test

import (
	"errors"
	"testing"

	"github.com/mspsync/mspsync/level"
)

func TestFromEnvNamesMissingKey(t *testing.T) {
	t.Setenv(level.EnvAPIKey, "")
	_, err := level.FromEnv()
	var se *level.SettingsError
	if !errors.Is(err, level.ErrMissingSetting) || !errors.As(err, &se) {
		t.Fatalf("err = %v, want a SettingsError", err)
	}
}

func TestFromEnvBaseURL(t *testing.T) {
	for _, tc := range []struct{ url, apiURL, want string }{
		{"", "", level.DefaultBaseURL},
		{"https://proxy.example", "", "https://proxy.example/v2"},
		{"", "https://other.example/v2/", "https://other.example/v2"},
		{"https://a.example/v2", "https://b.example", "https://a.example/v2"},
	} {
		t.Setenv(level.EnvAPIKey, " key-1 ")
		t.Setenv(level.EnvURL, tc.url)
		t.Setenv(level.EnvAPIURL, tc.apiURL)
		c, err := level.FromEnv()
		if err != nil {
			t.Fatal(err)
		}
		if c.BaseURL() != tc.want {
			t.Errorf("LEVEL_URL=%q LEVEL_API_URL=%q: base %q, want %q", tc.url, tc.apiURL, c.BaseURL(), tc.want)
		}
	}
}

func TestNewClientNeedsKey(t *testing.T) {
	if _, err := level.NewClient(); err == nil {
		t.Fatal("NewClient without a key succeeded")
	}
	if _, err := level.NewClient(level.WithAPIKey("  ")); err == nil {
		t.Fatal("blank key accepted")
	}
	if _, err := level.NewClient(level.WithAPIKey("k"), level.WithPageSize(101)); err == nil {
		t.Fatal("page size 101 accepted")
	}
	if _, err := level.NewClient(level.WithAPIKey("k"), level.WithResolveMethod("DELETE")); err == nil {
		t.Fatal("resolve method DELETE accepted")
	}
}
