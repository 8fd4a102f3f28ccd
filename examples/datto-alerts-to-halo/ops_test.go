package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/memstore"
	"github.com/mspsync/mspsync/dattormm/dattormmdriver"
	"github.com/mspsync/mspsync/dattormm/dattormmtest"
	"github.com/mspsync/mspsync/halo/halodriver"
	"github.com/mspsync/mspsync/halo/halotest"
)

// -dry-route replays what GET /requests recorded through a candidate
// configuration (here: the operator maps the Northwind site by hand) and
// says where each alert would go, reading Halo only.
func TestDryRouteReplaysTheRequestLog(t *testing.T) {
	d, err := startDemo(t.Context(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer d.stop()
	if err := d.script(t.Context(), io.Discard); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(d.rc.base + "/requests")
	if err != nil {
		t.Fatal(err)
	}
	export, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	path := filepath.Join(t.TempDir(), "requests.json")
	os.WriteFile(path, export, 0o600)
	alerts, err := replayAlerts(path)
	if err != nil {
		t.Fatal(err)
	}
	// Raises and the resolve of the receiver, oldest first, no redelivery,
	// nothing for the refused payloads.
	var ids []string
	for _, a := range alerts {
		ids = append(ids, string(a.Kind)+" "+a.EventID)
	}
	w := d.w
	want := []string{"raise " + w.disk.AlertUID, "raise " + w.spooler.AlertUID, "raise " + w.offline.AlertUID, "raise " + w.stray.AlertUID,
		"raise " + w.tail.AlertUID, "raise " + w.wood.AlertUID, "resolve " + w.spooler.AlertUID, "raise " + w.av.AlertUID}
	if strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Fatalf("replayed %v;\nwant %v", ids, want)
	}

	cfg := demoConfig(w)
	var northwindSite string
	for _, a := range alerts {
		if a.EventID == w.stray.AlertUID {
			northwindSite = a.Customer.ID
		}
	}
	cfg.Customers = append(cfg.Customers, alerting.CustomerMapping{Source: dattormmdriver.Kind, SourceCustomer: northwindSite, Customer: strconv.Itoa(w.northwind[0])})
	hc, err := d.hs.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := alerting.New(cfg, memstore.New(), halodriver.NewAlertSink(hc), alerting.WithSiteMappings(demoLearned(w)))
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	tickets := len(d.hs.Tickets())
	d.hs.ResetRequests()
	var out bytes.Buffer
	if err := dryRoute(t.Context(), eng, alerts, true, &out); err != nil {
		t.Fatal(err)
	}
	var xs []alerting.Explanation
	if err := json.Unmarshal(out.Bytes(), &xs); err != nil || len(xs) != len(alerts) {
		t.Fatalf("-json: %v, %d explanations\n%s", err, len(xs), out.String())
	}
	byID := map[string]alerting.Explanation{}
	for _, x := range xs {
		if x.Kind == alerting.Raise {
			byID[x.AlertID] = x
		}
	}
	if x := byID[w.stray.AlertUID]; x.Action != alerting.ActionNewTicket || x.Routing.By != alerting.RouteMapping || x.Routing.Customer != strconv.Itoa(w.northwind[0]) {
		t.Errorf("Northwind under the candidate config: %+v", x)
	}
	if x := byID[w.disk.AlertUID]; x.Action != alerting.ActionNewTicket || x.Routing.By != alerting.RouteAsset || x.Routing.Asset != strconv.Itoa(w.pc01) ||
		x.Routing.Contact != strconv.Itoa(w.ann) || x.Defaults.Queue != strconv.Itoa(w.serviceDesk) {
		t.Errorf("disk: %+v", x)
	}
	if x := byID[w.av.AlertUID]; x.Defaults.Queue != strconv.Itoa(w.security) || x.Type != "antivirus_ctx" {
		t.Errorf("antivirus (type from the recorded, enriched alert): %+v", x)
	}
	if x := byID[w.wood.AlertUID]; x.Routing.By != alerting.RouteLearned {
		t.Errorf("woodgrove: %+v", x)
	}
	if n := len(d.hs.Tickets()); n != tickets {
		t.Errorf("the dry run changed Halo's tickets: %d, was %d", n, tickets)
	}
	for _, r := range d.hs.Requests() {
		if r.Method != http.MethodGet && !strings.Contains(r.Path, "token") {
			t.Errorf("the dry run sent %s %s to Halo", r.Method, r.Path)
		}
	}

	out.Reset()
	if err := dryRoute(t.Context(), eng, alerts[:1], false, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"nothing was written", "new_ticket", "CON-PC01", "asset_user", "is linked to PSA asset"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

// -dry-route reads a JSON array of alerts too, refuses other files, and
// needs the HALO_* settings only.
func TestDryRouteFiles(t *testing.T) {
	dir := t.TempDir()
	arr := filepath.Join(dir, "alerts.json")
	os.WriteFile(arr, []byte(`[{"source":"datto","event_id":"e1","kind":"raise","customer":{"id":"s1","name":"Contoso"}}]`), 0o600)
	if as, err := replayAlerts(arr); err != nil || len(as) != 1 || as[0].Customer.Name != "Contoso" {
		t.Errorf("array: %+v %v", as, err)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"alerts":[]}`), 0o600)
	if _, err := replayAlerts(bad); err == nil {
		t.Error("a file of neither shape was accepted")
	}
	for _, k := range []string{"HALO_URL", "HALO_CLIENT_ID", "HALO_CLIENT_SECRET", "DATTO_API_URL", "DATTO_API_KEY", "DATTO_API_SECRET", "DATTO_WEBHOOK_SECRET"} {
		t.Setenv(k, "")
	}
	var errOut bytes.Buffer
	code := run(t.Context(), options{dryRoute: arr}, &bytes.Buffer{}, &errOut)
	if code != exitSettings || !strings.Contains(errOut.String(), "HALO_URL") || strings.Contains(errOut.String(), "DATTO") {
		t.Errorf("exit %d: %s", code, errOut.String())
	}
}

// /readyz names the vendor that does not answer; /healthz stays 200.
func TestReadyzNamesTheFailedCheck(t *testing.T) {
	d, err := startDemo(t.Context(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer d.stop()
	d.ds.Inject(dattormmtest.Fault{Path: "/api/v2/account", Status: http.StatusUnauthorized, Times: 100})
	resp, err := http.Get(d.rc.base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), `"failed":["datto"]`) {
		t.Errorf("readyz with Datto refusing: %d %s", resp.StatusCode, body)
	}
	for _, s := range []string{demoSecret, dattormmtest.DefaultAPISecret, halotest.DefaultClientSecret} {
		if strings.Contains(string(body), s) {
			t.Errorf("readyz shows a secret: %s", body)
		}
	}
	if resp, err := http.Get(d.rc.base + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Errorf("healthz: %v %v", resp, err)
	}
}
