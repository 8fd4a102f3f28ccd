package vsax

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/mspsync/mspsync/internal/intake"
)

// SignatureHeader is the header VSA X signs notification webhooks with:
// base64(HMAC-SHA256(raw body, key)).
const SignatureHeader = "x-hmac-signature"

// Webhook verification errors.
var (
	ErrMissingSignature = errors.New("vsax: webhook has no " + SignatureHeader + " header")
	ErrBadSignature     = errors.New("vsax: webhook signature does not match")
)

// WebhookVerifier checks notification webhook signatures against a
// webhook's SecretKey.
//
// Which bytes VSA X keys the HMAC with is not documented: the verifier accepts a signature made with the secret string's
// bytes and, failing that, with its hex-decoded bytes. Comparisons run in
// constant time (the shared intake.HMACVerifier, base64).
type WebhookVerifier struct {
	hmac *intake.HMACVerifier
}

// NewWebhookVerifier returns a verifier for secret (the 64 hex characters
// Create or RegenerateSecret returned).
func NewWebhookVerifier(secret string) (*WebhookVerifier, error) {
	secret = strings.TrimSpace(secret)
	if secret == "" {
		return nil, errors.New("vsax: empty webhook secret")
	}
	keys := [][]byte{[]byte(secret)}
	if b, err := hex.DecodeString(secret); err == nil && len(b) > 0 {
		keys = append(keys, b)
	}
	h, err := intake.NewHMACVerifier(intake.Base64, "", keys...)
	if err != nil {
		return nil, fmt.Errorf("vsax: %w", err)
	}
	return &WebhookVerifier{hmac: h}, nil
}

// Sign returns the signature header value of body under secret's string
// bytes (what tests and the fake send).
func Sign(secret string, body []byte) string {
	return intake.Sign(intake.Base64, "", []byte(secret), body)
}

// Verify checks sig (the header's value) over the raw body. The error is
// ErrMissingSignature or ErrBadSignature.
func (v *WebhookVerifier) Verify(body []byte, sig string) error {
	switch err := v.hmac.Verify(body, sig); {
	case errors.Is(err, intake.ErrNoSignature):
		return ErrMissingSignature
	case err != nil:
		return ErrBadSignature
	}
	return nil
}

// WebhookPayload is a delivered notification.
type WebhookPayload struct {
	ID               FlexInt  `json:"Id"`
	Title            string   `json:"Title"`
	Message          string   `json:"Message"`
	DateTime         Time     `json:"DateTime"`
	Priority         Priority `json:"Priority"`
	DeviceIdentifier string   `json:"DeviceIdentifier"`
	OrganizationID   FlexInt  `json:"OrganizationId"`
}

// DecodeWebhook decodes a verified body. It requires an Id and a
// DeviceIdentifier that looks like a GUID.
func DecodeWebhook(body []byte) (WebhookPayload, error) {
	var p WebhookPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return p, fmt.Errorf("vsax: webhook body: %w", err)
	}
	if p.ID <= 0 {
		return p, errors.New("vsax: webhook body has no notification Id")
	}
	if p.DeviceIdentifier != "" && !IsIdentifier(p.DeviceIdentifier) {
		return p, fmt.Errorf("vsax: webhook DeviceIdentifier %q is not a GUID", p.DeviceIdentifier)
	}
	return p, nil
}

// IsIdentifier reports whether s has the form of a device Identifier
// (a GUID: 8-4-4-4-12 hex digits).
func IsIdentifier(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
				return false
			}
		}
	}
	return true
}
