package pgstore_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/pgstore"
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

// TestKilledReplica: a replica is killed (SIGKILL) while its engine waits
// for the PSA to create a ticket, with the alert claimed and its group
// leased for two minutes. Another replica (or the restarted one) delivers
// the alert within 5 s of the kill; while the replica lives, its claim is
// left alone.
func TestKilledReplica(t *testing.T) {
	if name := os.Getenv("PGSTORE_TEST_CHILD"); name != "" {
		killedChild(name)
		return
	}
	name := schema(t)
	sink := alertingtest.NewSink()
	sink.AddCustomer(alerting.Customer{ID: "c1", Name: "Acme"})
	store := open(t, name)
	eng, err := alerting.New(killCfg, store, sink, alerting.WithOwner("survivor"), alerting.WithPollInterval(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go eng.Run(ctx)

	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledReplica$")
	cmd.Env = append(os.Environ(), "PGSTORE_TEST_CHILD="+name)
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
	time.Sleep(2 * pgstore.DefaultSessionTTL) // the survivor polls meanwhile
	if n := len(sink.Tickets()); n != 0 {
		t.Fatalf("the survivor took a live replica's work: %d tickets", n)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	killed := time.Now()
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

// killedChild submits an alert, says so when the PSA hangs, and waits to
// be killed.
func killedChild(name string) {
	store, err := pgstore.Open(context.Background(), os.Getenv("MSPSYNC_PG_DSN"), pgstore.WithSchema(name))
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
	go eng.Submit(context.Background(), alerting.Alert{Source: "datto", EventID: "k1", Kind: alerting.Raise,
		Customer: alerting.CustomerRef{ID: "s1", Name: "Acme"}, Title: "disk full"})
	<-sink.entered
	fmt.Println("waiting for the PSA")
	select {}
}
