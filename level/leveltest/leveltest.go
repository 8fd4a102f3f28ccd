// Package leveltest is an in-memory Level for tests and demos: an httptest
// server that speaks the v2 API the way Level does, so code written
// against package level runs unchanged against it.
//
// It reproduces what matters to a client: the raw API key in
// Authorization (anything else, "Bearer <key>" included, gets 401
// {"error":"Access denied"}), Stripe-style cursor pages (limit 1–100,
// default 20, starting_after, has_more, no totals), nested groups whose
// child_ids and device counts follow the tree, devices whose nested
// objects come only with their include_* flag and that can be listed by
// group_id or by ancestor_group_id (the whole subtree), alerts listed by
// device and status and resolved with POST (or PUT) /alerts/{id}/resolve,
// custom fields and their values (a group's values set through the values
// endpoint are dropped, as Level does), tags, and Level's {"error": …}
// bodies. Request bodies of writes are checked against schemas (an unknown
// property, a wrong type or a missing name is a 400).
//
// Faults are injected with Inject (a 429 with Retry-After, a 5xx, a slow
// or dropped answer); requests are logged. Sign and Event build signed
// webhook deliveries, and Deliver posts them.
//
//	srv := leveltest.NewServer(t)
//	lc, _ := srv.NewClient()
//	acme := srv.SeedGroup(level.Group{Name: "Acme"})
//	srv.SeedDevice(level.Device{Hostname: "acme-pc1", GroupID: acme.ID})
package leveltest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/mspsync/mspsync/fakeapi"
	"github.com/mspsync/mspsync/level"
)

// DefaultAPIKey is the key the server accepts unless told otherwise.
const DefaultAPIKey = "leveltest-key"

// Page sizes: Level's default limit and its maximum.
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// Fault is an injected failure (Server.Inject).
type Fault = fakeapi.Fault

// Request is one request as the server received it (Server.Requests).
type Request = fakeapi.Request

// Server is a fake Level. It is safe for concurrent use.
type Server struct {
	*fakeapi.Server

	// APIKey is the key the server accepts.
	APIKey string

	groups  *fakeapi.Table
	devices *fakeapi.Table
	alerts  *fakeapi.Table
	fields  *fakeapi.Table
	tags    *fakeapi.Table

	mu          sync.Mutex
	seq         int
	values      map[string]map[string]any // assigned_to_id ("" = account) → custom_field_id → value
	resolveVerb string                    // the verb the resolve route accepts; the other gets 405 ("" = both)
	resolves    []string
	now         func() time.Time
}

// Option configures a Server.
type Option func(*Server)

// WithAPIKey sets the key the server accepts.
func WithAPIKey(key string) Option { return func(s *Server) { s.APIKey = key } }

// WithResolveVerb makes the resolve route accept only method ("POST" or
// "PUT") and answer 405 to the other, to test the client's fallback.
func WithResolveVerb(method string) Option { return func(s *Server) { s.resolveVerb = method } }

// New starts a server. Close it when done (NewServer does that for tests).
func New(opts ...Option) *Server {
	s := &Server{
		APIKey:  DefaultAPIKey,
		groups:  fakeapi.NewTable("id"),
		devices: fakeapi.NewTable("id"),
		alerts:  fakeapi.NewTable("id"),
		fields:  fakeapi.NewTable("id"),
		tags:    fakeapi.NewTable("id"),
		values:  map[string]map[string]any{},
		now:     time.Now,
	}
	s.Server = fakeapi.New("/v2", s.writeError)
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

// ClientOptions returns the options that point a level.Client at this
// server: its URL, its key, no client-side rate limit and quick retries.
func (s *Server) ClientOptions() []level.Option {
	return []level.Option{
		level.WithBaseURL(s.URL()),
		level.WithAPIKey(s.APIKey),
		level.WithHTTPClient(s.Client()),
		level.WithRateLimit(rate.NewLimiter(rate.Inf, 0)),
		level.WithRetryPolicy(level.RetryPolicy{MaxAttempts: 4, MinWait: time.Millisecond, MaxWait: 10 * time.Millisecond, MaxRetryAfter: 2 * time.Second}),
	}
}

// NewClient returns a level.Client for this server; opts are applied
// after ClientOptions.
func (s *Server) NewClient(opts ...level.Option) (*level.Client, error) {
	return level.NewClient(append(s.ClientOptions(), opts...)...)
}

// Resolves returns the IDs of the alerts resolved through the API, in
// order (repeats included).
func (s *Server) Resolves() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.resolves)
}

// writeError renders Level's {"error": "..."}.
func (s *Server) writeError(w http.ResponseWriter, status int, msg string) {
	if msg == "" {
		msg = http.StatusText(status)
	}
	fakeapi.WriteJSON(w, status, map[string]string{"error": msg})
}

