// Package dattormmtest is an in-memory Datto RMM for tests and demos: an
// httptest server that speaks the API the way Datto does, so code written
// against package dattormm runs unchanged against it.
//
// It reproduces what matters to a client: the password-grant token
// endpoint outside /api (public-client basic auth, API key and secret
// checked, expiring tokens refused with 401), zero-based pages capped at the
// account's page maximum with pageDetails and absolute nextPageUrl links,
// request_rate and pagination, sites, devices (UDFs, types, deleted flag),
// device audits, alerts open and resolved with the resolve endpoint, UDF
// writes, device moves, site creation by PUT, and Datto's Spring-style
// error bodies.
//
// It refuses what Datto's document does not allow: the bodies of site
// create (CreateSiteRequest), site update (SiteRequest: no proxySettings)
// and UDF set (Udf: udf1 … udf300, strings) are checked against the
// request schemas of Datto's OpenAPI document, compiled in
// (schema_gen.go): a property outside the schema, a missing or blank name
// or a value of another JSON type gets Datto's 400 "Request is invalid."
// in Spring's error body, and nothing changes. A site update clears the
// fields its body omits, the worst of what Datto may do.
//
// One model (a fakeapi.Table per resource), one route table and one list
// handler. Faults are injected with Inject; requests are logged.
//
//	srv := dattormmtest.NewServer(t)
//	dc, _ := srv.NewClient()
//	site := srv.SeedSite(dattormm.Site{Name: "Contoso"})
package dattormmtest

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/fakeapi"
)

// Credentials the server accepts unless told otherwise.
const (
	DefaultAPIKey    = "dattormmtest-key"
	DefaultAPISecret = "dattormmtest-secret"
	// DefaultPageMax is the account's page maximum.
	DefaultPageMax = 250
)

// Server is a fake Datto RMM. It is safe for concurrent use.
type Server struct {
	*fakeapi.Server

	APIKey, APISecret string

	tokens  *fakeapi.Tokens
	sites   *fakeapi.Table // by uid
	devices *fakeapi.Table // by uid
	alerts  *fakeapi.Table // by alertUid
	audits  *fakeapi.Table // by deviceUid

	mu         sync.Mutex
	pageMax    int
	seq        int
	accountUID string
	rates      dattormm.RateStatus
	now        func() time.Time
}

// Fault is an injected failure (Server.Inject): a status with the
// vendor's error body, a 429 with or without Retry-After, a slow answer,
// a truncated body or a dropped connection, for the next Times matching
// requests.
type Fault = fakeapi.Fault

// Request is one request as the server received it (Server.Requests).
type Request = fakeapi.Request

// Record is a stored object as JSON.
type Record = fakeapi.Record

// Option configures a Server.
type Option func(*Server)

// WithCredentials sets the API key and secret the token endpoint accepts.
func WithCredentials(key, secret string) Option {
	return func(s *Server) { s.APIKey, s.APISecret = key, secret }
}

// DefaultAccountUID is the fake account's UID.
const DefaultAccountUID = "acct0001"

// WithAccountUID gives the fake account another UID. Its sites carry it,
// and the UIDs the fake hands out are drawn from the account's own range,
// so two fakes with different accounts never share a device or site UID
// (Datto's UIDs are unique across accounts).
func WithAccountUID(uid string) Option {
	return func(s *Server) { s.accountUID, s.rates.AccountUID = uid, uid }
}

// WithPageMax sets the account's page maximum (default 250).
func WithPageMax(n int) Option { return func(s *Server) { s.pageMax = n } }

// WithTokenTTL sets the lifetime of issued tokens (default 100 hours, as
// Datto's).
func WithTokenTTL(d time.Duration) Option { return func(s *Server) { s.tokens.SetTTL(d) } }

// WithRateStatus sets what /v2/system/request_rate reports as limits.
func WithRateStatus(st dattormm.RateStatus) Option { return func(s *Server) { s.rates = st } }

