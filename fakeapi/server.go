package fakeapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrorWriter writes a vendor-shaped error response.
type ErrorWriter func(w http.ResponseWriter, status int, message string)

// Server is an httptest server with a route table, request log and faults.
// It is safe for concurrent use.
type Server struct {
	srv      *httptest.Server
	prefix   string
	mux      *http.ServeMux
	writeErr ErrorWriter

	mu     sync.Mutex
	log    []Request
	faults []*Fault
}

// Request is one logged request, as the fake received it.
type Request struct {
	Method   string
	Path     string // relative to the server's prefix, starting with "/"
	RawQuery string
	Query    url.Values
	Header   http.Header
	Body     []byte
	Time     time.Time
}

// Fault is an injected failure. Faults are matched in the order they were
// injected; a matching fault is used Times times and then discarded.
type Fault struct {
	Method     string        // "" matches any method
	Path       string        // path prefix relative to the server prefix; "" matches any
	Times      int           // how many matching requests it affects (default 1)
	Status     int           // respond with this status and the vendor's error body
	Message    string        // message of that error body (default: the status text)
	RetryAfter string        // Retry-After header sent with Status
	Delay      time.Duration // wait this long before answering (slow response)
	Truncate   bool          // serve the real response with its body cut in half
	Drop       bool          // close the connection without answering
	Applied    bool          // with Status: serve the request first (a write takes effect), then answer Status
}

// New returns a started server whose routes live under prefix ("/halo" →
// requests to "/halo/api/..."). Requests outside prefix get 404 from the
// fallback. writeErr renders the vendor's error shape (nil: plain text).
func New(prefix string, writeErr ErrorWriter) *Server {
	prefix = "/" + strings.Trim(prefix, "/")
	if prefix == "/" {
		prefix = ""
	}
	if writeErr == nil {
		writeErr = func(w http.ResponseWriter, status int, msg string) { http.Error(w, msg, status) }
	}
	s := &Server{prefix: prefix, mux: http.NewServeMux(), writeErr: writeErr}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL returns the server's base URL including its prefix, without a
// trailing slash.
func (s *Server) URL() string { return s.srv.URL + s.prefix }

// HostURL returns scheme and host only.
func (s *Server) HostURL() string { return s.srv.URL }

// Client returns an *http.Client that talks to the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Handle registers h for pattern, a net/http ServeMux pattern whose path is
// relative to the prefix ("GET /api/Asset/{id}"). Path matching is
// case-insensitive only if the vendor's routes are; callers register the
// casing they want.
func (s *Server) Handle(pattern string, h http.HandlerFunc) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "", pattern
	}
	full := s.prefix + path
	if method != "" {
		full = method + " " + full
	}
	s.mux.HandleFunc(full, h)
}

// Error writes the vendor's error shape.
func (s *Server) Error(w http.ResponseWriter, status int, msg string) { s.writeErr(w, status, msg) }

// Inject queues a fault.
func (s *Server) Inject(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	s.faults = append(s.faults, &f)
	s.mu.Unlock()
}

// ClearFaults drops every queued fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// Requests returns a copy of the request log.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// ResetRequests empties the request log.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	s.log = nil
	s.mu.Unlock()
}

// Count returns how many logged requests had the method ("" any) and a path
// starting with pathPrefix (case-insensitive).
func (s *Server) Count(method, pathPrefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.log {
		if (method == "" || r.Method == method) && strings.HasPrefix(strings.ToLower(r.Path), strings.ToLower(pathPrefix)) {
			n++
		}
	}
	return n
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	rel := strings.TrimPrefix(r.URL.Path, s.prefix)
	if s.prefix != "" && (!strings.HasPrefix(r.URL.Path, s.prefix+"/") || rel == r.URL.Path) {
		s.writeErr(w, http.StatusNotFound, "request outside "+s.prefix+"/: "+r.URL.Path)
		return
	}
	s.mu.Lock()
	s.log = append(s.log, Request{
		Method: r.Method, Path: rel, RawQuery: r.URL.RawQuery, Query: r.URL.Query(),
		Header: r.Header.Clone(), Body: body, Time: time.Now(),
	})
	f := s.takeFault(r.Method, rel)
	s.mu.Unlock()

	if f != nil {
		if f.Delay > 0 {
			select {
			case <-time.After(f.Delay):
			case <-r.Context().Done():
				return
			}
		}
		switch {
		case f.Drop:
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
			panic(http.ErrAbortHandler)
		case f.Status != 0:
			if f.Applied {
				s.mux.ServeHTTP(httptest.NewRecorder(), r)
			}
			if f.RetryAfter != "" {
				w.Header().Set("Retry-After", f.RetryAfter)
			}
			msg := f.Message
			if msg == "" {
				msg = http.StatusText(f.Status)
			}
			s.writeErr(w, f.Status, msg)
			return
		case f.Truncate:
			rec := httptest.NewRecorder()
			s.mux.ServeHTTP(rec, r)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			b := rec.Body.Bytes()
			w.Header().Set("Content-Length", strconv.Itoa(len(b)/2))
			w.WriteHeader(rec.Code)
			w.Write(b[:len(b)/2])
			return
		}
	}
	s.mux.ServeHTTP(w, r)
}

// takeFault pops the first matching fault; s.mu is held.
func (s *Server) takeFault(method, path string) *Fault {
	for i, f := range s.faults {
		if f.Method != "" && f.Method != method {
			continue
		}
		if f.Path != "" && !strings.HasPrefix(strings.ToLower(path), strings.ToLower(f.Path)) {
			continue
		}
		f.Times--
		if f.Times <= 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		c := *f
		return &c
	}
	return nil
}

// WriteJSON writes v as JSON with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// DecodeJSON decodes a request body, keeping numbers as json.Number.
func DecodeJSON(body io.Reader, v any) error {
	dec := json.NewDecoder(body)
	dec.UseNumber()
	return dec.Decode(v)
}

// BearerToken returns the token of an "Authorization: Bearer" header, or "".
func BearerToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}
