// Package redact keeps secrets out of what mspsync shows: URLs, error
// texts and logs. The HTTP engine and the public error types share it.
package redact

import (
	"net/url"
	"regexp"
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
	return ParsedURL(u)
}

// ParsedURL is SanitizeURL for a URL already parsed.
func ParsedURL(u *url.URL) string {
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

var (
	textURL   = regexp.MustCompile("[A-Za-z][A-Za-z0-9+.-]*://[^\\s\"'<>`]+")
	jsonField = regexp.MustCompile(`"([^"\\]{1,64})"(\s*:\s*)("(?:[^"\\]|\\.)*"|-?[0-9][0-9.eE+-]*)`)
	formPair  = regexp.MustCompile(`(^|[?&;,\s(\[{])([A-Za-z0-9_.\-]{1,64})=([^&;,\s"'<>)\]}]*)`)
	headerVal = regexp.MustCompile(`(?im)\b((?:proxy-)?authorization|set-cookie|cookie|api-?key|x-[a-z0-9-]*(?:token|secret|key|password|auth))(\s*:\s*)([^\r\n,;]*)`)
	authParam = regexp.MustCompile(`(?i)\b(bearer|basic)(\s+)([A-Za-z0-9\-._~+/]+=*)`)
)

// SanitizeText redacts credentials in free text: an error message, a
// vendor's error body, a webhook body or a log line. It replaces with
// REDACTED
//   - URL userinfo and the values of secret query parameters (SanitizeURL),
//   - JSON members with a secret name ("client_secret", "password",
//     "refresh_token", "access_token", "api_key", "apikey", "x-api-key",
//     a webhook's "state" and "secret", ...; see IsSecretName),
//   - name=value pairs with a secret name (form bodies, query strings),
//   - credential header values (Authorization, Proxy-Authorization,
//     Cookie, Api-Key, X-*-Token/Secret/Key),
//   - Bearer and Basic credentials written anywhere.
//
// It never fails and leaves everything else as it was.
func SanitizeText(s string) string {
	if s == "" {
		return s
	}
	s = textURL.ReplaceAllStringFunc(s, SanitizeURL)
	s = jsonField.ReplaceAllStringFunc(s, func(m string) string {
		p := jsonField.FindStringSubmatch(m)
		if !IsSecretName(p[1]) || p[3] == `""` {
			return m
		}
		return `"` + p[1] + `"` + p[2] + `"` + Redacted + `"`
	})
	s = formPair.ReplaceAllStringFunc(s, func(m string) string {
		p := formPair.FindStringSubmatch(m)
		if !IsSecretName(p[2]) || p[3] == "" {
			return m
		}
		return p[1] + p[2] + "=" + Redacted
	})
	s = headerVal.ReplaceAllString(s, "${1}${2}"+Redacted)
	s = authParam.ReplaceAllStringFunc(s, func(m string) string {
		p := authParam.FindStringSubmatch(m)
		if !looksLikeCredential(p[3]) {
			return m
		}
		return p[1] + p[2] + Redacted
	})
	return s
}

// looksLikeCredential tells a token after "Bearer"/"Basic" from an
// ordinary word ("Basic authentication"): it has a digit or punctuation,
// or is long.
func looksLikeCredential(tok string) bool {
	if tok == Redacted {
		return false
	}
	return len(tok) >= 20 || strings.ContainsAny(tok, "0123456789-._~+/=")
}

// OriginOf returns the "scheme://host" of a raw URL, for messages that name
// where credentials stay; "the configured host" when raw does not parse.
func OriginOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the configured host"
	}
	return u.Scheme + "://" + u.Host
}