// gid makes an opaque Level ID: base64 of gid://level/<Kind>/<n>.
func (s *Server) gid(kind string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return base64.RawStdEncoding.EncodeToString(fmt.Appendf(nil, "gid://level/%s/%d", kind, s.seq))
}

func (s *Server) clock() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

// SetClock replaces the server's clock (resolved_at, started_at).
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

func mustNormalize(v any) fakeapi.Record {
	rec, err := fakeapi.Normalize(v)
	if err != nil {
		panic(fmt.Sprintf("leveltest: %v", err))
	}
	return rec
}

func decode[T any](rec fakeapi.Record) T {
	var v T
	raw, _ := json.Marshal(rec)
	if err := json.Unmarshal(raw, &v); err != nil {
		panic(fmt.Sprintf("leveltest: decoding %T: %v", v, err))
	}
	return v
}

// SeedGroup stores a group (an ID is made when it has none) and returns it
// as the API shows it. ParentID "" makes a root group.
func (s *Server) SeedGroup(g level.Group) level.Group {
	if g.ID == "" {
		g.ID = s.gid("Group")
	}
	rec := mustNormalize(level.Group{ID: g.ID, Name: g.Name, ParentID: g.ParentID})
	if g.ParentID == "" {
		rec["parent_id"] = nil
	}
	s.groups.Insert(rec)
	out, _ := s.group(g.ID, false)
	return decode[level.Group](out)
}

// SeedDevice stores a device (an ID is made when it has none) and returns
// it with every nested object.
func (s *Server) SeedDevice(d level.Device) level.Device {
	if d.ID == "" {
		d.ID = s.gid("Device")
	}
	rec := mustNormalize(d)
	if d.GroupID == "" {
		rec["group_id"] = nil
	}
	if d.Nickname == "" {
		rec["nickname"] = nil
	}
	if rec["tags"] == nil {
		rec["tags"] = []any{}
	}
	s.devices.Insert(rec)
	return decode[level.Device](rec)
}

// MoveDevice puts a device in another group ("" = ungrouped).
func (s *Server) MoveDevice(id, groupID string) bool {
	return s.devices.Update(id, func(r fakeapi.Record) {
		if groupID == "" {
			r["group_id"] = nil
		} else {
			r["group_id"] = groupID
		}
	})
}

// DeleteDevice removes a device.
func (s *Server) DeleteDevice(id string) bool { return s.devices.Delete(id) }

// SeedAlert stores an alert (an ID is made when it has none; StartedAt
// defaults to now) and returns it. DeviceHostname is filled from the
// device when empty.
func (s *Server) SeedAlert(a level.Alert) level.Alert {
	if a.ID == "" {
		a.ID = s.gid("Alert")
	}
	if a.StartedAt == nil {
		t := s.clock().UTC().Truncate(time.Second)
		a.StartedAt = &t
	}
	if a.DeviceHostname == "" {
		if d, ok := s.devices.Get(a.DeviceID); ok {
			a.DeviceHostname = fakeapi.Str(d["hostname"])
		}
	}
	rec := mustNormalize(a)
	rec["is_resolved"] = a.IsResolved
	if a.ResolvedAt == nil {
		rec["resolved_at"] = nil
	}
	if a.Payload == nil {
		rec["payload"] = nil
	}
	s.alerts.Insert(rec)
	return decode[level.Alert](rec)
}

// Alert returns an alert as stored.
func (s *Server) Alert(id string) (level.Alert, bool) {
	rec, ok := s.alerts.Get(id)
	if !ok {
		return level.Alert{}, false
	}
	return decode[level.Alert](rec), true
}

// SeedCustomField stores a custom field definition and returns it.
func (s *Server) SeedCustomField(f level.CustomField) level.CustomField {
	if f.ID == "" {
		f.ID = s.gid("CustomField")
	}
	if f.Reference == "" {
		f.Reference = "cf_" + f.Name
	}
	rec := mustNormalize(f)
	rec["admin_only"] = f.AdminOnly
	s.fields.Insert(rec)
	return f
}

// SetValue stores a custom field value on a device, a group or (assignedTo
// "") the account.
func (s *Server) SetValue(fieldID, assignedTo string, v any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.values[assignedTo]
	if m == nil {
		m = map[string]any{}
		s.values[assignedTo] = m
	}
	m[fieldID] = v
}

// Value returns a stored custom field value.
func (s *Server) Value(fieldID, assignedTo string) (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.values[assignedTo][fieldID]
	return v, ok
}

// SeedTag stores a tag and returns it.
func (s *Server) SeedTag(t level.Tag) level.Tag {
	if t.ID == "" {
		t.ID = s.gid("Tag")
	}
	s.tags.Insert(mustNormalize(t))
	return t
}

// Groups returns every stored group as the API shows it.
func (s *Server) Groups() []level.Group {
	var out []level.Group
	for _, r := range s.groups.List(nil) {
		g, _ := s.group(fakeapi.Str(r["id"]), false)
		out = append(out, decode[level.Group](g))
	}
	return out
}
