package httpx

import (
	"log/slog"
	"net/http"
	"testing"

	"golang.org/x/time/rate"
)

func TestClientSettingsEngineConfig(t *testing.T) {
	var s ClientSettings
	if err := s.SetHTTPClient("acme", nil); err == nil || err.Error() != "acme: nil HTTP client" {
		t.Fatalf("SetHTTPClient(nil) = %v", err)
	}
	hc, lim, log, cs := &http.Client{}, rate.NewLimiter(1, 1), slog.Default(), &Counters{}
	if err := s.SetHTTPClient("acme", hc); err != nil {
		t.Fatal(err)
	}
	s.Limiter, s.Logger, s.Counters, s.UserAgent = lim, log, cs, "ua/1"
	s.Retry = RetryPolicy{MaxAttempts: 7}
	c := s.EngineConfig("acme", "https://example.test/api/")
	if c.Vendor != "acme" || c.BaseURL != "https://example.test/api/" || c.HTTPClient != hc || c.Limiter != lim ||
		c.Logger != log || c.Counters != cs || c.UserAgent != "ua/1" || c.Retry.MaxAttempts != 7 {
		t.Fatalf("EngineConfig = %+v", c)
	}
	if c.Auth != nil || c.ExtractMessage != nil {
		t.Fatalf("EngineConfig set vendor-only fields: %+v", c)
	}
}
