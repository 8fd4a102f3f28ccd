package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/go-querystring/query"
	"github.com/hashicorp/go-cleanhttp"
	"golang.org/x/time/rate"

	"github.com/mspsync/mspsync/internal/version"
)

var errNoBurst = errors.New("rate limiter burst is zero")

// MaxResponseBody caps a success response read into memory (64 MiB).
const MaxResponseBody = 64 << 20

// DefaultTimeout is the overall per-request timeout of the default HTTP
// client. Per-call deadlines come from the context.
const DefaultTimeout = 90 * time.Second

// Config configures an Engine. Vendor packages fill it from their options.
type Config struct {
	// Vendor names the API in errors, logs and the User-Agent ("halo").
	Vendor string
	// BaseURL is the absolute URL every relative request path is joined
	// under; its path prefix ("/api/") is preserved.
	BaseURL string
	// HTTPClient is the innermost client. Default: go-cleanhttp's pooled
	// client with Timeout.
	HTTPClient *http.Client
	// Timeout of the default HTTP client (default DefaultTimeout). Ignored
	// when HTTPClient is set.
	Timeout time.Duration
	// UserAgent overrides "mspsync/<version> (<vendor>)".
	UserAgent string
	// Logger receives Debug lines for requests, retries and waits. Nil
	// discards them.
	Logger *slog.Logger
	// Limiter is waited on before every attempt, retries included. Nil means
	// no client-side limit.
	Limiter *rate.Limiter
	// Retry is the retry policy; zero fields take DefaultRetryPolicy values.
	Retry RetryPolicy
	// Auth authorises requests. Nil sends none.
	Auth Authenticator
	// ExtractMessage reads the vendor's error shape. Default DefaultMessage.
	ExtractMessage MessageExtractor
	// RequestIDHeaders are response headers holding a request ID, checked in
	// order. Default: X-Request-Id, Request-Id, X-Correlation-Id.
	RequestIDHeaders []string
	// Counters receives this client's request counts. Default: a new set;
	// pass one to aggregate several clients.
	Counters *Counters
	// RateLimitPause, when positive, makes a 429 pause the whole engine: the
	// wait (Retry-After, or RateLimitPause when the 429 has none) applies to
	// the next attempt of every request of this engine, from any goroutine,
	// not only to the request that was refused. For vendors whose budget is
	// a rolling window per account (Datto RMM: 60 s). Zero: a 429 without
	// Retry-After is retried after the policy's backoff, request by request.
	RateLimitPause time.Duration
	// Clock is the time source of retry waits and pauses (default: real
	// time). Tests pass a fake one.
	Clock Clock
}

// Engine sends requests for one vendor client. It is safe for concurrent
// use.
type Engine struct {
	vendor  string
	base    *url.URL
	hc      *http.Client
	ua      string
	log     *slog.Logger
	limiter *rate.Limiter
	retry   policy
	auth    Authenticator
	extract MessageExtractor
	reqIDs  []string
	c       *Counters
	clock   Clock

	pauseFor   time.Duration // Config.RateLimitPause
	pauseMu    sync.Mutex
	pauseUntil time.Time // no attempt starts before this (shared 429 pause)
	last429    time.Time // when the last 429 was received
}

// New validates cfg and returns an Engine.
func New(cfg Config) (*Engine, error) {
	base, err := ParseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.Vendor, err)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = cleanhttp.DefaultPooledClient()
		hc.Timeout = cfg.Timeout
		if hc.Timeout <= 0 {
			hc.Timeout = DefaultTimeout
		}
	}
	// A copy: the caller's client keeps its own redirect policy.
	hc = withRedirectPolicy(hc, engineRedirectPolicy)
	e := &Engine{
		vendor:  cfg.Vendor,
		base:    base,
		hc:      hc,
		ua:      cfg.UserAgent,
		log:     cfg.Logger,
		limiter: cfg.Limiter,
		retry:   policy(cfg.Retry).withDefaults(),
		auth:    cfg.Auth,
		extract: cfg.ExtractMessage,
		reqIDs:  cfg.RequestIDHeaders,
		c:       cfg.Counters,
		clock:   cfg.Clock,

		pauseFor: cfg.RateLimitPause,
	}
	if e.clock == nil {
		e.clock = realClock{}
	}
	if e.ua == "" {
		e.ua = fmt.Sprintf("mspsync/%s (%s)", version.Version, cfg.Vendor)
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.extract == nil {
		e.extract = DefaultMessage
	}
	if len(e.reqIDs) == 0 {
		e.reqIDs = []string{"X-Request-Id", "Request-Id", "X-Correlation-Id"}
	}
	if e.c == nil {
		e.c = new(Counters)
	}
	return e, nil
}

