package alerting_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/config"
)

func fullConfig() alerting.Config {
	return alerting.Config{
		Grouping: alerting.GroupUserAlert,
		Customers: []alerting.CustomerMapping{
			{Source: "datto", SourceCustomer: "site-1", Name: "Acme", Customer: "12", Site: "34", Contact: "56", Contract: "K9"},
			{Source: "datto", SourceCustomer: "site-2", Disabled: true},
		},
		AutoMatch:      true,
		CatchAll:       &alerting.CatchAll{Customer: "1", Site: "2", Contact: "3"},
		DefaultContact: "99",
		Ticket: alerting.TicketDefaults{Type: "21", Source: "5", Status: "1", Queue: "2", Priority: "3", IssueType: "7", SubIssueType: "8",
			Fields: map[string]string{"category_1": "Datto Alert"}},
		AlertTypes: []alerting.AlertTypeRule{
			{Type: "Too Many Downloads", Ticket: alerting.TicketDefaults{IssueType: "70"}},
			{Source: "level", Type: "CPU usage", Disabled: true},
		},
		OnlyMappedAlertTypes: true,
		SeverityPriority:     map[alerting.Severity]string{alerting.SeverityCritical: "1", alerting.SeverityLow: "4"},
		OnResolve:            alerting.NoteOnResolve,
		LinkAsset:            true,
		Reopen:               alerting.ReopenNewLinkedTicket,
		AttachContract:       true,
		PSACustomers:         []alerting.PSACustomerSettings{{Customer: "12", Name: "Acme", CreateTickets: new(false)}, {Customer: "13"}},
	}
}

