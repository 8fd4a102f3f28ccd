package httpx

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// countingBody is an endless error body that counts what was read of it.
type countingBody struct{ n int64 }

func (b *countingBody) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	b.n += int64(len(p))
	return len(p), nil
}

func (b *countingBody) Close() error { return nil }

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestErrorBodyIsReadOnlyUpTo64KiB(t *testing.T) {
	t.Parallel()
	body := &countingBody{}
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusInternalServerError, Header: http.Header{}, Body: body, ContentLength: 64 << 20, Request: r}, nil
	})}
	e := newEngine(t, "https://h.example/api", func(c *Config) { c.HTTPClient = hc })
	_, err := e.Do(t.Context(), Request{Path: "x"}, nil)
	var he *Error
	if !errors.As(err, &he) || he.StatusCode != 500 {
		t.Fatalf("err = %v", err)
	}
	if MaxErrorBody != 64<<10 || len(he.Body) > MaxErrorBody {
		t.Errorf("kept %d bytes of the error body, MaxErrorBody = %d", len(he.Body), MaxErrorBody)
	}
	if body.n > MaxErrorBody+32<<10 {
		t.Errorf("read %d bytes of an error body, want about %d", body.n, MaxErrorBody)
	}
}

// closedPort returns 127.0.0.1:<port> with nothing listening.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestRefusedConnectionErrorNamesHostAndCause(t *testing.T) {
	t.Parallel()
	addr := closedPort(t)
	quickDial := RetryPolicy{MaxAttempts: 2, MinWait: time.Millisecond, MaxWait: time.Millisecond}
	for _, tc := range []struct {
		name string
		auth Authenticator
		req  Request
	}{
		{"resource request", BearerToken("bt-SECRET"), Request{Path: "x", Query: url.Values{"api_key": {"ak-SECRET"}}}},
		{"client credentials", ClientCredentials(TokenAuthConfig{Vendor: "test", TokenURL: "http://" + addr + "/auth/token?client_secret=q-SECRET"}, "id", "cs-SECRET", nil, nil), Request{Path: "x"}},
		{"password grant", PasswordGrant(TokenAuthConfig{Vendor: "test", TokenURL: "http://" + addr + "/auth/oauth/token"}, "public-client", "public", "key-SECRET", "pw-SECRET"), Request{Path: "x"}},
	} {
		e := newEngine(t, "http://"+addr+"/api", func(c *Config) { c.Auth = tc.auth; c.Retry = quickDial })
		_, err := e.Do(context.Background(), tc.req, nil)
		if err == nil {
			t.Fatalf("%s: no error from a closed port", tc.name)
		}
		msg := err.Error()
		if !strings.Contains(msg, addr) || !strings.Contains(msg, "connection refused") {
			t.Errorf("%s: error hides host or cause: %s", tc.name, msg)
		}
		if strings.Contains(msg, "SECRET") {
			t.Errorf("%s: secret in error: %s", tc.name, msg)
		}
		var op *net.OpError
		if !errors.As(err, &op) {
			t.Errorf("%s: *net.OpError not reachable: %#v", tc.name, err)
		}
	}
}
