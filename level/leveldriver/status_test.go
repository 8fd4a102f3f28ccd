package leveldriver_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/mspsync/mspsync/level"
	"github.com/mspsync/mspsync/level/leveldriver"
	"github.com/mspsync/mspsync/level/leveltest"
	"github.com/mspsync/mspsync/reconcile"
	"github.com/mspsync/mspsync/reconcile/reconciletest"
)

func statusTarget() *reconciletest.Target {
	return reconciletest.NewTarget(reconcile.TargetSnapshot{
		Customers:  []reconcile.Customer{{ID: 1, Name: "MSP", MainSiteID: 11}, {ID: 2, Name: "Acme", MainSiteID: 21}},
		Sites:      []reconcile.Site{{ID: 11, CustomerID: 1, Name: "Main"}, {ID: 21, CustomerID: 2, Name: "Main"}},
		AssetTypes: []reconcile.AssetType{{ID: 5, Name: "Workstation"}},
		Fields:     []reconcile.FieldDef{{Name: "inventory_number", Native: true}, {Name: "Serial Number", ID: 3}},
	})
}

// TestSyncStatusPerMapping: mappings start Unsynced; a run makes each
// Synced with the devices it placed, or Failed with the reason (a group
// Level does not have; a write that failed); a dry run leaves them
// Unsynced; the run's device events say what was sent for each device.
func TestSyncStatusPerMapping(t *testing.T) {
	t.Parallel()
	e := newEstate(t)
	cfg := &reconcile.Config{
		Sites: reconcile.SiteConfig{Method: reconcile.SiteMappings, NewSites: reconcile.NewSitesSkip, Mappings: []reconcile.SiteMapping{
			{SourceSiteID: e.chain[0].ID, CustomerID: 1}, {SourceSiteID: e.chain[2].ID, CustomerID: 2}, {SourceSiteID: "R2hvc3Q", CustomerID: 2},
		}},
		FieldMappings: []reconcile.FieldMapping{{Source: "hostname", Target: "inventory_number"}, {Source: "serialNumber", Target: "Serial Number"}},
		AssetTypes:    reconcile.TypeConfig{Mode: reconcile.TypeFixed, Default: "Workstation"},
	}
	status := leveldriver.NewSyncStatus(cfg, nil)
	for _, st := range status.List() {
		if st.State != leveldriver.Unsynced {
			t.Fatalf("fresh status %+v", st)
		}
	}
	tgt := statusTarget()
	src := leveldriver.NewReconcileSource(e.c)
	clock := time.Date(2026, 6, 12, 1, 0, 0, 0, time.UTC)
	opts := reconcile.RunOptions{Now: func() time.Time { return clock }}

	rep, err := leveldriver.Sync(t.Context(), "dry", src, tgt, cfg, reconcile.RunOptions{DryRun: true, Now: opts.Now}, status)
	if err != nil {
		t.Fatal(err)
	}
	if st := rep.Statuses[0]; st.State != leveldriver.Unsynced || st.Reason != "planned only (dry run)" || tgt.Writes() != 0 {
		t.Errorf("dry run: %+v, %d writes", st, tgt.Writes())
	}
	if ev := rep.Events[0]; ev.Outcome != leveldriver.OutcomePlanned || ev.Request == nil {
		t.Errorf("dry-run event %+v", ev)
	}

	rep, err = leveldriver.Sync(t.Context(), "run-1", src, tgt, cfg, opts, status)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		state   leveldriver.SyncState
		devices int
		reason  string
	}{{leveldriver.Synced, 2, ""}, {leveldriver.Synced, 3, ""}, {leveldriver.Failed, 0, "group R2hvc3Q is not in Level"}}
	for i, w := range want {
		st := rep.Statuses[i]
		if st.State != w.state || st.Devices != w.devices || st.Written != w.devices || st.Reason != w.reason || st.Run != "run-1" {
			t.Errorf("mapping %d: %+v, want %+v", i, st, w)
		}
	}
	if rep.Statuses[1].GroupName != "Acme EU" {
		t.Errorf("group name %q", rep.Statuses[1].GroupName)
	}
	// 5 devices sent, 2 skipped (the unmapped root's and the ungrouped one).
	outcomes := map[leveldriver.Outcome]int{}
	for _, ev := range rep.Events {
		outcomes[ev.Outcome]++
		if ev.Run != "run-1" || !ev.Time.Equal(clock) {
			t.Errorf("event %+v not stamped with its run", ev)
		}
	}
	if outcomes[leveldriver.OutcomeSent] != 5 || outcomes[leveldriver.OutcomeSkipped] != 2 || len(outcomes) != 2 {
		t.Errorf("outcomes %v", outcomes)
	}

	// A changed serial on a device of the level-3 mapping, and a PSA that
	// refuses the write: that mapping fails with the reason, the other
	// stays synced.
	e.srv.SeedDevice(level.Device{ID: e.devs[3].ID, Hostname: e.devs[3].Hostname, GroupID: e.chain[3].ID, SerialNumber: "NEW"})
	tgt.FailSaves(1)
	rep, err = leveldriver.Sync(t.Context(), "run-2", src, tgt, cfg, opts, status)
	if err != nil {
		t.Fatal(err)
	}
	if st := rep.Statuses[1]; st.State != leveldriver.Failed || st.FailedWrites != 1 || !strings.Contains(st.Reason, "update_asset pc-d") {
		t.Errorf("failed mapping: %+v", st)
	}
	if st := rep.Statuses[0]; st.State != leveldriver.Synced {
		t.Errorf("untouched mapping: %+v", st)
	}
	var buf bytes.Buffer
	if err := leveldriver.WriteEvents(&buf, rep.Events); err != nil {
		t.Fatal(err)
	}
	if strings.Count(buf.String(), "\n") != len(rep.Events) {
		t.Errorf("not one JSON line per event:\n%s", buf.String())
	}
	evs, err := leveldriver.ReadEvents(&buf, "PC-D")
	if err != nil || len(evs) != 1 || evs[0].Outcome != leveldriver.OutcomeFailed || evs[0].Error == "" || evs[0].Changes[0].New != "NEW" {
		t.Fatalf("events of pc-d: %+v, %v", evs, err)
	}

	// A run that cannot load Level fails every mapping with its error.
	e.srv.Inject(leveltest500)
	rep, err = leveldriver.Sync(t.Context(), "run-3", src, tgt, cfg, opts, status)
	if err == nil {
		t.Fatal("the run succeeded")
	}
	for _, st := range rep.Statuses {
		if st.State != leveldriver.Failed || !strings.Contains(st.Reason, "500") && !strings.Contains(st.Reason, "groups") {
			t.Errorf("after a failed load: %+v", st)
		}
	}
	// Statuses carry over: a new SyncStatus from the saved list keeps
	// them; one left Syncing (a crash) becomes Failed.
	saved := rep.Statuses
	saved[0].State = leveldriver.Syncing
	again := leveldriver.NewSyncStatus(cfg, saved).List()
	if again[0].State != leveldriver.Failed || again[0].Reason != "the run was interrupted" || again[1].Run != "run-3" {
		t.Errorf("restored %+v", again)
	}
	if _, err := leveldriver.ReadEvents(strings.NewReader("{not json\n"), "x"); err == nil {
		t.Error("a bad line was accepted")
	}
}