// New starts a server. Close it when done (NewServer does that for tests).
func New(opts ...Option) *Server {
	s := &Server{
		APIKey: DefaultAPIKey, APISecret: DefaultAPISecret,
		tokens:     fakeapi.NewTokens(100 * time.Hour),
		sites:      fakeapi.NewTable("uid"),
		devices:    fakeapi.NewTable("uid"),
		alerts:     fakeapi.NewTable("alertUid"),
		audits:     fakeapi.NewTable("deviceUid"),
		pageMax:    DefaultPageMax,
		now:        time.Now,
		accountUID: DefaultAccountUID,
		rates: dattormm.RateStatus{
			SlidingTimeWindowSizeSeconds: 60, AccountUID: DefaultAccountUID, AccountRateLimit: 600, AccountCutOffRatio: 0.9,
			AccountWriteRateLimit: 600,
			OperationWriteStatus: map[string]dattormm.OperationCount{
				"alert-resolve": {Limit: 100}, "device-udf-set": {Limit: 600}, "site-update": {Limit: 100},
				"site-create": {Limit: 100}, "device-move": {Limit: 100},
			},
		},
	}
	s.Server = fakeapi.New("/datto", s.writeError)
	for _, o := range opts {
		o(s)
	}
	s.routes()
	return s
}

// NewServer starts a server for a test and closes it when the test ends.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := New(opts...)
	t.Cleanup(s.Close)
	return s
}

// ClientOptions returns the options that point a dattormm.Client at this
// server: its credentials, no client-side rate limit, quick retries and
// a rate-limit pause of 10 ms instead of a minute.
func (s *Server) ClientOptions() []dattormm.Option {
	return []dattormm.Option{
		dattormm.WithAPIKey(s.APIKey, s.APISecret),
		dattormm.WithHTTPClient(s.Client()),
		dattormm.WithRateLimit(rate.NewLimiter(rate.Inf, 0)),
		dattormm.WithRetryPolicy(dattormm.RetryPolicy{MaxAttempts: 4, MinWait: time.Millisecond, MaxWait: 10 * time.Millisecond, MaxRetryAfter: 2 * time.Second}),
		dattormm.WithRateLimitPause(10 * time.Millisecond),
	}
}

// NewClient returns a dattormm.Client for this server; opts are applied
// after ClientOptions.
func (s *Server) NewClient(opts ...dattormm.Option) (*dattormm.Client, error) {
	return dattormm.NewClient(s.URL(), append(s.ClientOptions(), opts...)...)
}

// ExpireTokens makes every token issued so far invalid.
func (s *Server) ExpireTokens() { s.tokens.ExpireAll() }

// TokensIssued returns how many tokens the server has issued.
func (s *Server) TokensIssued() int { return s.tokens.Issued() }

// writeError renders Spring's {"timestamp","status","error","path"}.
func (s *Server) writeError(w http.ResponseWriter, status int, msg string) {
	body := map[string]any{"timestamp": time.Now().UnixMilli(), "status": status, "error": http.StatusText(status)}
	if msg != "" && msg != http.StatusText(status) {
		body["message"] = msg
	}
	fakeapi.WriteJSON(w, status, body)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request, what string) {
	body := map[string]any{"timestamp": time.Now().UnixMilli(), "status": 404, "error": "Not Found",
		"message": what + " was not found.", "path": strings.TrimPrefix(r.URL.Path, "/datto")}
	fakeapi.WriteJSON(w, http.StatusNotFound, body)
}

func (s *Server) nextID(prefix int) (int64, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	var ns uint32 // the default account keeps the UIDs tests and demos print
	if s.accountUID != DefaultAccountUID {
		h := fnv.New32a()
		h.Write([]byte(s.accountUID))
		ns = h.Sum32() & 0xffff
	}
	return int64(prefix*100000 + s.seq), fmt.Sprintf("%08x-%04x-4000-8000-%012x", prefix, ns, s.seq)
}

