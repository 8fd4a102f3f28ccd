// Package receiver serves alert intakes (webhook handlers such as
// dattormmdriver.WebhookHandler) over HTTP with limits that keep slow and
// hostile clients from holding the process:
//
//   - ReadHeaderTimeout, ReadTimeout (headers and body), WriteTimeout and
//     IdleTimeout on the http.Server, and MaxHeaderBytes;
//   - a body cap (413 beyond it, refused unread when Content-Length says so);
//   - a cap on open connections (LimitListener; further connections wait in
//     the kernel's accept queue until one closes);
//   - a cap on requests being handled at once (503 with Retry-After beyond
//     it). The body is read, within the read timeout and the body cap,
//     before a request takes its place, so clients that send slowly cannot
//     occupy the places of those that deliver.
//
// Use Serve, or NewServer with LimitListener when you run the server
// yourself. Limits' zero fields take the defaults of DefaultLimits.
//
// Alerts that arrive by e-mail reach a MailHandler (such as
// dattormmdriver.MailIntake) through MailEndpoint, an http.Handler for
// mail forwarding services that requires the user's secret, or Maildir, a
// watcher of a local Maildir that handles every message once.
//
// For operators: RequestLogHandler serves an engine's request log as JSON
// and as an HTML table, Healthz answers while the process serves, Ready
// runs named readiness checks with a timeout, and Intake names the channel
// of a handler's deliveries in the request log.
package receiver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Limits bounds what one client can make the receiver hold. A zero field
// takes its default (DefaultLimits).
type Limits struct {
	// ReadHeaderTimeout bounds reading a request's headers (default 5s).
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, headers and body
	// (default 15s). A client that dribbles its body is cut off then.
	ReadTimeout time.Duration
	// WriteTimeout bounds the time from the end of the request headers to
	// the end of the response (default 30s).
	WriteTimeout time.Duration
	// IdleTimeout closes keep-alive connections idle this long (default 60s).
	IdleTimeout time.Duration
	// MaxHeaderBytes caps the request line and headers (default 16 KiB).
	MaxHeaderBytes int
	// MaxBodyBytes caps a request body (default 256 KiB); larger bodies are
	// answered 413.
	MaxBodyBytes int64
	// MaxInFlight caps the requests handled at once, once their bodies are
	// read (default 64); beyond it the answer is 503 with Retry-After.
	MaxInFlight int
	// MaxConns caps open connections, idle, slow or active (default 1024;
	// Serve and LimitListener).
	MaxConns int
	// ShutdownTimeout bounds the graceful shutdown of Serve (default 5s).
	ShutdownTimeout time.Duration
}

// DefaultLimits returns the limits used for zero fields: generous for a
// vendor's webhook deliveries (small JSON bodies, answered in
// milliseconds), tight for anything else.
func DefaultLimits() Limits {
	return Limits{
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		MaxBodyBytes:      256 << 10,
		MaxInFlight:       64,
		MaxConns:          1024,
		ShutdownTimeout:   5 * time.Second,
	}
}

// withDefaults fills l's zero (or negative) fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	setD := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	setD(&l.ReadHeaderTimeout, d.ReadHeaderTimeout)
	setD(&l.ReadTimeout, d.ReadTimeout)
	setD(&l.WriteTimeout, d.WriteTimeout)
	setD(&l.IdleTimeout, d.IdleTimeout)
	setD(&l.ShutdownTimeout, d.ShutdownTimeout)
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = d.MaxHeaderBytes
	}
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = d.MaxBodyBytes
	}
	if l.MaxInFlight <= 0 {
		l.MaxInFlight = d.MaxInFlight
	}
	if l.MaxConns <= 0 {
		l.MaxConns = d.MaxConns
	}
	return l
}

// Handler wraps h with the body cap and the in-flight cap of l: it reads
// the body (at most MaxBodyBytes; 413 beyond it, 408 when the read fails or
// times out), then takes one of MaxInFlight places (503 with Retry-After: 1
// when none is free) and calls h with the body in memory.
func Handler(h http.Handler, l Limits) http.Handler {
	l = l.withDefaults()
	sem := make(chan struct{}, l.MaxInFlight)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > l.MaxBodyBytes {
			w.Header().Set("Connection", "close")
			http.Error(w, fmt.Sprintf("body larger than %d bytes", l.MaxBodyBytes), http.StatusRequestEntityTooLarge)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, l.MaxBodyBytes))
		if err != nil {
			w.Header().Set("Connection", "close")
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				http.Error(w, fmt.Sprintf("body larger than %d bytes", l.MaxBodyBytes), http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "reading the request body failed or timed out", http.StatusRequestTimeout)
			return
		}
		select {
		case sem <- struct{}{}:
			defer func() { <-sem }()
		default:
			w.Header().Set("Retry-After", "1")
			http.Error(w, "busy: "+strconv.Itoa(l.MaxInFlight)+" requests in flight; retry", http.StatusServiceUnavailable)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		h.ServeHTTP(w, r)
	})
}

// NewServer returns an http.Server that serves h wrapped in Handler, with
// l's timeouts and header cap. Serve it on a LimitListener to cap
// connections too (Serve does).
func NewServer(h http.Handler, l Limits) *http.Server {
	l = l.withDefaults()
	return &http.Server{
		Handler:           Handler(h, l),
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
	}
}

// Serve serves h on ln with l's limits until ctx ends, then shuts the
// server down gracefully (within ShutdownTimeout, then closes what is
// left) and returns nil. It returns the server's error if serving fails.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, l Limits) error {
	l = l.withDefaults()
	srv := NewServer(h, l)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(LimitListener(ln, l.MaxConns)) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil {
		srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// LimitListener returns a listener that keeps at most n connections from
// ln open: Accept waits while n are open, leaving further clients in the
// kernel's accept queue. n < 1 means DefaultLimits().MaxConns.
func LimitListener(ln net.Listener, n int) net.Listener {
	if n < 1 {
		n = DefaultLimits().MaxConns
	}
	return &limitListener{Listener: ln, sem: make(chan struct{}, n), done: make(chan struct{})}
}

type limitListener struct {
	net.Listener
	sem       chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.sem }}, nil
}

func (l *limitListener) Close() error {
	err := l.Listener.Close()
	l.closeOnce.Do(func() { close(l.done) })
	return err
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
