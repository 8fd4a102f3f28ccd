package dattormmtest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/dattormm/dattormmtest"
)

// send makes one API call with a fresh token and returns the status and
// the decoded reply.
func send(t *testing.T, srv *dattormmtest.Server, method, path, body string) (int, map[string]any) {
	t.Helper()
	form := url.Values{"grant_type": {"password"}, "username": {srv.APIKey}, "password": {srv.APISecret}}
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/auth/oauth/token", strings.NewReader(form.Encode()))
	req.SetBasicAuth("public-client", "public")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	req, _ = http.NewRequest(method, srv.URL()+"/api"+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err = srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(raw, &m)
	return resp.StatusCode, m
}

func TestBodiesOutsideTheSpecAreRefused(t *testing.T) {
	t.Parallel()
	srv := dattormmtest.NewServer(t)
	site := srv.SeedSite(dattormm.Site{Name: "Alpha", OnDemand: true})
	dev := srv.SeedDevice(dattormm.Device{Hostname: "PC-1", SiteUID: site.UID})
	for _, tc := range []struct{ method, path, body string }{
		{"PUT", "/v2/site", `{"name":"Beta","colour":"red"}`},
		{"PUT", "/v2/site", `{"description":"no name"}`},
		{"PUT", "/v2/site", `{"name":""}`},
		{"PUT", "/v2/site", `{"name":"Beta","onDemand":"yes"}`},
		{"PUT", "/v2/site", `{"name":"Beta","proxySettings":{"host":"p","port":80.5}}`},
		{"PUT", "/v2/site", `["Beta"]`},
		{"POST", "/v2/site/" + site.UID, `{"name":"Alpha","proxySettings":{"host":"p"}}`},
		{"POST", "/v2/site/" + site.UID, `{"onDemand":false}`},
		{"POST", "/v2/device/" + dev.UID + "/udf", `{"udf1":5}`},
		{"POST", "/v2/device/" + dev.UID + "/udf", `{"udf301":"x"}`},
		{"POST", "/v2/device/" + dev.UID + "/udf", `{"udf1":"` + strings.Repeat("x", 256) + `"}`},
	} {
		st, reply := send(t, srv, tc.method, tc.path, tc.body)
		if st != http.StatusBadRequest || reply["status"] != 400.0 || reply["error"] != "Bad Request" || reply["path"] != "/api"+tc.path || reply["timestamp"] == nil {
			t.Errorf("%s %s %s: %d %v", tc.method, tc.path, tc.body, st, reply)
		}
	}
	if sites := srv.Sites(); len(sites) != 1 || sites[0].Name != "Alpha" || !sites[0].OnDemand {
		t.Errorf("sites after refusals = %+v", sites)
	}
	if d, _ := srv.Device(dev.UID); len(d.UDF) != 0 {
		t.Errorf("UDFs after refusals = %v", d.UDF)
	}
	// What the spec allows passes: proxy on create, null to delete a UDF.
	if st, reply := send(t, srv, "PUT", "/v2/site", `{"name":"Beta","onDemand":false,"proxySettings":{"host":"p","port":8080,"type":"http"}}`); st != http.StatusOK || reply["proxySettings"] == nil {
		t.Errorf("valid create: %d %v", st, reply)
	}
	if st, _ := send(t, srv, "POST", "/v2/device/"+dev.UID+"/udf", `{"udf1":"a","udf2":null}`); st != http.StatusOK {
		t.Errorf("valid UDF set: %d", st)
	}
}
