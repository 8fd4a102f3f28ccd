package dattormmdriver_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting/alertingtest"

	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/dattormm/dattormmdriver"
	"github.com/mspsync/mspsync/dattormm/dattormmtest"
	"github.com/mspsync/mspsync/reconcile/reconciletest"
)

func TestReconcileSourceConforms(t *testing.T) {
	t.Parallel()
	reconciletest.RunSource(t, func(t *testing.T) reconciletest.SourceFixture {
		srv, c := setup(t)
		return reconciletest.SourceFixture{
			Source:  dattormmdriver.NewReconcileSource(c),
			AddSite: func(name string) string { return srv.SeedSite(dattormm.Site{Name: name}).UID },
			AddDevice: func(site, name string) string {
				return srv.SeedDevice(dattormm.Device{Hostname: name, SiteUID: site}).UID
			},
			FailListing: func() {
				srv.Inject(dattormmtest.Fault{Path: "/api/v2/account/devices", Status: 500, Times: 10})
			},
		}
	})
}

func TestWebhookHandlerConforms(t *testing.T) {
	t.Parallel()
	alertingtest.RunIntake(t, func(t *testing.T, rec *alertingtest.Recorder) alertingtest.IntakeFixture {
		srv, _ := setup(t)
		site := srv.SeedSite(dattormm.Site{Name: "Contoso"})
		dev := srv.SeedDevice(dattormm.Device{Hostname: "CON-PC01", SiteUID: site.UID})
		al := srv.SeedAlert(dattormm.Alert{Priority: "High", AlertSourceInfo: dattormm.AlertSourceInfo{DeviceUID: dev.UID, SiteUID: site.UID}})
		v, err := dattormm.NewWebhookVerifier(hookSecret)
		if err != nil {
			t.Fatal(err)
		}
		raised, resolved := dattormm.WebhookTemplates(hookSecret)
		forged, _ := dattormm.WebhookTemplates("forged-secret-0123456789abcdef01")
		fill := func(tmpl string) alertingtest.Delivery {
			return alertingtest.Delivery{Body: []byte(strings.NewReplacer("[alert_uid]", al.AlertUID, "[alert_message_en]", "Disk full",
				"[site_name]", site.Name, "[device_hostname]", dev.Hostname, "[alert_priority]", "High").Replace(tmpl))}
		}
		return alertingtest.IntakeFixture{
			Handler: dattormmdriver.NewWebhookHandler(v, rec),
			Source:  dattormmdriver.Kind,
			Raise:   fill(raised), Resolve: fill(resolved), Forged: fill(forged),
			Malformed: alertingtest.Delivery{Body: []byte(`{"state":"` + hookSecret + `","alert_uid":`)},
		}
	})
}

func TestOpenAlertListerConforms(t *testing.T) {
	t.Parallel()
	for _, account := range []string{"", "acct-a"} {
		t.Run("account="+account, func(t *testing.T) {
			alertingtest.RunOpenAlerts(t, func(t *testing.T) alertingtest.OpenAlertsFixture {
				r := newPollRig(t, time.Now())
				l := dattormmdriver.NewAccountOpenAlertLister(r.dc, account)
				return alertingtest.OpenAlertsFixture{
					Lister: l, Source: dattormmdriver.Kind, Account: account,
					Raise: func(t *testing.T) string { return r.alert(t, "Disk full", time.Now()).AlertUID },
					Resolve: func(t *testing.T, id string) {
						if err := r.dc.Alerts.Resolve(t.Context(), id); err != nil {
							t.Fatal(err)
						}
					},
					BreakListing: func(*testing.T) { r.partial.Store(true) },
				}
			})
		})
	}
}
