package halo_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halotest"
)

// BenchmarkAssetsAll reads 10,000 assets through halotest: 100 pages of
// 100. It reports the requests one full read takes.
func BenchmarkAssetsAll(b *testing.B) {
	srv := halotest.NewServer(b)
	cust := srv.SeedCustomer(halo.Customer{Name: "Acme"})
	site := srv.SeedSite(halo.Site{Name: "Main", ClientID: cust.ID})
	typ := srv.SeedAssetType(halo.AssetType{Name: "Workstation"})
	for i := range 10000 {
		srv.SeedAsset(halo.Asset{InventoryNumber: fmt.Sprintf("PC-%05d", i), SiteID: site.ID, AssetTypeID: typ.ID, DattoID: fmt.Sprint("dev-", i)})
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
	b.ReportMetric(float64(srv.Count(http.MethodGet, "/api/Asset"))/float64(b.N), "requests/op")
}
