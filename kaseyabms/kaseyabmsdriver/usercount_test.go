package kaseyabmsdriver_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/jsonintake"
	"github.com/mspsync/mspsync/kaseyabms/kaseyabmsdriver"
	"github.com/mspsync/mspsync/kaseyabms/kaseyabmstest"
)

func TestUserCountAddsAContractLineOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	cfg := w.config(alerting.GroupUser)
	cfg.Customers[0].Contract = id(w.contract.ID)
	billing := kaseyabmsdriver.PerUserBilling{
		DefaultService:       kaseyabmsdriver.ServiceSpec{Name: "SaaS Alerts Seat", UnitCost: 1.5, UnitPrice: 3},
		CreateMissingService: true,
		Customers:            []kaseyabmsdriver.PerUserCustomer{{Customer: id(w.contoso.ID)}},
	}
	path := filepath.Join(t.TempDir(), "lines.json")
	store, err := kaseyabmsdriver.FileLines(path)
	if err != nil {
		t.Fatal(err)
	}
	var stale []kaseyabmsdriver.LineState
	sink, err := kaseyabmsdriver.NewUserCountSink(w.c, cfg, billing, kaseyabmsdriver.WithLineStore(store),
		kaseyabmsdriver.WithOnStale(func(l kaseyabmsdriver.LineState) { stale = append(stale, l) }))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	uc := jsonintake.UserCount{Source: "saasalerts", CustomerRef: "org-1", Users: 57}
	if err := sink.SetUserCount(ctx, uc); err != nil {
		t.Fatal(err)
	}
	if err := sink.SetUserCount(ctx, uc); err != nil { // a redelivery
		t.Fatal(err)
	}
	svcs := w.srv.Services()
	if len(svcs) != 1 || svcs[0].Name != "SaaS Alerts Seat" || svcs[0].UnitPrice != 3 {
		t.Fatalf("catalogue = %+v, want the created service", svcs)
	}
	lines := w.srv.ContractServices(w.contract.ID)
	if len(lines) != 1 || lines[0].Units != 57 || lines[0].ServiceID != svcs[0].ID || lines[0].UnitPrice != 3 || lines[0].UnitCost != 1.5 {
		t.Fatalf("contract lines = %+v, want one of 57 units", lines)
	}
	body := bodyOf(t, w.srv, "/v2/finance/contracts/recurringservices/"+id(w.contract.ID)+"/services")
	if u, ok := body[0]["Units"].(float64); !ok || u != 57 {
		t.Errorf("Units sent = %#v, want the integer 57", body[0]["Units"])
	}
	// A new count: V2 cannot change the line. Nothing is added; the sink
	// says so.
	uc.Users = 60
	if err := sink.SetUserCount(ctx, uc); err != nil {
		t.Fatal(err)
	}
	if n := len(w.srv.ContractServices(w.contract.ID)); n != 1 {
		t.Errorf("%d lines after a changed count, want still 1", n)
	}
	if len(stale) != 1 || stale[0].Units != 57 || stale[0].Reported != 60 || !stale[0].Stale() {
		t.Errorf("stale = %+v", stale)
	}
	// A restart reads the file: no second line.
	store2, _ := kaseyabmsdriver.FileLines(path)
	sink2, _ := kaseyabmsdriver.NewUserCountSink(w.c, cfg, billing, kaseyabmsdriver.WithLineStore(store2))
	if err := sink2.SetUserCount(ctx, uc); err != nil {
		t.Fatal(err)
	}
	if n := len(w.srv.ContractServices(w.contract.ID)); n != 1 {
		t.Errorf("%d lines after a restart, want 1", n)
	}
	if n := w.srv.Count(http.MethodPost, "/v2/admin/finance/services/services"); n != 1 {
		t.Errorf("services created %d times", n)
	}
}

func bodyOf(t *testing.T, srv *kaseyabmstest.Server, path string) []map[string]any {
	t.Helper()
	for _, r := range srv.Requests() {
		if r.Path == path {
			var out []map[string]any
			if err := json.Unmarshal(r.Body, &out); err != nil {
				t.Fatal(err)
			}
			return out
		}
	}
	t.Fatalf("no request to %s", path)
	return nil
}

