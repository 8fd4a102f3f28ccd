package vsax_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/mspsync/mspsync/vsax"
)

func TestBaseURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://acme.vsax.net":          "https://acme.vsax.net/api/v3/",
		"acme.vsax.net":                  "https://acme.vsax.net/api/v3/",
		"https://acme.vsax.net/":         "https://acme.vsax.net/api/v3/",
		"https://acme.vsax.net/api":      "https://acme.vsax.net/api/v3/",
		"https://acme.vsax.net/api/v3":   "https://acme.vsax.net/api/v3/",
		"https://acme.vsax.net/api/v3/ ": "https://acme.vsax.net/api/v3/",
	} {
		got, err := vsax.BaseURL(in)
		if err != nil || got != want {
			t.Errorf("BaseURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := vsax.NewClient("https://acme.vsax.net"); err == nil {
		t.Error("NewClient without credentials succeeded")
	}
}

func quick(ts *httptest.Server) []vsax.Option {
	return []vsax.Option{vsax.WithTokenAuth("tid", "tsecret"), vsax.WithHTTPClient(ts.Client()),
		vsax.WithRateLimit(rate.NewLimiter(rate.Inf, 0)),
		vsax.WithRetryPolicy(vsax.RetryPolicy{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: time.Millisecond})}
}

// TestAuthFailuresAreFinal: 401 and 403 are answered once, never retried,
// and the error says what to fix without the secret.
func TestAuthFailuresAreFinal(t *testing.T) {
	for _, status := range []int{401, 403} {
		var n atomic.Int32
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			if r.URL.Path != "/api/v3/environment" {
				t.Errorf("path %s", r.URL.Path)
			}
			want := "Basic " + base64.StdEncoding.EncodeToString([]byte("tid:tsecret"))
			if r.Header.Get("Authorization") != want {
				t.Errorf("auth header %q", r.Header.Get("Authorization"))
			}
			w.WriteHeader(status)
			json.NewEncoder(w).Encode(map[string]any{"Data": nil, "Meta": map[string]any{"ResponseCode": status, "ErrorMessage": "Request Failed"}})
		}))
		c, err := vsax.NewClient(ts.URL, quick(ts)...)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Ping(t.Context())
		if n.Load() != 1 {
			t.Errorf("%d: %d requests; want 1 (never retried)", status, n.Load())
		}
		want := map[int]error{401: vsax.ErrUnauthorized, 403: vsax.ErrForbidden}[status]
		if !errors.Is(err, want) || !strings.Contains(err.Error(), "Request Failed") || !strings.Contains(err.Error(), "Third-Party Tokens") {
			t.Errorf("%d: %v", status, err)
		}
		if strings.Contains(err.Error(), "tsecret") {
			t.Errorf("secret in error: %v", err)
		}
		ts.Close()
	}
}

func TestDecodeLenient(t *testing.T) {
	var n struct {
		A, B vsax.Time
		P, Q vsax.Priority
		O, R vsax.FlexInt
	}
	err := json.Unmarshal([]byte(`{"A":1463473104,"B":"2024-01-01T12:00:00Z","P":"elevated","Q":"CRITICAL","O":"4821","R":4821}`), &n)
	if err != nil {
		t.Fatal(err)
	}
	if n.A.Unix() != 1463473104 || n.B.Year() != 2024 || n.P != vsax.PriorityElevated || n.Q != vsax.PriorityCritical || n.O != 4821 || n.R != 4821 {
		t.Errorf("%+v", n)
	}
}

func TestFromEnvNamesMissing(t *testing.T) {
	t.Setenv(vsax.EnvURL, "")
	t.Setenv(vsax.EnvTokenID, "x")
	t.Setenv(vsax.EnvTokenSecret, "")
	_, err := vsax.FromEnv()
	if !errors.Is(err, vsax.ErrMissingSetting) || !strings.Contains(err.Error(), vsax.EnvURL) || !strings.Contains(err.Error(), vsax.EnvTokenSecret) {
		t.Errorf("%v", err)
	}
}

func TestWebhookVerifier(t *testing.T) {
	secret := strings.Repeat("ab12", 16)
	body := []byte(`{"Id":1}`)
	v, err := vsax.NewWebhookVerifier(secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Verify(body, vsax.Sign(secret, body)); err != nil {
		t.Errorf("string-keyed: %v", err)
	}
	key, _ := hexKeySign(secret, body)
	if err := v.Verify(body, key); err != nil {
		t.Errorf("hex-keyed: %v", err)
	}
	for name, c := range map[string]struct {
		body []byte
		sig  string
		want error
	}{
		"wrong secret": {body, vsax.Sign("other", body), vsax.ErrBadSignature},
		"altered body": {[]byte(`{"Id":2}`), vsax.Sign(secret, body), vsax.ErrBadSignature},
		"missing":      {body, "", vsax.ErrMissingSignature},
		"empty body":   {nil, vsax.Sign(secret, body), vsax.ErrBadSignature},
		"not base64":   {body, "%%%", vsax.ErrBadSignature},
	} {
		if err := v.Verify(c.body, c.sig); !errors.Is(err, c.want) {
			t.Errorf("%s: %v; want %v", name, err, c.want)
		}
	}
}
