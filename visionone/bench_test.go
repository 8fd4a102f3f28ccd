package visionone_test

import (
	"testing"
	"time"

	"github.com/mspsync/mspsync/visionone"
	"github.com/mspsync/mspsync/visionone/visiononetest"
)

// BenchmarkWorkbenchAll walks 10,000 workbench alerts (the fake's page of
// DefaultWorkbenchPageSize, a filter re-sent on every page) and reports
// the requests per walk.
func BenchmarkWorkbenchAll(b *testing.B) {
	srv := visiononetest.NewServer(b)
	cust := srv.AddCustomer("Contoso Ltd", visionone.RegionEU)
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 10_000 {
		ts := base.Add(time.Duration(i) * time.Second)
		cust.AddAlert(visionone.WorkbenchAlert{Severity: "high", CreatedDateTime: &ts})
	}
	c, err := cust.NewClient()
	if err != nil {
		b.Fatal(err)
	}
	opts := &visionone.AlertListOptions{Start: base, OrderBy: "createdDateTime asc", Filter: visionone.Eq("status", "Open")}
	b.ResetTimer()
	for b.Loop() {
		cust.ResetRequests()
		n := 0
		for _, err := range c.Workbench.Alerts(b.Context(), opts) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 10_000 {
			b.Fatalf("walked %d alerts", n)
		}
		b.ReportMetric(float64(len(cust.Requests())), "requests/op")
	}
}
