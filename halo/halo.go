package halo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/time/rate"

	"github.com/mspsync/mspsync"
	"github.com/mspsync/mspsync/internal/httpx"
)

// Vendor is the name this package gives the API in errors and logs.
const Vendor = "halo"

// Defaults that NewClient applies.
const (
	// DefaultScope grants everything the API application was given.
	DefaultScope = "all"
	// DefaultClosedStatusID is Halo's built-in Closed status.
	DefaultClosedStatusID = 9
	// DefaultNoteOutcomeID is Halo's built-in "Internal Note" action outcome.
	DefaultNoteOutcomeID = 7
	// MaxPageSize is the page size Halo caps every list at.
	MaxPageSize = 100
	// DefaultBatchSize is how many asset updates, and how many asset
	// creates, one POST carries.
	DefaultBatchSize = 50
)

// DefaultRateLimit is just under hosted Halo's 300 requests per rolling
// five minutes (at most ~277 per five minutes, bursts of 5).
func DefaultRateLimit() *rate.Limiter { return rate.NewLimiter(rate.Every(1100*time.Millisecond), 5) }

// DefaultRetryPolicy backs off long enough for a rolling five-minute window:
// 5 s doubling to 60 s, six attempts, Retry-After honoured up to 60 s.
func DefaultRetryPolicy() mspsync.RetryPolicy {
	return mspsync.RetryPolicy{MaxAttempts: 6, MinWait: 5 * time.Second, MaxWait: 60 * time.Second, MaxRetryAfter: 60 * time.Second}
}

// RetryPolicy is the engine's retry policy (see WithRetryPolicy).
type RetryPolicy = mspsync.RetryPolicy

// Stats is a snapshot of a client's request counters.
type Stats = mspsync.Stats

// Counters counts requests, retries and waits; share one between clients
// with WithCounters.
type Counters = mspsync.Counters

// Page is one page of a list: its items, Halo's record_count (Total) and
// the next page number (Next, "" after the last page).
type Page[T any] = mspsync.Page[T]

// Client is a HaloPSA API client. It is safe for concurrent use.
type Client struct {
	eng  *httpx.Engine
	auth *httpx.TokenAuth
	cfg  config

	common service

	Clients     *ClientsService
	Sites       *SitesService
	Users       *UsersService
	Assets      *AssetsService
	AssetTypes  *AssetTypesService
	AssetGroups *AssetGroupsService
	Fields      *FieldsService
	Tickets     *TicketsService
	Actions     *ActionsService
	TicketTypes *TicketTypesService
	Statuses    *StatusesService
	Contracts   *ContractsService
	Teams       *TeamsService
	SLAs        *SLAsService
	Agents      *AgentsService

	fieldsMu sync.Mutex
	fields   map[string]FieldRef // lower-cased name → field

	// pinged is the auth server and tenant of the last token fetch, for
	// Ping (discovery may have found them).
	pingMu sync.Mutex
	pinged struct{ authURL, tenant string }

	// createMu sends one batch of asset creates, and its read back, at a
	// time, so that the read back finds the batch among the newest assets.
	createMu sync.Mutex
}

type service struct{ c *Client }

type config struct {
	httpx.ClientSettings
	resourceURL     string
	authURL         string
	discover        bool
	tenant          string
	clientID        string
	clientSecret    string
	scopes          []string
	tokenHC         *http.Client
	closedStatusIDs []int
	noteOutcomeID   int
	batchSize       int
	createBatchSize int
	staticToken     string
	authOrigins     []*url.URL // extra origins auth discovery may name
}

// Option configures a Client.
type Option func(*config) error

// WithClientCredentials sets the API application's client ID and secret.
func WithClientCredentials(id, secret string) Option {
	return func(c *config) error {
		if strings.TrimSpace(id) == "" || strings.TrimSpace(secret) == "" {
			return errors.New("halo: client ID and secret must not be empty")
		}
		c.clientID, c.clientSecret = id, secret
		return nil
	}
}

// WithScopes replaces the default scope "all".
func WithScopes(scopes ...string) Option {
	return func(c *config) error {
		if len(scopes) == 0 {
			return errors.New("halo: WithScopes needs at least one scope")
		}
		c.scopes = scopes
		return nil
	}
}

