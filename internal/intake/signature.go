package intake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
)

// Encoding is how a signature header carries the HMAC-SHA256 digest.
type Encoding int

// The encodings of a signature.
const (
	// Hex is hexadecimal, either case ("sha256=ab12…" in Level's header).
	Hex Encoding = iota + 1
	// Base64 is standard base64 with padding (VSA X's x-hmac-signature).
	Base64
)

// ErrSignature matches every *SignatureError: a missing or wrong
// signature.
var ErrSignature = errors.New("intake: missing or wrong signature")

// ErrNoSignature matches a *SignatureError whose signature was missing
// (an empty header).
var ErrNoSignature = errors.New("intake: no signature")

// SignatureError says why a signature was refused. Its message names the
// problem only: it never holds the signature, the body or a key.
type SignatureError struct {
	// Missing is set when there was no signature at all.
	Missing bool
	// Reason is a short explanation, safe to show the sender.
	Reason string
}

// Error returns the reason.
func (e *SignatureError) Error() string { return "signature refused: " + e.Reason }

// Is matches ErrSignature, and ErrNoSignature when the signature was
// missing.
func (e *SignatureError) Is(target error) bool {
	return target == ErrSignature || (target == ErrNoSignature && e.Missing)
}

// HMACVerifier checks HMAC-SHA256 signatures of raw request bodies against
// one or more keys (two or more during a key rotation, or the candidate
// byte forms of one secret when the vendor does not say which it uses).
// It is safe for concurrent use.
type HMACVerifier struct {
	enc    Encoding
	prefix string
	keys   [][]byte
}

// NewHMACVerifier returns the verifier of signatures in encoding enc,
// introduced by prefix ("" for none; "sha256=" for Level's), accepting a
// MAC under any of keys. It refuses an unknown encoding, no key, and an
// empty key.
func NewHMACVerifier(enc Encoding, prefix string, keys ...[]byte) (*HMACVerifier, error) {
	if enc != Hex && enc != Base64 {
		return nil, errors.New("intake: unknown signature encoding")
	}
	if len(keys) == 0 {
		return nil, errors.New("intake: no signing key")
	}
	v := &HMACVerifier{enc: enc, prefix: prefix}
	for _, k := range keys {
		if len(k) == 0 {
			return nil, errors.New("intake: empty signing key")
		}
		v.keys = append(v.keys, append([]byte(nil), k...))
	}
	return v, nil
}

// Verify checks sig, a header's value, against the raw body: space around
// it is ignored, the prefix must be there, the rest must decode in the
// verifier's encoding and equal the HMAC-SHA256 of body under one of the
// keys. Every key is tried, each comparison in constant time. The error
// is a *SignatureError (ErrNoSignature for an empty sig).
func (v *HMACVerifier) Verify(body []byte, sig string) error {
	sig = strings.TrimSpace(sig)
	if sig == "" {
		return &SignatureError{Missing: true, Reason: "no signature"}
	}
	enc, ok := strings.CutPrefix(sig, v.prefix)
	if !ok {
		return &SignatureError{Reason: "signature does not start with " + v.prefix}
	}
	var got []byte
	var err error
	switch v.enc {
	case Hex:
		got, err = hex.DecodeString(enc)
	default:
		got, err = base64.StdEncoding.DecodeString(enc)
	}
	if err != nil || len(got) != sha256.Size {
		return &SignatureError{Reason: "signature is not an HMAC-SHA256 in " + v.enc.String()}
	}
	match := false
	for _, k := range v.keys {
		m := hmac.New(sha256.New, k)
		m.Write(body)
		if hmac.Equal(m.Sum(nil), got) {
			match = true // no early return: every key costs the same
		}
	}
	if !match {
		return &SignatureError{Reason: "signature does not match the body"}
	}
	return nil
}

// Sign returns the header value of body's signature under the verifier's
// first key: what a sender puts in the header (tests and fakes use it).
func (v *HMACVerifier) Sign(body []byte) string {
	return Sign(v.enc, v.prefix, v.keys[0], body)
}

// Sign returns prefix followed by the HMAC-SHA256 of body under key in
// encoding enc (lower-case hex, or standard base64).
func Sign(enc Encoding, prefix string, key, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	if enc == Base64 {
		return prefix + base64.StdEncoding.EncodeToString(m.Sum(nil))
	}
	return prefix + hex.EncodeToString(m.Sum(nil))
}

// String names the encoding.
func (e Encoding) String() string {
	switch e {
	case Hex:
		return "hex"
	case Base64:
		return "base64"
	}
	return "unknown encoding"
}
