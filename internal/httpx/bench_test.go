package httpx

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hashicorp/go-cleanhttp"
)

type benchItem struct {
	ID      int    `json:"id"`
	Name    string `json:"name"`
	Serial  string `json:"serial"`
	Enabled bool   `json:"enabled"`
}

func benchServer(b *testing.B) *httptest.Server {
	items := make([]benchItem, 20)
	for i := range items {
		items[i] = benchItem{ID: i, Name: fmt.Sprintf("PC-%04d", i), Serial: strings.Repeat("S", 12), Enabled: true}
	}
	body, _ := json.Marshal(map[string]any{"record_count": len(items), "assets": items})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

type benchPage struct {
	RecordCount int         `json:"record_count"`
	Assets      []benchItem `json:"assets"`
}

// BenchmarkEngineRoundTrip measures one GET with query encoding, auth
// header, limiter, retry bookkeeping and JSON decoding through the engine.
// Compare with BenchmarkRawRoundTrip, the same call with net/http and
// encoding/json only.
func BenchmarkEngineRoundTrip(b *testing.B) {
	srv := benchServer(b)
	hc := cleanhttp.DefaultPooledClient()
	e, err := New(Config{Vendor: "bench", BaseURL: srv.URL + "/api", HTTPClient: hc, Auth: BearerToken("t")})
	if err != nil {
		b.Fatal(err)
	}
	q := &listOpts{ClientID: 12, Search: "pc"}
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		var p benchPage
		if _, err := e.Do(ctx, Request{Path: "Asset", Query: q}, &p); err != nil || len(p.Assets) != 20 {
			b.Fatal(err)
		}
	}
}

// BenchmarkRawRoundTrip is the baseline for BenchmarkEngineRoundTrip.
func BenchmarkRawRoundTrip(b *testing.B) {
	srv := benchServer(b)
	hc := cleanhttp.DefaultPooledClient()
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/Asset?client_id=12&search=pc", nil)
		req.Header.Set("Authorization", "Bearer t")
		req.Header.Set("Accept", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var p benchPage
		err = json.NewDecoder(resp.Body).Decode(&p)
		resp.Body.Close()
		if err != nil || len(p.Assets) != 20 {
			b.Fatal(err)
		}
	}
}
