package dattormm

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/mspsync/mspsync"
	"github.com/mspsync/mspsync/internal/httpx"
)

// Vendor is the name this package gives the API in errors and logs.
const Vendor = "dattormm"

// The OAuth client every caller authenticates as; the account's own API
// key and secret are the grant's username and password.
const (
	publicClientID     = "public-client"
	publicClientSecret = "public"
)

// Platforms are the known Datto RMM platforms (the account's API URL shows
// which one it is on).
var Platforms = []string{"pinotage", "merlot", "concord", "vidal", "zinfandel", "syrah"}

// Region returns the API URL of a platform: https://<platform>-api.centrastage.net.
func Region(platform string) (string, error) {
	p := strings.ToLower(strings.TrimSpace(platform))
	if !slices.Contains(Platforms, p) {
		return "", fmt.Errorf("dattormm: unknown platform %q (known: %s; or pass the API URL shown next to the API keys)", platform, strings.Join(Platforms, ", "))
	}
	return "https://" + p + "-api.centrastage.net", nil
}

// Default budgets: 600 reads per rolling minute
// per account, writes 600 in all and 100 per operation. The client keeps to
// 80% of each.
const (
	DefaultReadsPerMinute        = 600
	DefaultWritesPerMinute       = 600
	DefaultOperationWritesPerMin = 100
	budgetShare                  = 0.8
)

func perMinute(n float64) rate.Limit { return rate.Limit(n * budgetShare / 60) }

// DefaultRateLimitPause is how long the client pauses after a 429 without
// Retry-After: Datto's rolling window is 60 s, and persisting 429s get the
// client's IP blocked for about five minutes.
const DefaultRateLimitPause = 60 * time.Second

// BlockWindow is how long after a 429 a 403 is taken for Datto's temporary
// IP block (ErrBlocked), and the wait an ErrBlocked error suggests.
const BlockWindow = 5 * time.Minute

// DefaultRetryPolicy retries 5xx and transport errors with backoff from 2 s
// to 60 s, and honours Retry-After up to two minutes. A 429 without
// Retry-After waits DefaultRateLimitPause instead (see WithRateLimitPause).
func DefaultRetryPolicy() mspsync.RetryPolicy {
	return mspsync.RetryPolicy{MaxAttempts: 5, MinWait: 2 * time.Second, MaxWait: 60 * time.Second, MaxRetryAfter: 2 * time.Minute}
}

// RetryPolicy is the engine's retry policy (see WithRetryPolicy).
type RetryPolicy = mspsync.RetryPolicy

// Stats is a snapshot of a client's request counters.
type Stats = mspsync.Stats

// Counters counts requests, retries and waits; share one between clients
// with WithCounters.
type Counters = mspsync.Counters

// Clock is the time source of the client's retry waits and rate-limit
// pauses (see WithClock): Now, and Sleep(ctx, d) that returns ctx.Err()
// when ctx ends first.
type Clock = mspsync.Clock

// Client is a Datto RMM API client. It is safe for concurrent use.
type Client struct {
	eng  *httpx.Engine
	auth *httpx.TokenAuth
	cfg  config

	reads  *rate.Limiter
	writes *rate.Limiter

	mu      sync.Mutex
	ops     map[string]*rate.Limiter // per-operation write budgets
	pageMax int                      // account page maximum, 0 until read

	common service

	Account *AccountService
	Sites   *SitesService
	Devices *DevicesService
	Alerts  *AlertsService
	Audit   *AuditService
	System  *SystemService
}

type service struct{ c *Client }

type config struct {
	httpx.ClientSettings // Limiter: the read budget
	apiURL               string
	key, secret          string
	staticToken          string
	pageSize             int
	pause                time.Duration
	clock                mspsync.Clock
}

// Option configures a Client.
type Option func(*config) error

// WithAPIKey sets the API key and secret of the Datto RMM user the client
// acts as (Setup > Users > Generate API Keys). Surrounding white space, a
// common copy-and-paste accident, is removed.
func WithAPIKey(key, secret string) Option {
	return func(c *config) error {
		c.key, c.secret = strings.TrimSpace(key), strings.TrimSpace(secret)
		if c.key == "" || c.secret == "" {
			return errors.New("dattormm: API key and secret must not be empty")
		}
		return nil
	}
}

// WithStaticToken authenticates with a fixed bearer token (tests, or a
// token obtained elsewhere).
func WithStaticToken(token string) Option {
	return func(c *config) error { c.staticToken = token; return nil }
}

// WithRateLimit replaces the read limiter (default 80% of 600 per minute).
// Pass rate.NewLimiter(rate.Inf, 0) to switch client-side limiting off;
// that also lifts the write budgets.
func WithRateLimit(l *rate.Limiter) Option {
	return func(c *config) error { c.Limiter = l; return nil }
}

// WithRetryPolicy replaces DefaultRetryPolicy.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *config) error { c.Retry = p; return nil }
}

// WithHTTPClient sets the HTTP client for API and token requests.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error { return c.SetHTTPClient(Vendor, hc) }
}

// WithLogger sets the logger for requests, retries and waits (Debug).
func WithLogger(l *slog.Logger) Option { return func(c *config) error { c.Logger = l; return nil } }

// WithUserAgent replaces "mspsync/<version> (dattormm)".
func WithUserAgent(ua string) Option { return func(c *config) error { c.UserAgent = ua; return nil } }

