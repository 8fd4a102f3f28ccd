package intake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// mac computes the expected digest independently of Sign.
func mac(key, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return m.Sum(nil)
}

func TestHMACVerifierHexWithPrefix(t *testing.T) {
	t.Parallel()
	key, body := []byte("level-webhook-secret"), []byte(`{"event_id":"e1"}`)
	v, err := NewHMACVerifier(Hex, "sha256=", key)
	if err != nil {
		t.Fatal(err)
	}
	good := "sha256=" + hex.EncodeToString(mac(key, body))
	if got := v.Sign(body); got != good {
		t.Fatalf("Sign = %q; want %q", got, good)
	}
	for _, sig := range []string{good, "  " + good + "\t", "sha256=" + strings.ToUpper(hex.EncodeToString(mac(key, body)))} {
		if err := v.Verify(body, sig); err != nil {
			t.Errorf("Verify(%q) = %v; want nil", sig, err)
		}
	}
	other := hex.EncodeToString(mac([]byte("another-secret"), body))
	for name, c := range map[string]struct {
		body    []byte
		sig     string
		missing bool
	}{
		"missing":        {body, "", true},
		"blank":          {body, "   ", true},
		"no prefix":      {body, hex.EncodeToString(mac(key, body)), false},
		"other prefix":   {body, "sha1=" + hex.EncodeToString(mac(key, body)), false},
		"wrong key":      {body, "sha256=" + other, false},
		"altered body":   {[]byte(`{"event_id":"e2"}`), good, false},
		"empty body":     {nil, good, false},
		"not hex":        {body, "sha256=zz" + good[9:], false},
		"short digest":   {body, good[:len(good)-2], false},
		"base64 in hex":  {body, "sha256=" + base64.StdEncoding.EncodeToString(mac(key, body)), false},
		"prefix only":    {body, "sha256=", false},
		"digest doubled": {body, good + good[7:], false},
	} {
		err := v.Verify(c.body, c.sig)
		var se *SignatureError
		if !errors.As(err, &se) || !errors.Is(err, ErrSignature) {
			t.Errorf("%s: Verify = %v; want a *SignatureError matching ErrSignature", name, err)
			continue
		}
		if errors.Is(err, ErrNoSignature) != c.missing || se.Missing != c.missing {
			t.Errorf("%s: missing = %v; want %v (%v)", name, se.Missing, c.missing, err)
		}
		if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), other) {
			t.Errorf("%s: the error shows key material: %v", name, err)
		}
	}
}

func TestHMACVerifierBase64Rotation(t *testing.T) {
	t.Parallel()
	oldKey, newKey, body := []byte("old-key-0123456789"), []byte("new-key-9876543210"), []byte(`{"Id":7}`)
	v, err := NewHMACVerifier(Base64, "", newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	for name, key := range map[string][]byte{"new": newKey, "old": oldKey} {
		sig := base64.StdEncoding.EncodeToString(mac(key, body))
		if err := v.Verify(body, sig); err != nil {
			t.Errorf("signed with the %s key: %v", name, err)
		}
	}
	if got, want := v.Sign(body), base64.StdEncoding.EncodeToString(mac(newKey, body)); got != want {
		t.Errorf("Sign uses %q; want the first key's %q", got, want)
	}
	for name, sig := range map[string]string{
		"retired key": base64.StdEncoding.EncodeToString(mac([]byte("retired"), body)),
		"hex":         hex.EncodeToString(mac(newKey, body)),
		"unpadded":    base64.RawStdEncoding.EncodeToString(mac(newKey, body)),
		"not base64":  "%%%",
	} {
		if err := v.Verify(body, sig); !errors.Is(err, ErrSignature) || errors.Is(err, ErrNoSignature) {
			t.Errorf("%s: Verify = %v; want a wrong (not missing) signature", name, err)
		}
	}
}

func TestHMACVerifierKeysAreCopied(t *testing.T) {
	t.Parallel()
	key, body := []byte("mutable-key-0123"), []byte("x")
	v, _ := NewHMACVerifier(Hex, "", key)
	sig := v.Sign(body)
	key[0] = 'M'
	if err := v.Verify(body, sig); err != nil {
		t.Errorf("changing the caller's slice changed the verifier: %v", err)
	}
}

func TestNewHMACVerifierRefuses(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct {
		enc  Encoding
		keys [][]byte
	}{
		"no key":           {Hex, nil},
		"empty key":        {Hex, [][]byte{[]byte("k"), {}}},
		"unknown encoding": {Encoding(9), [][]byte{[]byte("k")}},
		"zero encoding":    {0, [][]byte{[]byte("k")}},
	} {
		if v, err := NewHMACVerifier(c.enc, "", c.keys...); err == nil {
			t.Errorf("%s: NewHMACVerifier = %v, nil; want an error", name, v)
		}
	}
}

func TestSignEncodings(t *testing.T) {
	t.Parallel()
	key, body := []byte("k"), []byte("body")
	if got, want := Sign(Hex, "p=", key, body), "p="+hex.EncodeToString(mac(key, body)); got != want {
		t.Errorf("Sign(Hex) = %q; want %q", got, want)
	}
	if got, want := Sign(Base64, "", key, body), base64.StdEncoding.EncodeToString(mac(key, body)); got != want {
		t.Errorf("Sign(Base64) = %q; want %q", got, want)
	}
}

func BenchmarkHMACVerify(b *testing.B) {
	body := []byte(strings.Repeat(`{"event_id":"e1","title":"Disk full"}`, 30))
	v, _ := NewHMACVerifier(Hex, "sha256=", []byte("new-key-0123456789"), []byte("old-key-0123456789"))
	sig := v.Sign(body)
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Verify(body, sig); err != nil {
			b.Fatal(err)
		}
	}
}
