package httpx

import (
	"errors"
	"log/slog"
	"net/http"

	"golang.org/x/time/rate"
)

// ClientSettings are the options every vendor client takes the same way
// (WithHTTPClient, WithRateLimit, WithRetryPolicy, WithLogger,
// WithUserAgent, WithCounters). A vendor embeds it in its option config,
// keeps its own exported With… functions setting these fields, and builds
// its engine from EngineConfig.
type ClientSettings struct {
	HTTPClient *http.Client
	Limiter    *rate.Limiter
	Retry      RetryPolicy
	Logger     *slog.Logger
	UserAgent  string
	Counters   *Counters
}

// SetHTTPClient sets the HTTP client; nil is an error naming vendor.
func (s *ClientSettings) SetHTTPClient(vendor string, hc *http.Client) error {
	if hc == nil {
		return errors.New(vendor + ": nil HTTP client")
	}
	s.HTTPClient = hc
	return nil
}

// EngineConfig returns an engine Config for vendor and baseURL carrying
// the settings; the vendor adds Auth, ExtractMessage and the rest.
func (s *ClientSettings) EngineConfig(vendor, baseURL string) Config {
	return Config{
		Vendor:     vendor,
		BaseURL:    baseURL,
		HTTPClient: s.HTTPClient,
		UserAgent:  s.UserAgent,
		Logger:     s.Logger,
		Limiter:    s.Limiter,
		Retry:      s.Retry,
		Counters:   s.Counters,
	}
}
