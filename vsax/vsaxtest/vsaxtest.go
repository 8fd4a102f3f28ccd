// Package vsaxtest is an in-memory Kaseya VSA X for tests and demos: an
// httptest server that speaks the Pulseway v3 API under /api/v3 the way
// VSA X does, so code written against package vsax runs unchanged against
// it.
//
// It reproduces what matters to a client: HTTP Basic token auth (401 in
// the error envelope otherwise), the {Data, Meta} envelope with
// Meta.TotalCount, $top (refused above 100) and $skip, the $filter subset
// the client and drivers use ("Field eq value" joined by "and"), error
// envelopes with Meta.ErrorMessage, 429 and other faults via Inject,
// organizations → sites → groups → devices, assets (the rich record),
// notifications (list, detail, delete), notification webhooks (create,
// get, list, update, delete, regenerate secret; SecretKey shown only on
// create and regenerate) with request bodies checked against the
// documented shape, custom fields, and Deliver,
// which posts a signed notification to a receiver.
//
//	srv := vsaxtest.NewServer(t)
//	c, _ := srv.NewClient()
//	org := srv.SeedOrganization("Contoso")
package vsaxtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/mspsync/mspsync/fakeapi"
	"github.com/mspsync/mspsync/vsax"
)

// Credentials the server accepts unless told otherwise.
const (
	DefaultTokenID     = "vsaxtest-token-id"
	DefaultTokenSecret = "vsaxtest-token-secret"
)

// Server is a fake VSA X instance. It is safe for concurrent use.
type Server struct {
	*fakeapi.Server

	TokenID, TokenSecret string

	orgs, sites, groups, devices, assets, notifications, webhooks, fields *fakeapi.Table

	mu       sync.Mutex
	cfValues map[string][]fakeapi.Record // "devices/<id>" → custom field values, under mu
}

// Fault is an injected failure (Server.Inject): a status with VSA X's
// error envelope, a 429 with or without Retry-After, a slow answer, a
// truncated body or a dropped connection. Paths are relative to the
// server URL, e.g. "/api/v3/devices".
type Fault = fakeapi.Fault

// Request is one request as the server received it.
type Request = fakeapi.Request

// Option configures a Server.
type Option func(*Server)

// WithCredentials sets the token ID and secret the server accepts.
func WithCredentials(id, secret string) Option {
	return func(s *Server) { s.TokenID, s.TokenSecret = id, secret }
}

// New starts a server. Close it when done (NewServer does that for tests).
func New(opts ...Option) *Server {
	s := &Server{
		TokenID: DefaultTokenID, TokenSecret: DefaultTokenSecret,
		orgs: fakeapi.NewTable("Id"), sites: fakeapi.NewTable("Id"), groups: fakeapi.NewTable("Id"),
		devices: fakeapi.NewTable("Identifier"), assets: fakeapi.NewTable("Identifier"),
		notifications: fakeapi.NewTable("Id"), webhooks: fakeapi.NewTable("Id"), fields: fakeapi.NewTable("Id"),
	}
	s.Server = fakeapi.New("/", writeError)
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

// ClientOptions returns the options that point a vsax.Client at this
// server: its token, no client-side rate limit and quick retries.
func (s *Server) ClientOptions() []vsax.Option {
	return []vsax.Option{
		vsax.WithTokenAuth(s.TokenID, s.TokenSecret),
		vsax.WithHTTPClient(s.Client()),
		vsax.WithRateLimit(rate.NewLimiter(rate.Inf, 0)),
		vsax.WithRetryPolicy(vsax.RetryPolicy{MaxAttempts: 4, MinWait: time.Millisecond, MaxWait: 10 * time.Millisecond, MaxRetryAfter: 2 * time.Second}),
	}
}

// NewClient returns a vsax.Client for this server (given its bare host,
// as users paste it); opts are applied after ClientOptions.
func (s *Server) NewClient(opts ...vsax.Option) (*vsax.Client, error) {
	return vsax.NewClient(s.URL(), append(s.ClientOptions(), opts...)...)
}

// writeError renders {"Data": null, "Meta": {"ResponseCode", "ErrorMessage"}}.
func writeError(w http.ResponseWriter, status int, msg string) {
	fakeapi.WriteJSON(w, status, map[string]any{"Data": nil, "Meta": map[string]any{"ResponseCode": status, "ErrorMessage": msg}})
}

func writeData(w http.ResponseWriter, data any) {
	fakeapi.WriteJSON(w, http.StatusOK, map[string]any{"Data": data, "Meta": map[string]any{"ResponseCode": 200}})
}

func (s *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(s.TokenID+":"+s.TokenSecret))
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != want {
			writeError(w, http.StatusUnauthorized, "Request Failed")
			return
		}
		h(w, r)
	}
}

// guids numbers the Identifiers of every server of the process, so two
// fakes (two VSA X instances) never hand out the same one.
var guids atomic.Int64

func (s *Server) nextGUID() string {
	n := guids.Add(1)
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", n, n)
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
		panic(err)
	}
	return v
}

// SeedOrganization adds an organization.
func (s *Server) SeedOrganization(name string) vsax.Organization {
	return decode[vsax.Organization](s.orgs.Insert(fakeapi.Record{"Name": name, "HasCustomFields": false, "PsaMappingId": nil, "PsaMappingType": nil}))
}

// SeedSite adds a site under an organization.
func (s *Server) SeedSite(orgID int64, name string) vsax.Site {
	org, _ := s.orgs.Get(strconv.FormatInt(orgID, 10))
	return decode[vsax.Site](s.sites.Insert(fakeapi.Record{"Name": name, "ParentId": orgID, "ParentName": org["Name"],
		"HasCustomFields": false, "PsaMappingId": nil, "PsaIntegrationType": nil}))
}

