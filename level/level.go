package level

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/mspsync/mspsync"
	"github.com/mspsync/mspsync/internal/httpx"
)

// Vendor is the name this package gives the API in errors and logs.
const Vendor = "level"

// DefaultBaseURL is Level's one public API root (no tenants, no regions).
const DefaultBaseURL = "https://api.level.io/v2"

// DefaultRequestsPerMinute is the client-side budget: Level publishes no
// quota, about 100 calls a minute have been observed.
const DefaultRequestsPerMinute = 100

// DefaultRateLimit returns the default limiter: one request every 600 ms
// (100 a minute) with a burst of 5.
func DefaultRateLimit() *rate.Limiter {
	return rate.NewLimiter(rate.Every(time.Minute/DefaultRequestsPerMinute), 5)
}

// DefaultPageSize is the page size the client asks for (Level's maximum;
// its own default is 20).
const DefaultPageSize = 100

// MaxPageSize is the largest limit Level accepts.
const MaxPageSize = 100

// DefaultRetryPolicy retries 5xx and transport errors with backoff from 1 s
// to 30 s and honours Retry-After up to two minutes.
func DefaultRetryPolicy() mspsync.RetryPolicy {
	return mspsync.RetryPolicy{MaxAttempts: 5, MinWait: time.Second, MaxWait: 30 * time.Second, MaxRetryAfter: 2 * time.Minute}
}

// RetryPolicy is the engine's retry policy (see WithRetryPolicy).
type RetryPolicy = mspsync.RetryPolicy

// Stats is a snapshot of a client's request counters.
type Stats = mspsync.Stats

// Counters counts requests, retries and waits; share one between clients
// with WithCounters.
type Counters = mspsync.Counters

// Client is a Level API client. It is safe for concurrent use.
type Client struct {
	eng *httpx.Engine
	cfg config

	common service

	Groups       *GroupsService
	Devices      *DevicesService
	Alerts       *AlertsService
	CustomFields *CustomFieldsService
	Tags         *TagsService
}

type service struct{ c *Client }

type config struct {
	httpx.ClientSettings
	baseURL       string
	key           string
	pageSize      int
	resolveMethod string
}

// Option configures a Client.
type Option func(*config) error

// WithAPIKey sets the API key (Level: Settings → API). It is sent raw in
// the Authorization header, with no scheme. Surrounding white space, a
// common copy-and-paste accident, is removed.
func WithAPIKey(key string) Option {
	return func(c *config) error {
		c.key = strings.TrimSpace(key)
		if c.key == "" {
			return errors.New("level: API key must not be empty")
		}
		return nil
	}
}

// WithBaseURL replaces DefaultBaseURL (tests, a proxy). "https://host",
// "https://host/" and "https://host/v2" all mean the /v2 root.
func WithBaseURL(u string) Option {
	return func(c *config) error { c.baseURL = u; return nil }
}

// WithRateLimit replaces the client-side limiter (DefaultRateLimit). Pass
// rate.NewLimiter(rate.Inf, 0) to switch client-side limiting off.
func WithRateLimit(l *rate.Limiter) Option {
	return func(c *config) error { c.Limiter = l; return nil }
}

// WithRetryPolicy replaces DefaultRetryPolicy.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *config) error { c.Retry = p; return nil }
}

// WithHTTPClient sets the HTTP client.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error { return c.SetHTTPClient(Vendor, hc) }
}

// WithLogger sets the logger for requests, retries and waits (Debug).
func WithLogger(l *slog.Logger) Option { return func(c *config) error { c.Logger = l; return nil } }

// WithUserAgent replaces "mspsync/<version> (level)".
func WithUserAgent(ua string) Option { return func(c *config) error { c.UserAgent = ua; return nil } }

// WithCounters makes the client count into cs.
func WithCounters(cs *Counters) Option { return func(c *config) error { c.Counters = cs; return nil } }

// WithPageSize sets the limit of list requests (default and maximum 100).
func WithPageSize(n int) Option {
	return func(c *config) error {
		if n < 1 || n > MaxPageSize {
			return fmt.Errorf("level: page size must be 1 to %d", MaxPageSize)
		}
		c.pageSize = n
		return nil
	}
}

// WithResolveMethod sets the verb Alerts.Resolve tries first (default
// POST; the verb is not confirmed by Level's reference). Whatever it is,
// a 405 is tried once more with the other of POST and PUT.
func WithResolveMethod(method string) Option {
	return func(c *config) error {
		m := strings.ToUpper(strings.TrimSpace(method))
		if m != http.MethodPost && m != http.MethodPut {
			return fmt.Errorf("level: resolve method must be POST or PUT, not %q", method)
		}
		c.resolveMethod = m
		return nil
	}
}

// NewClient returns a client for Level's API (DefaultBaseURL unless
// WithBaseURL). WithAPIKey is required.
func NewClient(opts ...Option) (*Client, error) {
	cfg := config{ClientSettings: httpx.ClientSettings{Retry: DefaultRetryPolicy()}, baseURL: DefaultBaseURL, pageSize: DefaultPageSize, resolveMethod: http.MethodPost}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.key == "" {
		return nil, errors.New("level: no credentials: use WithAPIKey")
	}
	root, err := httpx.CleanBaseURL(cfg.baseURL, "/v2")
	if err != nil {
		return nil, fmt.Errorf("level: base URL: %w", err)
	}
	root += "/v2"
	cfg.baseURL = root
	ec := cfg.EngineConfig(Vendor, root+"/")
	if ec.Limiter == nil {
		ec.Limiter = DefaultRateLimit()
	}
	ec.Auth = httpx.StaticHeader{Name: "Authorization", Value: cfg.key}
	ec.ExtractMessage = extractMessage
	c := &Client{cfg: cfg}
	c.eng, err = httpx.New(ec)
	if err != nil {
		return nil, err
	}
	c.common.c = c
	c.Groups = (*GroupsService)(&c.common)
	c.Devices = (*DevicesService)(&c.common)
	c.Alerts = (*AlertsService)(&c.common)
	c.CustomFields = (*CustomFieldsService)(&c.common)
	c.Tags = (*TagsService)(&c.common)
	return c, nil
}

// BaseURL returns the API root the client sends to ("…/v2").
func (c *Client) BaseURL() string { return c.cfg.baseURL }

// Stats returns the client's request counts so far.
func (c *Client) Stats() Stats { return c.eng.Counters().Snapshot() }

// Counters returns the client's counters.
func (c *Client) Counters() *Counters { return c.eng.Counters() }
