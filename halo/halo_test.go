package halo_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mspsync/mspsync/fakeapi"
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

func TestAllAssetsPagesBy100(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	_, site, typ := estate(srv)
	for i := range 1050 {
		srv.SeedAsset(halo.Asset{InventoryNumber: fmt.Sprintf("PC-%04d", i), SiteID: site.ID, AssetTypeID: typ.ID})
	}
	srv.ResetRequests()
	n := 0
	for a, err := range c.Assets.All(t.Context(), &halo.AssetListOptions{SiteID: site.ID}) {
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("PC-%04d", n); a.InventoryNumber != want || a.ClientID == 0 {
			t.Fatalf("asset %d = %+v, want %s", n, a, want)
		}
		n++
	}
	if n != 1050 {
		t.Errorf("got %d assets, want 1050", n)
	}
	reqs := srv.Requests()
	lists := 0
	for _, r := range reqs {
		if r.Method != http.MethodGet || r.Path != "/api/Asset" {
			continue
		}
		lists++
		want := url.Values{"pageinate": {"true"}, "page_size": {"100"}, "page_no": {strconv.Itoa(lists)}, "site_id": {strconv.Itoa(site.ID)}}
		if r.Query.Encode() != want.Encode() {
			t.Errorf("request %d query = %s, want %s", lists, r.Query.Encode(), want.Encode())
		}
	}
	if api := srv.Count("", "/api/"); lists != 11 || api != 11 {
		t.Errorf("list requests = %d (API requests %d), want 11", lists, api)
	}
}

func TestListStopsAtRecordCount(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	_, site, typ := estate(srv)
	for i := range 200 { // exactly two full pages: record_count ends it without a third request
		srv.SeedAsset(halo.Asset{InventoryNumber: strconv.Itoa(i), SiteID: site.ID, AssetTypeID: typ.ID})
	}
	srv.ResetRequests()
	got := 0
	for _, err := range c.Assets.All(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		got++
	}
	if got != 200 || srv.Count(http.MethodGet, "/api/Asset") != 2 {
		t.Errorf("assets %d, requests %d; want 200 in 2", got, srv.Count(http.MethodGet, "/api/Asset"))
	}
}

func TestPageSizeIsClampedTo100(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	_, site, typ := estate(srv)
	for i := range 130 {
		srv.SeedAsset(halo.Asset{InventoryNumber: strconv.Itoa(i), SiteID: site.ID, AssetTypeID: typ.ID})
	}
	p, err := c.Assets.ListPage(t.Context(), &halo.AssetListOptions{PageSize: 1000}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 100 || p.Total != 130 || p.Next != "2" {
		t.Errorf("page: %d items, total %d, next %q", len(p.Items), p.Total, p.Next)
	}
	last := srv.Requests()[len(srv.Requests())-1]
	if last.Query.Get("page_size") != "100" {
		t.Errorf("page_size sent = %s", last.Query.Get("page_size"))
	}
	p, err = c.Assets.ListPage(t.Context(), nil, p.Next)
	if err != nil || len(p.Items) != 30 || p.Next != "" {
		t.Errorf("page 2: %v items, next %q, err %v", len(p.Items), p.Next, err)
	}
}

func TestListPageCursorAndOptions(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	_, site, typ := estate(srv)
	for i := range 5 {
		srv.SeedAsset(halo.Asset{InventoryNumber: strconv.Itoa(i), SiteID: site.ID, AssetTypeID: typ.ID})
	}
	opts := &halo.AssetListOptions{SiteID: site.ID, PageSize: 2}
	want := *opts
	var pages []int
	for cursor := ""; ; {
		p, err := c.Assets.ListPage(t.Context(), opts, cursor)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, len(p.Items))
		if p.Next == "" {
			break
		}
		cursor = p.Next
	}
	if fmt.Sprint(pages) != "[2 2 1]" || *opts != want {
		t.Errorf("pages %v, opts %+v", pages, *opts)
	}
	all, err := halo.Collect(c.Assets.All(t.Context(), opts))
	if err != nil || len(all) != 5 || *opts != want {
		t.Errorf("All: %d items, err %v, opts %+v", len(all), err, *opts)
	}
	for _, cursor := range []string{"0", "x", "-1"} {
		if _, err := c.Assets.ListPage(t.Context(), nil, cursor); err == nil || !strings.Contains(err.Error(), "not a page number") {
			t.Errorf("cursor %q: err = %v", cursor, err)
		}
	}
}

