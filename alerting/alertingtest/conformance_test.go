package alertingtest_test

import (
	"testing"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
)

// The in-memory sink passes the suite it holds every sink to.
func TestInMemorySinkConforms(t *testing.T) {
	alertingtest.RunSink(t, func(t *testing.T) alertingtest.SinkFixture {
		s := alertingtest.NewSink()
		cust := alerting.Customer{ID: "c1", Name: "Conformance Ltd", Site: "s1"}
		s.AddCustomer(cust)
		s.AddContact("c1", "ann@conformance.example", alerting.Contact{ID: "u1"})
		dev := alerting.Device{ID: "dev-1", Hostname: "CONF-PC1"}
		s.AddAccountAsset("c1", "memory", "acct-1", dev, alerting.Asset{ID: "a1", Site: "s1"})
		s.SetSiteContact("s1", "u1")
		return alertingtest.SinkFixture{
			Sink: s.WithContactDirectory(), Customer: cust, Account: "acct-1", SiteContact: "u1", ContactEmail: "ann@conformance.example", Contact: "u1",
			Source: "memory", Device: dev, Asset: "a1",
			CloseInPSA: s.CloseInPSA,
			Touch:      func(id string) error { return s.Touch(id, "a technician's note") },
			Notes: func(id string) []string {
				tk, _ := s.Ticket(id)
				var out []string
				for _, n := range tk.Notes {
					out = append(out, n.Text)
				}
				if tk.CloseNote != nil {
					out = append(out, tk.CloseNote.Text)
				}
				return out
			},
		}
	})
}
