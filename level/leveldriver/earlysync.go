package leveldriver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mspsync/mspsync/level"
	"github.com/mspsync/mspsync/reconcile"
)

// Scope names the devices and groups an early sync covers.
type Scope struct {
	Devices []string `json:"devices,omitempty"`
	Groups  []string `json:"groups,omitempty"`
}

// IsZero reports whether the scope names nothing.
func (s Scope) IsZero() bool { return len(s.Devices) == 0 && len(s.Groups) == 0 }

// Scoped returns a source that loads every group (the tree places devices)
// but only the devices of scope: each named device (GET /devices/{id}; one
// Level no longer knows is passed on as deleted, so its linked asset is
// deactivated when the config retires deleted devices) and every device
// under each named group (GET /devices?ancestor_group_id=). Its snapshot
// is never Complete, so reconcile deactivates nothing for being absent.
func (s *ReconcileSource) Scoped(scope Scope) *ReconcileSource {
	return &ReconcileSource{c: s.c, Account: s.Account, scope: &scope}
}

func (s *ReconcileSource) loadScoped(ctx context.Context, snap *reconcile.SourceSnapshot, names map[string]string) error {
	opts := level.DeviceIncludes{OperatingSystem: true, CPUs: true, NetworkInterfaces: true}
	seen := map[string]bool{}
	add := func(d *level.Device) {
		if seen[d.ID] {
			return
		}
		seen[d.ID] = true
		rd := DeviceToReconcile(d)
		rd.Fields["groupName"] = names[d.GroupID]
		snap.Devices = append(snap.Devices, rd)
	}
	for _, g := range s.scope.Groups {
		if _, ok := names[g]; !ok {
			continue // deleted: its devices moved or went with it
		}
		for d, err := range s.c.Devices.All(ctx, &level.DeviceListOptions{AncestorGroupID: g, DeviceIncludes: opts}) {
			if err != nil {
				return fmt.Errorf("level: listing devices under group %s: %w", g, err)
			}
			add(&d)
		}
	}
	for _, id := range s.scope.Devices {
		d, err := s.c.Devices.Get(ctx, id, &opts)
		switch {
		case errors.Is(err, level.ErrNotFound):
			if !seen[id] {
				seen[id] = true
				snap.Devices = append(snap.Devices, reconcile.Device{ID: id, Deleted: true, Fields: map[string]string{}})
			}
		case err != nil:
			return fmt.Errorf("level: reading device %s: %w", id, err)
		default:
			add(d)
		}
	}
	return nil
}

// EarlySync turns Level's device_* and group_* webhooks into early,
// debounced syncs: Event (a WebhookHandler's OnOtherEvent) collects the
// IDs of the devices and groups the events name, and Sync is called with
// all of them once Quiet has passed without a new one (and at the latest
// MaxDelay after the first), so a burst of changes costs one sync. Other
// event types are ignored. Sync runs on its own goroutine, one at a time;
// events arriving meanwhile make the next batch.
type EarlySync struct {
	// Sync does the work (typically reconcile.Run over
	// ReconcileSource.Scoped(scope)); its error is logged.
	Sync func(ctx context.Context, scope Scope) error
	// Quiet is the debounce interval (default 30 s); MaxDelay bounds the
	// wait in a steady stream of events (default 5 minutes).
	Quiet, MaxDelay time.Duration
	// OnGroupEvent, when set, is called at once for each group_* event
	// (Enricher.Invalidate, so alert routing sees the new tree).
	OnGroupEvent func()
	Logger       *slog.Logger
	// Context is the context Sync runs in (default context.Background()).
	Context context.Context

	// afterFunc is time.AfterFunc; tests replace it.
	afterFunc func(d time.Duration, f func()) func() bool

	mu      sync.Mutex
	pending Scope
	first   time.Time
	stop    func() bool
	running bool
	now     func() time.Time
}

func (e *EarlySync) logger() *slog.Logger {
	if e.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Logger
}

// Event takes one verified webhook envelope.
func (e *EarlySync) Event(env Envelope) {
	kind, _, ok := strings.Cut(env.EventType, "_")
	if !ok || (kind != "device" && kind != "group") {
		e.logger().Debug("level event ignored", "type", env.EventType, "event", env.EventID)
		return
	}
	var data struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(env.Data, &data) != nil || !ValidID(data.ID) {
		e.logger().Warn("level event without a usable data.id ignored", "type", env.EventType, "event", env.EventID)
		return
	}
	if kind == "group" && e.OnGroupEvent != nil {
		e.OnGroupEvent()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	list := &e.pending.Devices
	if kind == "group" {
		list = &e.pending.Groups
	}
	if !slices.Contains(*list, data.ID) {
		*list = append(*list, data.ID)
	}
	e.arm()
}

func (e *EarlySync) clock() time.Time {
	if e.now != nil {
		return e.now()
	}
	return time.Now()
}

// arm (re)starts the quiet timer; e.mu is held.
func (e *EarlySync) arm() {
	quiet, maxDelay := e.Quiet, e.MaxDelay
	if quiet <= 0 {
		quiet = 30 * time.Second
	}
	if maxDelay <= 0 {
		maxDelay = 5 * time.Minute
	}
	now := e.clock()
	if e.first.IsZero() {
		e.first = now
	}
	wait := min(quiet, e.first.Add(maxDelay).Sub(now))
	if e.stop != nil {
		e.stop()
	}
	after := e.afterFunc
	if after == nil {
		after = func(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }
	}
	e.stop = after(max(wait, 0), e.fire)
}

// fire runs Sync with the pending scope, unless a sync is running (then
// the running one fires again when it ends).
func (e *EarlySync) fire() {
	e.mu.Lock()
	if e.running || e.pending.IsZero() {
		e.stop = nil // the running sync fires again when it ends
		e.mu.Unlock()
		return
	}
	scope := e.pending
	e.pending, e.first, e.stop, e.running = Scope{}, time.Time{}, nil, true
	e.mu.Unlock()
	go func() {
		ctx := e.Context
		if ctx == nil {
			ctx = context.Background()
		}
		if err := e.Sync(ctx, scope); err != nil {
			e.logger().Error("level early sync failed", "devices", len(scope.Devices), "groups", len(scope.Groups), "err", err)
		}
		e.mu.Lock()
		e.running = false
		again := !e.pending.IsZero() && e.stop == nil
		e.mu.Unlock()
		if again {
			e.fire()
		}
	}()
}

// Pending returns the scope waiting for the next sync.
func (e *EarlySync) Pending() Scope {
	e.mu.Lock()
	defer e.mu.Unlock()
	return Scope{Devices: slices.Clone(e.pending.Devices), Groups: slices.Clone(e.pending.Groups)}
}
