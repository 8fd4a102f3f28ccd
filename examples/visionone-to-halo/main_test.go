package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
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