// ParseBaseURL checks that raw is an absolute http(s) URL without query or
// fragment and returns it with a path ending in "/".
func ParseBaseURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("base URL is empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("base URL %q: %w", SanitizeURL(raw), err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("base URL %q must be absolute (https://host/...)", SanitizeURL(raw))
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("base URL %q must not have a query or fragment", SanitizeURL(raw))
	}
	if u.User != nil {
		return nil, fmt.Errorf("base URL %q must not carry credentials", SanitizeURL(raw))
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return u, nil
}

// BaseURL returns a copy of the engine's base URL (always ending in "/").
func (e *Engine) BaseURL() *url.URL { u := *e.base; return &u }

// Vendor returns the vendor name the engine was built for.
func (e *Engine) Vendor() string { return e.vendor }

// Counters returns the engine's request counters.
func (e *Engine) Counters() *Counters { return e.c }

// Logger returns the engine's logger (never nil).
func (e *Engine) Logger() *slog.Logger { return e.log }

// Now returns the time on the engine's clock.
func (e *Engine) Now() time.Time { return e.clock.Now() }

// LastRateLimited returns when the engine last received a 429 (zero if
// never). A vendor's MessageExtractor uses it to recognise a block that
// follows rate limiting.
func (e *Engine) LastRateLimited() time.Time {
	e.pauseMu.Lock()
	defer e.pauseMu.Unlock()
	return e.last429
}

// noteRateLimited records a 429 and, when the engine pauses on 429s,
// extends the shared pause to wait from now. It returns the pause's end.
func (e *Engine) noteRateLimited(wait time.Duration) time.Time {
	now := e.clock.Now()
	e.pauseMu.Lock()
	defer e.pauseMu.Unlock()
	e.last429 = now
	if e.pauseFor > 0 && wait > 0 {
		if until := now.Add(wait); until.After(e.pauseUntil) {
			e.pauseUntil = until
		}
	}
	return e.pauseUntil
}

// waitPause holds an attempt until the shared rate-limit pause is over.
func (e *Engine) waitPause(ctx context.Context) error {
	for {
		e.pauseMu.Lock()
		until := e.pauseUntil
		e.pauseMu.Unlock()
		d := until.Sub(e.clock.Now())
		if d <= 0 {
			return nil
		}
		e.c.Record(Activity{Kind: ActivityWait, Vendor: e.vendor, Reason: "rate limited: every request waits for the window to drain", Wait: d})
		e.log.Debug("rate limited: every request waits for the window to drain", "vendor", e.vendor, "wait", d)
		if err := e.clock.Sleep(ctx, d); err != nil {
			return err
		}
	}
}

// Request describes one API call.
type Request struct {
	Method string
	// Path is relative to the base URL ("Tickets/7"; a leading "/" is
	// ignored so the base path survives) or an absolute URL on the base
	// URL's scheme and host (a vendor's next-page link). It may carry a
	// query string.
	Path string
	// Query is added to Path's query: url.Values, or a struct encoded with
	// go-querystring ("url" tags). It is never modified.
	Query any
	// Body is sent as JSON, unless it is a []byte (sent as is with
	// ContentType) or url.Values (sent as a form).
	Body any
	// ContentType of a []byte body (default application/json).
	ContentType string
	// Header holds extra request headers.
	Header http.Header
	// Replay overrides the method's replay safety (see Replay).
	Replay Replay
	// Limiters are extra limiters waited on, in order, after the client's
	// (a vendor's write budget and per-operation budgets).
	Limiters []*rate.Limiter
	// NoAuth skips the authenticator (anonymous discovery routes).
	NoAuth bool
}

// Response is what came back from a successful call.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte // raw body
	Attempts   int    // attempts made, retries included
}

