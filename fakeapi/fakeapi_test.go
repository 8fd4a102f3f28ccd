package fakeapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func newServer(t *testing.T) *Server {
	t.Helper()
	s := New("/fake", func(w http.ResponseWriter, status int, msg string) {
		WriteJSON(w, status, map[string]string{"message": msg})
	})
	t.Cleanup(s.Close)
	s.Handle("GET /api/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id"), "name": strings.Repeat("n", 40)})
	})
	return s
}

func get(t *testing.T, s *Server, path string) (int, http.Header, string) {
	t.Helper()
	resp, err := s.Client().Get(s.URL() + path)
	if err != nil {
		return 0, nil, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestServerRoutesUnderPrefixAndLogs(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	if st, _, body := get(t, s, "/api/items/7?x=1"); st != 200 || !strings.Contains(body, `"id":"7"`) {
		t.Fatalf("status %d body %s", st, body)
	}
	resp, err := s.Client().Get(s.HostURL() + "/api/items/7")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("request outside the prefix: status %d, want 404", resp.StatusCode)
	}
	reqs := s.Requests()
	if len(reqs) != 1 || reqs[0].Path != "/api/items/7" || reqs[0].Query.Get("x") != "1" || s.Count("GET", "/api/items") != 1 {
		t.Errorf("log = %+v", reqs)
	}
	s.ResetRequests()
	if len(s.Requests()) != 0 {
		t.Error("ResetRequests kept entries")
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.Inject(Fault{Path: "/api/items", Status: 503, Times: 2})
	s.Inject(Fault{Status: 429, RetryAfter: "7"})
	for i := range 2 {
		if st, _, body := get(t, s, "/api/items/1"); st != 503 || !strings.Contains(body, "Service Unavailable") {
			t.Errorf("call %d: %d %s", i, st, body)
		}
	}
	if st, h, _ := get(t, s, "/api/items/1"); st != 429 || h.Get("Retry-After") != "7" {
		t.Errorf("429 fault: %d %v", st, h)
	}
	if st, _, _ := get(t, s, "/api/items/1"); st != 200 {
		t.Errorf("faults not used up: %d", st)
	}

	s.Inject(Fault{Truncate: true})
	_, _, body := get(t, s, "/api/items/1")
	if json.Valid([]byte(body)) || len(body) == 0 {
		t.Errorf("truncated body is valid JSON: %q", body)
	}

	s.Inject(Fault{Delay: 50 * time.Millisecond})
	start := time.Now()
	if st, _, _ := get(t, s, "/api/items/1"); st != 200 || time.Since(start) < 50*time.Millisecond {
		t.Errorf("slow fault: %d after %s", st, time.Since(start))
	}

	s.Inject(Fault{Drop: true, Times: 2}) // net/http replays a GET once on a reused connection
	if st, _, _ := get(t, s, "/api/items/1"); st != 0 {
		t.Errorf("dropped connection answered %d", st)
	}

	s.Inject(Fault{Method: http.MethodPost, Status: 500})
	if st, _, _ := get(t, s, "/api/items/1"); st != 200 {
		t.Errorf("POST fault hit a GET: %d", st)
	}
	s.ClearFaults()
}

func TestTokens(t *testing.T) {
	t.Parallel()
	tk := NewTokens(time.Hour)
	a, exp := tk.Issue()
	b, _ := tk.Issue()
	if a == b || exp != 3600 || !tk.Valid(a) || tk.Valid("nope") || tk.Issued() != 2 {
		t.Fatalf("tokens %q %q exp %d", a, b, exp)
	}
	tk.ExpireAll()
	if tk.Valid(a) || tk.Valid(b) {
		t.Error("ExpireAll left a token valid")
	}
	tk.SetTTL(0)
	c, _ := tk.Issue()
	if tk.Valid(c) {
		t.Error("zero-TTL token valid")
	}
}

func TestTableKeepsFieldsAndPages(t *testing.T) {
	t.Parallel()
	tb := NewTable("id")
	for i := range 250 {
		tb.Insert(Record{"inventory_number": fmt.Sprintf("PC%03d", i), "client_id": i % 3, "custom": map[string]any{"x": i}})
	}
	got, total := tb.Select(FieldEquals("client_id", "1"), 10, 20)
	if total != 83 || len(got) != 20 || Str(got[0]["id"]) != "32" {
		t.Fatalf("total %d, page %d, first id %v", total, len(got), got[0]["id"])
	}
	got[0]["inventory_number"] = "changed" // copies, not the stored record
	if r, _ := tb.Get("32"); r["inventory_number"] != "PC031" {
		t.Errorf("Select returned shared state: %v", r)
	}
	m, err := tb.Merge(Record{"id": 32, "status": "inactive"})
	if err != nil || m["inventory_number"] != "PC031" || m["status"] != "inactive" || Str(m["custom"].(map[string]any)["x"]) != "31" {
		t.Errorf("Merge = %v, %v", m, err)
	}
	if _, err := tb.Merge(Record{"id": 9999}); !errors.Is(err, ErrNoRecord) {
		t.Errorf("Merge unknown id: %v", err)
	}
	explicit := tb.Insert(Record{"id": 1000})
	auto := tb.Insert(Record{})
	if Str(explicit["id"]) != "1000" || Str(auto["id"]) != "1001" {
		t.Errorf("ids %v %v", explicit["id"], auto["id"])
	}
	if !tb.Delete("1000") || tb.Delete("1000") || tb.Len() != 251 {
		t.Errorf("delete: len %d", tb.Len())
	}
	all := tb.List(nil)
	if Str(all[0]["id"]) != "1" || Str(all[len(all)-1]["id"]) != "1001" {
		t.Errorf("order: first %v last %v", all[0]["id"], all[len(all)-1]["id"])
	}
}

func TestTableConcurrentUse(t *testing.T) {
	t.Parallel()
	tb := NewTable("id")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				r := tb.Insert(Record{"n": i*100 + j})
				tb.Update(Str(r["id"]), func(r Record) { r["seen"] = true })
				tb.Select(nil, 0, 10)
			}
		})
	}
	wg.Wait()
	if tb.Len() != 400 {
		t.Errorf("len = %d, want 400", tb.Len())
	}
}
