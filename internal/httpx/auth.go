package httpx

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Authenticator puts credentials on outgoing requests. Implementations must
// be safe for concurrent use.
type Authenticator interface {
	// Authorize adds credentials to req. ctx is the request's context; an
	// implementation that must fetch a token waits for it no longer than
	// ctx allows, but the fetch itself never depends on ctx.
	Authorize(ctx context.Context, req *http.Request) error
	// Refresh is called once after req was answered 401. It drops whatever
	// credential req carried and reports whether a retry can succeed.
	Refresh(req *http.Request) bool
}

// StaticHeader is an Authenticator that sets one header to a fixed value
// (an API key, a pre-built "Basic ..." value). A 401 is final.
type StaticHeader struct {
	Name, Value string
}

// Authorize sets the header.
func (s StaticHeader) Authorize(_ context.Context, req *http.Request) error {
	req.Header.Set(s.Name, s.Value)
	return nil
}

// Refresh reports false: a static credential cannot be refreshed.
func (StaticHeader) Refresh(*http.Request) bool { return false }

// BasicAuth returns a StaticHeader sending HTTP Basic credentials.
func BasicAuth(user, password string) StaticHeader {
	return StaticHeader{Name: "Authorization", Value: "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))}
}

// BearerToken returns a StaticHeader sending a fixed bearer token.
func BearerToken(token string) StaticHeader {
	return StaticHeader{Name: "Authorization", Value: "Bearer " + token}
}

// TokenFetcher obtains a new token. The engine calls it with a context that
// is never a request's context (see TokenAuth).
type TokenFetcher func(ctx context.Context) (*oauth2.Token, error)

// TokenAuthConfig configures a TokenAuth.
type TokenAuthConfig struct {
	// Vendor names the API in errors ("halo").
	Vendor string
	// TokenURL is shown (sanitised) in errors from the token endpoint.
	TokenURL string
	// HTTPClient is used for token requests. Default: a go-cleanhttp pooled
	// client with a 30 s timeout, separate from the API client's. The
	// TokenAuth uses a copy that follows no redirect: a token request
	// carries the client secret, and a redirect answer fails it with an
	// error matching ErrRedirect.
	HTTPClient *http.Client
	// Margin refreshes a token this long before it expires (default 60s).
	Margin time.Duration
	// DefaultTTL is the lifetime assumed when the token response has no
	// expires_in (default 1h).
	DefaultTTL time.Duration
	// Now is the clock (default time.Now); tests move it.
	Now func() time.Time
}

// TokenAuth is an Authenticator for OAuth2-style bearer tokens. It caches the
// token, refreshes it Margin before expiry, lets one fetch run at a time, and
// drops the token when the API answers 401 so that the retry gets a new one.
//
// The fetcher runs under a context built once from context.Background()
// carrying the token HTTP client (golang.org/x/oauth2's convention), so a
// cancelled request never poisons later refreshes; a caller whose context
// ends while a fetch is under way stops waiting at once.
type TokenAuth struct {
	cfg   TokenAuthConfig
	fetch TokenFetcher
	bg    context.Context

	mu       sync.Mutex
	tok      *oauth2.Token
	inflight *tokenCall

	fetches atomic.Int64
}

type tokenCall struct {
	done chan struct{}
	tok  *oauth2.Token
	err  error
}

// NewTokenAuth returns a TokenAuth around fetch.
func NewTokenAuth(cfg TokenAuthConfig, fetch TokenFetcher) *TokenAuth {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = cleanhttp.DefaultPooledClient()
		cfg.HTTPClient.Timeout = 30 * time.Second
	}
	cfg.HTTPClient = withRedirectPolicy(cfg.HTTPClient, func(func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
		return noRedirects
	})
	if cfg.Margin <= 0 {
		cfg.Margin = time.Minute
	}
	if cfg.DefaultTTL <= 0 {
		cfg.DefaultTTL = time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	bg := context.WithValue(context.Background(), oauth2.HTTPClient, cfg.HTTPClient)
	return &TokenAuth{cfg: cfg, fetch: fetch, bg: bg}
}

// ClientCredentials returns a TokenAuth for the OAuth2 client-credentials
// grant. Client ID and secret travel in the form body; params are extra form
// fields. Put query parameters a vendor wants on the token URL (Halo's
// tenant) into tokenURL itself.
func ClientCredentials(cfg TokenAuthConfig, clientID, clientSecret string, scopes []string, params map[string][]string) *TokenAuth {
	cc := clientcredentials.Config{
		ClientID:       clientID,
		ClientSecret:   clientSecret,
		TokenURL:       cfg.TokenURL,
		Scopes:         scopes,
		EndpointParams: params,
		AuthStyle:      oauth2.AuthStyleInParams,
	}
	return NewTokenAuth(cfg, func(ctx context.Context) (*oauth2.Token, error) { return cc.Token(ctx) })
}

// PasswordGrant returns a TokenAuth for the OAuth2 resource-owner password
// grant, authenticating the OAuth client with HTTP Basic (Datto RMM's
// "public-client" scheme).
func PasswordGrant(cfg TokenAuthConfig, clientID, clientSecret, username, password string) *TokenAuth {
	oc := oauth2.Config{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		Endpoint:     oauth2.Endpoint{TokenURL: cfg.TokenURL, AuthStyle: oauth2.AuthStyleInHeader},
	}
	return NewTokenAuth(cfg, func(ctx context.Context) (*oauth2.Token, error) {
		return oc.PasswordCredentialsToken(ctx, username, password)
	})
}

// Fetches returns how many tokens were fetched so far.
func (a *TokenAuth) Fetches() int64 { return a.fetches.Load() }

// Token returns a valid token, fetching one if needed.
func (a *TokenAuth) Token(ctx context.Context) (*oauth2.Token, error) {
	a.mu.Lock()
	if a.tok != nil && (a.tok.Expiry.IsZero() || a.cfg.Now().Add(a.cfg.Margin).Before(a.tok.Expiry)) {
		t := a.tok
		a.mu.Unlock()
		return t, nil
	}
	c := a.inflight
	if c == nil {
		c = &tokenCall{done: make(chan struct{})}
		a.inflight = c
		go a.run(c)
	}
	a.mu.Unlock()
	select {
	case <-c.done:
		return c.tok, c.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (a *TokenAuth) run(c *tokenCall) {
	a.fetches.Add(1)
	tok, err := a.fetch(a.bg)
	if err == nil && (tok == nil || tok.AccessToken == "") {
		err = errors.New("token endpoint returned no access_token")
	}
	if err != nil {
		err = a.tokenError(err)
		tok = nil
	} else if tok.Expiry.IsZero() {
		t := *tok
		t.Expiry = a.cfg.Now().Add(a.cfg.DefaultTTL)
		tok = &t
	}
	a.mu.Lock()
	if err == nil {
		a.tok = tok
	}
	a.inflight = nil
	c.tok, c.err = tok, err
	a.mu.Unlock()
	close(c.done)
}

// tokenError turns a token-endpoint failure into an *Error. Credentials
// rejected (400/401) match ErrUnauthorized; a refused redirect or a token
// URL outside the configured origins keeps matching ErrRedirect or
// ErrForeignHost (and is not retried). An *Error from a nested TokenAuth
// is returned as it is.
func (a *TokenAuth) tokenError(err error) error {
	var he *Error
	if errors.As(err, &he) {
		return err
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = SanitizeURL(ue.URL) // the raw token URL may carry a secret query value
	}
	e := &Error{Vendor: a.cfg.Vendor, Method: http.MethodPost, URL: SanitizeURL(a.cfg.TokenURL), Err: err}
	var rd *RedirectError
	if errors.As(err, &rd) {
		e.StatusCode, e.Kind, e.Message = rd.Status, rd, rd.Error()
		return e
	}
	if errors.Is(err, ErrForeignHost) {
		e.Kind = ErrForeignHost
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.Response != nil {
			e.StatusCode = re.Response.StatusCode
			e.RetryAfter = ParseRetryAfter(re.Response.Header.Get("Retry-After"), time.Now())
		}
		e.Body = errorBody(re.Body)
		e.Code = re.ErrorCode
		e.Message = strings.TrimSpace(strings.Join(nonEmpty(re.ErrorCode, re.ErrorDescription), ": "))
		if e.Message == "" {
			e.Message = DefaultMessage(e.StatusCode, nil, re.Body).Message
		}
		if e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusUnauthorized {
			e.Kind = ErrUnauthorized
		}
		return e
	}
	e.Message = "token request failed"
	return e
}

// Authorize sets "Authorization: Bearer <token>".
func (a *TokenAuth) Authorize(ctx context.Context, req *http.Request) error {
	tok, err := a.Token(ctx)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	return nil
}

// Refresh drops the token req carried (unless another request already
// replaced it) and reports true.
func (a *TokenAuth) Refresh(req *http.Request) bool {
	used := strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer ")
	a.mu.Lock()
	if a.tok != nil && a.tok.AccessToken == used {
		a.tok = nil
	}
	a.mu.Unlock()
	return true
}

func nonEmpty(ss ...string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// errorBody is what an *Error keeps of a response body: at most
// MaxErrorBody bytes, sanitised.
func errorBody(b []byte) []byte {
	return []byte(SanitizeText(string(capBytes(b, MaxErrorBody))))
}

func capBytes(b []byte, n int) []byte {
	if len(b) > n {
		b = b[:n]
	}
	return append([]byte(nil), b...)
}
