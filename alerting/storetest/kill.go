package storetest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
)

// EngineConfig is the engine configuration of the kill test (in the child
// and after it) and of store benchmarks: a group per alert, customers
// matched by name.
var EngineConfig = alerting.Config{Grouping: alerting.GroupPerAlert, AutoMatch: true}

// waitingLine is what the child prints once the PSA hangs.
const waitingLine = "waiting for the PSA\n"

// NewSink returns an in-memory PSA that knows the customer ("Acme") of the
// alerts of the kill test and of Bench.
func NewSink() *alertingtest.Sink {
	s := alertingtest.NewSink()
	s.AddCustomer(alerting.Customer{ID: "c1", Name: "Acme"})
	return s
}

// hangingSink blocks in CreateTicket until the process dies, after saying
// so on entered.
type hangingSink struct {
	*alertingtest.Sink
	entered chan struct{}
}

func (s hangingSink) CreateTicket(ctx context.Context, nt alerting.NewTicket) (string, error) {
	close(s.entered)
	select {}
}

// KilledChild is the child half of a kill test. When the environment
// variable env is set, the test binary runs as the child StartKillable
// started: KilledChild opens the store with open and the variable's value,
// submits one alert to an engine (owner "killed", EngineConfig) whose PSA
// hangs in CreateTicket, says so on standard output and waits to be
// killed; it never returns. When env is not set it returns at once: call
// it first in the kill test.
func KilledChild(env string, open func(ctx context.Context, arg string) (alerting.Store, error)) {
	arg := os.Getenv(env)
	if arg == "" {
		return
	}
	ctx := context.Background()
	store, err := open(ctx, arg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	sink := hangingSink{NewSink(), make(chan struct{})}
	eng, err := alerting.New(EngineConfig, store, sink, alerting.WithOwner("killed"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	go eng.Submit(ctx, alerting.Alert{Source: "datto", EventID: "k1", Kind: alerting.Raise,
		Customer: alerting.CustomerRef{ID: "s1", Name: "Acme"}, Title: "disk full"})
	<-sink.entered
	fmt.Print(waitingLine)
	select {}
}

// Killable is a child process of a kill test, holding a claimed alert and
// its group's lease while it waits for the PSA.
type Killable struct {
	cmd *exec.Cmd
}

// StartKillable runs the current test again in a child process, with the
// environment variable env set to arg (for KilledChild), and returns once
// the child waits for the PSA. The child is killed when the test ends, if
// Kill has not killed it before.
func StartKillable(t *testing.T, env, arg string) *Killable {
	t.Helper()
	parts := strings.Split(t.Name(), "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	cmd := exec.Command(os.Args[0], "-test.run="+strings.Join(parts, "/"))
	cmd.Env = append(os.Environ(), env+"="+arg)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	k := &Killable{cmd: cmd}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != waitingLine {
		t.Fatalf("child said %q, %v", line, err)
	}
	return k
}

// Kill kills the child (SIGKILL), waits for it to end and returns when it
// did.
func (k *Killable) Kill(t *testing.T) time.Time {
	t.Helper()
	if err := k.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = k.cmd.Wait()
	return time.Now()
}

// AwaitDelivered waits until store has nothing pending and sink holds the
// one ticket of the kill test's alert, and fails t when that takes longer
// than FreedWithin after killed.
func AwaitDelivered(t *testing.T, store alerting.Store, sink *alertingtest.Sink, killed time.Time) {
	t.Helper()
	for {
		n, err := store.Pending(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 && len(sink.Tickets()) == 1 {
			t.Logf("delivered %s after the kill", time.Since(killed).Round(time.Millisecond))
			return
		}
		if time.Since(killed) > FreedWithin {
			t.Fatalf("%s after the kill: %d pending, %d tickets; want the alert delivered", FreedWithin, n, len(sink.Tickets()))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
