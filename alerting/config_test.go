package alerting_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/alerting"
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
	}
}

func TestConfigJSONRoundTrip(t *testing.T) {
	t.Parallel()
	in := fullConfig()
	data, err := json.MarshalIndent(in, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"grouping": "user_alert"`, `"source_customer": "site-1"`, `"catch_all"`, `"severity_priority"`, `"critical": "1"`, `"on_resolve": "note"`, `"reopen": "new_linked_ticket"`} {
		if !strings.Contains(string(data), key) {
			t.Errorf("JSON lacks %s:\n%s", key, data)
		}
	}
	out, err := alerting.ParseConfig(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Errorf("round trip:\n got  %+v\n want %+v", out, in)
	}
	if empty, err := alerting.ParseConfig([]byte(`{}`)); err != nil || !reflect.DeepEqual(empty, alerting.Config{}) {
		t.Errorf("ParseConfig({}) = %+v, %v", empty, err)
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
		{"unknown key", `{"grouping":"user","auto_macth":true}`, "auto_macth", "not a known setting"},
		{"unknown nested key", `{"customers":[{"source":"datto","source_customer":"s","customer":"c"},{"source":"datto","source_customer":"t","custmer":"c"}]}`, "customers[1].custmer", "not a known setting"},
		{"unknown key in a map value", `{"alert_types":[{"type":"x","ticket":{"priorty":"1"}}]}`, "alert_types[0].ticket.priorty", "not a known setting"},
		{"wrong type", `{"auto_match":"yes"}`, "auto_match", "cannot be a JSON string"},
		{"wrong nested type", `{"customers":[{"disabled":1}]}`, "customers.disabled", "cannot be a JSON number"},
		{"syntax", `{"grouping":`, "(document)", "invalid JSON"},
		{"trailing", `{} {}`, "(document)", "more than one"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := alerting.ParseConfig([]byte(tc.json))
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
