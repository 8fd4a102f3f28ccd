package mspsync

import (
	"context"
	"time"
)

// Clock is a client's time source for retry waits and rate-limit
// pauses. Tests pass a fake one so that no test sleeps for a real minute.
// The client-side rate limiters keep to real time.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// Sleep waits for d, or until ctx is done, and then returns ctx.Err().
	Sleep(ctx context.Context, d time.Duration) error
}
