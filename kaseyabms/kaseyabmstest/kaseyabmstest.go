// Package kaseyabmstest is an in-memory Kaseya BMS for tests and demos:
// an httptest server that speaks the V2 API under /bms/v2 the way BMS
// does, so code written against package kaseyabms runs unchanged against
// it.
//
// It reproduces what matters to a client: authentication with tenant,
// user name and password (form fields) issuing access tokens that expire
// (AccessTokenExpireOn) and refresh tokens that renew them; 401 for a
// missing or expired token; the {success, error, result, totalRecords}
// envelope in camelCase, with Success:false answers on HTTP 200 for
// records that do not exist and ids that are not valid; request bodies
// checked against the spec's schemas (required TicketInputDto fields, no
// unknown members; compiled from kaseyabms-openapi.json into
// schema_gen.go), refused with BMS's error shape; Filter.* queries;
// PageSize and PageNumber paging with TotalRecords (base 1, or 0 with
// WithPageBase); tickets with notes, resolve, partial updates and
// completion in BMS (CompleteTicket); accounts with parents and types,
// locations, contacts, contracts with service lines, the service
// catalogue, lookups, hardware assets and webhooks; and 429s, slow or
// dropped answers through Inject.
//
//	srv := kaseyabmstest.NewServer(t)
//	c, _ := srv.NewClient()
//	acct := srv.SeedAccount(kaseyabms.AccountSummary{AccountName: "Contoso"})
package kaseyabmstest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/mspsync/mspsync/fakeapi"
	"github.com/mspsync/mspsync/kaseyabms"
)

// Credentials the server accepts unless told otherwise.
const (
	DefaultTenant   = "Acme Managed IT"
	DefaultUsername = "api.bot@kaseyabmstest.invalid"
	DefaultPassword = "kaseyabmstest-password"
)

// Default lifetimes of the tokens the server issues.
const (
	DefaultTokenTTL   = time.Hour
	DefaultRefreshTTL = 24 * time.Hour
)

// Status ids the server starts with: New (open), In Progress, Waiting,
// Completed and Closed (both closed statuses).
const (
	StatusNew        = 1
	StatusInProgress = 2
	StatusWaiting    = 3
	StatusCompleted  = 5
	StatusClosed     = 6
)

// Ids of the other lookups the server starts with.
const (
	PriorityLow, PriorityMedium, PriorityHigh, PriorityCritical = 1, 2, 3, 4
	QueueServiceDesk, QueueSecurity                             = 1, 2
	TicketTypeIncident, TicketTypeAlert                         = 1, 2
	SourceMonitoring                                            = 5
	NoteTypeInternal                                            = 1
)

// Server is a fake Kaseya BMS tenant. It is safe for concurrent use.
type Server struct {
	*fakeapi.Server

	Tenant, Username, Password string

	accounts, locations, contacts, tickets, notes, contracts, lines, services *fakeapi.Table
	statuses, priorities, queues, issueTypes, subIssueTypes, accountTypes     *fakeapi.Table
	webhooks, assets                                                          *fakeapi.Table

	mu         sync.Mutex
	offset     time.Duration // the clock's advance over real time
	tokenTTL   time.Duration
	refreshTTL time.Duration
	access     map[string]time.Time // access token → expiry
	refresh    map[string]refreshTok
	issued     int
	pageBase   int
	seq        int
}

type refreshTok struct {
	access  string
	expires time.Time
}

// Fault is an injected failure (Server.Inject): a status with BMS's
// envelope error, a 429 with or without Retry-After, a slow answer, a
// truncated body or a dropped connection. Paths are relative to the
// server URL, e.g. "/v2/servicedesk/tickets".
type Fault = fakeapi.Fault

// Request is one request as the server received it.
type Request = fakeapi.Request

// Option configures a Server.
type Option func(*Server)

// WithCredentials sets the tenant, user name and password the server
// accepts.
func WithCredentials(tenant, username, password string) Option {
	return func(s *Server) { s.Tenant, s.Username, s.Password = tenant, username, password }
}

// WithTokenTTL sets the lifetime of access and refresh tokens.
func WithTokenTTL(access, refresh time.Duration) Option {
	return func(s *Server) { s.tokenTTL, s.refreshTTL = access, refresh }
}

// WithPageBase makes PageNumber start at 0 instead of 1.
func WithPageBase(n int) Option { return func(s *Server) { s.pageBase = n } }

