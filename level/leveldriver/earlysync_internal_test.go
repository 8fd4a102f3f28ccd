package leveldriver

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

func env(typ, id string) Envelope {
	b, _ := json.Marshal(map[string]string{"id": id})
	return Envelope{EventType: typ, EventID: "e-" + id, Data: b}
}

func TestEarlySyncDebouncesABurstIntoOneSync(t *testing.T) {
	tm := &Timers{}
	got := make(chan Scope, 4)
	invalidated := 0
	now := time.Date(2026, 6, 12, 1, 0, 0, 0, time.UTC)
	es := &EarlySync{Quiet: 30 * time.Second, MaxDelay: 2 * time.Minute, afterFunc: tm.After, now: func() time.Time { return now },
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
	if w := tm.LastWait(); w != 30*time.Second {
		t.Errorf("wait %v, want the quiet interval", w)
	}
	select {
	case s := <-got:
		t.Fatalf("synced %+v before the quiet interval", s)
	default:
	}
	if !tm.FireLast() {
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
	if w := tm.LastWait(); w != 2*time.Minute-4*25*time.Second {
		t.Errorf("last wait %v, want what is left of MaxDelay (20s)", w)
	}
}