func TestUserCountRefusals(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	cfg := w.config(alerting.GroupUser)
	other := w.srv.SeedAccount(kaseyabmstestAccount("Fabrikam"))
	cfg.Customers = append(cfg.Customers, alerting.CustomerMapping{Source: "saasalerts", SourceCustomer: "org-2", Customer: id(other.ID), Contact: id(w.ann.ID)})
	existing := w.srv.SeedService("Seat", 1, 2)
	billing := kaseyabmsdriver.PerUserBilling{DefaultService: kaseyabmsdriver.ServiceSpec{Name: "Seat", UnitPrice: 2},
		Customers: []kaseyabmsdriver.PerUserCustomer{{Customer: id(w.contoso.ID), Contract: id(w.contract.ID)}}}
	if _, err := kaseyabmsdriver.NewUserCountSink(w.c, cfg, kaseyabmsdriver.PerUserBilling{Customers: []kaseyabmsdriver.PerUserCustomer{{Customer: id(other.ID)}}}); !errors.Is(err, alerting.ErrInvalidConfig) {
		t.Errorf("billing without contract or service = %v, want ErrInvalidConfig", err)
	}
	sink, err := kaseyabmsdriver.NewUserCountSink(w.c, cfg, billing)
	if err != nil {
		t.Fatal(err)
	}
	// Through the intake: unmapped → 422, not opted in → 422, opted in → 200.
	h, err := jsonintake.NewHandler(&alertingtest.Recorder{}, jsonintake.WithSources("saasalerts"),
		jsonintake.WithHeaderToken("0123456789abcdef0123456789abcdef"), jsonintake.WithUserCounter(sink))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		org  string
		want int
	}{{"org-404", http.StatusUnprocessableEntity}, {"org-2", http.StatusUnprocessableEntity}, {"org-1", http.StatusOK}} {
		body, _ := json.Marshal(jsonintake.UserCount{Source: "saasalerts", CustomerRef: c.org, Users: 5})
		r := httptest.NewRequest(http.MethodPost, "/alerts/json", bytes.NewReader(body))
		r.Header.Set("X-Mspsync-Token", "0123456789abcdef0123456789abcdef")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != c.want {
			t.Errorf("count for %s answered %d %s, want %d", c.org, rec.Code, rec.Body, c.want)
		}
	}
	lines := w.srv.ContractServices(w.contract.ID)
	if len(lines) != 1 || lines[0].ServiceID != existing.ID || lines[0].Units != 5 {
		t.Errorf("lines = %+v, want one of the existing service with 5 units", lines)
	}
	if n := len(w.srv.Services()); n != 1 {
		t.Errorf("catalogue has %d services; none may be created without create_missing_service", n)
	}
}

func TestUserCountNeverAddsTwiceAfterALostAnswer(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	cfg := w.config(alerting.GroupUser)
	svc := w.srv.SeedService("Seat", 1, 2)
	sink, err := kaseyabmsdriver.NewUserCountSink(w.c, cfg, kaseyabmsdriver.PerUserBilling{DefaultService: kaseyabmsdriver.ServiceSpec{ID: svc.ID},
		Customers: []kaseyabmsdriver.PerUserCustomer{{Customer: id(w.contoso.ID), Contract: id(w.contract.ID)}}})
	if err != nil {
		t.Fatal(err)
	}
	path := "/v2/finance/contracts/recurringservices/" + id(w.contract.ID) + "/services"
	w.srv.Inject(kaseyabmstest.Fault{Method: http.MethodPost, Path: path, Status: http.StatusBadGateway, Applied: true})
	uc := jsonintake.UserCount{Source: "saasalerts", CustomerRef: "org-1", Users: 9}
	if err := sink.SetUserCount(t.Context(), uc); err == nil || alerting.IsPermanent(err) {
		t.Fatalf("first count = %v, want a retryable error", err)
	}
	err = sink.SetUserCount(t.Context(), uc)
	if !alerting.IsPermanent(err) {
		t.Fatalf("count after a lost answer = %v, want a permanent error asking for a check", err)
	}
	if n := w.srv.Count(http.MethodPost, path); n != 1 {
		t.Errorf("adds sent = %d, want 1", n)
	}
	if n := len(w.srv.ContractServices(w.contract.ID)); n != 1 {
		t.Errorf("%d lines, want the one the lost answer added", n)
	}
	// A refused add is forgotten: the next count tries again.
	w2 := newWorld(t)
	svc2 := w2.srv.SeedService("Seat", 1, 2)
	sink2, _ := kaseyabmsdriver.NewUserCountSink(w2.c, w2.config(alerting.GroupUser), kaseyabmsdriver.PerUserBilling{DefaultService: kaseyabmsdriver.ServiceSpec{ID: svc2.ID + 100},
		Customers: []kaseyabmsdriver.PerUserCustomer{{Customer: id(w2.contoso.ID), Contract: id(w2.contract.ID)}}})
	if err := sink2.SetUserCount(t.Context(), uc); !alerting.IsPermanent(err) {
		t.Fatalf("count with an unknown service id = %v, want permanent (BMS refused it)", err)
	}
	if lines, _ := sink2.Lines(t.Context()); len(lines) != 0 {
		t.Errorf("a refused add is remembered: %+v", lines)
	}
}