// WithAuthURL sets the authorisation server (token endpoint = authURL +
// "/token"), for instances whose auth server is not <resource URL>/auth
// (trial instances, for example). It takes the "Authorisation Server" of
// Halo's API settings as shown ("https://acme.halopsa.com/auth"), with or
// without a trailing slash or scheme, and the token URL itself (a
// trailing "/token" is dropped).
func WithAuthURL(authURL string) Option {
	return func(c *config) error {
		u, err := CleanAuthURL(authURL)
		if err != nil {
			return err
		}
		c.authURL = u
		return nil
	}
}

// CleanResourceURL returns the instance root NewClient uses for a resource
// URL in any of the forms users paste: "https://acme.halopsa.com",
// "https://acme.halopsa.com/api" or ".../api/" as Halo's API settings show
// the resource server, "acme.halopsa.com" (https is assumed), each with
// or without trailing slashes. An on-premises path prefix is kept
// ("https://it.example.com/halo/api" → "https://it.example.com/halo").
func CleanResourceURL(raw string) (string, error) {
	u, err := httpx.CleanBaseURL(raw, "/api")
	if err != nil {
		return "", fmt.Errorf("halo: resource URL: %w", err)
	}
	return u, nil
}

// CleanAuthURL returns the authorisation server URL for an auth URL in the
// forms users paste: with or without scheme or trailing slashes, or the
// token endpoint itself ("https://acme.halopsa.com/auth/token" →
// "https://acme.halopsa.com/auth").
func CleanAuthURL(raw string) (string, error) {
	u, err := httpx.CleanBaseURL(raw, "/token")
	if err != nil {
		return "", fmt.Errorf("halo: auth URL: %w", err)
	}
	return u, nil
}

// WithAuthDiscovery looks the auth server (and the tenant, when none is
// configured) up with GET /api/AuthInfo before the first token request,
// falling back to <resource URL>/auth when that fails. The client secret is
// only posted to an auth server on the origin (scheme, host and port) of
// the resource URL or of WithAuthURL, or on one allowed with
// WithAuthOrigins; another answer fails the token request with an error
// matching ErrForeignHost that names it.
func WithAuthDiscovery() Option {
	return func(c *config) error { c.discover = true; return nil }
}

// WithAuthOrigins allows auth discovery to name auth servers on these
// origins ("https://uk-trial.halopsa.com"), besides those of the resource
// URL and WithAuthURL.
func WithAuthOrigins(origins ...string) Option {
	return func(c *config) error {
		for _, o := range origins {
			u, err := httpx.ParseBaseURL(o)
			if err != nil {
				return fmt.Errorf("halo: auth origin: %w", err)
			}
			c.authOrigins = append(c.authOrigins, u)
		}
		return nil
	}
}

// WithTenant sets the hosted tenant, sent as ?tenant= on the token request.
// On-premises instances take none.
func WithTenant(tenant string) Option {
	return func(c *config) error { c.tenant = strings.TrimSpace(tenant); return nil }
}

// WithRateLimit replaces the default limiter (DefaultRateLimit). Pass
// rate.NewLimiter(rate.Inf, 0) to switch client-side limiting off.
func WithRateLimit(l *rate.Limiter) Option {
	return func(c *config) error { c.Limiter = l; return nil }
}

// WithRetryPolicy replaces DefaultRetryPolicy.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *config) error { c.Retry = p; return nil }
}

// WithHTTPClient sets the HTTP client for API and token requests (the
// innermost transport; auth, limiter and retries wrap it).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if err := c.SetHTTPClient(Vendor, hc); err != nil {
			return err
		}
		c.tokenHC = hc
		return nil
	}
}

// WithLogger sets the logger for requests, retries and waits (Debug) and
// Halo's _warning messages (Warn).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error { c.Logger = l; return nil }
}

// WithUserAgent replaces "mspsync/<version> (halo)".
func WithUserAgent(ua string) Option {
	return func(c *config) error { c.UserAgent = ua; return nil }
}

