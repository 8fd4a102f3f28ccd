package boltstore_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/boltstore"
)

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

var killCfg = alerting.Config{Grouping: alerting.GroupPerAlert, AutoMatch: true}

func killAlert() alerting.Alert {
	return alerting.Alert{Source: "datto", EventID: "k1", Kind: alerting.Raise,
		Customer: alerting.CustomerRef{ID: "s1", Name: "Acme"}, Title: "disk full"}
}

// TestKilledProcess: a receiver is killed (SIGKILL) while its engine waits
// for the PSA to create a ticket, with the alert claimed and its group
// leased for two minutes. The next process on the file delivers the alert
// within 5 s of the kill.
func TestKilledProcess(t *testing.T) {
	if path := os.Getenv("BOLTSTORE_TEST_CHILD"); path != "" {
		killedChild(path)
		return
	}
	if testing.Short() {
		t.Skip("starts a process")
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), "alerts.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledProcess$")
	cmd.Env = append(os.Environ(), "BOLTSTORE_TEST_CHILD="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "waiting for the PSA\n" {
		_ = cmd.Process.Kill()
		t.Fatalf("child said %q, %v", line, err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	killed := time.Now()

	store := open(t, path)
	sink := alertingtest.NewSink()
	sink.AddCustomer(alerting.Customer{ID: "c1", Name: "Acme"})
	eng, err := alerting.New(killCfg, store, sink, alerting.WithOwner("next"))
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go eng.Run(ctx)
	for {
		n, err := store.Pending(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 && len(sink.Tickets()) == 1 {
			t.Logf("delivered %s after the kill", time.Since(killed).Round(time.Millisecond))
			return
		}
		if time.Since(killed) > 5*time.Second {
			t.Fatalf("5s after the kill: %d pending, %d tickets; want the alert delivered", n, len(sink.Tickets()))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// killedChild accepts an alert and processes it until the PSA hangs, says
// so, and waits to be killed.
func killedChild(path string) {
	store, err := boltstore.Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	sink := hangingSink{alertingtest.NewSink(), make(chan struct{})}
	sink.AddCustomer(alerting.Customer{ID: "c1", Name: "Acme"})
	eng, err := alerting.New(killCfg, store, sink, alerting.WithOwner("killed"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	go eng.Submit(context.Background(), killAlert())
	<-sink.entered
	fmt.Println("waiting for the PSA")
	select {}
}
