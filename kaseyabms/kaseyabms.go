package kaseyabms

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"golang.org/x/time/rate"

	"github.com/mspsync/mspsync"
	"github.com/mspsync/mspsync/internal/httpx"
)

// Vendor is the name this package gives the API in errors and logs.
const Vendor = "kaseyabms"

// Region is a Kaseya BMS data center.
type Region string

// The data centers of the V2 API, each with its own base URL
// (https://api.bms.kaseya.com for US; see RegionURL). The tenant's
// gateway host in BMS (My Settings) tells which one it is on.
const (
	RegionUS    Region = "US"
	RegionEMEA  Region = "EMEA"
	RegionAPAC  Region = "APAC"
	RegionVorex Region = "Vorex"
)

var regionURLs = map[Region]string{
	RegionUS:    "https://api.bms.kaseya.com",
	RegionEMEA:  "https://api.bmsemea.kaseya.com",
	RegionAPAC:  "https://api.bmsapac.kaseya.com",
	RegionVorex: "https://api.vorexlogin.com",
}

// RegionURL returns the API base URL of a data center ("US", "EMEA",
// "APAC", "Vorex"; case does not matter).
func RegionURL(r Region) (string, error) {
	for k, u := range regionURLs {
		if strings.EqualFold(string(k), strings.TrimSpace(string(r))) {
			return u, nil
		}
	}
	return "", fmt.Errorf("kaseyabms: unknown region %q (want US, EMEA, APAC or Vorex, or set a base URL)", r)
}

// DefaultCallsPerHour is the documented budget of the V2 API: 1,500 calls
// an hour for each endpoint (Kaseya BMS API documentation). The client keeps a
// limiter per endpoint (method and route template) at this rate.
const DefaultCallsPerHour = 1500

// DefaultBurst is how many calls an endpoint may make at once before its
// limiter spaces them out (2.4 s apart at the default rate).
const DefaultBurst = 10

// DefaultPageSize is the PageSize of list requests. BMS documents no
// maximum; V1 capped pages at 100.
const DefaultPageSize = 100

// DefaultRetryPolicy retries 429 (any method: the request was refused
// before it ran) and 502/503/504 (replay-safe requests only) with backoff
// from 2 s to 2 min, honouring Retry-After up to 5 min. BMS has no
// idempotency keys: a POST that may have reached BMS is never sent again.
func DefaultRetryPolicy() mspsync.RetryPolicy {
	return mspsync.RetryPolicy{MaxAttempts: 4, MinWait: 2 * time.Second, MaxWait: 2 * time.Minute, MaxRetryAfter: 5 * time.Minute}
}

// RetryPolicy is the engine's retry policy (see WithRetryPolicy).
type RetryPolicy = mspsync.RetryPolicy

// Stats is a snapshot of a client's request counters.
type Stats = mspsync.Stats

// Counters counts requests, retries and waits; share one between clients
// with WithCounters.
type Counters = mspsync.Counters

// Client is a Kaseya BMS API (V2) client. It is safe for concurrent use.
type Client struct {
	eng  *httpx.Engine
	auth *tokenSource
	cfg  config

	limMu    sync.Mutex
	limiters map[string]*rate.Limiter // per endpoint: "GET v2/servicedesk/tickets/{}"

	common service

	Tickets        *TicketsService
	Accounts       *AccountsService
	Locations      *LocationsService
	Contacts       *ContactsService
	Contracts      *ContractsService
	Services       *ServicesService
	Lookups        *LookupsService
	Webhooks       *WebhooksService
	HardwareAssets *HardwareAssetsService
}

type service struct{ c *Client }

type config struct {
	httpx.ClientSettings
	baseURL                    string
	tenant, username, password string
	perHour                    rate.Limit
	burst                      int
	noEndpointLimit            bool
	pageSize, pageBase         int
	margin                     time.Duration
	now                        func() time.Time
}

// Option configures a Client.
type Option func(*config) error

// WithRegion selects the data center (default RegionUS).
func WithRegion(r Region) Option {
	return func(c *config) error {
		u, err := RegionURL(r)
		if err != nil {
			return err
		}
		c.baseURL = u
		return nil
	}
}

// WithBaseURL sets the API base URL (a data center not listed, or a
// proxy), e.g. "https://api.bmsemea.kaseya.com". Paths start with /v2/
// under it; a trailing "/v2" is accepted and dropped.
func WithBaseURL(u string) Option {
	return func(c *config) error {
		if strings.TrimSpace(u) == "" {
			return errors.New("kaseyabms: empty base URL")
		}
		root, err := httpx.CleanBaseURL(u, "/v2")
		if err != nil {
			return fmt.Errorf("kaseyabms: %w", err)
		}
		c.baseURL = root + "/"
		return nil
	}
}

// WithCredentials sets the API employee's tenant (the company name as BMS
// shows it, spaces included), user name and password. Required.
func WithCredentials(tenant, username, password string) Option {
	return func(c *config) error {
		c.tenant, c.username, c.password = strings.TrimSpace(tenant), strings.TrimSpace(username), password
		var missing []string
		if c.tenant == "" {
			missing = append(missing, "tenant")
		}
		if c.username == "" {
			missing = append(missing, "user name")
		}
		if c.password == "" {
			missing = append(missing, "password")
		}
		if len(missing) > 0 {
			return fmt.Errorf("kaseyabms: empty %s", strings.Join(missing, ", "))
		}
		return nil
	}
}

