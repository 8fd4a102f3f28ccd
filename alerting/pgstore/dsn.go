package pgstore

import (
	"net/url"
	"regexp"
	"strings"
)

// passwordKV finds the password of a keyword/value connection string
// (password=secret or password='se cret').
var passwordKV = regexp.MustCompile(`(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s]+)`)

// RedactDSN returns a connection string fit for a log line: its password
// (in the URL's user info, a password query parameter, or a password=
// keyword) is replaced by "REDACTED"; everything else is kept, so the
// line still says which server and database are used.
func RedactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && (strings.EqualFold(u.Scheme, "postgres") || strings.EqualFold(u.Scheme, "postgresql")) {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "REDACTED")
		}
		if q := u.Query(); q.Has("password") {
			q.Set("password", "REDACTED")
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	return passwordKV.ReplaceAllString(dsn, "${1}REDACTED")
}
