package httpx

import (
	"strings"
)

// CleanBaseURL accepts a base URL in the forms users paste and returns it
// without a trailing slash: surrounding white space is removed, a URL
// without a scheme gets "https://" ("acme.halopsa.com"), trailing slashes
// are dropped, and then the first of suffixes (compared without regard to
// case, as whole path segments: "/api", "/api/v2") that ends the path is
// cut off, so "https://acme.halopsa.com/api/" and "https://acme.halopsa.com"
// give the same root. Any other path prefix is kept (an on-premises
// instance under "/halo"). The result is checked as ParseBaseURL checks it.
func CleanBaseURL(raw string, suffixes ...string) (string, error) {
	s := strings.TrimSpace(raw)
	if s != "" && !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := ParseBaseURL(s)
	if err != nil {
		return "", err
	}
	u.RawPath = ""
	p := strings.TrimRight(u.Path, "/")
	lp := strings.ToLower(p)
	for _, suf := range suffixes {
		suf = strings.ToLower(strings.TrimRight(suf, "/"))
		if suf != "" && strings.HasSuffix(lp, suf) {
			p = p[:len(p)-len(suf)]
			break
		}
	}
	u.Path = strings.TrimRight(p, "/")
	return strings.TrimRight(u.String(), "/"), nil
}