// SeedGroup adds a group under a site.
func (s *Server) SeedGroup(siteID int64, name string) vsax.Group {
	site, _ := s.sites.Get(strconv.FormatInt(siteID, 10))
	return decode[vsax.Group](s.groups.Insert(fakeapi.Record{"Name": name, "ParentSiteId": siteID, "ParentSiteName": site["Name"],
		"ParentOrganizationId": site["ParentId"], "ParentOrganizationName": site["ParentName"], "Notes": "", "HasCustomFields": false}))
}

// SeedDevice adds a device to a group, with its hierarchy filled in and
// an Identifier assigned when d has none. It also stores the device's
// asset record (a, which may be nil for a bare one).
func (s *Server) SeedDevice(groupID int64, d vsax.Device, a *vsax.Asset) vsax.Device {
	g, _ := s.groups.Get(strconv.FormatInt(groupID, 10))
	if d.Identifier == "" {
		d.Identifier = s.nextGUID()
	}
	rec := must(fakeapi.Normalize(d))
	rec["GroupId"], rec["GroupName"] = groupID, g["Name"]
	rec["SiteId"], rec["SiteName"] = g["ParentSiteId"], g["ParentSiteName"]
	rec["OrganizationId"], rec["OrganizationName"] = g["ParentOrganizationId"], g["ParentOrganizationName"]
	stored := decode[vsax.Device](s.devices.Insert(rec))
	if a == nil {
		a = &vsax.Asset{}
	}
	cp := *a
	cp.Identifier, cp.Name = stored.Identifier, stored.Name
	ar := must(fakeapi.Normalize(cp))
	ar["GroupName"], ar["SiteId"] = g["Name"], g["ParentSiteId"]
	s.assets.Insert(ar)
	return stored
}

// RemoveDevice deletes a device and its asset record.
func (s *Server) RemoveDevice(identifier string) {
	s.devices.Delete(identifier)
	s.assets.Delete(identifier)
}

// SeedNotification adds a notification for a device.
func (s *Server) SeedNotification(deviceID, message string, p vsax.Priority, at time.Time) vsax.Notification {
	rec := s.notifications.Insert(fakeapi.Record{"Message": message, "DateTime": at.UTC().Format(time.RFC3339),
		"Priority": strings.ToLower(string(p)), "ComputerIdentifier": deviceID, "Read": false})
	return decode[vsax.Notification](rec)
}

// SeedCustomField adds a custom field definition.
func (s *Server) SeedCustomField(name, typ string) vsax.CustomField {
	return decode[vsax.CustomField](s.fields.Insert(fakeapi.Record{"Name": name, "Type": typ}))
}

// SetCustomField sets a custom field's value on a device (defining the
// field when it is new) and marks the device HasCustomFields, as VSA X
// shows it.
func (s *Server) SetCustomField(identifier, name, value, typ string) {
	var def fakeapi.Record
	for _, r := range s.fields.List(func(r fakeapi.Record) bool { return fakeapi.Str(r["Name"]) == name }) {
		def = r
	}
	if def == nil {
		def = s.fields.Insert(fakeapi.Record{"Name": name, "Type": typ})
	}
	s.devices.Update(identifier, func(r fakeapi.Record) { r["HasCustomFields"] = true })
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfValues == nil {
		s.cfValues = map[string][]fakeapi.Record{}
	}
	key := "devices/" + strings.ToLower(identifier)
	vals := s.cfValues[key]
	for i, v := range vals {
		if v["Name"] == name {
			vals = append(vals[:i], vals[i+1:]...)
			break
		}
	}
	s.cfValues[key] = append(vals, fakeapi.Record{"Id": def["Id"], "Name": name, "Value": value, "Type": typ})
}

func (s *Server) customFieldValues(key string) []fakeapi.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]fakeapi.Record{}, s.cfValues[strings.ToLower(key)]...)
}

// Webhooks returns the registered webhooks with their secrets (what VSA
// X keeps; its API never shows them again).
func (s *Server) Webhooks() []vsax.Webhook {
	var out []vsax.Webhook
	for _, r := range s.webhooks.List(nil) {
		out = append(out, decode[vsax.Webhook](r))
	}
	return out
}

// Deliver posts a notification to url the way VSA X does: the JSON
// payload signed with secret in x-hmac-signature. It returns the status.
func Deliver(ctx context.Context, hc *http.Client, url, secret string, p vsax.WebhookPayload) (int, error) {
	body, err := json.Marshal(p)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(vsax.SignatureHeader, vsax.Sign(secret, body))
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// DeliverAll posts a signed notification to every registered webhook
// whose priorities and organizations match, as VSA X does when a device
// raises one. It returns how many deliveries answered 2xx.
func (s *Server) DeliverAll(ctx context.Context, hc *http.Client, p vsax.WebhookPayload) (int, error) {
	ok := 0
	for _, wh := range s.Webhooks() {
		match := len(wh.Priorities) == 0
		for _, pr := range wh.Priorities {
			if strings.EqualFold(string(pr), string(p.Priority)) {
				match = true
			}
		}
		if len(wh.OrganizationIDs) > 0 {
			in := false
			for _, o := range wh.OrganizationIDs {
				in = in || o == p.OrganizationID
			}
			match = match && in
		}
		if !match {
			continue
		}
		st, err := Deliver(ctx, hc, wh.URL, wh.SecretKey, p)
		if err != nil {
			return ok, err
		}
		if st/100 == 2 {
			ok++
		}
	}
	return ok, nil
}

func newSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}
