package level_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/level"
	"github.com/mspsync/mspsync/level/leveltest"
)

func TestPingIsOneCheapReadAndSaysWhatItLearned(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	p, err := c.Ping(t.Context())
	if err != nil || p.HasGroups || p.BaseURL != c.BaseURL() {
		t.Fatalf("empty account: %+v, %v", p, err)
	}
	if s := p.String(); !strings.Contains(s, "key accepted; groups: none yet") || !strings.Contains(s, c.BaseURL()) {
		t.Errorf("String() = %q", s)
	}
	srv.SeedGroup(level.Group{Name: "Acme"})
	srv.SeedGroup(level.Group{Name: "Globex"})
	srv.ResetRequests()
	p, err = c.Ping(t.Context())
	if err != nil || !p.HasGroups || p.FirstGroup != "Acme" {
		t.Fatalf("%+v, %v", p, err)
	}
	if s := p.String(); !strings.HasPrefix(s, "level: ") || strings.Contains(s, "\n") || !strings.Contains(s, `groups: yes (first "Acme")`) {
		t.Errorf("String() = %q, want one line", s)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Method != http.MethodGet || reqs[0].Path != "/groups" || reqs[0].RawQuery != "limit=1" {
		t.Fatalf("requests %+v, want one GET /groups?limit=1", reqs)
	}
	bad, err := srv.NewClient(level.WithAPIKey("not-the-key"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.Ping(t.Context()); !errors.Is(err, level.ErrUnauthorized) {
		t.Fatalf("wrong key: %v, want ErrUnauthorized", err)
	}
}

// TestBaseURLForms: the root with or without /v2, with or without a
// trailing slash or a scheme, reaches the same API.
func TestBaseURLForms(t *testing.T) {
	t.Parallel()
	srv := leveltest.NewServer(t)
	srv.SeedGroup(level.Group{Name: "Acme"})
	root := strings.TrimSuffix(strings.TrimSuffix(srv.URL(), "/"), "/v2")
	for _, u := range []string{root, root + "/", root + "/v2", root + "/v2/"} {
		c, err := srv.NewClient(level.WithBaseURL(u))
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		if c.BaseURL() != root+"/v2" {
			t.Errorf("%s: BaseURL %q, want %q", u, c.BaseURL(), root+"/v2")
		}
		if p, err := c.Ping(t.Context()); err != nil || !p.HasGroups {
			t.Errorf("%s: ping %+v, %v", u, p, err)
		}
	}
	// A bare host is https, as for every vendor (httpx.CleanBaseURL).
	c, err := level.NewClient(level.WithAPIKey("k"), level.WithBaseURL(" api.level.io/v2/ "))
	if err != nil {
		t.Fatalf("bare host: %v", err)
	}
	if c.BaseURL() != level.DefaultBaseURL {
		t.Errorf("bare host: BaseURL %q", c.BaseURL())
	}
	if _, err := level.NewClient(level.WithAPIKey("k"), level.WithBaseURL("https://user:pw@api.level.io")); err == nil {
		t.Error("a base URL with credentials was accepted")
	}
}