// URL resolves a request path against the base URL and adds q (see
// Request.Path and Request.Query).
func (e *Engine) URL(path string, q any) (*url.URL, error) {
	var u *url.URL
	if strings.Contains(path, "://") {
		abs, err := url.Parse(path)
		if err != nil {
			return nil, fmt.Errorf("%s: bad URL %q: %w", e.vendor, SanitizeURL(path), err)
		}
		if !strings.EqualFold(abs.Scheme, e.base.Scheme) || !strings.EqualFold(abs.Host, e.base.Host) {
			return nil, fmt.Errorf("%s: %w: %s (base %s://%s)", e.vendor, ErrForeignHost, SanitizeURL(path), e.base.Scheme, e.base.Host)
		}
		u = abs
	} else {
		rel, err := url.Parse(strings.TrimLeft(path, "/"))
		if err != nil {
			return nil, fmt.Errorf("%s: bad path %q: %w", e.vendor, path, err)
		}
		u = e.base.ResolveReference(rel)
	}
	extra, err := EncodeQuery(q)
	if err != nil {
		return nil, fmt.Errorf("%s: encoding query: %w", e.vendor, err)
	}
	if len(extra) > 0 {
		cur := u.Query()
		for k, vs := range extra {
			cur[k] = append(cur[k], vs...)
		}
		u.RawQuery = cur.Encode()
	}
	return u, nil
}

// EncodeQuery turns a url.Values, a map[string]string or an options struct
// ("url" tags, go-querystring) into url.Values. nil gives nil.
func EncodeQuery(q any) (url.Values, error) {
	switch v := q.(type) {
	case nil:
		return nil, nil
	case url.Values:
		out := make(url.Values, len(v))
		for k, vs := range v {
			out[k] = append([]string(nil), vs...)
		}
		return out, nil
	case map[string]string:
		out := make(url.Values, len(v))
		for k, s := range v {
			out.Set(k, s)
		}
		return out, nil
	}
	return query.Values(q)
}

// Do sends r, retrying as the policy allows, and decodes a success body into
// out: nil discards it, *[]byte receives the raw bytes, anything else is
// JSON-decoded (an empty body leaves it untouched). Failures are *Error.
func (e *Engine) Do(ctx context.Context, r Request, out any) (*Response, error) {
	c, err := e.newCall(r)
	if err != nil {
		return nil, err
	}
	for {
		c.attempt++
		resp, sent, err := e.once(ctx, c.r, c.u, c.rurl, c.body, c.ctype, c.write)
		if cerr := ctx.Err(); cerr != nil {
			// The caller gave up: whatever came back is dropped.
			if resp != nil {
				resp.Body.Close()
			}
			return nil, &Error{Vendor: e.vendor, Method: c.r.Method, URL: c.rurl, Message: cerr.Error(), Err: cerr}
		}
		var res *Response
		var done bool
		if err != nil {
			// No response: the authenticator or the transport failed.
			done, err = e.afterSendError(ctx, &c, sent, err)
		} else {
			res, done, err = e.afterResponse(ctx, &c, resp, out)
		}
		if done {
			return res, err
		}
	}
}

// call is one Do: the prepared request and how its attempts went so far.
type call struct {
	r         Request // Method defaulted
	u         *url.URL
	rurl      string // u sanitised, for errors and logs
	body      []byte
	ctype     string
	safe      bool // the request may be replayed after it was sent
	write     bool // counted as a write
	attempt   int  // attempts made, the current one included
	refreshed bool // credentials were refreshed after a 401 (at most once)
}

// newCall defaults r's method, resolves its URL and encodes its body.
func (e *Engine) newCall(r Request) (call, error) {
	if r.Method == "" {
		r.Method = http.MethodGet
	}
	u, err := e.URL(r.Path, r.Query)
	if err != nil {
		return call{}, err
	}
	body, ctype, err := encodeBody(r)
	if err != nil {
		return call{}, fmt.Errorf("%s: %s %s: encoding body: %w", e.vendor, r.Method, sanitize(u), err)
	}
	return call{
		r:     r,
		u:     u,
		rurl:  sanitize(u),
		body:  body,
		ctype: ctype,
		safe:  r.Replay.safe(r.Method),
		write: r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions,
	}, nil
}

