package halodriver_test

import (
	"testing"

	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halotest"
)

func setup(t *testing.T, opts ...halotest.Option) (*halotest.Server, *halo.Client) {
	t.Helper()
	srv := halotest.NewServer(t, opts...)
	c, err := srv.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// estate seeds one customer with a site and an asset type.
func estate(srv *halotest.Server) (halo.Customer, halo.Site, halo.AssetType) {
	cust := srv.SeedCustomer(halo.Customer{Name: "Acme Ltd"})
	site := srv.SeedSite(halo.Site{Name: "Main", ClientID: cust.ID})
	grp := srv.SeedAssetGroup(halo.AssetGroup{Name: "Devices"})
	typ := srv.SeedAssetType(halo.AssetType{Name: "Workstation", AssetGroupID: grp.ID})
	return cust, site, typ
}