func TestConfigJSONRoundTrip(t *testing.T) {
	t.Parallel()
	in := fullConfig()
	data, err := json.MarshalIndent(in, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"grouping": "user_alert"`, `"source_customer": "site-1"`, `"catch_all"`, `"severity_priority"`, `"critical": "1"`, `"on_resolve": "note"`, `"reopen": "new_linked_ticket"`, `"attach_contract": true`, `"create_tickets": false`} {
		if !strings.Contains(string(data), key) {
			t.Errorf("JSON lacks %s:\n%s", key, data)
		}
	}
	out, err := alerting.LoadConfig(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*out, in) {
		t.Errorf("round trip:\n got  %+v\n want %+v", *out, in)
	}
	if empty, err := alerting.LoadConfig(strings.NewReader(`{}`)); err != nil || !reflect.DeepEqual(*empty, alerting.DefaultConfig()) {
		t.Errorf("LoadConfig({}) = %+v, %v", empty, err)
	}
}

func TestConfigErrorsNameTheKey(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, json, key, problem string
	}{
		{"grouping", `{"grouping":"team"}`, "grouping", `"team" is not one of`},
		{"on_resolve", `{"on_resolve":"delete"}`, "on_resolve", "not one of"},
		{"reopen", `{"reopen":"reopen"}`, "reopen", "not one of"},
		{"mapping source", `{"customers":[{"source_customer":"s","customer":"c"}]}`, "customers[0].source", "is empty"},
		{"mapping bad source", `{"customers":[{"source":"a b","source_customer":"s","customer":"c"}]}`, "customers[0].source", "letters"},
		{"mapping target", `{"customers":[{"source":"datto","source_customer":"s"},{"source":"datto","source_customer":"t"}]}`, "customers[0].customer", "disabled: true"},
		{"mapping id", `{"customers":[{"source":"datto","customer":"c"}]}`, "customers[0].source_customer", "is empty"},
		{"duplicate mapping", `{"customers":[{"source":"datto","source_customer":"s","customer":"c"},{"source":"datto","source_customer":"s","customer":"d"}]}`, "customers[1].source_customer", "already mapped by customers[0]"},
		{"catch-all", `{"catch_all":{"contact":"3"}}`, "catch_all.customer", "is empty"},
		{"type", `{"alert_types":[{"type":" "}]}`, "alert_types[0].type", "is empty"},
		{"type source", `{"alert_types":[{"type":"x","source":"?"}]}`, "alert_types[0].source", "letters"},
		{"duplicate type", `{"alert_types":[{"type":"Disk"},{"type":"disk "}]}`, "alert_types[1].type", "already configured"},
		{"severity", `{"severity_priority":{"urgent":"1"}}`, "severity_priority.urgent", "not one of"},
		{"psa customer", `{"psa_customers":[{"create_tickets":false}]}`, "psa_customers[0].customer", "is empty"},
		{"duplicate psa customer", `{"psa_customers":[{"customer":"1"},{"customer":"1","create_tickets":false}]}`, "psa_customers[1].customer", "already configured by psa_customers[0]"},
		{"sub-issue type alone", `{"ticket":{"sub_issue_type":"Disk"}}`, "ticket.sub_issue_type", "without ticket.issue_type"},
		{"override sub-issue type alone", `{"alert_types":[{"type":"x","ticket":{"sub_issue_type":"Disk"}}]}`, "alert_types[0].ticket.sub_issue_type", "without an issue type"},
		{"unknown key", `{"grouping":"user","auto_macth":true}`, "auto_macth", "unknown key"},
		{"unknown nested key", `{"customers":[{"source":"datto","source_customer":"s","customer":"c"},{"source":"datto","source_customer":"t","custmer":"c"}]}`, "customers[1].custmer", "unknown key"},
		{"unknown key in a map value", `{"alert_types":[{"type":"x","ticket":{"priorty":"1"}}]}`, "alert_types[0].ticket.priorty", "unknown key"},
		{"wrong type", `{"auto_match":"yes"}`, "auto_match", `want true or false, got "yes"`},
		{"wrong nested type", `{"customers":[{"disabled":1}]}`, "customers[0].disabled", "want true or false, got 1"},
		{"syntax", `{"grouping":`, "", "invalid JSON"},
		{"trailing", `{} {}`, "", "more than one"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := alerting.LoadConfig(strings.NewReader(tc.json))
			var ce *alerting.ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, alerting.ErrInvalidConfig) {
				t.Fatalf("err = %v (%T), want a *ConfigError", err, err)
			}
			if ce.Key != tc.key || !strings.Contains(ce.Problem, tc.problem) {
				t.Errorf("ConfigError{Key: %q, Problem: %q}, want key %q and a problem containing %q", ce.Key, ce.Problem, tc.key, tc.problem)
			}
			if !strings.Contains(err.Error(), tc.key) {
				t.Errorf("message %q does not name %q", err, tc.key)
			}
		})
	}
}

func TestConfigValidateReportsEveryProblem(t *testing.T) {
	t.Parallel()
	c := alerting.Config{Grouping: "x", OnResolve: "y", CatchAll: &alerting.CatchAll{}}
	err := c.Validate()
	for _, key := range []string{"grouping", "on_resolve", "catch_all.customer"} {
		if err == nil || !strings.Contains(err.Error(), "config "+key+":") {
			t.Errorf("Validate() = %v; want a problem for %s", err, key)
		}
	}
	if err := fullConfig().Validate(); err != nil {
		t.Errorf("Validate(full config) = %v", err)
	}
}

func TestEngineKeepsItsOwnConfig(t *testing.T) {
	t.Parallel()
	cfg := fullConfig()
	f := newFixture(t, cfg)
	cfg.SeverityPriority[alerting.SeverityCritical] = "changed"
	cfg.Customers[0].Customer = "changed"
	got := f.eng.Config()
	got.Ticket.Fields["category_1"] = "changed too"
	again := f.eng.Config()
	if again.SeverityPriority[alerting.SeverityCritical] != "1" || again.Customers[0].Customer != "12" || again.Ticket.Fields["category_1"] != "Datto Alert" {
		t.Errorf("the engine's configuration changed with its caller's: %+v", again)
	}
}

func TestLoadConfigNamesUnknownKeysAndTypes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ body, want string }{
		{`{"grupping":"user"}`, `alerting: config grupping: unknown key (did you mean "grouping"?)`},
		{`{"catch_all":{"customer":"1","contakt":"2"}}`, `alerting: config catch_all.contakt: unknown key (did you mean "contact"?)`},
		{`{"customers":[{"source":"datto","source_customer":"a","customer":"1"},{"source":"datto","source_customer":"b","contakt":"2"}]}`,
			`alerting: config customers[1].contakt: unknown key (did you mean "contact"?)`},
		{`{"alert_types":[{"type":"x"},{"type":"y","ticket":{"queue":"1","sub_issue":"2"}}]}`,
			`alerting: config alert_types[1].ticket.sub_issue: unknown key (did you mean "sub_issue_type"?)`},
		{`{"ticket":{"fields":{"category_1":7}}}`, `alerting: config ticket.fields.category_1: want a string, got 7`},
		{`{"severity_priority":{"high":1}}`, `alerting: config severity_priority.high: want a string, got 1`},
		{`{"customers":[{"source":"datto","disabled":"yes"}]}`, `alerting: config customers[0].disabled: want true or false, got "yes"`},
		{`{"catch_all":"1"}`, `alerting: config catch_all: want an object, got "1"`},
		{`{"grouping":"user","grouping":"alert"}`, `alerting: config grouping: duplicate key`},
		{`{"auto_match":1,"link_asset":"no"}`, "alerting: config auto_match: want true or false, got 1\nconfig link_asset: want true or false, got \"no\""},
	} {
		_, err := alerting.LoadConfig(strings.NewReader(tc.body))
		var ce *config.Error
		if !errors.As(err, &ce) || !errors.Is(err, alerting.ErrInvalidConfig) || err.Error() != tc.want {
			t.Errorf("%s:\n err = %v\nwant %s", tc.body, err, tc.want)
		}
	}
}

func TestLoadConfigMergesDefaults(t *testing.T) {
	t.Parallel()
	got, err := alerting.LoadConfig(strings.NewReader(`{"on_resolve":"note","catch_all":{"customer":"1"}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := alerting.DefaultConfig()
	want.OnResolve = alerting.NoteOnResolve
	want.CatchAll = &alerting.CatchAll{Customer: "1"}
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("got  %+v\nwant %+v", *got, want)
	}
	if got.Grouping != alerting.GroupPerAlert || got.Reopen != alerting.ReopenNewTicket {
		t.Errorf("setting on_resolve lost the other defaults: %+v", got)
	}
}

func TestDefaultConfigRoundTrip(t *testing.T) {
	t.Parallel()
	in := alerting.DefaultConfig()
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := alerting.LoadConfig(bytes.NewReader(data))
	if err != nil || !reflect.DeepEqual(*out, in) {
		t.Errorf("round trip of %s: %+v, %v", data, out, err)
	}
}

func TestConfigErrorsAreTheSharedType(t *testing.T) {
	t.Parallel()
	bad := alerting.DefaultConfig()
	bad.CatchAll = &alerting.CatchAll{}
	_, loadErr := alerting.LoadConfig(strings.NewReader(`{"catch_all":{}}`))
	_, newErr := alerting.New(bad, nil, nil)
	for name, err := range map[string]error{"Validate": bad.Validate(), "LoadConfig": loadErr, "New": newErr} {
		var ce *config.Error
		if !errors.As(err, &ce) || ce.Key != "catch_all.customer" || !errors.Is(err, alerting.ErrInvalidConfig) {
			t.Errorf("%s: err = %v, want a *config.Error for catch_all.customer matching ErrInvalidConfig", name, err)
		}
		if want := "alerting: config catch_all.customer: is empty (remove catch_all to reject unmapped customers)"; err.Error() != want {
			t.Errorf("%s: message %q, want %q", name, err, want)
		}
	}
}

func TestLoadConfigFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if c, err := alerting.LoadConfigFile(write("good.json", `{"auto_match":true}`)); err != nil || !c.AutoMatch || c.Grouping != alerting.GroupPerAlert {
		t.Errorf("LoadConfigFile = %+v, %v", c, err)
	}
	for body, want := range map[string]string{
		`{"auto_macth":true}`: `config auto_macth: unknown key (did you mean "auto_match"?)`,
		`{"grouping":"team"}`: `config grouping: "team" is not one of "alert", "user", "user_alert"`,
	} {
		p := write("bad.json", body)
		_, err := alerting.LoadConfigFile(p)
		var ce *config.Error
		if !errors.As(err, &ce) || !errors.Is(err, alerting.ErrInvalidConfig) || err.Error() != "alerting: "+p+": "+want {
			t.Errorf("%s: err = %v", body, err)
		}
	}
	_, err := alerting.LoadConfigFile(filepath.Join(dir, "missing.json"))
	if !errors.Is(err, os.ErrNotExist) || errors.Is(err, alerting.ErrInvalidConfig) {
		t.Errorf("missing file: %v", err)
	}
}
