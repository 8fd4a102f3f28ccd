package kaseyabmstest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mspsync/mspsync/kaseyabms"
	"github.com/mspsync/mspsync/kaseyabms/kaseyabmstest"
)

// raw sends one request to the fake and decodes the JSON answer.
func raw(t *testing.T, srv *kaseyabmstest.Server, method, path, token, ctype, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL()+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s %s: %v: %s", method, path, err, b)
	}
	return resp.StatusCode, m
}

func login(t *testing.T, srv *kaseyabmstest.Server) string {
	t.Helper()
	form := url.Values{"UserName": {srv.Username}, "Password": {srv.Password}, "Tenant": {srv.Tenant}, "GrantType": {"password"}}
	code, m := raw(t, srv, "POST", "/v2/security/authenticate", "", "application/x-www-form-urlencoded", form.Encode())
	res, _ := m["result"].(map[string]any)
	if code != 200 || m["success"] != true || res["accessToken"] == nil || res["accessTokenExpireOn"] == nil {
		t.Fatalf("authenticate = %d %v", code, m)
	}
	return res["accessToken"].(string)
}

func TestEnvelopeIsCamelCase(t *testing.T) {
	t.Parallel()
	srv := kaseyabmstest.NewServer(t)
	srv.SeedAccount(kaseyabms.AccountSummary{AccountName: "Contoso"})
	tok := login(t, srv)
	code, m := raw(t, srv, "GET", "/v2/crm/accounts/summary?PageSize=10&PageNumber=1", tok, "", "")
	items, _ := m["result"].([]any)
	if code != 200 || m["success"] != true || m["totalRecords"] != float64(1) || len(items) != 1 {
		t.Fatalf("summary = %d %v", code, m)
	}
	acct := items[0].(map[string]any)
	if acct["accountName"] != "Contoso" || acct["AccountName"] != nil {
		t.Errorf("account keys not camelCase: %v", acct)
	}
}

func TestFailuresUseTheEnvelope(t *testing.T) {
	t.Parallel()
	srv := kaseyabmstest.NewServer(t)
	acct := srv.SeedAccount(kaseyabms.AccountSummary{AccountName: "Contoso"})
	tok := login(t, srv)
	code, m := raw(t, srv, "GET", "/v2/servicedesk/tickets/77", tok, "", "")
	if e, _ := m["error"].(map[string]any); code != 200 || m["success"] != false || e["message"] != "Ticket not found" {
		t.Errorf("missing ticket = %d %v, want 200 with success false", code, m)
	}
	code, m = raw(t, srv, "POST", "/v2/servicedesk/tickets", tok, "application/json", `{"AccountId": `+jsonInt(acct.ID)+`, "Bogus": 1}`)
	e, _ := m["error"].(map[string]any)
	subs, _ := e["subErrors"].([]any)
	joined := strings.Join(strs(subs), "|")
	for _, want := range []string{"The Title field is required.", "The TypeId field is required.", "The OpenDate field is required.", "Could not find member 'Bogus'"} {
		if !strings.Contains(joined, want) {
			t.Errorf("validation subErrors %q lack %q", joined, want)
		}
	}
	if code != 400 || m["success"] != false {
		t.Errorf("invalid ticket = %d", code)
	}
	if code, _ := raw(t, srv, "GET", "/v2/system/queues/lookup", "", "", ""); code != 401 {
		t.Errorf("no token = %d, want 401", code)
	}
}

func TestTokensExpireAndRefresh(t *testing.T) {
	t.Parallel()
	srv := kaseyabmstest.NewServer(t, kaseyabmstest.WithTokenTTL(time.Minute, time.Hour))
	form := url.Values{"UserName": {srv.Username}, "Password": {srv.Password}, "Tenant": {strings.ToUpper(srv.Tenant)}, "GrantType": {"password"}}
	_, m := raw(t, srv, "POST", "/v2/security/authenticate", "", "application/x-www-form-urlencoded", form.Encode())
	res := m["result"].(map[string]any)
	access, refresh := res["accessToken"].(string), res["refreshToken"].(string)
	srv.Advance(2 * time.Minute)
	if code, _ := raw(t, srv, "GET", "/v2/system/queues/lookup", access, "", ""); code != 401 {
		t.Errorf("expired token = %d, want 401", code)
	}
	rf := url.Values{"AccessToken": {access}, "RefreshToken": {refresh}}
	_, m = raw(t, srv, "POST", "/v2/security/refreshtoken", "", "application/x-www-form-urlencoded", rf.Encode())
	if m["success"] != true {
		t.Fatalf("refresh = %v", m)
	}
	if _, m = raw(t, srv, "POST", "/v2/security/refreshtoken", "", "application/x-www-form-urlencoded", rf.Encode()); m["success"] != false {
		t.Errorf("a refresh token works twice: %v", m)
	}
	if srv.TokensIssued() != 2 {
		t.Errorf("tokens issued = %d", srv.TokensIssued())
	}
}

func TestCompleteTicketAndFilters(t *testing.T) {
	t.Parallel()
	srv := kaseyabmstest.NewServer(t)
	c, _ := srv.NewClient()
	acct := srv.SeedAccount(kaseyabms.AccountSummary{AccountName: "Contoso"})
	in := kaseyabms.TicketInput{Title: "a", Details: "d", AccountID: acct.ID, LocationID: srv.MainLocation(acct.ID).ID, StatusID: 1, PriorityID: 1, TypeID: 1, SourceID: 5}
	ctx := t.Context()
	a, _ := c.Tickets.Create(ctx, in)
	b, _ := c.Tickets.Create(ctx, in)
	if !srv.CompleteTicket(b.ID) {
		t.Fatal("CompleteTicket")
	}
	open, _ := kaseyabms.Collect(c.Tickets.All(ctx, &kaseyabms.TicketListOptions{ExcludeCompleted: true}))
	done, _ := kaseyabms.Collect(c.Tickets.All(ctx, &kaseyabms.TicketListOptions{CompletedDateFrom: time.Now().Add(-time.Minute)}))
	if len(open) != 1 || open[0].ID != a.ID || len(done) != 1 || done[0].ID != b.ID || done[0].CompletedDate.IsZero() {
		t.Errorf("open %v, completed %v", open, done)
	}
}

func jsonInt(n int) string { b, _ := json.Marshal(n); return string(b) }

func strs(v []any) []string {
	var out []string
	for _, x := range v {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}
