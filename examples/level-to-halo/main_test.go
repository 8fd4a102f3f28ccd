package main

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/halo/halotest"
	"github.com/mspsync/mspsync/reconcile"
)

// TestDemoPlacesDevicesOnNearestMappedAncestor runs -demo and checks the
// Halo fake: every device under a mapped group is an asset of the customer
// (and site) of its nearest mapped ancestor group, worked out here from
// the demo's tree; devices under no mapped group, and the ungrouped one,
// are not in Halo; the second run writes nothing.
func TestDemoPlacesDevicesOnNearestMappedAncestor(t *testing.T) {
	var out, errOut bytes.Buffer
	var d *demo
	if code := run(t.Context(), options{demo: true, inspect: func(x *demo) { d = x }}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, errOut.String(), out.String())
	}
	var sums []string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "summary: ") {
			sums = append(sums, l)
		}
	}
	if len(sums) != 3 { // two full runs, then the early sync of the device_created webhook
		t.Fatalf("summaries = %v\n%s", sums, out.String())
	}
	// 20 assets and the "server" asset type; 5 skipped.
	if sums[0] != "summary: created=21 updated=0 unchanged=0 deactivated=0 skipped=5 ambiguous=0 failed=0" {
		t.Errorf("first run: %s", sums[0])
	}
	if sums[1] != "summary: created=0 updated=0 unchanged=20 deactivated=0 skipped=5 ambiguous=0 failed=0" {
		t.Errorf("second run: %s", sums[1])
	}
	done := regexp.MustCompile(`done: halo \d+ requests \(\d+ reads, (\d+) writes\)`).FindAllStringSubmatch(errOut.String(), -1)
	if len(done) < 2 || done[0][1] == "0" || done[1][1] != "0" {
		t.Errorf("Halo writes per run: %v; want some, then 0\n%s", done, errOut.String())
	}
	for _, want := range []string{`site "Store 12 Back Office" mapped through "Contoso Retail"`, `source site "Contoso Labs" is not mapped`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the plan lacks %q", want)
		}
	}

	// The expected placement, by walking demoTree up from each group.
	byName := map[string]demoGroup{}
	depth := 0
	for _, g := range d.groups {
		byName[g.name] = g
	}
	type place struct{ customer, site string }
	want := map[string]place{} // hostname → customer/site; absent: not imported
	for host, group := range d.devices {
		lvl := 0
		for g, ok := byName[group]; ok; g, ok = byName[g.parent] {
			lvl++
		}
		depth = max(depth, lvl)
		for g, ok := byName[group]; ok; g, ok = byName[g.parent] {
			if g.customer != "" {
				site := g.site
				if site == "" {
					site = "Main"
				}
				want[host] = place{g.customer, site}
				break
			}
		}
	}
	if depth < 5 || len(want) != 21 { // 20, and S12-NEW the early sync imported
		t.Fatalf("demo tree: depth %d, %d mapped devices", depth, len(want))
	}
	customers := map[int]string{}
	for _, c := range d.hs.Customers() {
		customers[c.ID] = c.Name
	}
	sites := map[int]place{}
	for _, s := range d.hs.Sites() {
		sites[s.ID] = place{customers[s.ClientID], s.Name}
	}
	got := map[string]place{}
	for _, a := range d.hs.Assets() {
		got[a.InventoryNumber] = sites[a.SiteID]
	}
	for host, w := range want {
		if got[host] != w {
			t.Errorf("%s (group %q): in Halo at %+v, want %+v", host, d.devices[host], got[host], w)
		}
	}
	for host := range got {
		if _, ok := want[host]; !ok {
			t.Errorf("%s (group %q) is in Halo; it is under no mapped group", host, d.devices[host])
		}
	}
}

