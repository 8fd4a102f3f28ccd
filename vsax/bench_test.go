package vsax_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/mspsync/mspsync/vsax"
	"github.com/mspsync/mspsync/vsax/vsaxtest"
)

// BenchmarkAssetsAll reads 10,000 assets through vsaxtest (100 pages of
// 100) and reports the requests one full read takes.
func BenchmarkAssetsAll(b *testing.B) {
	srv := vsaxtest.NewServer(b)
	org := srv.SeedOrganization("Contoso")
	g := srv.SeedGroup(int64(srv.SeedSite(int64(org.ID), "HQ").ID), "G")
	for i := range 10000 {
		srv.SeedDevice(int64(g.ID), vsax.Device{Name: fmt.Sprintf("PC-%05d", i)}, &vsax.Asset{
			AssetInfo: []vsax.AssetInfoCategory{{CategoryName: "BIOS", CategoryData: map[string]string{"Serial Number": fmt.Sprint("SN", i)}}}})
	}
	c, err := srv.NewClient()
	if err != nil {
		b.Fatal(err)
	}
	srv.ResetRequests()
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, err := range c.Assets.All(b.Context(), nil) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 10000 {
			b.Fatalf("read %d assets", n)
		}
	}
	b.ReportMetric(float64(srv.Count(http.MethodGet, "/api/v3/assets"))/float64(b.N), "requests/op")
}
