package leveldriver

import (
	"sync"
	"time"
)

// Timers is a hand-driven time.AfterFunc for tests.
type Timers struct {
	mu    sync.Mutex
	waits []time.Duration
	fns   []func()
	live  []bool
}

// After is the AfterFunc of EarlySync under test.
func (tm *Timers) After(d time.Duration, f func()) func() bool {
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

// FireLast runs the newest live timer and reports whether there was one.
func (tm *Timers) FireLast() bool {
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

// LastWait is the wait of the newest timer.
func (tm *Timers) LastWait() time.Duration {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.waits[len(tm.waits)-1]
}

// DriveEarlySync makes e use tm's timers and now's clock.
func DriveEarlySync(e *EarlySync, tm *Timers, now func() time.Time) {
	e.afterFunc, e.now = tm.After, now
}
