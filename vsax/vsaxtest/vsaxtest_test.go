package vsaxtest_test

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/vsax"
	"github.com/mspsync/mspsync/vsax/vsaxtest"
)

func get(t *testing.T, srv *vsaxtest.Server, path string, auth bool) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL()+path, nil)
	if auth {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(srv.TokenID+":"+srv.TokenSecret)))
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestFakeRefusesWhatVSAXRefuses(t *testing.T) {
	srv := vsaxtest.NewServer(t)
	if st, body := get(t, srv, "/api/v3/organizations", false); st != 401 || !strings.Contains(body, `"ErrorMessage"`) {
		t.Errorf("no auth: %d %s", st, body)
	}
	if st, _ := get(t, srv, "/api/v3/organizations?$top=101", true); st != 400 {
		t.Errorf("$top=101: %d", st)
	}
	if st, _ := get(t, srv, "/api/v3/organizations?$filter=Name%20ne%20'x'", true); st != 400 {
		t.Errorf("unsupported filter: %d", st)
	}
	if st, body := get(t, srv, "/api/v3/organizations?$top=1&$count=true", true); st != 200 || !strings.Contains(body, `"TotalCount":0`) {
		t.Errorf("list: %d %s", st, body)
	}
}

func TestDeliverSigns(t *testing.T) {
	secret := strings.Repeat("0F", 32)
	var got error
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		v, _ := vsax.NewWebhookVerifier(secret)
		got = v.Verify(b, r.Header.Get(vsax.SignatureHeader))
	}))
	defer ts.Close()
	st, err := vsaxtest.Deliver(t.Context(), ts.Client(), ts.URL, secret, vsax.WebhookPayload{ID: 1, Title: "t"})
	if err != nil || st != 200 || got != nil {
		t.Errorf("%d %v %v", st, err, got)
	}
}
