// Package intake holds what the HTTP alert intakes share: the
// shared-secret check (Secrets: the Datto RMM webhook of dattormm, the mail
// endpoint of alerting/receiver, the tokens of alerting/jsonintake), the
// HMAC-SHA256 signature check (HMACVerifier: Level's X-Level-Signature,
// VSA X's x-hmac-signature, alerting/jsonintake's signature header) and
// the JSON answer (Reply).
package intake

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
)

// MinSecretLen is the length under which a shared secret is refused.
const MinSecretLen = 16

// Secrets are the accepted shared secrets of an intake (two during a
// rotation), kept as their SHA-256 sums.
type Secrets [][sha256.Size]byte

// NewSecrets returns the Secrets of secrets, and ok false when one of them
// is shorter than MinSecretLen. It does not refuse an empty list: callers
// say why they need a secret.
func NewSecrets(secrets ...string) (s Secrets, ok bool) {
	for _, sec := range secrets {
		if len(sec) < MinSecretLen {
			return nil, false
		}
		s = append(s, sha256.Sum256([]byte(sec)))
	}
	return s, true
}

// Match reports whether given is one of the secrets, comparing in constant
// time with each; "" matches none.
func (s Secrets) Match(given string) bool {
	if given == "" {
		return false
	}
	got := sha256.Sum256([]byte(given))
	ok := 0
	for _, sum := range s {
		ok |= subtle.ConstantTimeCompare(got[:], sum[:])
	}
	return ok == 1
}

// Reply answers an intake request with status and a JSON body:
// {"ok":true} for a status below 300, {"error":msg} otherwise.
func Reply(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if status < 300 {
		fmt.Fprint(w, `{"ok":true}`)
		return
	}
	b, _ := json.Marshal(map[string]string{"error": msg})
	w.Write(b)
}
