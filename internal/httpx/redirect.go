package httpx

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// maxRedirects is how many same-origin redirects a request follows (the
// standard library's default).
const maxRedirects = 10

// Origin returns u's origin as "scheme://host:port" in lower case, with the
// scheme's default port made explicit, so that two spellings of one origin
// compare equal.
func Origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if port == "" {
		switch scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// SameOrigin reports whether a and b have the same scheme, host and port.
func SameOrigin(a, b *url.URL) bool { return Origin(a) == Origin(b) }

// checkCredentialedRedirect returns a *RedirectError when following a
// redirect from the original request first to req would move credentials:
// to another origin or from https to http.
func checkCredentialedRedirect(req *http.Request, first *http.Request) error {
	re := &RedirectError{From: sanitize(first.URL), To: sanitize(req.URL)}
	if req.Response != nil {
		re.Status = req.Response.StatusCode
	}
	switch {
	case strings.EqualFold(first.URL.Scheme, "https") && !strings.EqualFold(req.URL.Scheme, "https"):
		re.Reason, re.Foreign = "it downgrades https to http", true
	case !SameOrigin(first.URL, req.URL):
		re.Reason, re.Foreign = "it leaves the origin", true
	default:
		return nil
	}
	return re
}

// credentialsKey marks a request's context when the request carries
// credentials (set by the engine before sending).
type credentialsKey struct{}

func withCredentials(ctx context.Context) context.Context {
	return context.WithValue(ctx, credentialsKey{}, true)
}

func carriesCredentials(ctx context.Context) bool {
	v, _ := ctx.Value(credentialsKey{}).(bool)
	return v
}

// engineRedirectPolicy is the CheckRedirect of the engine's client: a
// request that carries credentials follows redirects only on its own origin
// and never from https to http; every request stops after 10 redirects.
// prev, the caller's own policy, runs after these checks.
func engineRedirectPolicy(prev func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		if carriesCredentials(via[0].Context()) {
			if err := checkCredentialedRedirect(req, via[0]); err != nil {
				return err
			}
		}
		if prev != nil {
			return prev(req, via)
		}
		return nil
	}
}

// noRedirects is the CheckRedirect of token clients: a token request
// carries the client secret (form or Basic) and follows no redirect.
func noRedirects(req *http.Request, via []*http.Request) error {
	re := &RedirectError{From: sanitize(via[0].URL), To: sanitize(req.URL), Reason: "token requests follow no redirect"}
	if req.Response != nil {
		re.Status = req.Response.StatusCode
	}
	re.Foreign = !SameOrigin(via[0].URL, req.URL)
	return re
}

// withRedirectPolicy returns a shallow copy of hc (sharing its transport)
// whose CheckRedirect is policy(hc.CheckRedirect).
func withRedirectPolicy(hc *http.Client, policy func(prev func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error) *http.Client {
	c := *hc
	c.CheckRedirect = policy(hc.CheckRedirect)
	return &c
}

// requestCarriesCredentials reports whether a request the engine is about
// to send holds a credential of its own: a secret-named header, a form body
// with a secret field, or URL userinfo.
func requestCarriesCredentials(r Request, u *url.URL) bool {
	if u.User != nil {
		return true
	}
	for k := range r.Header {
		if IsSecretName(k) || strings.EqualFold(k, "Cookie") {
			return true
		}
	}
	if form, ok := r.Body.(url.Values); ok {
		for k := range form {
			if IsSecretName(k) {
				return true
			}
		}
	}
	return false
}
