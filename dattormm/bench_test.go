package dattormm_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/dattormm/dattormmtest"
)

// BenchmarkDevicesAll reads 10,000 devices through dattormmtest (40 pages
// of 250) and reports the requests one full read takes.
func BenchmarkDevicesAll(b *testing.B) {
	srv := dattormmtest.NewServer(b)
	site := srv.SeedSite(dattormm.Site{Name: "Contoso"})
	for i := range 10000 {
		srv.SeedDevice(dattormm.Device{Hostname: fmt.Sprintf("PC-%05d", i), SiteUID: site.UID, OperatingSystem: "Windows 11"})
	}
	c, err := srv.NewClient()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.System.Pagination(b.Context()); err != nil { // token first
		b.Fatal(err)
	}
	srv.ResetRequests()
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, err := range c.Account.Devices(b.Context(), nil) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 10000 {
			b.Fatalf("read %d devices", n)
		}
	}
	b.ReportMetric(float64(srv.Count(http.MethodGet, "/api/v2/account/devices"))/float64(b.N), "requests/op")
}
