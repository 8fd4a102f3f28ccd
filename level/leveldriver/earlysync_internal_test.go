package leveldriver

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"
)

// timers is a hand-driven time.AfterFunc.
type timers struct {
	mu    sync.Mutex
	waits []time.Duration
	fns   []func()
	live  []bool
}

func (tm *timers) after(d time.Duration, f func()) func() bool {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	i := len(tm.fns)
	tm.waits, tm.fns, tm.live = append(tm.waits, d), append(tm.fns, f), append(tm.live, true)
	return func() bool {
		tm.mu.Lock()
		defer tm.mu.Unlock()
		was := tm.live[i]
		tm.live[i] = false
		return was
	}
}

// fireLast runs the newest live timer and reports whether there was one.
func (tm *timers) fireLast() bool {
	tm.mu.Lock()
	i := len(tm.fns) - 1
	if i < 0 || !tm.live[i] {
		tm.mu.Unlock()
		return false
	}
	tm.live[i] = false
	f := tm.fns[i]
	tm.mu.Unlock()
	f()
	return true
}

func env(typ, id string) Envelope {
	b, _ := json.Marshal(map[string]string{"id": id})
	return Envelope{EventType: typ, EventID: "e-" + id, Data: b}
}

func TestEarlySyncDebouncesABurstIntoOneSync(t *testing.T) {
	tm := &timers{}
	got := make(chan Scope, 4)
	invalidated := 0
	now := time.Date(2026, 6, 12, 1, 0, 0, 0, time.UTC)
	es := &EarlySync{Quiet: 30 * time.Second, MaxDelay: 2 * time.Minute, afterFunc: tm.after, now: func() time.Time { return now },
		OnGroupEvent: func() { invalidated++ },
		Sync:         func(_ context.Context, s Scope) error { got <- s; return nil }}
	es.Event(env("device_updated", "d1"))
	now = now.Add(10 * time.Second)
	es.Event(env("device_created", "d2"))
	es.Event(env("device_updated", "d1"))
	es.Event(env("group_updated", "g1"))
	es.Event(env("alert_active", "a1"))    // not ours
	es.Event(env("automation_done", "x1")) // ignored
	es.Event(Envelope{EventType: "device_deleted", Data: json.RawMessage(`{"id":"bad id"}`)})
	if invalidated != 1 {
		t.Errorf("group events invalidated %d times, want 1", invalidated)
	}
	if p := es.Pending(); len(p.Devices) != 2 || len(p.Groups) != 1 {
		t.Fatalf("pending %+v", p)
	}
	if w := tm.waits[len(tm.waits)-1]; w != 30*time.Second {
		t.Errorf("waits %v, want the quiet interval", tm.waits)
	}
	select {
	case s := <-got:
		t.Fatalf("synced %+v before the quiet interval", s)
	default:
	}
	if !tm.fireLast() {
		t.Fatal("no timer armed")
	}
	s := <-got
	if len(s.Devices) != 2 || s.Devices[0] != "d1" || s.Devices[1] != "d2" || len(s.Groups) != 1 || s.Groups[0] != "g1" {
		t.Errorf("scope %+v", s)
	}
	if p := es.Pending(); !p.IsZero() {
		t.Errorf("pending after the sync: %+v", p)
	}
	// A steady stream is cut off at MaxDelay after its first event.
	for range 5 {
		es.Event(env("device_updated", "d3"))
		now = now.Add(25 * time.Second)
	}
	if w := tm.waits[len(tm.waits)-1]; w != 2*time.Minute-4*25*time.Second {
		t.Errorf("last wait %v, want what is left of MaxDelay (20s)", w)
	}
}
