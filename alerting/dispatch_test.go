package alerting_test

import (
	"context"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/memstore"
)

// slowSink holds the creation of the ticket of event "slow" until release
// is closed, as a PSA that takes its time to answer.
type slowSink struct {
	*alertingtest.Sink
	entered chan struct{}
	release chan struct{}
}

func (s *slowSink) CreateTicket(ctx context.Context, t alerting.NewTicket) (string, error) {
	if t.Alert.EventID == "slow" {
		close(s.entered)
		select {
		case <-s.release:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	return s.Sink.CreateTicket(ctx, t)
}

// TestRunDoesNotHoldNewEventsBehindASlowBatch: while Run waits for the PSA
// on one event, an event accepted meanwhile is processed (its ticket
// created) before the slow one finishes.
func TestRunDoesNotHoldNewEventsBehindASlowBatch(t *testing.T) {
	t.Parallel()
	sink := &slowSink{Sink: alertingtest.NewSink(), entered: make(chan struct{}), release: make(chan struct{})}
	eng, err := alerting.New(baseConfig(), memstore.New(), sink, alerting.WithPollInterval(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	defer func() {
		cancel()
		<-done
		_ = eng.Close()
	}()

	if _, err := eng.Accept(ctx, raise("slow")); err != nil {
		t.Fatal(err)
	}
	<-sink.entered
	if _, err := eng.Accept(ctx, raise("quick")); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(10 * time.Second)
	for len(sink.Tickets()) == 0 {
		select {
		case <-deadline:
			close(sink.release)
			t.Fatal("the event accepted during the slow one was not processed while the slow one waited")
		case <-time.After(5 * time.Millisecond):
		}
	}
	if tk := sink.Tickets()[0]; tk.Alert.EventID != "quick" {
		t.Errorf("first ticket is for %s; want quick", tk.Alert.EventID)
	}
	close(sink.release)
	for len(sink.Tickets()) < 2 {
		select {
		case <-time.After(10 * time.Second):
			t.Fatal("the slow event was not finished")
		case <-time.After(5 * time.Millisecond):
		}
	}
}
