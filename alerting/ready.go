package alerting

import (
	"context"
	"fmt"
	"time"
)

// readyCursor is the cursor CheckStore writes.
const readyCursor = "mspsync.readyz"

// CheckStore reports whether the engine's store takes writes: it writes
// the current time to a cursor of its own and reads it back. Use it as a
// readiness check (receiver.Ready).
func (e *Engine) CheckStore(ctx context.Context) error {
	v := e.now().UTC().Format(time.RFC3339Nano)
	if err := e.store.SetCursor(ctx, readyCursor, v); err != nil {
		return fmt.Errorf("alerting: store not writable: %w", err)
	}
	// Another replica may have written in between: the value need not be
	// ours, the read must work.
	if _, err := e.store.Cursor(ctx, readyCursor); err != nil {
		return fmt.Errorf("alerting: store not readable: %w", err)
	}
	return nil
}