// backOff waits d before the next attempt; done (with the error) when ctx
// ends first.
func (e *Engine) backOff(ctx context.Context, c *call, d time.Duration, reason string, status int) (done bool, err error) {
	if werr := e.sleep(ctx, c.r, c.rurl, c.attempt, d, reason, status); werr != nil {
		return true, werr
	}
	return false, nil
}

// afterSendError decides, after an attempt that got no response, whether
// to retry (done false) or fail with the returned error.
func (e *Engine) afterSendError(ctx context.Context, c *call, sent bool, err error) (done bool, _ error) {
	var he *Error
	if errors.As(err, &he) { // authenticator failed (token endpoint)
		transient := (he.StatusCode == 0 && he.Kind == nil) || he.StatusCode == http.StatusTooManyRequests || he.StatusCode >= 500
		if !transient || c.attempt >= e.retry.MaxAttempts || he.RetryAfter > e.retry.MaxRetryAfter {
			return true, err
		}
		wait := e.retry.backoff(c.attempt - 1)
		if he.StatusCode == 0 && connectFailure(he) {
			wait = e.retry.connectBackoff(c.attempt - 1) // the token endpoint is unreachable: briefly
		}
		return e.backOff(ctx, c, wait, "token request failed", he.StatusCode)
	}
	terr := e.transportError(c.r.Method, c.rurl, err)
	if !retryableTransportError(err) || (sent && !c.safe) || c.attempt >= e.retry.MaxAttempts {
		e.c.AddFailure()
		return true, terr
	}
	wait := e.retry.backoff(c.attempt - 1)
	if !sent || connectFailure(err) {
		// No connection was opened (dial, DNS, TLS handshake): retry for
		// seconds, not minutes, then report the cause.
		wait = e.retry.connectBackoff(c.attempt - 1)
	}
	return e.backOff(ctx, c, wait, "transport error: "+SanitizeText(terr.Message), 0)
}

// afterResponse reads resp's body and decides: success (decoded into out),
// retry (done false), or fail with the returned error.
func (e *Engine) afterResponse(ctx context.Context, c *call, resp *http.Response, out any) (_ *Response, done bool, _ error) {
	limit := int64(MaxResponseBody)
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		limit = MaxErrorBody // an error body is read only as far as it is kept
	}
	raw, rerr := readBody(resp.Body, resp.ContentLength, limit)
	resp.Body.Close()
	if rerr != nil && resp.StatusCode < 300 {
		// The body broke off mid-stream: a transport failure after sending.
		terr := e.transportError(c.r.Method, c.rurl, rerr)
		if !c.safe || c.attempt >= e.retry.MaxAttempts {
			e.c.AddFailure()
			return nil, true, terr
		}
		done, err := e.backOff(ctx, c, e.retry.backoff(c.attempt-1), "reading body: "+rerr.Error(), resp.StatusCode)
		return nil, done, err
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		res, err := e.success(c, resp, raw, out)
		return res, true, err
	}
	done, err := e.afterErrorStatus(ctx, c, resp, raw)
	return nil, done, err
}

// success decodes a 2xx body into out; a body that does not decode is an
// ErrMalformedResponse *Error, returned with the Response.
func (e *Engine) success(c *call, resp *http.Response, raw []byte, out any) (*Response, error) {
	res := &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: raw, Attempts: c.attempt}
	if err := decodeInto(raw, out); err != nil {
		e.c.AddFailure()
		return res, &Error{Vendor: e.vendor, Method: c.r.Method, URL: c.rurl, StatusCode: resp.StatusCode,
			Message: "malformed response body: " + err.Error(), Body: errorBody(raw),
			RequestID: e.requestID(resp.Header), Kind: ErrMalformedResponse, Err: err}
	}
	return res, nil
}

