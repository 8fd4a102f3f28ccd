package halodriver_test

import (
	"context"
	"testing"

	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halodriver"
	"github.com/mspsync/mspsync/halo/halotest"
)

// TestReadTenant reads the first asset group and the asset field names
// (matched without regard to case) in exactly two requests.
func TestReadTenant(t *testing.T) {
	t.Parallel()
	srv := halotest.NewServer(t)
	g := srv.SeedAssetGroup(halo.AssetGroup{Name: "Hardware"})
	srv.SeedAssetGroup(halo.AssetGroup{Name: "Software"})
	srv.SeedAssetField(halo.AssetField{Name: "Serial Number"})
	hc, err := srv.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	before := hc.Stats()
	tn, err := halodriver.ReadTenant(context.Background(), hc)
	if err != nil {
		t.Fatal(err)
	}
	if tn.AssetGroupID != g.ID {
		t.Errorf("AssetGroupID = %d, want %d", tn.AssetGroupID, g.ID)
	}
	if !tn.HasAssetField("serial number") || tn.HasAssetField("Model") {
		t.Errorf("HasAssetField: serial number %v, Model %v", tn.HasAssetField("serial number"), tn.HasAssetField("Model"))
	}
	if n := hc.Stats().Sub(before).Requests; n != 2 {
		t.Errorf("%d requests, want 2", n)
	}

	srv.Inject(halotest.Fault{Path: "/api/Field", Status: 400})
	if _, err := halodriver.ReadTenant(context.Background(), hc); err == nil {
		t.Error("a failing /Field read gave no error")
	}
}
