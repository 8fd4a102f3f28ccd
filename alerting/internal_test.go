package alerting

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestKeyLocks(t *testing.T) {
	t.Parallel()
	var l keyLocks
	var inside, maxInside atomic.Int32
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			unlock, err := l.lock(t.Context(), "k")
			if err != nil {
				t.Error(err)
				return
			}
			n := inside.Add(1)
			for {
				m := maxInside.Load()
				if n <= m || maxInside.CompareAndSwap(m, n) {
					break
				}
			}
			inside.Add(-1)
			unlock()
		})
	}
	wg.Wait()
	if maxInside.Load() != 1 {
		t.Errorf("%d goroutines held one key at once", maxInside.Load())
	}

	// Other keys do not wait; a waiter gives up with its context.
	unlock, _ := l.lock(t.Context(), "a")
	unlockB, err := l.lock(t.Context(), "b")
	if err != nil {
		t.Fatal(err)
	}
	unlockB()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	if _, err := l.lock(ctx, "a"); err == nil {
		t.Fatal("locked a held key")
	}
	unlock()
	l.mu.Lock()
	n := len(l.m)
	l.mu.Unlock()
	if n != 0 {
		t.Errorf("%d lock entries left, want 0", n)
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	e := &Engine{retryMin: 100 * time.Millisecond, retryMax: time.Second}
	for attempts, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 50: time.Second} {
		for range 20 {
			if d := e.backoff(attempts); d < want/2 || d > want {
				t.Errorf("backoff(%d) = %s, want within [%s, %s]", attempts, d, want/2, want)
			}
		}
	}
}