func TestInactiveAssetsNeedIncludeInactive(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	_, site, typ := estate(srv)
	srv.SeedAsset(halo.Asset{InventoryNumber: "live", SiteID: site.ID, AssetTypeID: typ.ID})
	srv.SeedAsset(halo.Asset{InventoryNumber: "gone", SiteID: site.ID, AssetTypeID: typ.ID, Inactive: halo.Ptr(true)})
	count := func(opts *halo.AssetListOptions) int {
		p, err := c.Assets.ListPage(t.Context(), opts, "")
		if err != nil {
			t.Fatal(err)
		}
		return len(p.Items)
	}
	if n := count(nil); n != 1 {
		t.Errorf("default list = %d, want 1", n)
	}
	if n := count(&halo.AssetListOptions{IncludeInactive: true}); n != 2 {
		t.Errorf("includeinactive list = %d, want 2", n)
	}
}

func TestRateLimitWithRetryAfterIsWaitedOut(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	estate(srv)
	if _, err := c.Clients.ListPage(t.Context(), nil, ""); err != nil { // token first
		t.Fatal(err)
	}
	srv.ResetRequests()
	srv.Inject(fakeapi.Fault{Path: "/api/Client", Status: http.StatusTooManyRequests, RetryAfter: "1"})
	start := time.Now()
	p, err := c.Clients.ListPage(t.Context(), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 1 || srv.Count(http.MethodGet, "/api/Client") != 2 || time.Since(start) < time.Second {
		t.Errorf("items %d, requests %d after %s", len(p.Items), srv.Count(http.MethodGet, "/api/Client"), time.Since(start))
	}
	if st := c.Stats(); st.Retries != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestRateLimitTextSurfaces(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	srv.Inject(fakeapi.Fault{Path: "/api/Tickets", Status: http.StatusTooManyRequests, Times: 10})
	_, err := c.Tickets.Get(t.Context(), 1)
	if !errors.Is(err, halo.ErrRateLimited) || !strings.Contains(err.Error(), halotest.RateLimitMessage) {
		t.Errorf("err = %v", err)
	}
	if n := srv.Count(http.MethodGet, "/api/Tickets"); n != 4 {
		t.Errorf("attempts = %d, want 4 (the test policy's maximum)", n)
	}
}

func TestCreateIsNotRetriedAfterServerError(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	cust, site, _ := estate(srv)
	if _, err := c.Statuses.List(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	srv.Inject(fakeapi.Fault{Method: http.MethodPost, Path: "/api/Tickets", Status: http.StatusInternalServerError})
	_, err := c.Tickets.Create(t.Context(), halo.NewTicket{ClientID: cust.ID, SiteID: site.ID, Summary: "Disk full"})
	if !errors.Is(err, halo.ErrServerError) {
		t.Fatalf("err = %v", err)
	}
	if n := srv.Count(http.MethodPost, "/api/Tickets"); n != 1 {
		t.Errorf("POSTs = %d, want 1", n)
	}
	// An update (id set) is safe to replay.
	tk := srv.SeedTicket(halo.Ticket{Summary: "x", ClientID: cust.ID})
	srv.Inject(fakeapi.Fault{Method: http.MethodPost, Path: "/api/Tickets", Status: http.StatusServiceUnavailable})
	if _, err := c.Tickets.Save(t.Context(), halo.Ticket{ID: tk.ID, PriorityID: 2}); err != nil {
		t.Fatal(err)
	}
	if n := srv.Count(http.MethodPost, "/api/Tickets"); n != 3 {
		t.Errorf("POSTs = %d, want 3 (1 create + 2 update attempts)", n)
	}
}

func TestTokenRefreshedOnExpiryAnd401(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	for range 3 {
		if _, err := c.Statuses.List(t.Context(), nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.TokensIssued(); n != 1 {
		t.Errorf("tokens = %d after 3 calls, want 1", n)
	}
	tok := srv.Requests()[0]
	if tok.Path != "/auth/token" || tok.Query.Get("tenant") != halotest.DefaultTenant {
		t.Errorf("token request = %s ?%s", tok.Path, tok.RawQuery)
	}
	form, _ := url.ParseQuery(string(tok.Body))
	if form.Get("grant_type") != "client_credentials" || form.Get("scope") != "all" || form.Get("client_id") != halotest.DefaultClientID {
		t.Errorf("token form = %v", form)
	}
	srv.ExpireTokens()
	if _, err := c.Statuses.List(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	if n := srv.TokensIssued(); n != 2 || c.Stats().Refreshes != 1 {
		t.Errorf("tokens = %d, refreshes = %d; want 2 and 1", n, c.Stats().Refreshes)
	}

	// A token about to expire is replaced before it is used.
	srv2, c2 := setup(t, halotest.WithTokenTTL(30*time.Second))
	for range 2 {
		if _, err := c2.Statuses.List(t.Context(), nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv2.TokensIssued(); n != 2 || c2.Stats().Refreshes != 0 {
		t.Errorf("short-lived tokens: issued %d, 401 refreshes %d; want 2 and 0", n, c2.Stats().Refreshes)
	}
}

func TestBadCredentials(t *testing.T) {
	t.Parallel()
	srv := halotest.NewServer(t)
	c, err := halo.NewClient(srv.URL(), append(srv.ClientOptions(), halo.WithClientCredentials("halotest-client", "wrong-secret-XYZ"))...)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Tickets.Get(t.Context(), 1)
	if !errors.Is(err, halo.ErrUnauthorized) || strings.Contains(err.Error(), "wrong-secret-XYZ") || !strings.Contains(err.Error(), "invalid_client") {
		t.Errorf("err = %v", err)
	}
	if srv.Count("", "/api/") != 0 {
		t.Error("API called without a token")
	}
}

func TestAuthDiscoveryFindsTenant(t *testing.T) {
	t.Parallel()
	srv := halotest.NewServer(t, halotest.WithTenant("contoso"))
	c, err := halo.NewClient(srv.URL(),
		append(srv.ClientOptions(), halo.WithTenant(""), halo.WithAuthDiscovery())...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Statuses.List(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if reqs[0].Path != "/api/AuthInfo" || reqs[1].Path != "/auth/token" || reqs[1].Query.Get("tenant") != "contoso" {
		t.Errorf("requests = %s, %s?%s", reqs[0].Path, reqs[1].Path, reqs[1].RawQuery)
	}
}

func TestTicketLifecycle(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	cust, site, typ := estate(srv)
	user := srv.SeedUser(halo.User{Name: "Ann", EmailAddress: "ann@acme.example", ClientID: cust.ID, SiteID: site.ID})
	asset := srv.SeedAsset(halo.Asset{InventoryNumber: "PC-1", SiteID: site.ID, AssetTypeID: typ.ID})
	ctx := t.Context()

	if _, err := c.Tickets.Create(ctx, halo.NewTicket{ClientID: cust.ID, UserID: user.ID, Summary: "x"}); !errors.Is(err, halo.ErrSiteRequired) {
		t.Errorf("user without site: err = %v", err)
	}
	tk, err := c.Tickets.Create(ctx, halo.NewTicket{
		TicketTypeID: 2, ClientID: cust.ID, SiteID: site.ID, UserID: user.ID, Summary: "Disk full on PC-1",
		Details: "C: is 99% full", PriorityID: 3, AssetIDs: []int{asset.ID},
		CustomFields: []halo.CustomField{{ID: 201, Value: halo.TextValue("datto:alert-1")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	post := lastRequest(srv, http.MethodPost, "/api/Tickets")
	var body []map[string]any
	if err := json.Unmarshal(post.Body, &body); err != nil || len(body) != 1 {
		t.Fatalf("create body %s: %v", post.Body, err)
	}
	want := `{"assets":[{"id":` + strconv.Itoa(asset.ID) + `}],"client_id":` + strconv.Itoa(cust.ID) + `,"customfields":[{"id":201,"value":"datto:alert-1"}],"details":"C: is 99% full","donotapplytemplateintheapi":true,"priority_id":3,"site_id":` + strconv.Itoa(site.ID) + `,"summary":"Disk full on PC-1","tickettype_id":2,"user_id":` + strconv.Itoa(user.ID) + `}`
	if got, _ := json.Marshal(body[0]); string(got) != want {
		t.Errorf("create body\n got %s\nwant %s", got, want)
	}
	if tk.ID == 0 || tk.StatusID != 1 || tk.ClientName != "Acme Ltd" {
		t.Errorf("created ticket = %+v", tk)
	}
	if st, _, err := c.Tickets.State(ctx, tk.ID); err != nil || st != halo.TicketOpen {
		t.Errorf("state = %v, %v", st, err)
	}

	note, err := c.Tickets.AddNote(ctx, tk.ID, "Still full", nil)
	if err != nil {
		t.Fatal(err)
	}
	if note.OutcomeID != halo.DefaultNoteOutcomeID || note.HiddenFromUser == nil || !*note.HiddenFromUser {
		t.Errorf("note = %+v", note)
	}
	if _, err := c.Actions.Save(ctx, halo.Action{TicketID: tk.ID, Note: "no outcome"}); !errors.Is(err, halo.ErrOutcomeRequired) {
		t.Errorf("action without outcome: %v", err)
	}

	before := time.Now().Add(-time.Minute)
	closed, err := c.Tickets.Close(ctx, tk.ID, &halo.CloseOptions{Note: "Resolved in Datto RMM"})
	if err != nil {
		t.Fatal(err)
	}
	if closed.StatusID != 9 || !c.IsClosed(closed) {
		t.Errorf("closed ticket = %+v", closed)
	}
	if acts := srv.Actions(tk.ID); len(acts) != 2 || acts[1].Note != "Resolved in Datto RMM" {
		t.Errorf("actions = %+v", acts)
	}
	if body := lastRequest(srv, http.MethodPost, "/api/Tickets").Body; string(body) != `[{"id":`+strconv.Itoa(tk.ID)+`,"status_id":9}]` {
		t.Errorf("close body = %s", body)
	}
	var found []int
	for ct, err := range c.Tickets.ClosedSince(ctx, before) {
		if err != nil {
			t.Fatal(err)
		}
		found = append(found, ct.ID)
	}
	if len(found) != 1 || found[0] != tk.ID {
		t.Errorf("closed since = %v", found)
	}
	srv.DeleteTicket(tk.ID)
	if st, _, err := c.Tickets.State(ctx, tk.ID); err != nil || st != halo.TicketMissing {
		t.Errorf("deleted ticket state = %v, %v", st, err)
	}
}

func TestValidationMessageSurfaces(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	cust, _, _ := estate(srv)
	_, err := c.Tickets.Save(t.Context(), halo.Ticket{ClientID: cust.ID, UserID: 5, Summary: "x"})
	var he *halo.Error
	if !errors.As(err, &he) || he.StatusCode != 400 || he.Message != "A site must be selected for this user" {
		t.Errorf("err = %v", err)
	}
	if len(srv.Tickets()) != 0 {
		t.Error("rejected ticket was stored")
	}
}

func TestFindUserByEmail(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	cust, site, _ := estate(srv)
	srv.SeedUser(halo.User{Name: "Ann", EmailAddress: "Ann@Acme.example", ClientID: cust.ID, SiteID: site.ID})
	srv.SeedUser(halo.User{Name: "Annie", EmailAddress: "ann@acme.example.org", ClientID: cust.ID, SiteID: site.ID})
	srv.SeedUser(halo.User{Name: "bo@acme.example", EmailAddress: "BO@acme.example", ClientID: cust.ID, SiteID: site.ID})
	srv.ResetRequests()
	// halotest's search, like Halo's as far as anyone knows, does not look
	// at email addresses: the search misses and the customer's users are
	// listed and compared.
	us, err := c.Users.FindByEmail(t.Context(), cust.ID, "ann@acme.example")
	if err != nil || len(us) != 1 || us[0].Name != "Ann" {
		t.Errorf("users = %+v, %v", us, err)
	}
	var reqs []fakeapi.Request
	for _, r := range srv.Requests() {
		if r.Path == "/api/Users" {
			reqs = append(reqs, r)
		}
	}
	if len(reqs) != 2 || reqs[0].Query.Get("search") != "ann@acme.example" || reqs[1].Query.Has("search") || reqs[1].Query.Get("client_id") != strconv.Itoa(cust.ID) {
		t.Errorf("requests = %+v", reqs)
	}
	// A search that finds the user needs no second listing.
	srv.ResetRequests()
	if us, err := c.Users.FindByEmail(t.Context(), cust.ID, "bo@acme.example"); err != nil || len(us) != 1 || srv.Count(http.MethodGet, "/api/Users") != 1 {
		t.Errorf("users = %+v, %v after %d requests", us, err, srv.Count(http.MethodGet, "/api/Users"))
	}
}

func TestFieldResolution(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	sn := srv.SeedAssetField(halo.AssetField{Name: "Serial Number"})
	cf := srv.SeedCustomField(halo.CustomFieldDef{Name: "CFWarranty", Label: "Warranty End"})
	ref, err := c.Fields.Resolve(t.Context(), "serial number")
	if err != nil || ref.ID != sn.ID || ref.Kind != halo.AssetFieldKind {
		t.Errorf("Serial Number = %+v, %v", ref, err)
	}
	ref, err = c.Fields.Resolve(t.Context(), "Warranty End")
	if err != nil || ref.ID != cf.ID || ref.Kind != halo.CustomFieldKind {
		t.Errorf("Warranty End = %+v, %v", ref, err)
	}
	var ue *halo.UnknownFieldError
	if _, err := c.Fields.Resolve(t.Context(), "Colour"); !errors.As(err, &ue) || ue.Name != "Colour" || !strings.Contains(err.Error(), `"Colour"`) {
		t.Errorf("unknown field: %v", err)
	}
	if n := srv.Count(http.MethodGet, "/api/Field"); n != 2 { // /Field and /FieldInfo, once
		t.Errorf("definition reads = %d, want 2 (cached)", n)
	}
}

func TestAssetFieldsAndUnknownFieldsSurviveUpdate(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	_, site, typ := estate(srv)
	sn := srv.SeedAssetField(halo.AssetField{Name: "Serial Number"})
	os := srv.SeedAssetField(halo.AssetField{Name: "Operating System"})
	rec, err := srv.Seed("Asset", map[string]any{
		"inventory_number": "PC-1", "site_id": site.ID, "assettype_id": typ.ID,
		"datto_id": "dev-1", "datto_url": "https://datto.example/dev-1", "fields": []map[string]any{{"id": sn.ID, "value": "SN1"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := strconv.Atoi(fakeapi.Str(rec["id"]))
	a, err := c.Assets.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if a.DattoID != "dev-1" || string(a.Extra["datto_url"]) != `"https://datto.example/dev-1"` {
		t.Fatalf("asset = %+v", a)
	}
	a.SetField(halo.FieldRef{ID: os.ID, Kind: halo.AssetFieldKind}, halo.TextValue("Windows 11"))
	a.Notes = "edited"
	if _, err := c.Assets.Save(t.Context(), *a); err != nil {
		t.Fatal(err)
	}
	got := srv.Records("Asset")[0]
	if got["datto_url"] != "https://datto.example/dev-1" || got["notes"] != "edited" {
		t.Errorf("stored = %v", got)
	}
	saved := srv.Assets()[0]
	if f, ok := saved.Field(sn.ID); !ok || f.Text() != "SN1" {
		t.Errorf("serial lost: %+v", saved.Fields)
	}
	if f, ok := saved.Field(os.ID); !ok || f.Text() != "Windows 11" || f.Name != "Operating System" {
		t.Errorf("OS field = %+v", f)
	}
}

func TestSaveBatchFallsBackToSingles(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	_, site, typ := estate(srv)
	var ids []int
	for i := range 3 {
		ids = append(ids, srv.SeedAsset(halo.Asset{InventoryNumber: fmt.Sprint("PC-", i), SiteID: site.ID, AssetTypeID: typ.ID}).ID)
	}
	if _, err := c.Statuses.List(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	srv.ResetRequests()
	res := c.Assets.SaveBatch(t.Context(), []halo.Asset{
		{ID: ids[0], Notes: "a"},
		{ID: ids[1], SiteID: 99999, Notes: "bad site"},
		{ID: ids[2], Notes: "c"},
		{InventoryNumber: "NEW-1", SiteID: site.ID, AssetTypeID: typ.ID},
	})
	if res[0].Err != nil || res[2].Err != nil || res[3].Err != nil || res[1].Err == nil {
		t.Fatalf("results: %v / %v / %v / %v", res[0].Err, res[1].Err, res[2].Err, res[3].Err)
	}
	if !strings.Contains(res[1].Err.Error(), "Site 99999 does not exist") || res[3].Saved.ID == 0 {
		t.Errorf("bad record err = %v, created = %+v", res[1].Err, res[3].Saved)
	}
	// 1 rejected batch of 3 updates + 3 single updates + 1 create.
	if n := srv.Count(http.MethodPost, "/api/Asset"); n != 5 {
		t.Errorf("POSTs = %d, want 5", n)
	}
	first := srv.Requests()[0]
	var sent []map[string]any
	json.Unmarshal(first.Body, &sent)
	if len(sent) != 3 {
		t.Errorf("first POST carried %d records, want 3", len(sent))
	}
	if notes := []string{srv.Assets()[0].Notes, srv.Assets()[1].Notes, srv.Assets()[2].Notes}; notes[0] != "a" || notes[1] != "" || notes[2] != "c" {
		t.Errorf("stored notes = %q", notes)
	}
}

func TestConfigListsDecodeBareAndWrapped(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	estate(srv)
	types, err := c.AssetTypes.List(t.Context(), nil)
	if err != nil || len(types) != 1 || types[0].Name != "Workstation" {
		t.Errorf("asset types = %+v, %v", types, err)
	}
	sts, err := c.Statuses.List(t.Context(), nil)
	if err != nil || len(sts) != 4 || sts[3].ID != 9 {
		t.Errorf("statuses = %+v, %v", sts, err)
	}
	tts, err := c.TicketTypes.List(t.Context(), &halo.TicketTypeListOptions{ShowAll: true})
	if err != nil || len(tts) != 2 {
		t.Errorf("ticket types = %+v, %v", tts, err)
	}
	if q := lastRequest(srv, http.MethodGet, "/api/TicketType").Query; q.Get("showall") != "true" {
		t.Errorf("ticket type query = %v", q)
	}
}

func TestTruncatedJSONIsMalformed(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	estate(srv)
	if _, err := c.Statuses.List(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	srv.Inject(fakeapi.Fault{Path: "/api/Client", Truncate: true})
	_, err := c.Clients.ListPage(t.Context(), nil, "")
	if !errors.Is(err, halo.ErrMalformed) {
		t.Errorf("err = %v", err)
	}
}

func TestContextCancelDuringSlowResponse(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	srv.Inject(fakeapi.Fault{Path: "/api/Status", Delay: 2 * time.Second})
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := c.Statuses.List(ctx, nil); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Errorf("err = %v after %s", err, time.Since(start))
	}
}

func lastRequest(srv *halotest.Server, method, path string) fakeapi.Request {
	reqs := srv.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Method == method && reqs[i].Path == path {
			return reqs[i]
		}
	}
	return fakeapi.Request{}
}

// Halo documents its reply to a one-record POST (the saved object) but not
// to several; halotest answers several with the last saved object only. A
// batch of updates answered that way was accepted, not failed.
func TestSaveBatchAcceptsOneObjectForSeveralUpdates(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	_, site, typ := estate(srv)
	var batch []halo.Asset
	for i := range 3 {
		a := srv.SeedAsset(halo.Asset{InventoryNumber: fmt.Sprint("PC-", i), SiteID: site.ID, AssetTypeID: typ.ID})
		batch = append(batch, halo.Asset{ID: a.ID, Notes: fmt.Sprint("note ", i)})
	}
	srv.ResetRequests()
	res := c.Assets.SaveBatch(t.Context(), batch)
	for i, r := range res {
		if r.Err != nil || r.Saved == nil || r.Saved.ID != batch[i].ID {
			t.Errorf("result %d: saved %+v, err %v", i, r.Saved, r.Err)
		}
	}
	if !res[2].Echoed || res[2].Saved.SiteName != "Main" || res[0].Echoed || res[0].Saved.Notes != "note 0" {
		t.Errorf("echoed: %v %v %v; last saved %+v", res[0].Echoed, res[1].Echoed, res[2].Echoed, res[2].Saved)
	}
	if n := srv.Count(http.MethodPost, "/api/Asset"); n != 1 {
		t.Errorf("POSTs = %d, want 1 (no replay of an accepted batch)", n)
	}
	for i, a := range srv.Assets() {
		if a.Notes != fmt.Sprint("note ", i) {
			t.Errorf("asset %d notes = %q", i, a.Notes)
		}
	}
	// One-record updates and creates: one object each.
	res = c.Assets.SaveBatch(t.Context(), []halo.Asset{{ID: batch[0].ID, Notes: "again"}, {InventoryNumber: "NEW", SiteID: site.ID, AssetTypeID: typ.ID}})
	if res[0].Err != nil || !res[0].Echoed || res[0].Saved.Notes != "again" || res[1].Err != nil || res[1].Saved.ID == 0 {
		t.Errorf("single saves: %+v %v / %+v %v", res[0].Saved, res[0].Err, res[1].Saved, res[1].Err)
	}
}
