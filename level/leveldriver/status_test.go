package leveldriver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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

// TestEarlySyncMovesOnlyItsMappings: device and group events, debounced
// on a hand-driven timer, run scoped syncs that move the mappings they
// touch through Syncing to Synced (or Failed with the reason), marked
// Early with the counts of what they read, leave every other mapping as
// the full run left it, and deactivate nothing for being absent.
func TestEarlySyncMovesOnlyItsMappings(t *testing.T) {
	t.Parallel()
	e := newEstate(t)
	cfg := &reconcile.Config{
		Sites: reconcile.SiteConfig{Method: reconcile.SiteMappings, NewSites: reconcile.NewSitesSkip, Mappings: []reconcile.SiteMapping{
			{SourceSiteID: e.chain[0].ID, CustomerID: 1}, {SourceSiteID: e.chain[2].ID, CustomerID: 2},
			{SourceSiteID: e.chain[4].ID, CustomerID: 2}, {SourceSiteID: "R2hvc3Q", CustomerID: 2},
		}},
		FieldMappings: []reconcile.FieldMapping{{Source: "hostname", Target: "inventory_number"}, {Source: "serialNumber", Target: "Serial Number"}},
		AssetTypes:    reconcile.TypeConfig{Mode: reconcile.TypeFixed, Default: "Workstation"},
		Lifecycle:     reconcile.LifecycleConfig{DeactivateDeleted: true}, // a complete listing would retire absent devices
	}
	status := leveldriver.NewSyncStatus(cfg, nil)
	tgt := statusTarget()
	clock := time.Date(2026, 6, 12, 1, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	src := leveldriver.NewReconcileSource(e.c)
	if _, err := leveldriver.Sync(t.Context(), "full", src, tgt, cfg, reconcile.RunOptions{Now: now}, status); err != nil {
		t.Fatal(err)
	}
	full := status.List()
	if full[0].Devices != 2 || full[1].Devices != 2 || full[2].Devices != 1 || full[3].State != leveldriver.Failed {
		t.Fatalf("after the full run: %+v", full)
	}

	type result struct {
		rep    *leveldriver.Report
		during []leveldriver.MappingStatus // while it applied
		err    error
	}
	done := make(chan result, 1)
	runs := 0
	tm := &leveldriver.Timers{}
	es := &leveldriver.EarlySync{Quiet: 30 * time.Second, Sync: func(ctx context.Context, scope leveldriver.Scope) error {
		runs++
		var r result
		opts := reconcile.RunOptions{Now: now, Step: func(msg string) {
			if strings.HasPrefix(msg, "planning") {
				r.during = status.List()
			}
		}}
		r.rep, r.err = leveldriver.Sync(ctx, fmt.Sprintf("early-%d", runs), src.Scoped(scope), tgt, cfg, opts, status)
		done <- r
		return r.err
	}}
	leveldriver.DriveEarlySync(es, tm, now)
	event := func(typ, id string) {
		b, _ := json.Marshal(map[string]string{"id": id})
		es.Event(leveldriver.Envelope{EventType: typ, EventID: typ + id, Data: b})
	}
	fire := func() result {
		t.Helper()
		clock = clock.Add(time.Minute)
		if !tm.FireLast() {
			t.Fatal("no early sync armed")
		}
		return <-done
	}
	unchanged := func(r result, moved int, before []leveldriver.MappingStatus) {
		t.Helper()
		for i, st := range r.rep.Statuses {
			if i != moved && st != before[i] {
				t.Errorf("mapping %d outside the scope moved: %+v, was %+v", i, st, before[i])
			}
		}
		for i, st := range r.during {
			if want := i == moved; (st.State == leveldriver.Syncing) != want {
				t.Errorf("mapping %d during the early sync: %+v (Syncing should be %v)", i, st, want)
			}
		}
	}

	// A device of the level-3 mapping changed: that mapping alone is
	// synced again, from the one device read; its other device, not
	// listed, is not deactivated.
	e.srv.SeedDevice(level.Device{ID: e.devs[3].ID, Hostname: e.devs[3].Hostname, GroupID: e.chain[3].ID, SerialNumber: "NEW"})
	event("device_updated", e.devs[3].ID)
	r := fire()
	if r.err != nil {
		t.Fatal(r.err)
	}
	st := r.rep.Statuses[1]
	if st.State != leveldriver.Synced || !st.Early || st.Run != "early-1" || st.Devices != 1 || st.Written != 1 || !st.At.Equal(clock) || len(r.during) != 4 {
		t.Errorf("early-synced mapping: %+v", st)
	}
	unchanged(r, 1, full)
	if s := r.rep.Result.Changeset.Summary(); s.Deactivated != 0 || s.Updated != 1 {
		t.Errorf("early sync summary %s", s)
	}

	// A group event on the level-5 group, whose device's write the PSA
	// refuses: that mapping fails with the reason, the others stay.
	before := r.rep.Statuses
	e.srv.SeedDevice(level.Device{ID: e.devs[4].ID, Hostname: e.devs[4].Hostname, GroupID: e.chain[4].ID, SerialNumber: "NEWER"})
	tgt.FailSaves(1)
	event("group_updated", e.chain[4].ID)
	r = fire()
	if st := r.rep.Statuses[2]; st.State != leveldriver.Failed || !st.Early || st.FailedWrites != 1 || !strings.Contains(st.Reason, "update_asset pc-e") {
		t.Errorf("failed early sync: %+v", st)
	}
	unchanged(r, 2, before)

	// An early sync that cannot load Level fails the mapped group it
	// names, with the error, and no other.
	before = r.rep.Statuses
	e.srv.Inject(leveltest500)
	event("group_updated", e.chain[0].ID)
	r = fire()
	if r.err == nil {
		t.Fatal("the early sync succeeded")
	}
	if st := r.rep.Statuses[0]; st.State != leveldriver.Failed || !st.Early || st.Run != "early-3" || !strings.Contains(st.Reason, "groups") {
		t.Errorf("mapping of the named group: %+v", st)
	}
	for i := 1; i < 4; i++ {
		if r.rep.Statuses[i] != before[i] {
			t.Errorf("mapping %d moved: %+v", i, r.rep.Statuses[i])
		}
	}

	// A full run clears Early.
	e.srv.ClearFaults()
	rep, err := leveldriver.Sync(t.Context(), "full-2", src, tgt, cfg, reconcile.RunOptions{Now: now}, status)
	if err != nil {
		t.Fatal(err)
	}
	for i, st := range rep.Statuses[:3] {
		if st.Early || st.State != leveldriver.Synced || st.Run != "full-2" {
			t.Errorf("mapping %d after a full run: %+v", i, st)
		}
	}
}
