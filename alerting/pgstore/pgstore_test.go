package pgstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/alertingtest"
	"github.com/mspsync/mspsync/alerting/pgstore"
	"github.com/mspsync/mspsync/alerting/storetest"
)

// dsn returns the test database or skips, saying how to run the tests.
func dsn(t testing.TB) string {
	t.Helper()
	d := os.Getenv("MSPSYNC_PG_DSN")
	if d == "" {
		t.Skip("pgstore tests need PostgreSQL: set MSPSYNC_PG_DSN (e.g. dsn=$(bash .ci/postgres.sh start /tmp/pg); MSPSYNC_PG_DSN=\"$dsn\" go test ./alerting/pgstore/)")
	}
	return d
}

// schema returns a fresh schema name, dropped when the test ends.
func schema(t testing.TB) string {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	name := "mspsync_test_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), dsn(t))
		if err != nil {
			return
		}
		defer conn.Close(context.Background())
		conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{name}.Sanitize()+" CASCADE")
	})
	return name
}

func open(t testing.TB, name string) *pgstore.Store {
	t.Helper()
	s, err := pgstore.Open(context.Background(), dsn(t), pgstore.WithSchema(name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// reopen closes s and opens its schema again (a storetest.Reopen).
func reopen(t *testing.T, s alerting.Store) alerting.Store {
	ps := s.(*pgstore.Store)
	name := ps.Schema()
	ps.Close()
	return open(t, name)
}

func TestContract(t *testing.T) {
	dsn(t)
	storetest.Run(t, func(t *testing.T) alerting.Store { return open(t, schema(t)) })
	storetest.RunDurable(t, func(t *testing.T) alerting.Store { return open(t, schema(t)) }, reopen)
	storetest.RunCrash(t, func(t *testing.T) alerting.Store { return open(t, schema(t)) },
		func(t *testing.T, s alerting.Store) alerting.Store {
			ps := s.(*pgstore.Store)
			pgstore.Crash(ps)
			return open(t, ps.Schema())
		})
}

func TestMigrationIsIdempotent(t *testing.T) {
	name := schema(t)
	var wg sync.WaitGroup
	for range 4 { // replicas starting together
		wg.Go(func() {
			s, err := pgstore.Open(context.Background(), dsn(t), pgstore.WithSchema(name))
			if err != nil {
				t.Error(err)
				return
			}
			s.Close()
		})
	}
	wg.Wait()
	s := open(t, name)
	var n int
	if err := s.Pool().QueryRow(t.Context(), "SELECT count(*) FROM mspsync_schema").Scan(&n); err != nil || n != pgstore.SchemaVersion {
		t.Errorf("schema rows = %d, %v; want %d", n, err, pgstore.SchemaVersion)
	}
}

func TestBadDSNHidesPassword(t *testing.T) {
	_, err := pgstore.Open(t.Context(), "postgres://user:hunter2@%zz/db")
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("err = %v", err)
	}
}

// replicas starts n engines, each with its own pool on one schema, all
// writing to one PSA.
func replicas(t *testing.T, n int, sink *alertingtest.Sink, opts ...alerting.Option) []*alerting.Engine {
	t.Helper()
	name := schema(t)
	var out []*alerting.Engine
	for i := range n {
		e, err := alerting.New(alerting.Config{Grouping: alerting.GroupUser, AutoMatch: true}, open(t, name), sink,
			append([]alerting.Option{alerting.WithOwner("replica-" + strconv.Itoa(i)), alerting.WithRetryBackoff(5*time.Millisecond, 50*time.Millisecond)}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		out = append(out, e)
	}
	return out
}

func userAlert(i int) alerting.Alert {
	return alerting.Alert{Source: "level", EventID: fmt.Sprint("e", i), Kind: alerting.Raise, Type: "Disk", User: "ann@acme.example",
		Customer: alerting.CustomerRef{ID: "g1", Name: "Acme"}, Title: fmt.Sprint("alert ", i)}
}

func TestThousandAlertsOverReplicasMakeOneTicket(t *testing.T) {
	dsn(t)
	sink := alertingtest.NewSink()
	sink.AddCustomer(alerting.Customer{ID: "c1", Name: "Acme"})
	engines := replicas(t, 3, sink)
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for i := range 1000 {
		wg.Go(func() {
			if _, err := engines[i%len(engines)].Submit(t.Context(), userAlert(i)); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, e := range engines { // anything left pending (a lost race) is finished here
		if _, err := e.ProcessPending(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	tickets := sink.Tickets()
	notes := 0
	for _, tk := range tickets {
		notes += len(tk.Notes)
	}
	if len(tickets) != 1 || notes != 999 {
		t.Errorf("tickets = %d, notes = %d; want 1 and 999", len(tickets), notes)
	}
}

func TestSameEventAtTwoReplicasHasOneEffect(t *testing.T) {
	dsn(t)
	sink := alertingtest.NewSink()
	sink.AddCustomer(alerting.Customer{ID: "c1", Name: "Acme"})
	engines := replicas(t, 2, sink)
	for round := range 20 {
		a := userAlert(10_000 + round)
		a.User = fmt.Sprint("user", round, "@acme.example")
		var wg sync.WaitGroup
		for _, e := range engines {
			wg.Go(func() {
				if _, err := e.Submit(t.Context(), a); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	for _, e := range engines {
		e.ProcessPending(t.Context())
	}
	if n := len(sink.Tickets()); n != 20 {
		t.Errorf("tickets = %d, want 20 (one per event)", n)
	}
	for _, tk := range sink.Tickets() {
		if len(tk.Notes) != 0 {
			t.Errorf("ticket %s got %d notes from a duplicate", tk.ID, len(tk.Notes))
		}
	}
}

func TestDeadReplicasWorkIsTakenOver(t *testing.T) {
	dsn(t)
	sink := alertingtest.NewSink()
	sink.AddCustomer(alerting.Customer{ID: "c1", Name: "Acme"})
	name := schema(t)
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	mk := func(owner string) *alerting.Engine {
		e, err := alerting.New(alerting.Config{Grouping: alerting.GroupPerAlert, AutoMatch: true}, open(t, name), sink,
			alerting.WithOwner(owner), alerting.WithClock(clock), alerting.WithLeaseTTL(30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		return e
	}
	dead, alive := mk("dead"), mk("alive")
	// The dead replica accepted the alert and claimed it, then died.
	if _, err := dead.Accept(t.Context(), userAlert(1)); err != nil {
		t.Fatal(err)
	}
	st := open(t, name)
	if got, err := st.Claim(t.Context(), "dead", now, 30*time.Second, 10); err != nil || len(got) != 1 {
		t.Fatalf("claim = %v, %v", got, err)
	}
	if n, _ := alive.ProcessPending(t.Context()); n != 0 || len(sink.Tickets()) != 0 {
		t.Fatalf("work taken while the lease was live: %d", n)
	}
	mu.Lock()
	now = now.Add(31 * time.Second)
	mu.Unlock()
	if n, err := alive.ProcessPending(t.Context()); err != nil || n != 1 {
		t.Fatalf("after the lease: processed %d, %v", n, err)
	}
	if n := len(sink.Tickets()); n != 1 {
		t.Errorf("tickets = %d, want 1", n)
	}
	if n, _ := st.Pending(t.Context()); n != 0 {
		t.Errorf("pending = %d", n)
	}
}