func (s *Server) clock() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok || id != "public-client" || secret != "public" {
		fakeapi.WriteJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "Bad client credentials"})
		return
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "password" {
		fakeapi.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	if r.PostForm.Get("username") != s.APIKey || r.PostForm.Get("password") != s.APISecret {
		fakeapi.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "Bad credentials"})
		return
	}
	tok, exp := s.tokens.Issue()
	fakeapi.WriteJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": exp, "scope": "default", "jti": tok[:8]})
}

// authed wraps an API handler with the bearer check.
func (s *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.tokens.Valid(fakeapi.BearerToken(r)) {
			fakeapi.WriteJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": "Access token expired or invalid"})
			return
		}
		h(w, r)
	}
}

// source yields the window [offset, offset+limit) of a list and the size
// of the whole list.
type source func(offset, limit int) ([]fakeapi.Record, int)

// fromTable lists the matching records of a table, copying only the page.
func fromTable(t *fakeapi.Table, match func(fakeapi.Record) bool) source {
	return func(offset, limit int) ([]fakeapi.Record, int) { return t.Select(match, offset, limit) }
}

// fromSlice lists records built for the request.
func fromSlice(items []fakeapi.Record) source {
	return func(offset, limit int) ([]fakeapi.Record, int) {
		from := min(offset, len(items))
		return items[from:min(from+limit, len(items))], len(items)
	}
}

// list is the one list handler: zero-based page, max clamped to the page
// maximum, pageDetails with totalCount and absolute prev/next links that
// carry the request's own query.
func (s *Server) list(w http.ResponseWriter, r *http.Request, key string, src source) {
	q := r.URL.Query()
	size, err := strconv.Atoi(q.Get("max"))
	s.mu.Lock()
	pageMax := s.pageMax
	s.mu.Unlock()
	if err != nil || size <= 0 || size > pageMax {
		size = pageMax
	}
	page, _ := strconv.Atoi(q.Get("page"))
	if page < 0 {
		page = 0
	}
	out, total := src(page*size, size)
	link := func(p int) any {
		lq := r.URL.Query()
		lq.Set("page", strconv.Itoa(p))
		lq.Set("max", strconv.Itoa(size))
		return s.HostURL() + r.URL.Path + "?" + lq.Encode()
	}
	pd := map[string]any{"count": len(out), "totalCount": total, "prevPageUrl": nil, "nextPageUrl": nil}
	if page > 0 {
		pd["prevPageUrl"] = link(page - 1)
	}
	if (page+1)*size < total {
		pd["nextPageUrl"] = link(page + 1)
	}
	if out == nil {
		out = []fakeapi.Record{}
	}
	fakeapi.WriteJSON(w, http.StatusOK, map[string]any{"pageDetails": pd, key: out})
}

func like(rec fakeapi.Record, field, v string) bool {
	return v == "" || strings.Contains(strings.ToLower(fakeapi.Str(rec[field])), strings.ToLower(v))
}

func nested(rec fakeapi.Record, obj, field string) string {
	m, _ := rec[obj].(map[string]any)
	return fakeapi.Str(m[field])
}

func mutedFilter(q string) func(fakeapi.Record) bool {
	return func(r fakeapi.Record) bool { return q == "" || fakeapi.Str(r["muted"]) == q }
}

func decode[T any](rec fakeapi.Record) T {
	var v T
	raw, _ := json.Marshal(rec)
	if err := json.Unmarshal(raw, &v); err != nil {
		panic(fmt.Sprintf("dattormmtest: decoding %T: %v", v, err))
	}
	return v
}

func mustNormalize(v any) fakeapi.Record {
	rec, err := fakeapi.Normalize(v)
	if err != nil {
		panic(fmt.Sprintf("dattormmtest: %v", err))
	}
	return rec
}
