package httpx

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"github.com/mspsync/mspsync"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy is mspsync.RetryPolicy.
type RetryPolicy = mspsync.RetryPolicy

// policy is a RetryPolicy with the engine's methods.
type policy mspsync.RetryPolicy

// connectMinWait is the first wait after a failed connection.
const connectMinWait = 100 * time.Millisecond

// DefaultRetryPolicy returns the policy used when a client sets none.
func DefaultRetryPolicy() RetryPolicy { return mspsync.DefaultRetryPolicy() }

func (p policy) withDefaults() policy {
	d := DefaultRetryPolicy()
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = d.MaxAttempts
	}
	if p.MinWait <= 0 {
		p.MinWait = d.MinWait
	}
	if p.MaxWait <= 0 {
		p.MaxWait = d.MaxWait
	}
	if p.MaxWait < p.MinWait {
		p.MaxWait = p.MinWait
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = d.MaxRetryAfter
	}
	if p.MaxConnectWait <= 0 {
		p.MaxConnectWait = d.MaxConnectWait
	}
	return p
}

// connectBackoff returns the wait before retry number n after a failed
// connection: full jitter in [0, min(MaxConnectWait, b·2ⁿ)], b being
// 100ms or MinWait if that is smaller.
func (p policy) connectBackoff(n int) time.Duration {
	base := min(p.MinWait, connectMinWait)
	ceil := p.MaxConnectWait
	if n < 32 {
		if d := base << n; d > 0 && d < ceil {
			ceil = d
		}
	}
	return rand.N(ceil + 1)
}

// connectFailure reports whether err says a connection could not be
// opened: a failed dial or DNS lookup, or a failed TLS handshake.
func connectFailure(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	var rh tls.RecordHeaderError
	var alert tls.AlertError
	if errors.As(err, &dns) || errors.As(err, &rh) || errors.As(err, &alert) {
		return true
	}
	// net/http replaces the record-header error of an https request to a
	// plain HTTP server by this text: no TLS connection was opened.
	msg := err.Error()
	return strings.Contains(msg, "TLS handshake") || strings.Contains(msg, "HTTP response to HTTPS client")
}

// backoff returns the wait before retry number n (0 for the first retry):
// full jitter, uniformly random in [0, min(MaxWait, MinWait·2ⁿ)].
func (p policy) backoff(n int) time.Duration {
	ceil := p.MaxWait
	if n < 32 {
		if d := p.MinWait << n; d > 0 && d < ceil {
			ceil = d
		}
	}
	return rand.N(ceil + 1)
}

// ParseRetryAfter reads a Retry-After header value, either delta-seconds or
// an HTTP date, relative to now. It returns 0 when the value is absent,
// malformed or in the past.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs <= 0 || secs > 1e7 {
			return 0
		}
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d.Round(time.Second)
		}
	}
	return 0
}

// Replay says whether a request may be sent again after it may have reached
// the server.
type Replay int

const (
	// ReplayByMethod treats GET, HEAD, PUT, DELETE and OPTIONS as safe to
	// replay and everything else as unsafe.
	ReplayByMethod Replay = iota
	// ReplaySafe marks a write as idempotent (Halo's POST of an existing id).
	ReplaySafe
	// ReplayUnsafe marks a request as never to be replayed once it may have
	// been sent (Datto's PUT that creates a site).
	ReplayUnsafe
)

func (r Replay) safe(method string) bool {
	switch r {
	case ReplaySafe:
		return true
	case ReplayUnsafe:
		return false
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// retryableTransportError reports whether a transport error is worth another
// try at all: certificate problems and redirect loops are not.
func retryableTransportError(err error) bool {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var uae x509.UnknownAuthorityError
	var cie x509.CertificateInvalidError
	var hne x509.HostnameError
	var re *RedirectError
	var cve *tls.CertificateVerificationError
	if errors.As(err, &uae) || errors.As(err, &cie) || errors.As(err, &hne) || errors.As(err, &re) || errors.As(err, &cve) {
		return false
	}
	if err != nil && strings.Contains(err.Error(), "stopped after") && strings.Contains(err.Error(), "redirects") {
		return false
	}
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// retryStatus reports whether a response status may be retried for a
// request whose replay safety is safe.
func retryStatus(status int, safe bool) bool {
	switch status {
	case http.StatusTooManyRequests:
		return true // refused before processing: any method
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return safe
	}
	return false
}
