package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/visionone/visiononedriver"
)

// TestDemo: the demo tickets Contoso's workbench alert and high-risk user
// and its High risk event on Contoso (auto-matched), Fabrikam's alert and
// new asset on the default customer, nothing for Northwind (tickets off),
// no Low risk event and no new asset for Contoso (kind off); the close in
// Halo reaches Vision One.
func TestDemo(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"-demo"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errb.String(), out.String())
	}
	s := out.String()
	tickets := s[strings.Index(s, "Halo tickets"):]
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`Contoso Ltd\s+21\s+Vision One: Ransomware Behavior Detection`),
		regexp.MustCompile(`Contoso Ltd\s+21\s+Vision One: high-risk user bob@contoso.com`),
		regexp.MustCompile(`Contoso Ltd\s+21\s+Sign-in from an unusual country`),
		regexp.MustCompile(`Vision One Unassigned\s+21\s+Vision One: Privilege Escalation`),
		regexp.MustCompile(`Vision One Unassigned\s+21\s+Vision One: newly discovered asset FAB-DC01`),
		regexp.MustCompile(`Open / No Findings -> Closed / True Positive`),
		regexp.MustCompile(`Northwind Traders\s+auto-matched\s+\S+ Northwind Traders\s+off`),
		regexp.MustCompile(`Fabrikam Labs\s+unmatched`),
	} {
		if !want.MatchString(s) {
			t.Errorf("output lacks %s", want)
		}
	}
	for _, no := range []string{"Northwind Traders  21", "NAS-02", "Outdated browser", "not used"} {
		if strings.Contains(tickets, no) {
			t.Errorf("tickets show %q", no)
		}
	}
	if n := strings.Count(tickets, "  21  "); n != 5 {
		t.Errorf("%d tickets; want 5\n%s", n, tickets)
	}
}

func TestDemoMappingsAndCheck(t *testing.T) {
	for _, flag := range []string{"-mappings", "-check"} {
		var out, errb bytes.Buffer
		if code := run([]string{"-demo", flag, "-log-format", "json"}, &out, &errb); code != 0 {
			t.Fatalf("%s: exit %d: %s", flag, code, errb.String())
		}
		if flag == "-mappings" && !strings.Contains(out.String(), "MAPPING STATUS") || flag == "-check" && !strings.Contains(out.String(), "key valid") {
			t.Errorf("%s printed %s", flag, out.String())
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"-log-format", "xml", "-demo"}, &out, &errb); code != 2 {
		t.Errorf("bad log format: exit %d", code)
	}
}

// TestPrintConfig: -print-config needs no settings and prints the
// defaults, naming on stderr what a run still needs; with -config it
// prints the file over the defaults, and refuses a file with an unknown
// key or an invalid value, naming the key. A run refuses what
// -print-config lets through unset.
func TestPrintConfig(t *testing.T) {
	for _, k := range []string{"HALO_URL", "HALO_CLIENT_ID", "HALO_CLIENT_SECRET"} {
		t.Setenv(k, "")
	}
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var out, errb bytes.Buffer
	if code := run([]string{"-print-config"}, &out, &errb); code != 0 {
		t.Fatalf("defaults: exit %d: %s", code, errb.String())
	}
	var def visiononedriver.Config
	if err := json.Unmarshal(out.Bytes(), &def); err != nil {
		t.Fatal(err)
	}
	if def.PollInterval != "5m0s" || def.WatchlistFilter != visiononedriver.DefaultWatchlistFilter || def.AutoMatch == nil || !*def.AutoMatch ||
		!strings.Contains(errb.String(), "ticket_type") || !strings.Contains(errb.String(), "default_customer") {
		t.Errorf("defaults: %s\nstderr %s", out.String(), errb.String())
	}

	out.Reset()
	errb.Reset()
	good := write("good.json", `{"ticket_type": "21", "default_customer": "99", "poll_interval": "10m",
		"customers": [{"name": "Contoso Ltd", "region": "eu", "api_key_env": "V1_KEY_CONTOSO"}]}`)
	if code := run([]string{"-print-config", "-config", good}, &out, &errb); code != 0 {
		t.Fatalf("good file: exit %d: %s", code, errb.String())
	}
	var got visiononedriver.Config
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.TicketType != "21" || got.PollInterval != "10m" || got.FirstRunWindow != "4h0m0s" || len(got.Customers) != 1 ||
		got.Customers[0].Region != "eu" || len(got.RiskEventSeverities) != 2 || errb.Len() != 0 {
		t.Errorf("the file over the defaults: %s\nstderr %s", out.String(), errb.String())
	}

	for _, c := range []struct{ body, key string }{
		{`{"ticket_typ": "21"}`, "ticket_typ"},
		{`{"customers": [{"name": "A", "regon": "eu"}]}`, "customers[0].regon"},
		{`{"customers": [{"name": "A", "region": "mars"}]}`, "customers[0].region"},
		{`{"poll_interval": "often"}`, "poll_interval"},
	} {
		out.Reset()
		errb.Reset()
		p := write("bad.json", c.body)
		if code := run([]string{"-print-config", "-config", p}, &out, &errb); code != 2 || !strings.Contains(errb.String(), c.key) || out.Len() != 0 {
			t.Errorf("%s: exit %d, stdout %q, stderr %s", c.body, code, out.String(), errb.String())
		}
	}

	out.Reset()
	errb.Reset()
	unset := write("unset.json", `{"customers": []}`)
	if code := run([]string{"-config", unset}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "ticket_type") {
		t.Errorf("a run without ticket_type: exit %d, %s", code, errb.String())
	}
}
