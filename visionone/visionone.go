package visionone

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/mspsync/mspsync"
	"github.com/mspsync/mspsync/internal/httpx"
)

// Vendor is the name this package gives the API in errors and logs.
const Vendor = "visionone"

// APIVersion is the path segment of the API version the client speaks.
const APIVersion = "v3.0"

// Region names a Vision One data centre. An API key works only in the
// region its Vision One console lives in.
type Region string

// The regions of the Trend Vision One API documentation. UK, CA, ZA and
// USGov appear only in third-party documentation; WithBaseURL serves any
// other host.
const (
	RegionUS    Region = "us"
	RegionEU    Region = "eu"
	RegionJP    Region = "jp"
	RegionSG    Region = "sg"
	RegionAU    Region = "au"
	RegionIN    Region = "in"
	RegionMEA   Region = "mea"
	RegionUK    Region = "uk"
	RegionCA    Region = "ca"
	RegionZA    Region = "za"
	RegionUSGov Region = "usgov"
)

var regionHosts = map[Region]string{
	RegionUS:    "https://api.xdr.trendmicro.com",
	RegionEU:    "https://api.eu.xdr.trendmicro.com",
	RegionJP:    "https://api.xdr.trendmicro.co.jp",
	RegionSG:    "https://api.sg.xdr.trendmicro.com",
	RegionAU:    "https://api.au.xdr.trendmicro.com",
	RegionIN:    "https://api.in.xdr.trendmicro.com",
	RegionMEA:   "https://api.mea.xdr.trendmicro.com",
	RegionUK:    "https://api.uk.xdr.trendmicro.com",
	RegionCA:    "https://api.ca.xdr.trendmicro.com",
	RegionZA:    "https://api.za.xdr.trendmicro.com",
	RegionUSGov: "https://api.usgov.xdr.trendmicro.com",
}

