package httpx

import (
	"context"
	"github.com/mspsync/mspsync"
	"time"
)

// Clock is mspsync.Clock.
type Clock = mspsync.Clock

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
