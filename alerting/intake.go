package alerting

import "context"

// Acceptor is what an intake (a vendor's webhook handler or poller) hands
// alerts to. *Engine is one; alertingtest.Recorder records them for tests.
type Acceptor interface {
	// Accept records the alert durably and returns; it is processed later.
	// An error matching ErrRejected is final (answer the sender 4xx); any
	// other error means nothing was recorded (answer 5xx so it retries).
	Accept(ctx context.Context, a Alert) (Result, error)
	// RejectPayload counts input that never became an alert.
	RejectPayload(ctx context.Context, source string, reason Reason, err error)
}

var _ Acceptor = (*Engine)(nil)