// WithCounters makes the client count into cs.
func WithCounters(cs *Counters) Option { return func(c *config) error { c.Counters = cs; return nil } }

// WithRateLimitPause sets how long the client pauses after a 429 without
// Retry-After (default DefaultRateLimitPause, 60 s: the window must drain).
// The pause holds every request of the client, from any goroutine, not
// only the refused one. A Retry-After the client honours is shared the
// same way.
func WithRateLimitPause(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return errors.New("dattormm: rate-limit pause must be positive")
		}
		c.pause = d
		return nil
	}
}

// WithClock replaces the real clock of retry waits and rate-limit pauses
// (tests use a fake one). Client-side rate limiters keep to real time.
func WithClock(clk Clock) Option {
	return func(c *config) error {
		if clk == nil {
			return errors.New("dattormm: nil clock")
		}
		c.clock = clk
		return nil
	}
}

// WithPageSize sets the page size of lists (default and maximum: the
// account's page maximum, 250).
func WithPageSize(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return errors.New("dattormm: page size must be at least 1")
		}
		c.pageSize = n
		return nil
	}
}

// CleanAPIURL returns the API root NewClient uses for an API URL in the
// forms users paste: "https://merlot-api.centrastage.net" as Datto shows it
// next to the API keys, with "/api", "/api/v2" or "/api/v3" (as the API
// documentation writes it), with or without trailing slashes or scheme,
// or just a platform name ("merlot", see Region).
func CleanAPIURL(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if slices.Contains(Platforms, strings.ToLower(s)) {
		return Region(s)
	}
	u, err := httpx.CleanBaseURL(s, "/api/v2", "/api/v3", "/api")
	if err != nil {
		return "", fmt.Errorf("dattormm: API URL: %w", err)
	}
	return u, nil
}

// NewClient returns a client for the account's API URL
// ("https://merlot-api.centrastage.net"; see Region and CleanAPIURL for
// the forms it takes). The API lives under /api and the token endpoint at
// /auth/oauth/token, outside it.
func NewClient(apiURL string, opts ...Option) (*Client, error) {
	cfg := config{ClientSettings: httpx.ClientSettings{Retry: DefaultRetryPolicy()}, pause: DefaultRateLimitPause}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	root, err := CleanAPIURL(apiURL)
	if err != nil {
		return nil, err
	}
	cfg.apiURL = root
	if cfg.key == "" && cfg.staticToken == "" {
		return nil, errors.New("dattormm: no credentials: use WithAPIKey")
	}
	c := &Client{cfg: cfg, ops: map[string]*rate.Limiter{}}
	c.reads = cfg.Limiter
	if c.reads == nil {
		c.reads = rate.NewLimiter(perMinute(DefaultReadsPerMinute), 20)
	}
	unlimited := c.reads.Limit() == rate.Inf
	if unlimited {
		c.writes = rate.NewLimiter(rate.Inf, 0)
	} else {
		c.writes = rate.NewLimiter(perMinute(DefaultWritesPerMinute), 10)
	}
	var auth httpx.Authenticator
	if cfg.staticToken != "" {
		auth = httpx.BearerToken(cfg.staticToken)
	} else {
		c.auth = httpx.PasswordGrant(httpx.TokenAuthConfig{
			Vendor: Vendor, TokenURL: root + "/auth/oauth/token", HTTPClient: cfg.HTTPClient,
		}, publicClientID, publicClientSecret, cfg.key, cfg.secret)
		auth = c.auth
	}
	ec := cfg.EngineConfig(Vendor, root+"/api/")
	ec.Limiter = nil // the client waits on its own read and write budgets
	ec.Auth = auth
	ec.ExtractMessage = c.extractMessage
	ec.RateLimitPause = cfg.pause
	ec.Clock = cfg.clock
	c.eng, err = httpx.New(ec)
	if err != nil {
		return nil, err
	}
	c.common.c = c
	c.Account = (*AccountService)(&c.common)
	c.Sites = (*SitesService)(&c.common)
	c.Devices = (*DevicesService)(&c.common)
	c.Alerts = (*AlertsService)(&c.common)
	c.Audit = (*AuditService)(&c.common)
	c.System = (*SystemService)(&c.common)
	return c, nil
}

// Stats returns the client's request counts so far.
func (c *Client) Stats() Stats { return c.eng.Counters().Snapshot() }

// Counters returns the client's counters.
func (c *Client) Counters() *Counters { return c.eng.Counters() }

// TokensFetched returns how many times the client ran the password grant.
func (c *Client) TokensFetched() int64 {
	if c.auth == nil {
		return 0
	}
	return c.auth.Fetches()
}

// opLimiter returns the write budget of one operation ("alert-resolve").
func (c *Client) opLimiter(op string) *rate.Limiter {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.ops[op]
	if !ok {
		if c.writes.Limit() == rate.Inf {
			l = rate.NewLimiter(rate.Inf, 0)
		} else {
			l = rate.NewLimiter(perMinute(DefaultOperationWritesPerMin), 5)
		}
		c.ops[op] = l
	}
	return l
}

// readLimits returns the limiters of a read; writeLimits those of a write
// of operation op.
func (c *Client) readLimits() []*rate.Limiter { return []*rate.Limiter{c.reads} }

func (c *Client) writeLimits(op string) []*rate.Limiter {
	return []*rate.Limiter{c.writes, c.opLimiter(op)}
}