var leveltest500 = leveltest.Fault{Path: "/groups", Status: 500, Times: 10}

// TestScopedSourceLoadsOnlyItsDevices: an early sync of a group and a
// device reads the whole tree, the group's subtree and the device, passes
// a device Level no longer has as deleted, and is never complete.
func TestScopedSourceLoadsOnlyItsDevices(t *testing.T) {
	t.Parallel()
	e := newEstate(t)
	src := leveldriver.NewReconcileSource(e.c).Scoped(leveldriver.Scope{Groups: []string{e.chain[3].ID}, Devices: []string{e.stray.ID, "R29uZQ"}})
	e.srv.ResetRequests()
	snap, err := src.LoadSource(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, d := range snap.Devices {
		got[d.ID] = d.Deleted
	}
	want := map[string]bool{e.devs[3].ID: false, e.devs[4].ID: false, e.stray.ID: false, "R29uZQ": true}
	if snap.Complete || len(snap.Sites) != 6 || len(got) != len(want) {
		t.Fatalf("complete %v, %d sites, devices %v", snap.Complete, len(snap.Sites), got)
	}
	for id, del := range want {
		if d, ok := got[id]; !ok || d != del {
			t.Errorf("device %s: present %v deleted %v, want deleted %v", id, ok, d, del)
		}
	}
	var sawSubtree bool
	for _, r := range e.srv.Requests() {
		if r.Path == "/devices" && r.Query.Get("ancestor_group_id") != e.chain[3].ID {
			t.Errorf("listed devices with %q", r.RawQuery)
		}
		sawSubtree = sawSubtree || r.Query.Get("ancestor_group_id") == e.chain[3].ID
	}
	if !sawSubtree {
		t.Error("the group's subtree was not listed")
	}
}
