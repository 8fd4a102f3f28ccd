package httpx

import (
	"net/url"

	"github.com/mspsync/mspsync/internal/redact"
)

// Redacted replaces a secret value in URLs and logs.
const Redacted = redact.Redacted

// SanitizeURL returns raw with its secrets redacted (see package redact).
func SanitizeURL(raw string) string { return redact.SanitizeURL(raw) }

// SanitizeText returns s with credentials redacted (see package redact).
func SanitizeText(s string) string { return redact.SanitizeText(s) }

// IsSecretName reports whether a parameter, field or header of that name
// carries a credential.
func IsSecretName(name string) bool { return redact.IsSecretName(name) }

func sanitize(u *url.URL) string { return redact.ParsedURL(u) }