// Regions returns every known region, sorted.
func Regions() []Region {
	out := make([]Region, 0, len(regionHosts))
	for r := range regionHosts {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

// RegionHost returns the API host of region r ("https://api.eu.xdr.trendmicro.com"),
// ignoring case, and false for an unknown region.
func RegionHost(r Region) (string, bool) {
	h, ok := regionHosts[Region(strings.ToLower(strings.TrimSpace(string(r))))]
	return h, ok
}

// DefaultRequestsPerSecond is the client-side budget. Vision One counts
// requests per 60-second window without publishing the numbers (Trend
// Vision One API documentation).
const DefaultRequestsPerSecond = 5

// DefaultRateLimit returns the default limiter: DefaultRequestsPerSecond
// with a burst of 5.
func DefaultRateLimit() *rate.Limiter {
	return rate.NewLimiter(rate.Limit(DefaultRequestsPerSecond), 5)
}

// DefaultTimeout is the per-request timeout of the default HTTP client:
// a little above Vision One's own 60-second limit (504 after it).
const DefaultTimeout = 75 * time.Second

// DefaultPageSize is the top the attack-surface lists ask for.
const DefaultPageSize = 100

// PageSizes are the top values every attack-surface list accepts (the
// high-risk users list has no 500).
var PageSizes = []int{10, 50, 100, 200, 1000}

// DefaultRetryPolicy retries 429 on every request (a 429 was not processed,
// so PATCH is safe too) and 502/503/504 on replay-safe ones, with backoff
// from 1 s to 30 s; Retry-After or RateLimit-Reset is honoured up to two
// minutes.
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

// Client is a Trend Vision One API client for one API key (one Vision One
// customer in one region). It is safe for concurrent use.
type Client struct {
	eng *httpx.Engine
	cfg config

	common service

	// Workbench reads and updates workbench alerts and their notes.
	Workbench *WorkbenchService
	// AttackSurface reads the ASRM (Cyber Risk Exposure Management) lists:
	// high-risk users and devices, and the attack-surface inventories.
	AttackSurface *AttackSurfaceService
}

type service struct{ c *Client }

type config struct {
	httpx.ClientSettings
	region   Region
	baseURL  string
	key      string
	pageSize int
}

// Option configures a Client.
type Option func(*config) error

// WithAPIKey sets the API key (Administration > API Keys), sent as
// "Authorization: Bearer <key>". Surrounding white space is removed.
func WithAPIKey(key string) Option {
	return func(c *config) error {
		c.key = strings.TrimSpace(key)
		if c.key == "" {
			return errors.New("visionone: API key must not be empty")
		}
		return nil
	}
}

// WithRegion selects the region's API host (RegionHost). The default is
// RegionUS.
func WithRegion(r Region) Option {
	return func(c *config) error {
		r = Region(strings.ToLower(strings.TrimSpace(string(r))))
		if _, ok := regionHosts[r]; !ok {
			return fmt.Errorf("visionone: unknown region %q (known: %v; use WithBaseURL for another host)", r, Regions())
		}
		c.region, c.baseURL = r, ""
		return nil
	}
}

// WithBaseURL replaces the region's host with another one (a new region,
// a proxy, a test server). "https://host", "https://host/" and
// "https://host/v3.0" all mean the v3.0 root.
func WithBaseURL(u string) Option {
	return func(c *config) error {
		if strings.TrimSpace(u) == "" {
			return errors.New("visionone: empty base URL")
		}
		c.baseURL, c.region = u, ""
		return nil
	}
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

// WithHTTPClient sets the HTTP client (default: a pooled client with
// DefaultTimeout).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error { return c.SetHTTPClient(Vendor, hc) }
}

// WithLogger sets the logger for requests, retries and waits (Debug).
func WithLogger(l *slog.Logger) Option { return func(c *config) error { c.Logger = l; return nil } }

// WithUserAgent replaces "mspsync/<version> (visionone)".
func WithUserAgent(ua string) Option { return func(c *config) error { c.UserAgent = ua; return nil } }

// WithCounters makes the client count into cs.
func WithCounters(cs *Counters) Option { return func(c *config) error { c.Counters = cs; return nil } }

// WithPageSize sets the top of the attack-surface lists (one of
// PageSizes; default 100). The workbench alert list takes no page size.
func WithPageSize(n int) Option {
	return func(c *config) error {
		if !slices.Contains(PageSizes, n) {
			return fmt.Errorf("visionone: page size %d is not one of %v", n, PageSizes)
		}
		c.pageSize = n
		return nil
	}
}

// NewClient returns a client for one Vision One API key. WithAPIKey is
// required; the host is RegionUS's unless WithRegion or WithBaseURL says
// otherwise.
func NewClient(opts ...Option) (*Client, error) {
	cfg := config{ClientSettings: httpx.ClientSettings{Retry: DefaultRetryPolicy()}, region: RegionUS, pageSize: DefaultPageSize}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.key == "" {
		return nil, errors.New("visionone: no credentials: use WithAPIKey")
	}
	raw := cfg.baseURL
	if raw == "" {
		raw = regionHosts[cfg.region]
	}
	root, err := httpx.CleanBaseURL(raw, "/"+APIVersion)
	if err != nil {
		return nil, fmt.Errorf("visionone: base URL: %w", err)
	}
	root += "/" + APIVersion
	cfg.baseURL = root
	ec := cfg.EngineConfig(Vendor, root+"/")
	if ec.Limiter == nil {
		ec.Limiter = DefaultRateLimit()
	}
	if ec.HTTPClient == nil {
		ec.Timeout = DefaultTimeout
	}
	ec.Auth = httpx.BearerToken(cfg.key)
	ec.ExtractMessage = extractMessage
	c := &Client{cfg: cfg}
	if c.eng, err = httpx.New(ec); err != nil {
		return nil, err
	}
	c.common.c = c
	c.Workbench = (*WorkbenchService)(&c.common)
	c.AttackSurface = (*AttackSurfaceService)(&c.common)
	return c, nil
}

// BaseURL returns the API root the client sends to ("https://api.eu.xdr.trendmicro.com/v3.0").
func (c *Client) BaseURL() string { return c.cfg.baseURL }

// Region returns the configured region, or "" when WithBaseURL chose the
// host.
func (c *Client) Region() Region { return c.cfg.region }

// Stats returns the client's request counts so far.
func (c *Client) Stats() Stats { return c.eng.Counters().Snapshot() }

// Counters returns the client's counters.
func (c *Client) Counters() *Counters { return c.eng.Counters() }