// New starts a server. Close it when done (NewServer does that for tests).
func New(opts ...Option) *Server {
	t := func() *fakeapi.Table { return fakeapi.NewTable("Id") }
	s := &Server{
		Tenant: DefaultTenant, Username: DefaultUsername, Password: DefaultPassword,
		accounts: t(), locations: t(), contacts: t(), tickets: t(), notes: t(), contracts: t(), lines: t(), services: t(),
		statuses: t(), priorities: t(), queues: t(), issueTypes: t(), subIssueTypes: t(), accountTypes: t(),
		webhooks: t(), assets: t(),
		tokenTTL: DefaultTokenTTL, refreshTTL: DefaultRefreshTTL, pageBase: 1,
		access: map[string]time.Time{}, refresh: map[string]refreshTok{},
	}
	s.Server = fakeapi.New("/bms", writeError)
	for _, o := range opts {
		o(s)
	}
	s.seedLookups()
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

// Now is the server's clock: real time moved on by Advance. Clients made
// by ClientOptions read their token expiry on it too.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return time.Now().Add(s.offset)
}

// Advance moves the server's clock (and its clients') on by d, so tokens
// age without waiting.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	s.offset += d
	s.mu.Unlock()
}

// TokensIssued returns how many access tokens the server issued
// (authentications and refreshes).
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued
}

// ExpireTokens makes every access token issued so far invalid (refresh
// tokens stay valid).
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.access {
		s.access[k] = time.Time{}
	}
}

// RevokeRefreshTokens makes every refresh token invalid, so the next
// renewal needs the password.
func (s *Server) RevokeRefreshTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refresh = map[string]refreshTok{}
}

// ClientOptions returns the options that point a kaseyabms.Client at this
// server: its base URL and credentials, its clock, no per-endpoint rate
// limit and quick retries.
func (s *Server) ClientOptions() []kaseyabms.Option {
	return []kaseyabms.Option{
		kaseyabms.WithBaseURL(s.URL()),
		kaseyabms.WithCredentials(s.Tenant, s.Username, s.Password),
		kaseyabms.WithHTTPClient(s.Client()),
		kaseyabms.WithClock(s.Now),
		kaseyabms.WithEndpointRateLimit(0, 0),
		kaseyabms.WithPageBase(s.pageBase),
		kaseyabms.WithRetryPolicy(kaseyabms.RetryPolicy{MaxAttempts: 4, MinWait: time.Millisecond, MaxWait: 10 * time.Millisecond, MaxRetryAfter: 2 * time.Second}),
	}
}

// NewClient returns a kaseyabms.Client for this server; opts are applied
// after ClientOptions.
func (s *Server) NewClient(opts ...kaseyabms.Option) (*kaseyabms.Client, error) {
	return kaseyabms.NewClient(append(s.ClientOptions(), opts...)...)
}

// --- envelope ---

// camel returns v with every object key in camelCase, as BMS's JSON
// writer sends them ("AccountId" → "accountId", "SLAId" → "slaId").
func camel(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[camelKey(k)] = camel(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = camel(e)
		}
		return out
	case []fakeapi.Record:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = camel(map[string]any(e))
		}
		return out
	}
	return v
}

func camelKey(k string) string {
	r := []rune(k)
	for i := range r {
		if !unicode.IsUpper(r[i]) {
			break
		}
		if i > 0 && i+1 < len(r) && unicode.IsLower(r[i+1]) {
			break
		}
		r[i] = unicode.ToLower(r[i])
	}
	return string(r)
}

// writeResult writes {"success": true, "error": null, "result": v} (with
// totalRecords when total >= 0).
func writeResult(w http.ResponseWriter, v any, total int) {
	env := map[string]any{"success": true, "error": nil, "result": camel(v)}
	if total >= 0 {
		env["totalRecords"] = total
	}
	fakeapi.WriteJSON(w, http.StatusOK, env)
}

// writeFailure writes Success:false with BMS's ErrorInfo, on the given
// HTTP status (BMS answers 200 for most).
func writeFailure(w http.ResponseWriter, status, code int, msg string, sub ...string) {
	if sub == nil {
		sub = []string{}
	}
	fakeapi.WriteJSON(w, status, map[string]any{"success": false, "result": nil,
		"error": map[string]any{"code": code, "message": msg, "details": nil, "stackStrace": nil, "subErrors": sub}})
}

// writeError is the fakeapi.ErrorWriter: the envelope on the status.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeFailure(w, status, status, msg)
}

func (s *Server) nextToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (s *Server) next() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return s.seq
}

func must(r fakeapi.Record, err error) fakeapi.Record {
	if err != nil {
		panic(err)
	}
	return r
}

func decode[T any](r fakeapi.Record) T {
	var v T
	b, _ := json.Marshal(r)
	if err := json.Unmarshal(b, &v); err != nil {
		panic(fmt.Sprintf("kaseyabmstest: decoding %T: %v", v, err))
	}
	return v
}

func key(id int) string { return strconv.Itoa(id) }

func num(r fakeapi.Record, field string) int {
	n, _ := strconv.Atoi(fakeapi.Str(r[field]))
	return n
}

func str(r fakeapi.Record, field string) string { return fakeapi.Str(r[field]) }

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.0000000Z") }

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
