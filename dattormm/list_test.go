package dattormm

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"golang.org/x/time/rate"

	"github.com/mspsync/mspsync/internal/httpxtest"
)

const api = "https://merlot-api.centrastage.example"

func mockClient(t *testing.T) (*Client, *httpmock.MockTransport) {
	t.Helper()
	hc, mt := httpxtest.MockClient(t)
	c, err := NewClient(api+"/api", WithStaticToken("t"), WithHTTPClient(hc), // a trailing /api is forgiven
		WithRateLimit(rate.NewLimiter(rate.Inf, 0)),
		WithRetryPolicy(RetryPolicy{MaxAttempts: 2, MinWait: time.Millisecond, MaxWait: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	mt.RegisterResponder(http.MethodGet, api+"/api/v2/system/pagination", httpmock.NewStringResponder(200, `{"max":250}`))
	return c, mt
}

func TestForeignNextPageURLIsRefused(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodGet, api+"/api/v2/account/devices", httpmock.NewStringResponder(200,
		`{"pageDetails":{"count":1,"nextPageUrl":"https://evil.example/api/v2/account/devices?page=1&max=250"},"devices":[{"uid":"d1"}]}`))
	mt.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
		t.Errorf("request to %s", r.URL)
		return httpmock.NewStringResponse(500, ""), nil
	})
	var got []string
	var err error
	for d, e := range c.Account.Devices(t.Context(), nil) {
		if e != nil {
			err = e
			break
		}
		got = append(got, d.UID)
	}
	if !errors.Is(err, ErrForeignHost) || len(got) != 1 {
		t.Errorf("items %v, err %v", got, err)
	}
}

func TestNextPageKeepsFiltersAndStopsOnNull(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	var queries []string
	mt.RegisterResponder(http.MethodGet, api+"/api/v2/account/devices", func(r *http.Request) (*http.Response, error) {
		queries = append(queries, r.URL.Query().Encode())
		if r.URL.Query().Get("page") == "0" {
			// Datto's link dropped the hostname filter.
			return httpmock.NewStringResponse(200, `{"pageDetails":{"count":1,"totalCount":2,"nextPageUrl":"`+api+`/api/v2/account/devices?max=250&page=1"},"devices":[{"uid":"d1"}]}`), nil
		}
		return httpmock.NewStringResponse(200, `{"pageDetails":{"count":1,"totalCount":2,"nextPageUrl":null},"devices":[{"uid":"d2"}]}`), nil
	})
	ds, err := Collect(c.Account.Devices(t.Context(), &DeviceListOptions{Hostname: "PC"}))
	if err != nil || len(ds) != 2 {
		t.Fatalf("devices %v, err %v", ds, err)
	}
	if strings.Join(queries, " | ") != "hostname=PC&max=250&page=0 | hostname=PC&max=250&page=1" {
		t.Errorf("queries = %v", queries)
	}
}

func TestIncompleteListingIsAnError(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodGet, api+"/api/v2/account/devices", httpmock.NewStringResponder(200,
		`{"pageDetails":{"count":2,"totalCount":3,"nextPageUrl":null},"devices":[{"uid":"d1"},{"uid":"d2"}]}`))
	if _, err := Collect(c.Account.Devices(t.Context(), nil)); !errors.Is(err, ErrIncomplete) {
		t.Errorf("err = %v", err)
	}
	mt.RegisterResponder(http.MethodGet, api+"/api/v2/account/sites", httpmock.NewStringResponder(200, `{"sites":[]}`))
	if _, err := Collect(c.Account.Sites(t.Context(), nil)); !errors.Is(err, ErrMalformed) {
		t.Errorf("missing pageDetails: %v", err)
	}
}

func TestNextPageURLThatRepeatsIsRefused(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodGet, api+"/api/v2/account/alerts/open", httpmock.NewStringResponder(200,
		`{"pageDetails":{"count":1,"nextPageUrl":"`+api+`/api/v2/account/alerts/open?max=250&page=1"},"alerts":[{"alertUid":"a"}]}`))
	if _, err := Collect(c.Account.OpenAlerts(t.Context(), nil)); !errors.Is(err, ErrNoProgress) {
		t.Errorf("err = %v", err)
	}
	if n := mt.GetCallCountInfo()["GET "+api+"/api/v2/account/alerts/open"]; n != 2 {
		t.Errorf("calls = %d, want 2", n)
	}
}

func TestFilterEncodingErrorReachesCaller(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	l := newList[Device](c, "v2/account/devices", "devices", 42) // not a struct: go-querystring refuses it
	if _, err := l.page(t.Context(), ""); err == nil || !strings.Contains(err.Error(), "encoding v2/account/devices filters") {
		t.Errorf("page: err = %v", err)
	}
	n := 0
	for _, err := range l.all(t.Context()) {
		n++
		if err == nil || !strings.Contains(err.Error(), "encoding") {
			t.Errorf("all: err = %v", err)
		}
	}
	if n != 1 {
		t.Errorf("all yielded %d times, want the error once", n)
	}
	if calls := mt.GetTotalCallCount(); calls != 0 {
		t.Errorf("%d requests sent with unencodable filters", calls)
	}
}

func TestPageCallsShareTheWalk(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodGet, api+"/api/v2/account/devices", func(r *http.Request) (*http.Response, error) {
		if r.URL.Query().Get("page") == "0" {
			return httpmock.NewStringResponse(200, `{"pageDetails":{"count":1,"totalCount":2,"nextPageUrl":"`+api+`/api/v2/account/devices?max=250&page=1"},"devices":[{"uid":"d1"}]}`), nil
		}
		return httpmock.NewStringResponse(200, `{"pageDetails":{"count":1,"totalCount":2,"nextPageUrl":null},"devices":[{"uid":"d2"}]}`), nil
	})
	opts := &DeviceListOptions{Hostname: "PC"}
	want := *opts
	var uids []string
	for cursor := ""; ; {
		p, err := c.Account.DevicesPage(t.Context(), opts, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range p.Items {
			uids = append(uids, d.UID)
		}
		if p.Next == "" {
			break
		}
		cursor = p.Next
	}
	if strings.Join(uids, ",") != "d1,d2" || *opts != want {
		t.Errorf("uids %v, opts %+v", uids, *opts)
	}
	if _, err := c.Account.DevicesPage(t.Context(), nil, "/v2/account/devices?page=1"); err == nil {
		t.Error("relative cursor accepted")
	}
}
