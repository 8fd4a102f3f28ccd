package httpx

import (
	"net/url"
	"strings"
)

// secretNames are query parameter, form field and header names (lower-cased,
// without '-', '_' and '.') whose values are credentials; secretSuffixes
// catch the rest ("client_secret", "X-Api-Key", "refresh_token", ...).
var (
	secretNames = map[string]bool{
		"key": true, "code": true, "sig": true, "signature": true, "auth": true,
		"authorization": true, "pwd": true, "passwd": true, "credential": true,
		"credentials": true, "sessionid": true, "state": true,
	}
	secretSuffixes = []string{"token", "secret", "password", "apikey"}
	nameFolder     = strings.NewReplacer("-", "", "_", "", ".", "")
)

// IsSecretName reports whether a query parameter, form field or header of
// that name carries a credential.
func IsSecretName(name string) bool {
	n := nameFolder.Replace(strings.ToLower(name))
	if secretNames[n] {
		return true
	}
	for _, s := range secretSuffixes {
		if strings.HasSuffix(n, s) {
			return true
		}
	}
	return false
}

// Redacted replaces a secret value in URLs and logs.
const Redacted = "REDACTED"

// SanitizeURL returns u as a string with any userinfo password and the values
// of secret query parameters replaced by REDACTED. It never fails: an
// unparseable input is returned with everything after '?' dropped.
func SanitizeURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if i := strings.IndexByte(raw, '?'); i >= 0 {
			raw = raw[:i]
		}
		if i := strings.Index(raw, "@"); i >= 0 {
			if j := strings.Index(raw, "://"); j >= 0 && j < i {
				raw = raw[:j+3] + Redacted + raw[i:]
			}
		}
		return raw
	}
	return sanitize(u)
}

func sanitize(u *url.URL) string {
	c := *u
	if c.User != nil {
		if _, has := c.User.Password(); has {
			c.User = url.UserPassword(c.User.Username(), Redacted)
		} else {
			c.User = url.User(Redacted)
		}
	}
	if c.RawQuery != "" {
		q, err := url.ParseQuery(c.RawQuery)
		if err != nil {
			c.RawQuery = Redacted
		} else {
			changed := false
			for k, vs := range q {
				if IsSecretName(k) {
					for i := range vs {
						vs[i] = Redacted
					}
					changed = true
				}
			}
			if changed {
				c.RawQuery = q.Encode()
			}
		}
	}
	c.Fragment = ""
	return c.String()
}
