package halo

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"golang.org/x/time/rate"

	"github.com/mspsync/mspsync/internal/httpx"
	"github.com/mspsync/mspsync/internal/httpxtest"
)

const base = "https://acme.halopsa.example"

// mockClient returns a client on a per-test httpmock transport with a
// static token and quick retries.
func mockClient(t *testing.T, opts ...Option) (*Client, *httpmock.MockTransport) {
	t.Helper()
	hc, mt := httpxtest.MockClient(t)
	c, err := NewClient(base, append([]Option{
		WithStaticToken("test-token"),
		WithHTTPClient(hc),
		WithRateLimit(rate.NewLimiter(rate.Inf, 0)),
		WithRetryPolicy(RetryPolicy{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: time.Millisecond}),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, mt
}

func TestNewClientValidates(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		url  string
		opts []Option
		want string
	}{
		"relative URL":  {"/api", []Option{WithClientCredentials("a", "b")}, "must be absolute"},
		"no creds":      {base, nil, "no credentials"},
		"empty secret":  {base, []Option{WithClientCredentials("a", " ")}, "must not be empty"},
		"bad auth URL":  {base, []Option{WithClientCredentials("a", "b"), WithAuthURL("/auth")}, "auth URL"},
		"zero batch":    {base, []Option{WithClientCredentials("a", "b"), WithBatchSize(0)}, "batch size"},
		"no closed ids": {base, []Option{WithClientCredentials("a", "b"), WithClosedStatusIDs()}, "at least one"},
	} {
		if _, err := NewClient(tc.url, tc.opts...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", name, err, tc.want)
		}
	}
}

func TestRequestsKeepTheAPIPrefix(t *testing.T) {
	t.Parallel()
	mux, srvURL := httpxtest.NewServer(t, "/halo-test")
	mux.HandleFunc("GET /api/Tickets/42", func(w http.ResponseWriter, r *http.Request) {
		httpxtest.Header(t, r, "Authorization", "Bearer test-token")
		w.Write([]byte(`{"id":42,"summary":"Disk full","status_id":1,"hasbeenclosed":false,"guid":"g-1"}`))
	})
	c, err := NewClient(srvURL, WithStaticToken("test-token"))
	if err != nil {
		t.Fatal(err)
	}
	tk, err := c.Tickets.Get(t.Context(), 42)
	if err != nil {
		t.Fatal(err)
	}
	if tk.ID != 42 || tk.Summary != "Disk full" || *tk.HasBeenClosed || string(tk.Extra["guid"]) != `"g-1"` {
		t.Errorf("ticket = %+v", tk)
	}
}

func TestUpdatesSendOnlySetFieldsAsIntegers(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, base+"/api/Asset", func(r *http.Request) (*http.Response, error) {
		httpxtest.JSONBody(t, r, `[{"id":12,"site_id":800,"inactive":false,"fields":[{"id":117,"value":"SN1"}]}]`)
		return httpmock.NewStringResponse(http.StatusOK, `{"id":12,"site_id":800.0,"assettype_id":"130","_warning":"Field 117 is read-only"}`), nil
	})
	a := Asset{ID: 12, SiteID: 800, Inactive: Ptr(false)}
	a.SetField(FieldRef{ID: 117, Kind: AssetFieldKind}, TextValue("SN1"))
	saved, err := c.Assets.Save(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	// Halo types some ids as doubles or strings: decoded leniently.
	if saved.SiteID != 800 || saved.AssetTypeID != 130 || saved.Warning == "" {
		t.Errorf("saved = %+v", saved)
	}
}

func TestListShapes(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodGet, base+"/api/Status", httpmock.NewStringResponder(200, `[{"id":1,"name":"New"},{"id":9,"name":"Closed"}]`))
	mt.RegisterResponder(http.MethodGet, base+"/api/TicketType", httpmock.NewStringResponder(200, `{"tickettypes":[{"id":3,"name":"Alert"}]}`))
	mt.RegisterResponder(http.MethodGet, base+"/api/AssetGroup", httpmock.NewStringResponder(200, `{"record_count":1,"groups":[{"id":4,"name":"PCs"}]}`))
	sts, err := c.Statuses.List(t.Context(), nil)
	if err != nil || len(sts) != 2 || sts[1].ID != 9 {
		t.Errorf("bare: %+v %v", sts, err)
	}
	tts, err := c.TicketTypes.List(t.Context(), nil)
	if err != nil || len(tts) != 1 || tts[0].Name != "Alert" {
		t.Errorf("wrapped: %+v %v", tts, err)
	}
	gs, err := c.AssetGroups.List(t.Context())
	if err != nil || len(gs) != 1 || gs[0].ID != 4 {
		t.Errorf("other key: %+v %v", gs, err)
	}
}

func TestPOSTCreateNotRetriedOn500(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, base+"/api/Tickets", httpmock.NewStringResponder(500, `{"ClassName":"System.Exception","Message":"Object reference not set"}`))
	_, err := c.Tickets.Create(t.Context(), NewTicket{ClientID: 1, Summary: "x"})
	var he *Error
	if !errors.As(err, &he) || he.Message != "Object reference not set" {
		t.Errorf("err = %v", err)
	}
	if n := mt.GetCallCountInfo()["POST "+base+"/api/Tickets"]; n != 1 {
		t.Errorf("calls = %d, want 1", n)
	}
}

func TestExtractMessage(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]httpx.Extracted{
		`{"resultCode":1,"errorMessage":"Invalid ticket type"}`:         {Message: "Invalid ticket type"},
		`{"ClassName":"System.Exception","Message":"Object not set"}`:   {Message: "Object not set"},
		`{"error":"invalid_client"}`:                                    {Message: "invalid_client"},
		`{"error":"invalid_grant","error_description":"expired"}`:       {Message: "expired", Code: "invalid_grant"},
		`{"[0].id":"The value '95.0' is not valid for Int32."}`:         {Message: "[0].id: The value '95.0' is not valid for Int32."},
		`Rate Limit Reached - 300 Requests per rolling 5 minute window`: {Message: "Rate Limit Reached - 300 Requests per rolling 5 minute window"},
		`An Outcome must be entered for this Action`:                    {Message: outcomeMessage, Kind: ErrOutcomeRequired},
		``: {},
	} {
		if got := extractMessage(400, nil, []byte(body)); got != want {
			t.Errorf("extract(%s) = %+v, want %+v", body, got, want)
		}
	}
}
