package leveldriver

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mspsync/mspsync/reconcile"
)

// SyncState is where a group mapping stands.
type SyncState string

// Sync states: a mapping starts Unsynced, is Syncing while a run works,
// and ends the run Synced, or Failed with the reason.
const (
	Unsynced SyncState = "unsynced"
	Syncing  SyncState = "syncing"
	Synced   SyncState = "synced"
	Failed   SyncState = "failed"
)

// MappingStatus is one group mapping's state after the last run.
type MappingStatus struct {
	GroupID    string    `json:"group_id"`
	GroupName  string    `json:"group_name,omitempty"`
	CustomerID int       `json:"customer_id"`
	SiteID     int       `json:"site_id,omitempty"`
	State      SyncState `json:"state"`
	Reason     string    `json:"reason,omitempty"`
	// Devices is how many devices the mapping placed (its group's and its
	// unmapped subgroups'); Written how many asset writes succeeded;
	// FailedWrites how many failed.
	Devices      int       `json:"devices"`
	Written      int       `json:"written"`
	FailedWrites int       `json:"failed_writes"`
	Run          string    `json:"run,omitempty"`
	At           time.Time `json:"at,omitzero"`
	// Early says the last run to touch the mapping was an early sync
	// (ReconcileSource.Scoped): it read only the devices its scope named
	// or listed, so Devices, Written and FailedWrites count those, and it
	// deactivated nothing for being absent.
	Early bool `json:"early,omitempty"`
}

// SyncStatus keeps the status of each group mapping of a reconcile
// config across runs. It is safe for concurrent use.
type SyncStatus struct {
	mu    sync.Mutex
	order []string
	by    map[string]*MappingStatus
}

// NewSyncStatus returns the statuses of cfg's group mappings: each as in
// previous (statuses kept from earlier runs), else Unsynced. Mappings no
// longer in cfg are dropped.
func NewSyncStatus(cfg *reconcile.Config, previous []MappingStatus) *SyncStatus {
	s := &SyncStatus{by: map[string]*MappingStatus{}}
	old := map[string]MappingStatus{}
	for _, p := range previous {
		old[p.GroupID] = p
	}
	for _, m := range cfg.Sites.Mappings {
		if _, dup := s.by[m.SourceSiteID]; dup || m.SourceSiteID == "" {
			continue
		}
		st := MappingStatus{GroupID: m.SourceSiteID, CustomerID: m.CustomerID, SiteID: m.SiteID, State: Unsynced}
		if p, ok := old[m.SourceSiteID]; ok && p.CustomerID == m.CustomerID && p.SiteID == m.SiteID {
			st = p
			if st.State == Syncing { // a run that never finished
				st.State, st.Reason = Failed, "the run was interrupted"
			}
		}
		s.order = append(s.order, m.SourceSiteID)
		s.by[m.SourceSiteID] = &st
	}
	return s
}

// List returns every mapping's status, in config order.
func (s *SyncStatus) List() []MappingStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]MappingStatus, 0, len(s.order))
	for _, g := range s.order {
		out = append(out, *s.by[g])
	}
	return out
}

// Begin marks every mapping Syncing.
func (s *SyncStatus) Begin(run string, at time.Time) { s.begin(nil, false, run, at) }

// begin marks the mappings of set (nil: every mapping) Syncing.
func (s *SyncStatus) begin(set map[string]bool, early bool, run string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for g, st := range s.by {
		if set == nil || set[g] {
			st.State, st.Reason, st.Run, st.At, st.Early = Syncing, "", run, at, early
		}
	}
}

// touched returns the mappings an early sync of scope covers: each mapped
// group the scope names, each mapped group under one (all its devices
// were listed) and the nearest mapped ancestor of each device it loaded.
// Without snap (the load failed) only the named groups are known.
func (s *SyncStatus) touched(scope *Scope, snap *reconcile.SourceSnapshot) map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	set := map[string]bool{}
	for _, g := range scope.Groups {
		if s.by[g] != nil {
			set[g] = true
		}
	}
	if snap == nil {
		return set
	}
	parent := map[string]string{}
	for _, g := range snap.Sites {
		parent[g.ID] = g.ParentID
	}
	mapped := func(id string) bool { return s.by[id] != nil }
	named := func(id string) bool { return slices.Contains(scope.Groups, id) }
	for g := range s.by {
		if _, under := NearestMapped(g, parent, named); under {
			set[g] = true
		}
	}
	for _, d := range snap.Devices {
		if g, ok := NearestMapped(d.SiteID, parent, mapped); ok && !d.Deleted {
			set[g] = true
		}
	}
	return set
}