// WithCounters makes the client count into cs (to report several clients
// together).
func WithCounters(cs *Counters) Option {
	return func(c *config) error { c.Counters = cs; return nil }
}

// WithClosedStatusIDs sets the statuses that mean closed (default 9). The
// first one is the status CloseTicket sets.
func WithClosedStatusIDs(ids ...int) Option {
	return func(c *config) error {
		if len(ids) == 0 {
			return errors.New("halo: WithClosedStatusIDs needs at least one id")
		}
		c.closedStatusIDs = ids
		return nil
	}
}

// WithNoteOutcomeID sets the action outcome used for notes (default 7,
// Halo's built-in Internal Note).
func WithNoteOutcomeID(id int) Option {
	return func(c *config) error { c.noteOutcomeID = id; return nil }
}

// WithBatchSize sets how many asset updates one POST carries (default
// DefaultBatchSize, 1 to send every record alone). See
// AssetsService.SaveBatch.
func WithBatchSize(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return errors.New("halo: batch size must be at least 1")
		}
		c.batchSize = n
		return nil
	}
}

// WithCreateBatchSize sets how many asset creates one POST carries
// (default DefaultBatchSize; 1 sends each alone and needs no read back,
// since Halo's reply to one record is the saved object). Halo's reply to
// several records is not documented, so AssetsService.SaveBatch finds the
// ids of a batch's creates by reading back the newest assets.
func WithCreateBatchSize(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return errors.New("halo: create batch size must be at least 1")
		}
		c.createBatchSize = n
		return nil
	}
}

// WithStaticToken authenticates with a fixed bearer token instead of client
// credentials (tests, or a token obtained elsewhere).
func WithStaticToken(token string) Option {
	return func(c *config) error { c.staticToken = token; return nil }
}

// NewClient returns a client for the Halo instance at resourceURL
// ("https://acme.halopsa.com"; the API lives under /api). The resource URL
// may be given with "/api" as Halo's settings page shows it, or without;
// see CleanResourceURL. The auth server is <instance>/auth unless
// WithAuthURL or WithAuthDiscovery says otherwise.
func NewClient(resourceURL string, opts ...Option) (*Client, error) {
	cfg := config{
		scopes:          []string{DefaultScope},
		ClientSettings:  httpx.ClientSettings{Limiter: DefaultRateLimit(), Retry: DefaultRetryPolicy()},
		closedStatusIDs: []int{DefaultClosedStatusID},
		noteOutcomeID:   DefaultNoteOutcomeID,
		batchSize:       DefaultBatchSize,
		createBatchSize: DefaultBatchSize,
	}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	root, err := CleanResourceURL(resourceURL)
	if err != nil {
		return nil, err
	}
	cfg.resourceURL = root
	if cfg.clientID == "" && cfg.staticToken == "" {
		return nil, errors.New("halo: no credentials: use WithClientCredentials")
	}
	if cfg.authURL == "" {
		cfg.authURL = cfg.resourceURL + "/auth"
	}
	c := &Client{cfg: cfg}
	var auth httpx.Authenticator
	if cfg.staticToken != "" {
		auth = httpx.BearerToken(cfg.staticToken)
	} else {
		c.auth = httpx.NewTokenAuth(httpx.TokenAuthConfig{
			Vendor:     Vendor,
			TokenURL:   tokenURL(cfg.authURL, cfg.tenant),
			HTTPClient: cfg.tokenHC,
		}, c.fetchToken)
		auth = c.auth
	}
	ec := cfg.EngineConfig(Vendor, cfg.resourceURL+"/api/")
	ec.Auth = auth
	ec.ExtractMessage = extractMessage
	c.eng, err = httpx.New(ec)
	if err != nil {
		return nil, err
	}
	c.common.c = c
	c.Clients = (*ClientsService)(&c.common)
	c.Sites = (*SitesService)(&c.common)
	c.Users = (*UsersService)(&c.common)
	c.Assets = (*AssetsService)(&c.common)
	c.AssetTypes = (*AssetTypesService)(&c.common)
	c.AssetGroups = (*AssetGroupsService)(&c.common)
	c.Fields = (*FieldsService)(&c.common)
	c.Tickets = (*TicketsService)(&c.common)
	c.Actions = (*ActionsService)(&c.common)
	c.TicketTypes = (*TicketTypesService)(&c.common)
	c.Statuses = (*StatusesService)(&c.common)
	c.Contracts = (*ContractsService)(&c.common)
	c.Teams = (*TeamsService)(&c.common)
	c.SLAs = (*SLAsService)(&c.common)
	c.Agents = (*AgentsService)(&c.common)
	return c, nil
}