// WithEndpointRateLimit sets the budget of each endpoint (default
// DefaultCallsPerHour an hour, burst DefaultBurst). perHour <= 0 switches
// the per-endpoint limiters off.
func WithEndpointRateLimit(perHour float64, burst int) Option {
	return func(c *config) error {
		if perHour <= 0 {
			c.noEndpointLimit = true
			return nil
		}
		if burst < 1 {
			return fmt.Errorf("kaseyabms: endpoint burst %d must be at least 1", burst)
		}
		c.perHour, c.burst, c.noEndpointLimit = rate.Limit(perHour/3600), burst, false
		return nil
	}
}

// WithRateLimit adds a client-wide limiter, waited on before every
// request besides the endpoint's own (default none).
func WithRateLimit(l *rate.Limiter) Option {
	return func(c *config) error { c.Limiter = l; return nil }
}

// WithRetryPolicy replaces DefaultRetryPolicy.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *config) error { c.Retry = p; return nil }
}

// WithHTTPClient sets the HTTP client (API and token requests).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error { return c.SetHTTPClient(Vendor, hc) }
}

// WithLogger sets the logger for requests, retries, waits and token
// refreshes (Debug).
func WithLogger(l *slog.Logger) Option { return func(c *config) error { c.Logger = l; return nil } }

// WithUserAgent replaces "mspsync/<version> (kaseyabms)".
func WithUserAgent(ua string) Option { return func(c *config) error { c.UserAgent = ua; return nil } }

// WithCounters makes the client count into cs.
func WithCounters(cs *Counters) Option { return func(c *config) error { c.Counters = cs; return nil } }

// WithPageSize sets PageSize of list requests (default DefaultPageSize).
func WithPageSize(n int) Option {
	return func(c *config) error {
		if n < 1 || n > 10000 {
			return fmt.Errorf("kaseyabms: page size %d outside 1…10000", n)
		}
		c.pageSize = n
		return nil
	}
}

// WithPageBase sets the number of the first page, 0 or 1 (default 1).
// Clients of BMS use both and the Kaseya BMS API documentation does not
// say which is right; a wrong base shows as
// a page that repeats the previous one, which ends a walk with
// ErrNoProgress.
func WithPageBase(n int) Option {
	return func(c *config) error {
		if n != 0 && n != 1 {
			return fmt.Errorf("kaseyabms: page base %d: want 0 or 1", n)
		}
		c.pageBase = n
		return nil
	}
}

// WithTokenMargin refreshes the access token this long before its
// AccessTokenExpireOn (default 60 s).
func WithTokenMargin(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("kaseyabms: token margin %s must be positive", d)
		}
		c.margin = d
		return nil
	}
}

// WithClock sets the clock the token cache compares expiry times with
// (default time.Now). Tests and the fake use it to let a token age without
// waiting.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("kaseyabms: nil clock")
		}
		c.now = now
		return nil
	}
}

// NewClient returns a client. WithCredentials is required; the data
// center is RegionUS unless WithRegion or WithBaseURL says otherwise.
// NewClient sends nothing: the first call authenticates (Ping checks the
// settings at once).
func NewClient(opts ...Option) (*Client, error) {
	cfg := config{
		ClientSettings: httpx.ClientSettings{Retry: DefaultRetryPolicy()},
		baseURL:        regionURLs[RegionUS],
		perHour:        rate.Limit(float64(DefaultCallsPerHour) / 3600),
		burst:          DefaultBurst,
		pageSize:       DefaultPageSize,
		pageBase:       1,
		margin:         time.Minute,
		now:            time.Now,
	}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.tenant == "" {
		return nil, errors.New("kaseyabms: no credentials: use WithCredentials(tenant, username, password)")
	}
	if cfg.Counters == nil {
		cfg.Counters = new(Counters)
	}
	c := &Client{cfg: cfg, limiters: map[string]*rate.Limiter{}}
	tokenHC := cfg.HTTPClient
	if tokenHC == nil {
		tokenHC = cleanhttp.DefaultPooledClient()
		tokenHC.Timeout = 30 * time.Second
	}
	var err error
	if c.auth, err = newTokenSource(c, tokenHC); err != nil {
		return nil, err
	}
	ec := cfg.EngineConfig(Vendor, cfg.baseURL)
	ec.Auth = c.auth.ta
	ec.ExtractMessage = extractMessage
	if c.eng, err = httpx.New(ec); err != nil {
		return nil, err
	}
	c.common.c = c
	c.Tickets = (*TicketsService)(&c.common)
	c.Accounts = (*AccountsService)(&c.common)
	c.Locations = (*LocationsService)(&c.common)
	c.Contacts = (*ContactsService)(&c.common)
	c.Contracts = (*ContractsService)(&c.common)
	c.Services = (*ServicesService)(&c.common)
	c.Lookups = (*LookupsService)(&c.common)
	c.Webhooks = (*WebhooksService)(&c.common)
	c.HardwareAssets = (*HardwareAssetsService)(&c.common)
	return c, nil
}

// BaseURL returns the API base URL the client uses.
func (c *Client) BaseURL() string { return c.eng.BaseURL().String() }

// Stats returns the client's request counts so far (token requests
// included).
func (c *Client) Stats() Stats { return c.eng.Counters().Snapshot() }

// Counters returns the client's counters.
func (c *Client) Counters() *Counters { return c.eng.Counters() }

// limiter returns the limiter of an endpoint ("GET v2/servicedesk/
// tickets/{}"), nil when endpoint limits are off.
func (c *Client) limiter(endpoint string) *rate.Limiter {
	if c.cfg.noEndpointLimit {
		return nil
	}
	c.limMu.Lock()
	defer c.limMu.Unlock()
	l, ok := c.limiters[endpoint]
	if !ok {
		l = rate.NewLimiter(c.cfg.perHour, c.cfg.burst)
		c.limiters[endpoint] = l
	}
	return l
}