// Finish ends a run: snap is what the source loaded (nil if loading
// failed), cs the applied changeset (nil if there is none), runErr the
// run's error. A mapping is Failed when the run failed before applying
// (with its error), when its group is not in Level, or when one of its
// devices' writes failed (with the first failure); otherwise Synced. A dry
// run leaves mappings Unsynced ("planned only").
func (s *SyncStatus) Finish(at time.Time, snap *reconcile.SourceSnapshot, cs *reconcile.Changeset, dryRun bool, runErr error) {
	s.finish(nil, at, snap, cs, dryRun, runErr)
}

// finish is Finish for the mappings of set (nil: every mapping); the
// others keep their status.
func (s *SyncStatus) finish(set map[string]bool, at time.Time, snap *reconcile.SourceSnapshot, cs *reconcile.Changeset, dryRun bool, runErr error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	by := s.by
	if set != nil {
		by = map[string]*MappingStatus{}
		for g := range set {
			if st := s.by[g]; st != nil {
				by[g] = st
			}
		}
	}
	for _, st := range by {
		st.Devices, st.Written, st.FailedWrites, st.At = 0, 0, 0, at
	}
	if snap == nil || cs == nil {
		reason := "the run failed"
		if runErr != nil {
			reason = runErr.Error()
		}
		for _, st := range by {
			st.State, st.Reason = Failed, reason
		}
		return
	}
	parent, names := map[string]string{}, map[string]string{}
	for _, g := range snap.Sites {
		parent[g.ID], names[g.ID] = g.ParentID, g.Name
	}
	owner := map[string]string{} // device → mapped group
	for _, d := range snap.Devices {
		if g, ok := NearestMapped(d.SiteID, parent, func(id string) bool { return s.by[id] != nil }); ok {
			owner[d.ID] = g
		}
	}
	firstErr := map[string]string{}
	for i := range cs.Actions {
		a := &cs.Actions[i]
		st := by[owner[a.DeviceID]]
		if a.DeviceID == "" || st == nil {
			continue
		}
		st.Devices++
		switch {
		case a.Result == nil || !a.IsWrite():
		case a.Result.OK:
			st.Written++
		default:
			st.FailedWrites++
			if _, ok := firstErr[st.GroupID]; !ok {
				firstErr[st.GroupID] = fmt.Sprintf("%s %s: %s", a.Kind, deviceLabel(a), a.Result.Error)
			}
		}
	}
	for g, st := range by {
		st.GroupName = names[g]
		_, inLevel := parent[g]
		switch {
		case !inLevel:
			st.State, st.Reason = Failed, "group "+g+" is not in Level"
		case st.FailedWrites > 0:
			st.State, st.Reason = Failed, fmt.Sprintf("%d of %d writes failed; first: %s", st.FailedWrites, st.FailedWrites+st.Written, firstErr[g])
		case dryRun:
			st.State, st.Reason = Unsynced, "planned only (dry run)"
		case runErr != nil:
			st.State, st.Reason = Failed, runErr.Error()
		default:
			st.State, st.Reason = Synced, ""
		}
	}
}

func deviceLabel(a *reconcile.Action) string {
	if a.Name != "" {
		return a.Name
	}
	return a.DeviceID
}

// Outcome is what happened to a device in a run.
type Outcome string

// Device event outcomes.
const (
	OutcomeSent      Outcome = "sent"      // the write was sent and succeeded
	OutcomeFailed    Outcome = "failed"    // the write was sent (or tried) and failed
	OutcomePlanned   Outcome = "planned"   // a dry run: the write was not sent
	OutcomeSkipped   Outcome = "skipped"   // not placed or deleted: nothing sent
	OutcomeAmbiguous Outcome = "ambiguous" // several PSA assets match: nothing sent
)

// DeviceEvent is one thing a run did, or failed to do, to the PSA for one
// device: the write it sent (the asset fields, its customer and site, the
// link) and the outcome. A run's events are kept as JSON lines
// (WriteEvents) and read back per device (ReadEvents).
type DeviceEvent struct {
	Run      string                `json:"run"`
	Time     time.Time             `json:"time"`
	DeviceID string                `json:"device_id"`
	Device   string                `json:"device,omitempty"`
	Action   reconcile.ActionKind  `json:"action"`
	AssetID  int                   `json:"asset_id,omitempty"`
	Outcome  Outcome               `json:"outcome"`
	Reason   string                `json:"reason,omitempty"`
	Changes  []reconcile.Change    `json:"changes,omitempty"`
	Request  *reconcile.AssetWrite `json:"request,omitempty"`
	Error    string                `json:"error,omitempty"`
}