// afterErrorStatus decides, after a non-2xx response, whether to replay
// (once, after refreshing credentials on a 401), retry, or fail with the
// API error.
func (e *Engine) afterErrorStatus(ctx context.Context, c *call, resp *http.Response, raw []byte) (done bool, _ error) {
	apiErr := e.apiError(c.r.Method, c.rurl, resp, raw)
	if resp.StatusCode == http.StatusUnauthorized && !c.refreshed && e.auth != nil && !c.r.NoAuth && e.auth.Refresh(resp.Request) {
		c.refreshed = true
		c.attempt-- // the replay after a refresh is not a retry of the policy
		e.c.Record(Activity{Kind: ActivityRefresh, Vendor: e.vendor, Method: c.r.Method, Path: pathOnly(c.r.Path), Status: http.StatusUnauthorized})
		e.log.Debug("401: refreshing credentials and replaying once", "vendor", e.vendor, "method", c.r.Method, "url", c.rurl)
		return false, nil
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		// Shared pause: Retry-After when it is one the engine would wait,
		// else the vendor's window.
		pause := apiErr.RetryAfter
		if pause <= 0 || pause > e.retry.MaxRetryAfter {
			pause = e.pauseFor
		}
		e.noteRateLimited(pause)
	}
	if retryStatus(resp.StatusCode, c.safe) && c.attempt < e.retry.MaxAttempts {
		wait := apiErr.RetryAfter
		if wait > e.retry.MaxRetryAfter {
			e.c.AddFailure()
			return true, apiErr // too long to block: the caller decides
		}
		if wait <= 0 && resp.StatusCode == http.StatusTooManyRequests && e.pauseFor > 0 {
			wait = e.pauseFor // the window must drain; waitPause holds the others
		}
		if wait <= 0 {
			wait = e.retry.backoff(c.attempt - 1)
		}
		return e.backOff(ctx, c, wait, "status", resp.StatusCode)
	}
	e.c.AddFailure()
	return true, apiErr
}

// once makes a single attempt: authorise, wait for the limiters, send. sent
// reports whether a connection was obtained, i.e. whether any of the request
// may have reached the server.
func (e *Engine) once(ctx context.Context, r Request, u *url.URL, rurl string, body []byte, ctype string, write bool) (*http.Response, bool, error) {
	sent := false
	trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { sent = true }}
	rctx := httptrace.WithClientTrace(ctx, trace)
	if (e.auth != nil && !r.NoAuth) || requestCarriesCredentials(r, u) {
		rctx = withCredentials(rctx) // its redirects stay on this origin
	}
	req, err := http.NewRequestWithContext(rctx, r.Method, u.String(), nil)
	if err != nil {
		return nil, false, err
	}
	if body != nil {
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		req.ContentLength = int64(len(body))
		req.Header.Set("Content-Type", ctype)
	}
	for k, vs := range r.Header {
		req.Header[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	req.Header.Set("User-Agent", e.ua)
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	if err := e.waitPause(ctx); err != nil {
		return nil, false, err
	}
	if e.auth != nil && !r.NoAuth {
		if err := e.auth.Authorize(ctx, req); err != nil {
			return nil, false, err
		}
	}
	if err := e.waitLimiter(ctx, e.limiter); err != nil {
		return nil, false, err
	}
	for _, l := range r.Limiters {
		if err := e.waitLimiter(ctx, l); err != nil {
			return nil, false, err
		}
	}

	e.c.AddRequest(write)
	start := time.Now()
	resp, err := e.hc.Do(req)
	if err != nil {
		if e.log.Enabled(ctx, slog.LevelDebug) {
			e.log.Debug("request failed", "vendor", e.vendor, "method", r.Method, "url", rurl, "err", SanitizeText(e.transportError(r.Method, rurl, err).Message), "elapsed", time.Since(start))
		}
		return nil, sent, err
	}
	if e.log.Enabled(ctx, slog.LevelDebug) {
		e.log.Debug("request", "vendor", e.vendor, "method", r.Method, "url", rurl, "status", resp.StatusCode, "elapsed", time.Since(start))
	}
	return resp, true, nil
}

// waitLimiter reserves a token and sleeps for it, counting and logging waits.
func (e *Engine) waitLimiter(ctx context.Context, lim *rate.Limiter) error {
	if lim == nil {
		return nil
	}
	res := lim.Reserve()
	if !res.OK() {
		return &Error{Vendor: e.vendor, Message: "rate limiter allows no requests (burst 0)", Kind: errNoBurst}
	}
	d := res.Delay()
	if d <= 0 {
		return nil
	}
	e.c.Record(Activity{Kind: ActivityWait, Vendor: e.vendor, Reason: "client-side rate limit", Wait: d})
	e.log.Debug("rate limit: waiting", "vendor", e.vendor, "wait", d)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		res.Cancel()
		return ctx.Err()
	}
}

