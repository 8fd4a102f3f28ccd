package kaseyabms

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/time/rate"

	"github.com/mspsync/mspsync"
	"github.com/mspsync/mspsync/internal/httpx"
)

// Token endpoints (Kaseya BMS API documentation). Both take form fields and
// answer a TokenOutputDto in the envelope.
const (
	pathAuthenticate = "v2/security/authenticate"
	pathRefresh      = "v2/security/refreshtoken"
)

// TokenInfo is the Result of authenticate and refreshtoken.
type TokenInfo struct {
	AccessToken          string `json:"AccessToken"`
	RefreshToken         string `json:"RefreshToken"`
	AccessTokenExpireOn  Time   `json:"AccessTokenExpireOn"`
	RefreshTokenExpireOn Time   `json:"RefreshTokenExpireOn"`
}

// tokenSource obtains BMS access tokens for the engine's httpx.TokenAuth:
// a refresh (POST /v2/security/refreshtoken with the last access and
// refresh tokens) while the refresh token lasts, else, or when the refresh
// fails, a full authentication with the password. httpx.TokenAuth caches
// the token, renews it a margin before AccessTokenExpireOn, runs one fetch
// at a time on a background context, and drops the token on a 401 so the
// replay gets a new one.
type tokenSource struct {
	c   *Client
	eng *httpx.Engine // token requests: no authenticator, one attempt, no redirect
	ta  *httpx.TokenAuth

	mu   sync.Mutex
	last TokenInfo

	authentications, refreshes, refreshFailures atomic.Int64
}

func newTokenSource(c *Client, hc *http.Client) (*tokenSource, error) {
	// A token request carries the password or the refresh token: it
	// follows no redirect at all (a 3xx is returned as an error), and the
	// engine refuses one to another origin before that.
	noRedirect := *hc
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	eng, err := httpx.New(httpx.Config{
		Vendor:         Vendor,
		BaseURL:        c.cfg.baseURL,
		HTTPClient:     &noRedirect,
		UserAgent:      c.cfg.UserAgent,
		Logger:         c.cfg.Logger,
		Limiter:        c.cfg.Limiter,
		Retry:          mspsync.RetryPolicy{MaxAttempts: 1}, // the API engine retries a failed fetch
		ExtractMessage: extractMessage,
		Counters:       c.cfg.Counters,
	})
	if err != nil {
		return nil, err
	}
	s := &tokenSource{c: c, eng: eng}
	s.ta = httpx.NewTokenAuth(httpx.TokenAuthConfig{
		Vendor:     Vendor,
		TokenURL:   eng.BaseURL().String() + pathAuthenticate,
		HTTPClient: hc,
		Margin:     c.cfg.margin,
		Now:        c.cfg.now,
	}, s.fetch)
	return s, nil
}

// fetch returns a new access token: refreshed when a refresh token is
// held and not expired, else (or when the refresh fails) authenticated.
func (s *tokenSource) fetch(ctx context.Context) (*oauth2.Token, error) {
	s.mu.Lock()
	last := s.last
	s.mu.Unlock()
	now := s.c.cfg.now()
	if last.RefreshToken != "" && (last.RefreshTokenExpireOn.IsZero() || now.Before(last.RefreshTokenExpireOn.Time)) {
		s.refreshes.Add(1)
		tok, err := s.request(ctx, pathRefresh, url.Values{"AccessToken": {last.AccessToken}, "RefreshToken": {last.RefreshToken}})
		if err == nil {
			return tok, nil
		}
		s.refreshFailures.Add(1)
		s.eng.Logger().Debug("token refresh failed: authenticating again", "vendor", Vendor, "err", err)
	}
	s.authentications.Add(1)
	return s.request(ctx, pathAuthenticate, url.Values{
		"UserName": {s.c.cfg.username}, "Password": {s.c.cfg.password},
		"Tenant": {s.c.cfg.tenant}, "GrantType": {"password"},
	})
}

func (s *tokenSource) request(ctx context.Context, path string, form url.Values) (*oauth2.Token, error) {
	var info TokenInfo
	r := httpx.Request{Method: http.MethodPost, Path: path, Body: form, Replay: httpx.ReplaySafe, NoAuth: true,
		Limiters: []*rate.Limiter{s.c.limiter("POST " + path)}}
	if err := s.c.call(ctx, s.eng, r, &info, nil); err != nil {
		var he *Error
		if errors.As(err, &he) && he.StatusCode == http.StatusOK {
			// Success:false from a token endpoint: the credentials (or the
			// refresh token) were refused. Not retried.
			he.Kind = errors.Join(ErrUnsuccessful, ErrUnauthorized)
			if path == pathAuthenticate {
				he.Message += ": " + hintUnauthorized
			}
		}
		return nil, err
	}
	if info.AccessToken == "" {
		return nil, &Error{Vendor: Vendor, Method: http.MethodPost, URL: s.eng.BaseURL().String() + path, StatusCode: http.StatusOK,
			Message: "token response has no accessToken", Kind: ErrMalformed}
	}
	s.mu.Lock()
	s.last = info
	s.mu.Unlock()
	tok := &oauth2.Token{AccessToken: info.AccessToken, TokenType: "Bearer"}
	if !info.AccessTokenExpireOn.IsZero() {
		tok.Expiry = info.AccessTokenExpireOn.Time
	} else {
		tok.Expiry = s.c.cfg.now().Add(time.Hour) // undocumented lifetime; a 401 renews it sooner
	}
	return tok, nil
}

// AuthStats counts the client's token requests: full authentications,
// refresh attempts and refreshes that failed (each followed by an
// authentication).
type AuthStats struct {
	Authentications, Refreshes, RefreshFailures int64
}

// AuthStats returns how often the client authenticated and refreshed.
func (c *Client) AuthStats() AuthStats {
	return AuthStats{Authentications: c.auth.authentications.Load(), Refreshes: c.auth.refreshes.Load(),
		RefreshFailures: c.auth.refreshFailures.Load()}
}
