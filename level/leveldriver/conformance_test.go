package leveldriver_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/level"
	"github.com/mspsync/mspsync/level/leveldriver"
	"github.com/mspsync/mspsync/level/leveltest"
	"github.com/mspsync/mspsync/reconcile/reconciletest"
)

const hookSecret = "level-webhook-secret-0123456789"

func setup(t *testing.T) (*leveltest.Server, *level.Client) {
	t.Helper()
	srv := leveltest.NewServer(t)
	c, err := srv.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func TestReconcileSourceConforms(t *testing.T) {
	t.Parallel()
	reconciletest.RunSource(t, func(t *testing.T) reconciletest.SourceFixture {
		srv, c := setup(t)
		return reconciletest.SourceFixture{
			Source:  leveldriver.NewReconcileSource(c),
			AddSite: func(name string) string { return srv.SeedGroup(level.Group{Name: name}).ID },
			AddDevice: func(site, name string) string {
				return srv.SeedDevice(level.Device{Hostname: name, GroupID: site}).ID
			},
			FailListing: func() { srv.Inject(leveltest.Fault{Path: "/devices", Status: 500, Times: 10}) },
		}
	})
}

func signed(body []byte) alertingtest.Delivery {
	return alertingtest.Delivery{Body: body, Header: http.Header{leveldriver.SignatureHeader: {leveltest.Sign(hookSecret, body)}}}
}

func TestWebhookHandlerConforms(t *testing.T) {
	t.Parallel()
	alertingtest.RunIntake(t, func(t *testing.T, rec *alertingtest.Recorder) alertingtest.IntakeFixture {
		srv, _ := setup(t)
		g := srv.SeedGroup(level.Group{Name: "Acme"})
		d := srv.SeedDevice(level.Device{Hostname: "srv-01", GroupID: g.ID})
		al := srv.SeedAlert(level.Alert{DeviceID: d.ID, Name: "CPU usage", Severity: "critical"})
		v, err := leveldriver.NewVerifier(hookSecret)
		if err != nil {
			t.Fatal(err)
		}
		data := map[string]any{"id": al.ID, "device_id": d.ID, "device_hostname": "srv-01", "name": "CPU usage", "severity": "critical"}
		raise := leveltest.Event(leveldriver.EventAlertActive, "evt-1", time.Now(), data)
		resolve := leveltest.Event(leveldriver.EventAlertResolved, "evt-2", time.Now(), data)
		forged := signed(raise)
		forged.Header.Set(leveldriver.SignatureHeader, leveltest.Sign("forged-secret", raise))
		return alertingtest.IntakeFixture{
			Handler: leveldriver.NewWebhookHandler(v, rec),
			Source:  leveldriver.Kind,
			Raise:   signed(raise), Resolve: signed(resolve), Forged: forged,
			Malformed: signed([]byte(`{"event_type":"alert_active","event_id":`)),
		}
	})
}

func TestNearestMappedAncestorOverAFiveLevelTree(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	var chain []level.Group
	parent := ""
	for _, name := range []string{"MSP", "Acme", "Acme EU", "Acme Berlin", "Acme Berlin Lab"} {
		g := srv.SeedGroup(level.Group{Name: name, ParentID: parent})
		chain = append(chain, g)
		parent = g.ID
	}
	deep := srv.SeedDevice(level.Device{Hostname: "lab-pc", GroupID: chain[4].ID})
	mid := srv.SeedDevice(level.Device{Hostname: "eu-pc", GroupID: chain[2].ID})
	top := srv.SeedDevice(level.Device{Hostname: "msp-pc", GroupID: chain[0].ID})
	srv.SeedDevice(level.Device{Hostname: "loose-pc"})

	snap, err := leveldriver.NewReconcileSource(c).LoadSource(t.Context())
	if err != nil || !snap.Complete || len(snap.Sites) != 5 || len(snap.Devices) != 4 {
		t.Fatalf("snapshot %d sites %d devices complete %v, err %v", len(snap.Sites), len(snap.Devices), snap.Complete, err)
	}
	for _, s := range snap.Sites {
		for i, g := range chain {
			if s.ID == g.ID && (i == 0 && s.ParentID != "" || i > 0 && s.ParentID != chain[i-1].ID) {
				t.Errorf("site %s parent %q", s.Name, s.ParentID)
			}
		}
	}
	want := map[string]string{deep.ID: chain[4].ID, mid.ID: chain[2].ID, top.ID: chain[0].ID}
	for _, d := range snap.Devices {
		if d.SiteID != want[d.ID] {
			t.Errorf("device %s in site %q, want %q", d.Name, d.SiteID, want[d.ID])
		}
	}
}

func TestResolverTreats404AsResolved(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	a := srv.SeedAlert(level.Alert{DeviceID: "d", Name: "CPU"})
	r := leveldriver.NewResolver(c)
	if err := r.ResolveAlert(t.Context(), alerting.AlertRef{Source: leveldriver.Kind, AlertID: a.ID}); err != nil {
		t.Fatal(err)
	}
	if got, _ := srv.Alert(a.ID); !got.IsResolved {
		t.Fatal("alert not resolved in the fake")
	}
	err := r.ResolveAlert(context.Background(), alerting.AlertRef{Source: leveldriver.Kind, AlertID: "gone"})
	if !errors.Is(err, alerting.ErrNotFound) {
		t.Fatalf("err = %v, want alerting.ErrNotFound", err)
	}
}
