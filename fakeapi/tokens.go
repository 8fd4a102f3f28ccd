package fakeapi

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"
)

// Tokens issues and checks expiring bearer tokens. Safe for concurrent use.
type Tokens struct {
	mu     sync.Mutex
	ttl    time.Duration
	now    func() time.Time
	issued map[string]time.Time // token → expiry
	count  int
}

// NewTokens returns an issuer whose tokens live ttl.
func NewTokens(ttl time.Duration) *Tokens {
	return &Tokens{ttl: ttl, now: time.Now, issued: map[string]time.Time{}}
}

// Issue returns a new token and its lifetime in whole seconds.
func (t *Tokens) Issue() (token string, expiresIn int) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	token = hex.EncodeToString(b[:])
	t.mu.Lock()
	defer t.mu.Unlock()
	t.issued[token] = t.now().Add(t.ttl)
	t.count++
	return token, int(t.ttl / time.Second)
}

// Valid reports whether token was issued here and has not expired.
func (t *Tokens) Valid(token string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	exp, ok := t.issued[token]
	return ok && t.now().Before(exp)
}

// ExpireAll makes every token issued so far invalid.
func (t *Tokens) ExpireAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k := range t.issued {
		t.issued[k] = time.Time{}
	}
}

// SetTTL changes the lifetime of tokens issued from now on.
func (t *Tokens) SetTTL(ttl time.Duration) {
	t.mu.Lock()
	t.ttl = ttl
	t.mu.Unlock()
}

// Issued returns how many tokens were issued.
func (t *Tokens) Issued() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.count
}
