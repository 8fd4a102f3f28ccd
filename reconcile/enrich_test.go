package reconcile_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mspsync/mspsync/reconcile"
)

func enrichDevices(n int) []*reconcile.Device {
	ds := make([]*reconcile.Device, n)
	for i := range ds {
		ds[i] = &reconcile.Device{ID: fmt.Sprint(i), Fields: map[string]string{}}
	}
	return ds
}

func TestEnrichEachFillsEveryDeviceWithinTheBound(t *testing.T) {
	ds := enrichDevices(50)
	var inFlight, most atomic.Int64
	var mu sync.Mutex
	err := reconcile.EnrichEach(context.Background(), ds, 3, func(_ context.Context, d *reconcile.Device) error {
		cur := inFlight.Add(1)
		defer inFlight.Add(-1)
		mu.Lock()
		if cur > most.Load() {
			most.Store(cur)
		}
		mu.Unlock()
		d.Fields["x"] = "y" + d.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Fields["x"] != "y"+d.ID {
			t.Fatalf("device %s not enriched: %v", d.ID, d.Fields)
		}
	}
	if most.Load() > 3 {
		t.Fatalf("%d calls in flight, want at most 3", most.Load())
	}
}

func TestEnrichEachDefaultConcurrency(t *testing.T) {
	ds := enrichDevices(20)
	var calls atomic.Int64
	if err := reconcile.EnrichEach(context.Background(), ds, 0, func(context.Context, *reconcile.Device) error {
		calls.Add(1)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 20 {
		t.Fatalf("%d calls, want 20", calls.Load())
	}
}

func TestEnrichEachReturnsTheFirstErrorAndStops(t *testing.T) {
	ds := enrichDevices(100)
	boom := errors.New("boom")
	var calls atomic.Int64
	err := reconcile.EnrichEach(context.Background(), ds, 1, func(_ context.Context, d *reconcile.Device) error {
		calls.Add(1)
		if d.ID == "3" {
			return boom
		}
		if d.ID == "5" {
			return errors.New("later")
		}
		return nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	// With one worker, device 4 may already be handed out when 3 fails;
	// nothing after it is.
	if c := calls.Load(); c > 5 {
		t.Fatalf("%d calls after the error at the 4th device, want at most 5", c)
	}
}

func TestEnrichEachStopsWhenCanceled(t *testing.T) {
	ds := enrichDevices(100)
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int64
	err := reconcile.EnrichEach(ctx, ds, 1, func(context.Context, *reconcile.Device) error {
		if calls.Add(1) == 2 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if c := calls.Load(); c > 3 {
		t.Fatalf("%d calls after cancel at the 2nd, want at most 3", c)
	}
}
