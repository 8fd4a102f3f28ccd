package leveltest_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/mspsync/mspsync/level"
	"github.com/mspsync/mspsync/level/leveltest"
)

func get(t *testing.T, srv *leveltest.Server, path, auth string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL()+path, nil)
	req.Header.Set("Authorization", auth)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

func TestBearerKeyIsRefused(t *testing.T) {
	t.Parallel()
	srv := leveltest.NewServer(t)
	st, body := get(t, srv, "/groups", "Bearer "+srv.APIKey)
	if st != http.StatusUnauthorized || body["error"] != "Access denied" {
		t.Fatalf("%d %v, want 401 Access denied", st, body)
	}
}

func TestLimitDefaultsTo20AndIsCappedAt100(t *testing.T) {
	t.Parallel()
	srv := leveltest.NewServer(t)
	for range 150 {
		srv.SeedTag(level.Tag{Name: "t"})
	}
	for q, want := range map[string]int{"": 20, "?limit=500": 100, "?limit=7": 7} {
		st, body := get(t, srv, "/tags"+q, srv.APIKey)
		if data, _ := body["data"].([]any); st != 200 || len(data) != want || body["has_more"] != true {
			t.Errorf("%q: %d, %d items, has_more %v; want %d", q, st, len(data), body["has_more"], want)
		}
	}
	if st, _ := get(t, srv, "/tags?starting_after=nope", srv.APIKey); st != http.StatusBadRequest {
		t.Errorf("unknown cursor: %d, want 400", st)
	}
}

func TestSignMatchesLevelsFormat(t *testing.T) {
	t.Parallel()
	// HMAC-SHA256("{}", "secret") in hex (openssl dgst -sha256 -hmac secret).
	const want = "sha256=77325902caca812dc259733aacd046b73817372c777b8d95b402647474516e13"
	if got := leveltest.Sign("secret", []byte("{}")); got != want {
		t.Fatalf("Sign = %q", got)
	}
}