// sleep waits before a retry, counting and logging it.
func (e *Engine) sleep(ctx context.Context, r Request, rurl string, attempt int, d time.Duration, reason string, status int) error {
	e.c.Record(Activity{Kind: ActivityRetry, Vendor: e.vendor, Method: r.Method, Path: pathOnly(r.Path), Attempt: attempt, Status: status, Reason: reason, Wait: d})
	e.log.Debug("retrying", "vendor", e.vendor, "method", r.Method, "path", pathOnly(r.Path), "attempt", attempt, "status", status, "reason", reason, "wait", d)
	if err := e.clock.Sleep(ctx, d); err != nil {
		return &Error{Vendor: e.vendor, Method: r.Method, URL: rurl, Message: err.Error(), Err: err}
	}
	return nil
}

// pathOnly is a request path without its query (which may hold a secret)
// and, for an absolute URL, without scheme and host.
func pathOnly(p string) string {
	p, _, _ = strings.Cut(p, "?")
	if _, rest, ok := strings.Cut(p, "://"); ok {
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			return rest[i:]
		}
		return "/"
	}
	return p
}

func (e *Engine) transportError(method, rurl string, err error) *Error {
	var ue *url.Error
	msg := err.Error()
	if errors.As(err, &ue) {
		ue.URL = rurl
		msg = ue.Err.Error()
	}
	he := &Error{Vendor: e.vendor, Method: method, URL: rurl, Message: msg, Err: err}
	var re *RedirectError
	if errors.As(err, &re) {
		he.StatusCode, he.Kind = re.Status, re
	}
	return he
}

func (e *Engine) apiError(method, rurl string, resp *http.Response, raw []byte) *Error {
	x := e.extract(resp.StatusCode, resp.Header, raw)
	if x.Message == "" && x.Code == "" && x.Kind == nil {
		x = DefaultMessage(resp.StatusCode, resp.Header, raw)
	}
	retryAfter := ParseRetryAfter(resp.Header.Get("Retry-After"), e.clock.Now())
	if retryAfter <= 0 {
		retryAfter = x.RetryAfter
	}
	return &Error{
		Vendor:     e.vendor,
		Method:     method,
		URL:        rurl,
		StatusCode: resp.StatusCode,
		Code:       x.Code,
		Message:    x.Message,
		Body:       errorBody(raw),
		RetryAfter: retryAfter,
		RequestID:  e.requestID(resp.Header),
		Kind:       x.Kind,
	}
}

func (e *Engine) requestID(h http.Header) string {
	for _, k := range e.reqIDs {
		if v := h.Get(k); v != "" {
			return v
		}
	}
	return ""
}

func encodeBody(r Request) ([]byte, string, error) {
	switch b := r.Body.(type) {
	case nil:
		return nil, "", nil
	case []byte:
		ct := r.ContentType
		if ct == "" {
			ct = "application/json; charset=utf-8"
		}
		return b, ct, nil
	case url.Values:
		return []byte(b.Encode()), "application/x-www-form-urlencoded", nil
	}
	raw, err := json.Marshal(r.Body)
	return raw, "application/json; charset=utf-8", err
}

func readBody(r io.Reader, size, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	if size > 0 && size <= limit {
		buf.Grow(int(size) + 1)
	}
	_, err := buf.ReadFrom(io.LimitReader(r, limit+1))
	raw := buf.Bytes()
	if err != nil {
		return raw, err
	}
	if int64(len(raw)) > limit {
		return raw[:limit], fmt.Errorf("response body larger than %d bytes", limit)
	}
	return raw, nil
}

func decodeInto(raw []byte, out any) error {
	switch v := out.(type) {
	case nil:
		return nil
	case *[]byte:
		*v = raw
		return nil
	case *json.RawMessage:
		*v = append((*v)[:0], raw...)
		return nil
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	return json.Unmarshal(raw, out)
}
