package leveltest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// SignatureHeader is the header Level signs its webhook deliveries in.
const SignatureHeader = "X-Level-Signature"

// Sign returns the X-Level-Signature value of body: "sha256=" and the hex
// HMAC-SHA256 of the raw body under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Event builds a webhook envelope: {"event_type", "event_id",
// "occurred_at", "data"}.
func Event(eventType, eventID string, occurredAt time.Time, data any) []byte {
	b, err := json.Marshal(map[string]any{"event_type": eventType, "event_id": eventID,
		"occurred_at": occurredAt.UTC().Format(time.RFC3339), "data": data})
	if err != nil {
		panic(fmt.Sprintf("leveltest: %v", err))
	}
	return b
}

// Deliver POSTs body to url the way Level does, signed with secret (no
// signature when secret is ""), and returns the status.
func Deliver(ctx context.Context, hc *http.Client, url, secret string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Level-Webhooks")
	if secret != "" {
		req.Header.Set(SignatureHeader, Sign(secret, body))
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