// DeviceEvents returns the events of a run's changeset: every device
// action that writes (with its request and outcome), skipped and
// ambiguous devices; unchanged devices have none.
func DeviceEvents(run string, at time.Time, cs *reconcile.Changeset) []DeviceEvent {
	var out []DeviceEvent
	if cs == nil {
		return nil
	}
	for i := range cs.Actions {
		a := &cs.Actions[i]
		if a.DeviceID == "" || a.Kind == reconcile.UnchangedAsset {
			continue
		}
		ev := DeviceEvent{Run: run, Time: at, DeviceID: a.DeviceID, Device: a.Name, Action: a.Kind, AssetID: a.AssetID,
			Reason: a.Reason, Changes: a.Changes, Request: a.Write}
		switch {
		case a.Kind == reconcile.SkipDevice:
			ev.Outcome = OutcomeSkipped
		case a.Kind == reconcile.AmbiguousDevice:
			ev.Outcome = OutcomeAmbiguous
		case a.Result == nil:
			ev.Outcome = OutcomePlanned
		case a.Result.OK:
			ev.Outcome = OutcomeSent
			if a.Result.ID != 0 {
				ev.AssetID = a.Result.ID
			}
		default:
			ev.Outcome, ev.Error = OutcomeFailed, a.Result.Error
		}
		out = append(out, ev)
	}
	return out
}

// WriteEvents writes events as JSON lines.
func WriteEvents(w io.Writer, evs []DeviceEvent) error {
	enc := json.NewEncoder(w)
	for _, e := range evs {
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	return nil
}

// ReadEvents reads JSON lines of events and returns those of device (its
// Level ID, or its name ignoring case), oldest first. A line that is not
// an event is an error naming the line.
func ReadEvents(r io.Reader, device string) ([]DeviceEvent, error) {
	var out []DeviceEvent
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var e DeviceEvent
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			return nil, fmt.Errorf("level: events line %d: %w", n, err)
		}
		if e.DeviceID == device || strings.EqualFold(e.Device, device) {
			out = append(out, e)
		}
	}
	return out, sc.Err()
}

// Report is what Sync did.
type Report struct {
	Run      string
	Started  time.Time
	Finished time.Time
	Result   *reconcile.RunResult
	Statuses []MappingStatus
	Events   []DeviceEvent
}

// Sync is reconcile.Run with the records operators read: every mapping of
// status is Syncing while it runs and Synced or Failed after it (see
// SyncStatus.Finish), and the report carries the run's device events,
// stamped with run (the caller's name for the run, e.g. its start time). A
// nil status starts from Unsynced.
//
// For a Scoped source (an early sync) only the mappings the scope touches
// move: the mapped groups it names are Syncing from the start; once the
// tree is loaded, so are the mapped groups under them and the nearest
// mapped ancestor of each device it loaded; each ends Synced or Failed as
// in a full run, marked Early, with the counts of the devices the early
// sync read. Every other mapping keeps its status. A device Level no
// longer has belongs to no mapping (its group is gone with it).
func Sync(ctx context.Context, run string, src *ReconcileSource, tgt reconcile.Target, cfg *reconcile.Config, opts reconcile.RunOptions, status *SyncStatus) (*Report, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	rep := &Report{Run: run, Started: now()}
	if status == nil {
		status = NewSyncStatus(cfg, nil)
	}
	scope, early := src.scope, src.scope != nil
	var set map[string]bool // the mappings this run moves; nil: all
	var runSrc reconcile.Source = src
	if early {
		set = status.touched(scope, nil)
		runSrc = &loadHook{ReconcileSource: src, loaded: func(snap *reconcile.SourceSnapshot) {
			set = status.touched(scope, snap)
			status.begin(set, true, run, rep.Started)
		}}
	}
	status.begin(set, early, run, rep.Started)
	before := src.LastSnapshot()
	res, err := reconcile.Run(ctx, runSrc, tgt, cfg, opts)
	rep.Finished, rep.Result = now(), res
	snap := src.LastSnapshot()
	if snap == before && err != nil {
		snap = nil // the source did not load this time
	}
	var cs *reconcile.Changeset
	if res != nil {
		cs = res.Changeset
	}
	status.finish(set, rep.Finished, snap, cs, opts.DryRun, err)
	rep.Statuses = status.List()
	rep.Events = DeviceEvents(run, rep.Finished, cs)
	return rep, err
}

// loadHook is a source that tells Sync what it loaded, before the run
// plans with it.
type loadHook struct {
	*ReconcileSource
	loaded func(*reconcile.SourceSnapshot)
}

func (l *loadHook) LoadSource(ctx context.Context) (*reconcile.SourceSnapshot, error) {
	snap, err := l.ReconcileSource.LoadSource(ctx)
	if err == nil {
		l.loaded(snap)
	}
	return snap, err
}
