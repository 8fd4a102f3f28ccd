package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestDemoSecondRunChangesNothing runs -demo: the first import creates
// the estate, the second writes nothing, and the notifications open one
// Halo ticket each (the redelivery none).
func TestDemoSecondRunChangesNothing(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(t.Context(), options{demo: true}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, errOut.String(), out.String())
	}
	var sums []string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "summary: ") {
			sums = append(sums, l)
		}
	}
	if len(sums) != 2 {
		t.Fatalf("summaries = %v\n%s", sums, out.String())
	}
	t.Logf("first run: %s", sums[0])
	if strings.Contains(sums[0], "created=0 ") || !strings.Contains(sums[0], "failed=0") {
		t.Errorf("first run: %s", sums[0])
	}
	if !strings.HasPrefix(sums[1], "summary: created=0 updated=0 ") || !strings.Contains(sums[1], "deactivated=0") || !strings.Contains(sums[1], "failed=0") {
		t.Errorf("second run: %s", sums[1])
	}
	// VSA X sites become Halo sites of their organization's customer
	// (sites.child_sites "sites"), the existing one or a new one.
	for _, want := range []string{`its parent "Contoso" is customer "Contoso"`, `its parent "Fabrikam" is new customer "Fabrikam"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no site created under the organization's customer (%s):\n%s", want, out.String())
		}
	}
	if !strings.Contains(errOut.String(), "halo") {
		t.Errorf("progress: %s", errOut.String())
	}
	tickets := out.String()[strings.Index(out.String(), "Halo tickets"):]
	if strings.Count(tickets, "Low disk space") != 1 || strings.Count(tickets, "Service stopped") != 1 {
		t.Errorf("tickets:\n%s", tickets)
	}
	// The notification raised while the receiver was down is ticketed by
	// one poll pass (one list request), the two received ones are not
	// ticketed again.
	if !strings.Contains(out.String(), "Notification poll pass: 1 request (GET /notifications); listed 3, already received 2, ticketed 1, resolved 0") ||
		strings.Count(tickets, "Memory usage high on NOR-PC02") != 1 {
		t.Errorf("poll pass:\n%s", out.String()[strings.Index(out.String(), "Notifications delivered"):])
	}
	for _, want := range []string{"Contoso", "Fabrikam", "Northwind Traders"} {
		if !strings.Contains(tickets, want) {
			t.Errorf("no ticket for %s:\n%s", want, tickets)
		}
	}
}

func TestMissingSettings(t *testing.T) {
	for _, k := range []string{"HALO_URL", "HALO_CLIENT_ID", "HALO_CLIENT_SECRET", "VSAX_URL", "VSAX_TOKEN_ID", "VSAX_TOKEN_SECRET"} {
		t.Setenv(k, "")
	}
	var errOut bytes.Buffer
	code := run(t.Context(), options{}, &bytes.Buffer{}, &errOut)
	for _, want := range []string{"HALO_URL", "VSAX_URL, VSAX_TOKEN_ID, VSAX_TOKEN_SECRET"} {
		if code != exitSettings || !strings.Contains(errOut.String(), want) {
			t.Errorf("exit %d, %q not named: %s", code, want, errOut.String())
		}
	}
}
