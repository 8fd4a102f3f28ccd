package httpxtest

import (
	"context"
	"sync"
	"testing"
	"time"
)

// Clock is a fake clock for the engine (it satisfies httpx.Clock). Sleep
// blocks until Advance moves the time past its end, or returns at once
// after moving the time itself when the clock is automatic (AutoAdvance).
// Every sleep is recorded.
type Clock struct {
	mu       sync.Mutex
	now      time.Time
	auto     bool
	sleepers []*sleeper
	slept    []time.Duration
}

type sleeper struct {
	until time.Time
	wake  chan struct{}
}

// NewClock returns a manual clock at a fixed instant.
func NewClock() *Clock {
	return &Clock{now: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
}

// AutoAdvance makes every Sleep return at once, moving the time by its
// duration.
func (c *Clock) AutoAdvance() *Clock {
	c.mu.Lock()
	c.auto = true
	c.mu.Unlock()
	return c
}

// Now returns the fake time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep waits until the fake time has moved d forward or ctx is done.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.slept = append(c.slept, d)
	if c.auto || d <= 0 {
		if d > 0 {
			c.now = c.now.Add(d)
		}
		c.mu.Unlock()
		return ctx.Err()
	}
	s := &sleeper{until: c.now.Add(d), wake: make(chan struct{})}
	c.sleepers = append(c.sleepers, s)
	c.mu.Unlock()
	select {
	case <-s.wake:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		for i, o := range c.sleepers {
			if o == s {
				c.sleepers = append(c.sleepers[:i], c.sleepers[i+1:]...)
				break
			}
		}
		c.mu.Unlock()
		return ctx.Err()
	}
}

// Advance moves the time forward and wakes the sleepers whose end it
// reached; they are gone from Sleepers when Advance returns.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.sleepers[:0]
	for _, s := range c.sleepers {
		if !s.until.After(c.now) {
			close(s.wake)
			continue
		}
		kept = append(kept, s)
	}
	c.sleepers = kept
}

// Sleepers returns how many Sleep calls are waiting.
func (c *Clock) Sleepers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sleepers)
}

// WaitSleepers waits (in real time, at most 10 s) until n Sleep calls are
// waiting, failing the test otherwise.
func (c *Clock) WaitSleepers(t testing.TB, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for c.Sleepers() < n {
		if time.Now().After(deadline) {
			t.Fatalf("fake clock: %d sleepers after 10 s, want %d", c.Sleepers(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// Slept returns the durations of every Sleep call so far.
func (c *Clock) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}
