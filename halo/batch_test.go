package halo_test

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/mspsync/mspsync/fakeapi"
	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halotest"
)

// creates returns n create records in site, each with its own datto_id.
func creates(site, typ, n int, prefix string) []halo.Asset {
	var out []halo.Asset
	for i := range n {
		out = append(out, halo.Asset{InventoryNumber: fmt.Sprintf("%s-%02d", prefix, i), SiteID: site, AssetTypeID: typ, DattoID: fmt.Sprintf("%s-dev-%d", prefix, i)})
	}
	return out
}

// checkCreated fails unless every result names the stored asset with its
// record's datto_id.
func checkCreated(t *testing.T, srv *halotest.Server, res []halo.SaveResult) {
	t.Helper()
	byID := map[int]halo.Asset{}
	for _, a := range srv.Assets() {
		byID[a.ID] = a
	}
	for i, r := range res {
		if r.Err != nil || r.Saved == nil {
			t.Fatalf("result %d: %v", i, r.Err)
		}
		if got := byID[r.Saved.ID]; got.DattoID != r.Input.DattoID || got.InventoryNumber != r.Input.InventoryNumber {
			t.Errorf("result %d names asset %d (%s), want the one with %s", i, r.Saved.ID, got.DattoID, r.Input.DattoID)
		}
	}
}

// Creates travel 50 to a POST. Halo's reply to several records is not
// documented: answered with one object (halotest's default), the created
// ids are found by one read of the newest assets; answered with an array,
// by position, without a read.
func TestSaveBatchCreatesInBatches(t *testing.T) {
	t.Parallel()
	for _, arrays := range []bool{false, true} {
		t.Run(fmt.Sprint("arrays=", arrays), func(t *testing.T) {
			t.Parallel()
			var opts []halotest.Option
			if arrays {
				opts = append(opts, halotest.WithArrayBatchReply())
			}
			srv, c := setup(t, opts...)
			_, site, typ := estate(srv)
			site2 := srv.SeedSite(halo.Site{Name: "Branch", ClientID: site.ClientID})
			for i := range 120 { // older assets the read back must not confuse
				srv.SeedAsset(halo.Asset{InventoryNumber: fmt.Sprint("OLD-", i), SiteID: site.ID, AssetTypeID: typ.ID})
			}
			if _, err := c.Statuses.List(t.Context(), nil); err != nil {
				t.Fatal(err)
			}
			srv.ResetRequests()
			batch := append(creates(site.ID, typ.ID, 60, "A"), creates(site2.ID, typ.ID, 12, "B")...)
			res := c.Assets.SaveBatch(t.Context(), batch)
			checkCreated(t, srv, res)
			reads := 2
			if arrays {
				reads = 0
			}
			if p, g := srv.Count(http.MethodPost, "/api/Asset"), srv.Count(http.MethodGet, "/api/Asset"); p != 2 || g != reads {
				t.Errorf("%d POSTs and %d reads for 72 creates; want 2 and %d", p, g, reads)
			}
			if n := len(srv.Assets()); n != 120+72 {
				t.Errorf("%d assets stored, want %d", n, 120+72)
			}
		})
	}
}

// Records a read back cannot tell apart are errors, and are not created
// again.
func TestSaveBatchUnidentifiedCreatesAreErrors(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	_, site, typ := estate(srv)
	twin := halo.Asset{InventoryNumber: "TWIN", SiteID: site.ID, AssetTypeID: typ.ID}
	res := c.Assets.SaveBatch(t.Context(), []halo.Asset{twin, twin, {InventoryNumber: "ONE", SiteID: site.ID, AssetTypeID: typ.ID}})
	if !errors.Is(res[0].Err, halo.ErrNotIdentified) || !errors.Is(res[1].Err, halo.ErrNotIdentified) || res[2].Err != nil {
		t.Errorf("results: %v / %v / %v", res[0].Err, res[1].Err, res[2].Err)
	}
	if n, p := len(srv.Assets()), srv.Count(http.MethodPost, "/api/Asset"); n != 3 || p != 1 {
		t.Errorf("%d assets after %d POSTs; want 3 after 1", n, p)
	}
}

// A batch of creates whose answer is lost after Halo stored it is found
// by reading back, not failed nor sent again; a batch Halo rejects is read
// back, then the records not stored are sent one by one.
func TestSaveBatchCreatesAfterFailures(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	_, site, typ := estate(srv)
	if _, err := c.Statuses.List(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	srv.Inject(fakeapi.Fault{Method: http.MethodPost, Path: "/api/Asset", Truncate: true})
	res := c.Assets.SaveBatch(t.Context(), creates(site.ID, typ.ID, 5, "T"))
	checkCreated(t, srv, res)
	if n, p := len(srv.Assets()), srv.Count(http.MethodPost, "/api/Asset"); n != 5 || p != 1 {
		t.Errorf("%d assets after %d POSTs; want 5 after 1", n, p)
	}

	srv.ResetRequests()
	batch := creates(site.ID, typ.ID, 4, "R")
	batch[2].SiteID = 99999
	res = c.Assets.SaveBatch(t.Context(), batch)
	if res[2].Err == nil || res[0].Err != nil || res[1].Err != nil || res[3].Err != nil {
		t.Fatalf("results: %v %v %v %v", res[0].Err, res[1].Err, res[2].Err, res[3].Err)
	}
	checkCreated(t, srv, []halo.SaveResult{res[0], res[1], res[3]})
	// 1 rejected batch, 1 read back, 4 singles.
	if p, g := srv.Count(http.MethodPost, "/api/Asset"), srv.Count(http.MethodGet, "/api/Asset"); p != 5 || g != 1 || len(srv.Assets()) != 8 {
		t.Errorf("%d POSTs, %d reads, %d assets; want 5, 1, 8", p, g, len(srv.Assets()))
	}
}

// Concurrent SaveBatch calls of one client create their batches one at a
// time, so each read back finds its own records among the newest.
func TestSaveBatchConcurrentCreates(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	_, site, typ := estate(srv)
	res := make([][]halo.SaveResult, 4)
	var wg sync.WaitGroup
	for i := range res {
		wg.Go(func() { res[i] = c.Assets.SaveBatch(t.Context(), creates(site.ID, typ.ID, 50, fmt.Sprint("G", i))) })
	}
	wg.Wait()
	for _, r := range res {
		checkCreated(t, srv, r)
	}
	if p, g := srv.Count(http.MethodPost, "/api/Asset"), srv.Count(http.MethodGet, "/api/Asset"); p != 4 || g != 4 {
		t.Errorf("%d POSTs, %d reads; want 4 and 4", p, g)
	}
}
