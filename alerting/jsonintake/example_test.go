package jsonintake_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/jsonintake"
)

// saasAlertsEvent is an event shaped as SaaS Alerts' Kaseya BMS
// integration describes one: a user, an alert type, an organisation and a
// time. SaaS Alerts' own delivery format is not documented here: these
// fields and their JSON names are the part to adjust to what it really
// sends.
type saasAlertsEvent struct {
	ID           string    `json:"id"`
	User         string    `json:"user"`
	AlertType    string    `json:"alertType"`
	Organization string    `json:"organization"`
	OrgID        string    `json:"organizationId"`
	Time         time.Time `json:"time"`
}

// toIntake maps the event onto the intake's schema. SaaS Alerts sends
// raises only; its tickets close in the PSA.
func toIntake(e saasAlertsEvent) jsonintake.Alert {
	id := e.ID
	if id == "" { // no event ID: one per user, type and minute
		id = fmt.Sprintf("%s/%s/%d", e.User, e.AlertType, e.Time.Unix()/60)
	}
	return jsonintake.Alert{
		Source: "saasalerts", EventID: id, Action: jsonintake.ActionRaise,
		AlertType: e.AlertType, UserEmail: e.User,
		CustomerRef: e.OrgID, CustomerName: e.Organization,
		Title: e.AlertType + ": " + e.User, Time: e.Time,
	}
}

// A relay (or the sender itself) maps a SaaS Alerts-shaped event onto the
// intake's schema, signs the bytes and posts them; the intake hands the
// alert to the engine (here a Recorder standing in for it).
func Example_saasAlerts() {
	const secret = "5d2a8f0c7e9b1a3d5f7c9e1b3a5d7f9c" // openssl rand -hex 16, shared with the sender
	engine := &alertingtest.Recorder{}                // an *alerting.Engine in a program
	h, err := jsonintake.NewHandler(engine, jsonintake.WithSources("saasalerts"), jsonintake.WithSigningSecrets(secret))
	if err != nil {
		panic(err)
	}

	ev := saasAlertsEvent{User: "ann@contoso.example", AlertType: "Too Many Downloads",
		Organization: "Contoso", OrgID: "org-42", Time: time.Date(2025, 5, 1, 9, 30, 0, 0, time.UTC)}
	body, _ := json.Marshal(toIntake(ev))
	req := httptest.NewRequest(http.MethodPost, "/alerts/json", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(jsonintake.SignatureHeader, jsonintake.Sign(secret, body))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)

	fmt.Println(w.Code, w.Body)
	a := engine.Accepted()[0]
	fmt.Println(a.Source, a.Kind, a.Type)
	fmt.Println(a.User, a.Customer.ID, a.Customer.Name, a.Time.Format(time.RFC3339))
	// Output:
	// 200 {"ok":true}
	// saasalerts raise Too Many Downloads
	// ann@contoso.example org-42 Contoso 2025-05-01T09:30:00Z
}

// A source reports how many users a customer has; a PSA sink that bills
// per user takes it as the UserCounter.
func ExampleWithUserCounter() {
	const token = "9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e"
	counter := jsonintake.UserCounterFunc(func(_ context.Context, c jsonintake.UserCount) error {
		fmt.Printf("%s reports %d users for %s (%s)\n", c.Source, c.Users, c.CustomerRef, c.CustomerName)
		return nil
	})
	h, _ := jsonintake.NewHandler(&alertingtest.Recorder{}, jsonintake.WithSources("saasalerts"),
		jsonintake.WithURLToken(token), jsonintake.WithUserCounter(counter))

	body, _ := json.Marshal(jsonintake.UserCount{Source: "saasalerts", CustomerRef: "org-42", CustomerName: "Contoso", Users: 57})
	fmt.Println(string(body))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/alerts/json?token="+token, bytes.NewReader(body)))
	fmt.Println(w.Code)
	// Output:
	// {"kind":"user_count","source":"saasalerts","customer_ref":"org-42","user_count":57,"customer_name":"Contoso"}
	// saasalerts reports 57 users for org-42 (Contoso)
	// 200
}

// Sign gives the header value a sender computes; openssl computes the
// same digest:
//
//	printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret" -hex | sed 's/^.* //'
func ExampleSign() {
	body := []byte(`{"source":"scripts","event_id":"backup-2025-05-01","action":"raise","alert_type":"Backup failed"}`)
	fmt.Println(jsonintake.Sign("0123456789abcdef0123456789abcdef", body))
	// Output:
	// sha256=eb519aa71608f9e5ec5ff7cd11846f35aa2d0509b16e814011f74949e6edeced
}