func TestPrintConfigDefaultsToSkip(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(t.Context(), options{demo: true, printConfig: true}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{`"new_sites": "skip"`, `"source_site_id"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("config lacks %s:\n%s", want, out.String())
		}
	}
	if cfg := DefaultConfig(0, func(string) bool { return false }); cfg.Sites.NewSites != "skip" || len(cfg.Sites.Mappings) != 0 {
		t.Errorf("default sites: %+v", cfg.Sites)
	}
}

func TestMissingSettings(t *testing.T) {
	for _, k := range []string{"HALO_URL", "HALO_CLIENT_ID", "HALO_CLIENT_SECRET", "LEVEL_API_KEY"} {
		t.Setenv(k, "")
	}
	var errOut bytes.Buffer
	code := run(t.Context(), options{}, &bytes.Buffer{}, &errOut)
	for _, want := range []string{"HALO_URL", "LEVEL_API_KEY"} {
		if code != exitSettings || !strings.Contains(errOut.String(), want) {
			t.Errorf("exit %d, %q not named: %s", code, want, errOut.String())
		}
	}
}

// TestDemoAlerts checks the alert half of -demo: the receiver's answers,
// the Halo tickets (one per mapped policy, none for the unmapped policy or
// the device under no mapped group, one for the redelivery; the
// automation-template delivery's by its policy_id, its wrong-secret twin
// refused with 401), the resolve
// of the ticket closed in Halo reaching the Level fake, and no echo of the
// resolve Level sent.
func TestDemoAlerts(t *testing.T) {
	var out, errOut bytes.Buffer
	var d *demo
	if code := run(t.Context(), options{demo: true, inspect: func(x *demo) { d = x }}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, errOut.String(), out.String())
	}
	text := out.String()
	for _, want := range []string{
		"signed with another secret                                                                                     401 Unauthorized",
		"alerts: received=7 deduplicated=1 tickets_created=3 tickets_closed=1 ignored_policy_not_mapped=1 rejected_unmapped_group=1 rejected_bad_signature=2",
		"1 alert(s) resolved in Level",
		"Group mappings (-status)",
		"Events of device S12-NEW",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	for _, re := range []string{
		`\n7\. template: Print spooler stopped on \S+ \(policy_id ` + demoPolicyID + ` is mapped\) +200 OK\n`,
		`\n8\. template with a wrong shared secret +401 Unauthorized\n`,
	} {
		if !regexp.MustCompile(re).MatchString(text) {
			t.Errorf("output lacks %s", re)
		}
	}
	tickets, types := map[string]string{}, map[string]int{}
	for _, tk := range d.hs.Tickets() {
		tickets[tk.Summary], types[tk.Summary] = tk.ClientName, tk.TicketTypeID
	}
	if len(tickets) != 3 || tickets["CPU usage"] != "Northwind GmbH" || tickets["Disk space low"] != "Contoso" || tickets["Print spooler stopped"] != "Northwind Traders" {
		t.Errorf("Halo tickets %v", tickets)
	}
	// "Print spooler stopped" is no key of the policy map: the template's
	// policy_id gave it the type it maps to.
	if types["Print spooler stopped"] == 0 || types["Print spooler stopped"] != types["CPU usage"] {
		t.Errorf("ticket types %v: the template alert should have the type demoPolicyID maps to (Monitoring alert)", types)
	}
	if r := d.ls.Resolves(); len(r) != 1 {
		t.Errorf("Level received %d resolves, want 1 (the ticket closed in Halo; not the one Level sent)", len(r))
	}
	if n := d.ls.Count("POST", "/alerts/"); n != 1 {
		t.Errorf("%d resolve requests", n)
	}
	for _, a := range d.hs.Assets() {
		if a.InventoryNumber == "S12-NEW" {
			return
		}
	}
	t.Error("the early sync did not import S12-NEW")
}

// TestFreshConfigSendsNothing: a config that leaves the switches out
// (a fresh one) plans the import without writing to Halo and posts no
// alerts.
func TestFreshConfigSendsNothing(t *testing.T) {
	path := t.TempDir() + "/fresh.json"
	if err := os.WriteFile(path, []byte(`{}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	var d *demo
	if code := run(t.Context(), options{demo: true, configPath: path, inspect: func(x *demo) { d = x }}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	if len(d.hs.Assets()) != 0 || len(d.hs.Tickets()) != 0 {
		t.Errorf("a fresh config wrote %d assets and %d tickets", len(d.hs.Assets()), len(d.hs.Tickets()))
	}
	for _, want := range []string{"send_devices is off", "send_alerts is off"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
	cfg, err := loadConfig(strings.NewReader(`{}`), func() (*reconcile.Config, error) { return DefaultConfig(0, func(string) bool { return false }), nil })
	if err != nil || cfg.SendDevices || cfg.SendAlerts {
		t.Fatalf("fresh config %+v, %v: both switches must be off", cfg, err)
	}
	if _, err := loadConfig(strings.NewReader(`{"send_device": true}`), nil); err == nil {
		t.Error("a misspelt switch was accepted")
	}
	if _, err := loadConfig(strings.NewReader(`{"sync": {"sites": {"new_sites": "maybe"}}}`), nil); err == nil || !strings.Contains(err.Error(), "new_sites") {
		t.Errorf("bad sync config: %v", err)
	}
}

// TestStatusAndEventsFlags reads back what a demo kept in -state.
func TestStatusAndEventsFlags(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	if code := run(t.Context(), options{demo: true, stateDir: dir}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	out.Reset()
	if code := run(t.Context(), options{showStatus: true, stateDir: dir}, &out, &errOut); code != exitOK {
		t.Fatalf("-status: exit %d: %s", code, errOut.String())
	}
	if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); len(lines) != 5 || strings.Count(out.String(), " synced ") != 4 {
		t.Errorf("-status: want a header and four synced mappings:\n%s", out.String())
	}
	// The early sync of S12-NEW (Store 12 → Contoso Retail) moved that
	// mapping alone, with the one device it read.
	for _, l := range strings.Split(out.String(), "\n") {
		if early := strings.HasSuffix(strings.TrimSpace(l), "(early)"); early != strings.Contains(l, "Contoso Retail") {
			t.Errorf("-status row %q: early %v", l, early)
		} else if early && !regexp.MustCompile(`synced\s+1\s+1\s+0\s`).MatchString(l) {
			t.Errorf("-status row of the early-synced mapping: %q", l)
		}
	}
	out.Reset()
	if code := run(t.Context(), options{events: "S12-NEW", stateDir: dir, asJSON: true}, &out, &errOut); code != exitOK {
		t.Fatalf("-events: exit %d: %s", code, errOut.String())
	}
	var ev struct {
		Device, Action, Outcome string
		Request                 struct {
			Fields []struct{ Name, Value string }
		}
	}
	if err := json.Unmarshal(bytes.TrimSpace(out.Bytes()), &ev); err != nil || ev.Device != "S12-NEW" || ev.Action != "create_asset" || ev.Outcome != "sent" || len(ev.Request.Fields) == 0 {
		t.Errorf("-events S12-NEW -json: %+v, %v\n%s", ev, err, out.String())
	}
}

func TestCheckAndJSONLogs(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(t.Context(), options{demo: true, check: true, verbose: true, logFormat: "json"}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "level: http") || !strings.Contains(lines[0], "key accepted") || !strings.HasPrefix(lines[1], "halo: credentials accepted") {
		t.Errorf("-check printed:\n%s", out.String())
	}
	jsonLines := 0
	for _, l := range strings.Split(errOut.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] != nil {
			jsonLines++
		}
	}
	if jsonLines == 0 {
		t.Errorf("no JSON log lines with -log-format json -v:\n%s", errOut.String())
	}
	if code := run(t.Context(), options{demo: true, logFormat: "xml"}, &out, &errOut); code != exitSettings {
		t.Errorf("-log-format xml: exit %d", code)
	}
}

// TestForbiddenFieldSaysAnAdminIsNeeded: Halo answers 403 when the API
// agent may not create the asset field links are kept in.
func TestForbiddenFieldSaysAnAdminIsNeeded(t *testing.T) {
	var out, errOut bytes.Buffer
	prepare := func(d *demo) {
		d.hs.Inject(halotest.Fault{Method: "POST", Path: "/api/Field", Status: 403, Times: 100})
	}
	code := run(t.Context(), options{demo: true, prepare: prepare}, &out, &errOut)
	if code != exitFailed {
		t.Fatalf("exit %d, want %d", code, exitFailed)
	}
	if !strings.Contains(errOut.String(), `Halo refused (403) to create the asset field "level device ID": that step needs an agent with admin rights`) {
		t.Errorf("stderr:\n%s", errOut.String())
	}
}
