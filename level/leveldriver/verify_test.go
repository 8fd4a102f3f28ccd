package leveldriver_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/level/leveldriver"
	"github.com/mspsync/mspsync/level/leveltest"
)

// The verifier accepts Level's "sha256=<hex>" (fake's signer, hex in
// either case) and refuses everything else with ErrBadSignature, naming
// the problem but not the secret.
func TestVerifier(t *testing.T) {
	t.Parallel()
	if _, err := leveldriver.NewVerifier("  "); err == nil {
		t.Error("an empty secret was accepted")
	}
	v, err := leveldriver.NewVerifier(hookSecret)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"event_type":"alert_active","event_id":"e1"}`)
	good := leveltest.Sign(hookSecret, body)
	for _, sig := range []string{good, " " + good, "sha256=" + strings.ToUpper(strings.TrimPrefix(good, "sha256="))} {
		if err := v.Verify(body, sig); err != nil {
			t.Errorf("Verify(%q) = %v", sig, err)
		}
	}
	for name, c := range map[string]struct {
		body []byte
		sig  string
		want string
	}{
		"missing":      {body, "", "no signature"},
		"no prefix":    {body, strings.TrimPrefix(good, "sha256="), "does not start with sha256="},
		"wrong secret": {body, leveltest.Sign("another-secret", body), "does not match"},
		"altered body": {[]byte(`{"event_type":"alert_resolved","event_id":"e1"}`), good, "does not match"},
		"not hex":      {body, "sha256=xyz", "not an HMAC-SHA256 in hex"},
	} {
		err := v.Verify(c.body, c.sig)
		if !errors.Is(err, leveldriver.ErrBadSignature) || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), hookSecret) {
			t.Errorf("%s: Verify = %v; want ErrBadSignature saying %q", name, err, c.want)
		}
	}
}
