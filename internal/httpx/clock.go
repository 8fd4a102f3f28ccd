package httpx

import (
	"context"
	"time"
)

// Clock is the engine's time source for retry waits and rate-limit
// pauses. Tests pass a fake one so that no test sleeps for a real minute.
// The client-side rate limiters keep to real time.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// Sleep waits for d, or until ctx is done, and then returns ctx.Err().
	Sleep(ctx context.Context, d time.Duration) error
}

// realClock is time.Now and a timer.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
