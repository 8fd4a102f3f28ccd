package vsax

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
const Vendor = "vsax"

// DefaultRequestsPerSecond is the client-side limit (one request a
// second, burst 1). VSA X documents no limit; Pulseway's is reported as
// about 3,600 requests an hour per token and endpoint, answered with 429
// and Retry-After, so one a second never trips it.
const DefaultRequestsPerSecond = 1

// MaxPageSize is the largest $top VSA X accepts (and its default).
const MaxPageSize = 100

// DefaultRetryPolicy retries 429 (any method) and 502/503/504 (replay-safe
// requests) with backoff from 1 s to 30 s, honouring Retry-After up to two
// minutes. 401 and 403 are never retried.
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

// Client is a Kaseya VSA X (Pulseway v3) API client. It is safe for
// concurrent use.
type Client struct {
	eng *httpx.Engine
	cfg config

	common service

	Environment   *EnvironmentService
	Organizations *OrganizationsService
	Sites         *SitesService
	Groups        *GroupsService
	Devices       *DevicesService
	Assets        *AssetsService
	Notifications *NotificationsService
	Webhooks      *WebhooksService
	CustomFields  *CustomFieldsService
}

type service struct{ c *Client }

type config struct {
	httpx.ClientSettings
	id, secret string
	auth       httpx.Authenticator
	pageSize   int
}

// Option configures a Client.
type Option func(*config) error

// WithTokenAuth sets the API token (VSA X: Configuration → API Access →
// Third-Party Tokens), sent as HTTP Basic with the Token ID as user name
// and the Token Secret as password. Surrounding white space is removed.
func WithTokenAuth(tokenID, tokenSecret string) Option {
	return func(c *config) error {
		c.id, c.secret = strings.TrimSpace(tokenID), strings.TrimSpace(tokenSecret)
		if c.id == "" || c.secret == "" {
			return errors.New("vsax: token ID and token secret must not be empty")
		}
		return nil
	}
}

// WithAuthHeader authenticates with a fixed header instead of the Basic
// token (another scheme VSA X may add). A 401 is final.
func WithAuthHeader(name, value string) Option {
	return func(c *config) error {
		if name == "" {
			return errors.New("vsax: empty auth header name")
		}
		c.auth = httpx.StaticHeader{Name: name, Value: value}
		return nil
	}
}

// WithRateLimit replaces the client-side limiter (default
// DefaultRequestsPerSecond). Pass rate.NewLimiter(rate.Inf, 0) to switch
// it off.
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

// WithUserAgent replaces "mspsync/<version> (vsax)".
func WithUserAgent(ua string) Option { return func(c *config) error { c.UserAgent = ua; return nil } }

// WithCounters makes the client count into cs.
func WithCounters(cs *Counters) Option { return func(c *config) error { c.Counters = cs; return nil } }

// WithPageSize sets $top of list requests (default and maximum
// MaxPageSize).
func WithPageSize(n int) Option {
	return func(c *config) error {
		if n < 1 || n > MaxPageSize {
			return fmt.Errorf("vsax: page size %d outside 1…%d", n, MaxPageSize)
		}
		c.pageSize = n
		return nil
	}
}

// BaseURL turns what users paste — the full API URL
// ("https://acme.vsax.net/api/v3/"), the bare host ("https://acme.vsax.net"
// or "acme.vsax.net") — into the API base URL, ending in "/api/v3/".
func BaseURL(instance string) (string, error) {
	if strings.TrimSpace(instance) == "" {
		return "", errors.New("vsax: empty instance URL")
	}
	root, err := httpx.CleanBaseURL(instance, "/api/v3", "/api")
	if err != nil {
		return "", fmt.Errorf("vsax: instance URL: %w", err)
	}
	return root + "/api/v3/", nil
}

// NewClient returns a client for a VSA X instance: the full API URL or
// the bare host (see BaseURL). WithTokenAuth is required.
func NewClient(instance string, opts ...Option) (*Client, error) {
	cfg := config{ClientSettings: httpx.ClientSettings{Retry: DefaultRetryPolicy()}, pageSize: MaxPageSize}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	base, err := BaseURL(instance)
	if err != nil {
		return nil, err
	}
	auth := cfg.auth
	if auth == nil {
		if cfg.id == "" {
			return nil, errors.New("vsax: no credentials: use WithTokenAuth")
		}
		auth = httpx.BasicAuth(cfg.id, cfg.secret)
	}
	ec := cfg.EngineConfig(Vendor, base)
	if ec.Limiter == nil {
		ec.Limiter = rate.NewLimiter(DefaultRequestsPerSecond, 1)
	}
	ec.Auth = auth
	ec.ExtractMessage = extractMessage
	c := &Client{cfg: cfg}
	c.eng, err = httpx.New(ec)
	if err != nil {
		return nil, err
	}
	c.common.c = c
	c.Environment = (*EnvironmentService)(&c.common)
	c.Organizations = (*OrganizationsService)(&c.common)
	c.Sites = (*SitesService)(&c.common)
	c.Groups = (*GroupsService)(&c.common)
	c.Devices = (*DevicesService)(&c.common)
	c.Assets = (*AssetsService)(&c.common)
	c.Notifications = (*NotificationsService)(&c.common)
	c.Webhooks = (*WebhooksService)(&c.common)
	c.CustomFields = (*CustomFieldsService)(&c.common)
	return c, nil
}

// BaseURL returns the API base URL the client uses (ending in /api/v3/).
func (c *Client) BaseURL() string { return c.eng.BaseURL().String() }

// Stats returns the client's request counts so far.
func (c *Client) Stats() Stats { return c.eng.Counters().Snapshot() }

// Counters returns the client's counters.
func (c *Client) Counters() *Counters { return c.eng.Counters() }