func tokenURL(authURL, tenant string) string {
	u := strings.TrimRight(authURL, "/") + "/token"
	if tenant != "" {
		u += "?tenant=" + url.QueryEscape(tenant)
	}
	return u
}

// fetchToken runs the client-credentials grant, discovering the auth server
// first when asked to. ctx is the token source's background context.
func (c *Client) fetchToken(ctx context.Context) (*oauth2.Token, error) {
	authURL, tenant := c.cfg.authURL, c.cfg.tenant
	if c.cfg.discover {
		if info, err := c.AuthInfo(ctx); err == nil && info.AuthURL != "" {
			if err := c.checkAuthURL(info.AuthURL); err != nil {
				return nil, err
			}
			authURL = info.AuthURL
			if tenant == "" {
				tenant = info.TenantID
			}
		} else if err != nil {
			c.eng.Logger().Warn("halo: auth discovery failed; using the default auth URL", "err", err)
		}
	}
	c.pingMu.Lock()
	c.pinged.authURL, c.pinged.tenant = authURL, tenant
	c.pingMu.Unlock()
	tu := tokenURL(authURL, tenant)
	cc := httpx.ClientCredentials(httpx.TokenAuthConfig{Vendor: Vendor, TokenURL: tu, HTTPClient: c.cfg.tokenHC},
		c.cfg.clientID, c.cfg.clientSecret, []string{strings.Join(c.cfg.scopes, " ")}, nil)
	return cc.Token(ctx)
}

// checkAuthURL refuses a discovered auth URL outside the origins the user
// configured: the client secret would be posted there.
func (c *Client) checkAuthURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%w: auth discovery named %q, not an absolute http(s) URL", ErrForeignHost, httpx.SanitizeURL(raw))
	}
	allowed := append([]*url.URL(nil), c.cfg.authOrigins...)
	for _, s := range []string{c.cfg.resourceURL, c.cfg.authURL} {
		if o, err := url.Parse(s); err == nil {
			allowed = append(allowed, o)
		}
	}
	for _, o := range allowed {
		if httpx.SameOrigin(u, o) {
			return nil
		}
	}
	return fmt.Errorf("%w: auth discovery named the auth server %s, which is not on the origin of the resource or auth URL; set it with WithAuthURL or allow it with WithAuthOrigins",
		ErrForeignHost, httpx.SanitizeURL(raw))
}

// AuthInfoResponse is what GET /api/AuthInfo reports.
type AuthInfoResponse struct {
	AuthURL  string `json:"auth_url"`
	TenantID string `json:"tenant_id"`
}

// AuthInfo asks the instance (anonymously) where its auth server is.
func (c *Client) AuthInfo(ctx context.Context) (*AuthInfoResponse, error) {
	var info AuthInfoResponse
	if _, err := c.eng.Do(ctx, httpx.Request{Path: "AuthInfo", NoAuth: true}, &info); err != nil {
		return nil, err
	}
	info.AuthURL = strings.TrimRight(info.AuthURL, "/")
	return &info, nil
}

// Stats returns the client's request counts so far.
func (c *Client) Stats() Stats { return c.eng.Counters().Snapshot() }

// Counters returns the client's counters.
func (c *Client) Counters() *Counters { return c.eng.Counters() }

// ClosedStatusIDs returns the statuses this client treats as closed.
func (c *Client) ClosedStatusIDs() []int { return append([]int(nil), c.cfg.closedStatusIDs...) }

func (c *Client) isClosedStatus(id int) bool {
	for _, s := range c.cfg.closedStatusIDs {
		if s == id {
			return true
		}
	}
	return false
}
