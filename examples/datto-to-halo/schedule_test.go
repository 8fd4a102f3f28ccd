package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mspsync/mspsync/alerting/boltstore"
	"github.com/mspsync/mspsync/alerting/pgstore"
	"github.com/mspsync/mspsync/reconcile"
)

// syncBuffer is a bytes.Buffer safe to read while run writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runUntil runs the program in the background until stderr matches stop
// (or 20s pass), then cancels it as SIGTERM would and returns its exit
// code and output.
func runUntil(t *testing.T, o options, stop *regexp.Regexp, meanwhile func(stderr string)) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, o, &out, &errOut) }()
	deadline := time.Now().Add(20 * time.Second)
	for !stop.MatchString(errOut.String()) {
		if time.Now().After(deadline) {
			cancel()
			<-done
			t.Fatalf("no %q within 20s:\n%s", stop, errOut.String())
		}
		if meanwhile != nil {
			meanwhile(errOut.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case code := <-done:
		return code, out.String(), errOut.String()
	case <-time.After(10 * time.Second):
		t.Fatal("the program did not stop within 10s of the signal")
		return 0, "", ""
	}
}

// TestEveryKeepsRunning: -every 50ms runs again and again (the first run
// imports, the next change nothing, the learned mappings kept between
// them), each run's report on stderr, until the signal; then it stops.
func TestEveryKeepsRunning(t *testing.T) {
	o := options{demo: true, every: 50 * time.Millisecond, mappingsPath: filepath.Join(t.TempDir(), "m.json")}
	code, out, errOut := runUntil(t, o, regexp.MustCompile(`run 3 \w+`), nil)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`run 1 ok: summary: created=56 updated=5 .* failed=0; writes: 61 planned: 61 applied, 0 failed, 0 not applied; halo \d+ requests`),
		regexp.MustCompile(`run 2 ok: summary: created=0 updated=0 unchanged=54 .*; writes: 0 planned: 0 applied, 0 failed, 0 not applied`),
		regexp.MustCompile(`run 3 ok: summary: created=0 updated=0 unchanged=54`),
		regexp.MustCompile(`\d+ learned site mappings kept in .*m\.json`),
		regexp.MustCompile(`next run at `),
		regexp.MustCompile(`stopped`),
	} {
		if !want.MatchString(errOut) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if n := strings.Count(out, "summary: "); n < 3 {
		t.Errorf("%d summaries on stdout, want one a run", n)
	}
}

// TestRunLockRefusesASecondInstance: while another process holds the run
// lock beside the mappings file, a run is refused, saying who holds it
// and since when (exit 3); a scheduled instance retries at every tick and
// runs once the lock is free.
func TestRunLockRefusesASecondInstance(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.json")
	release, err := lockFile(path+".lock", "datto-to-halo pid 4242 on other-host")
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := run(t.Context(), options{demo: true, mappingsPath: path}, &out, &errOut)
	if code != exitBusy {
		t.Errorf("exit %d while the lock is held, want %d", code, exitBusy)
	}
	if !regexp.MustCompile(`run 1 locked \(another run holds .*m\.json\.lock: datto-to-halo pid 4242 on other-host, since 20\d\d-`).MatchString(errOut.String()) {
		t.Errorf("the refusal does not say who holds the lock since when:\n%s", errOut.String())
	}
	if strings.Contains(out.String(), "summary:") {
		t.Error("a refused run printed a plan")
	}

	var once sync.Once
	o := options{demo: true, every: 30 * time.Millisecond, mappingsPath: path}
	code, _, stderr := runUntil(t, o, regexp.MustCompile(`run \d+ ok`), func(stderr string) {
		if strings.Contains(stderr, "run 2 locked") {
			once.Do(release)
		}
	})
	once.Do(release)
	if code != exitOK || !strings.Contains(stderr, "run 1 locked") || !regexp.MustCompile(`run [3-9] ok: summary: created=56`).MatchString(stderr) {
		t.Errorf("exit %d; want runs refused while the lock was held, then one run:\n%s", code, stderr)
	}
}

// TestCancelledRunIsReported: a stop signal during Apply lets the write
// under way finish, starts no more, and the run is reported with what was
// applied and what was not, on stdout (every write's result) and stderr.
func TestCancelledRunIsReported(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	o := options{demo: true, mappingsPath: filepath.Join(t.TempDir(), "m.json"), progressHook: func(done, total int) {
		if done == 3 {
			cancel() // SIGTERM after the third write
		}
	}}
	var out, errOut bytes.Buffer
	code := run(ctx, o, &out, &errOut)
	if code != exitFailed {
		t.Errorf("exit %d, want %d for a run stopped half-way", code, exitFailed)
	}
	re := regexp.MustCompile(`run 1 cancelled \(stopped: context canceled\): summary: created=56 updated=5 .* failed=58; writes: 61 planned: 3 applied, 0 failed, 58 not applied`)
	if !re.MatchString(errOut.String()) {
		t.Errorf("stderr lacks the cancelled run's report %q:\n%s", re, errOut.String())
	}
	if n := strings.Count(out.String(), "[not applied]"); n != 58 {
		t.Errorf("%d writes marked not run in the table, want 58:\n%s", n, out.String())
	}
	if !strings.Contains(out.String(), "summary: created=56") || strings.Contains(errOut.String(), "run 2") {
		t.Errorf("want the plan and summary printed, and no second run:\n%s", errOut.String())
	}

	// The same with -json: the report is a JSON line on stderr, and in
	// the plan's object on stdout.
	ctx, cancel = context.WithCancel(t.Context())
	defer cancel()
	o.mappingsPath = filepath.Join(t.TempDir(), "m.json") // fresh fakes: fresh mappings
	o.asJSON, o.progressHook = true, func(done, total int) {
		if done == 3 {
			cancel()
		}
	}
	out.Reset()
	errOut.Reset()
	run(ctx, o, &out, &errOut)
	var plan struct{ Run runReport }
	if err := json.Unmarshal(out.Bytes(), &plan); err != nil || plan.Run.Status != "cancelled" || plan.Run.Writes.NotRun != 58 {
		t.Errorf("stdout JSON run = %+v, %v", plan.Run, err)
	}
	var line runReport
	for l := range strings.SplitSeq(errOut.String(), "\n") {
		if strings.HasPrefix(l, "{") {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatal(err)
			}
		}
	}
	if line.Status != "cancelled" || line.Writes.Applied != 3 || line.Requests["halo"].Writes == 0 {
		t.Errorf("stderr JSON report = %+v", line)
	}
}

// recorder is a Target that records whether each write's context was
// already cancelled.
type recorder struct {
	reconcile.Target
	cancelled []bool
}

func (r *recorder) CreateCustomer(ctx context.Context, _ reconcile.NewCustomer) (int, int, error) {
	r.cancelled = append(r.cancelled, ctx.Err() != nil)
	return 1, 2, nil
}

func (r *recorder) SaveAssets(ctx context.Context, ws []reconcile.AssetWrite) []reconcile.SaveResult {
	r.cancelled = append(r.cancelled, ctx.Err() != nil)
	return make([]reconcile.SaveResult, len(ws))
}

func (r *recorder) LinkSite(ctx context.Context, _, _ int, _ reconcile.SiteLink) error {
	r.cancelled = append(r.cancelled, ctx.Err() != nil)
	return nil
}

// TestWritesUnderWayFinish: a write started before the signal gets a
// context the signal does not cancel, so its batch completes.
func TestWritesUnderWayFinish(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	r := &recorder{}
	w := finishWrites{r}
	w.CreateCustomer(ctx, reconcile.NewCustomer{})
	w.SaveAssets(ctx, []reconcile.AssetWrite{{}})
	if err := w.LinkSite(ctx, 1, 2, reconcile.SiteLink{}); err != nil {
		t.Fatal(err)
	}
	if len(r.cancelled) != 3 || r.cancelled[0] || r.cancelled[1] || r.cancelled[2] {
		t.Errorf("writes saw a cancelled context: %v", r.cancelled)
	}
}

// TestMappingsInABoltFile: -mappings state.db keeps the learned mappings
// in a bbolt file (the alert receiver's store format); while another
// process holds the file, a run fails saying so, and the next tick runs.
func TestMappingsInABoltFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	var out, errOut bytes.Buffer
	if code := run(t.Context(), options{demo: true, mappingsPath: path}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	if !regexp.MustCompile(`[1-9]\d* learned site mappings kept in .*state\.db`).MatchString(errOut.String()) {
		t.Errorf("no mappings kept in the bolt file:\n%s", errOut.String())
	}
	b, err := boltstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := b.Mappings(t.Context(), "datto", "")
	if err != nil || len(ms) != 3 {
		t.Errorf("mappings in the file = %d, %v; want the 3 sites", len(ms), err)
	}
	// b holds the file, as a running alert receiver would.
	var once sync.Once
	closeB := func() { once.Do(func() { b.Close() }) }
	defer closeB()
	o := options{demo: true, every: 30 * time.Millisecond, mappingsPath: path}
	code, _, stderr := runUntil(t, o, regexp.MustCompile(`run \d+ ok`), func(stderr string) {
		if strings.Contains(stderr, "run 1 failed") {
			closeB()
		}
	})
	if code != exitOK || !regexp.MustCompile(`run 1 failed \(.*in use by another process.*PostgreSQL\)`).MatchString(stderr) ||
		!regexp.MustCompile(`run [2-9] ok`).MatchString(stderr) {
		t.Errorf("exit %d; want run 1 failed on the held file, a later run ok:\n%s", code, stderr)
	}
}

func TestStateKinds(t *testing.T) {
	for spec, want := range map[string]string{"m.json": "file", "state.db": "bolt", "STATE.DB": "bolt", "postgres://u:pw@db/x": "pg", "postgresql://db/x": "pg"} {
		s := newState(spec)
		got := "file"
		if s.isDSN() {
			got = "pg"
		} else if s.isBolt() {
			got = "bolt"
		}
		if got != want {
			t.Errorf("%s: %s, want %s", spec, got, want)
		}
	}
	if d := newState("postgres://sync:hunter2@db.example/msp").desc; strings.Contains(d, "hunter2") || !strings.Contains(d, "db.example") {
		t.Errorf("DSN logged as %q", d)
	}
}

// TestMappingsInPostgreSQL: -mappings postgres://... keeps the mappings in
// the database (logged without the password) and locks runs with an
// advisory lock: a run is refused while another process holds it.
func TestMappingsInPostgreSQL(t *testing.T) {
	kv := os.Getenv("MSPSYNC_PG_DSN")
	if kv == "" {
		t.Skip("needs PostgreSQL: set MSPSYNC_PG_DSN")
	}
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, kv)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	schema := "mspsync_example_" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "")
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	defer conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	cfg := conn.Config()
	q := url.Values{"host": {cfg.Host}, "sslmode": {"disable"}, "search_path": {schema}}
	dsn := (&url.URL{Scheme: "postgres", User: url.UserPassword(cfg.User, "not-a-real-password"), Path: "/" + cfg.Database, RawQuery: q.Encode()}).String()
	if cfg.Password != "" {
		t.Skip("the test DSN has a password")
	}

	for i, want := range []string{"created=56", "created=0 updated=0 unchanged=54"} {
		var out, errOut bytes.Buffer
		if code := run(ctx, options{demo: true, mappingsPath: dsn}, &out, &errOut); code != exitOK {
			t.Fatalf("run %d: exit %d\n%s", i, code, errOut.String())
		}
		if i == 0 && !strings.Contains(errOut.String(), "learned site mappings kept in postgres://") {
			t.Errorf("no mappings kept:\n%s", errOut.String())
		}
		if strings.Contains(errOut.String(), "not-a-real-password") {
			t.Errorf("the DSN's password was logged:\n%s", errOut.String())
		}
		if !strings.Contains(out.String(), want) {
			t.Errorf("run %d: want %s (fresh fakes, mappings kept)", i, want)
		}
	}
	other, err := pgstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	l, err := other.TryLock(ctx, lockName, "datto-to-halo pid 4242 on other-host")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	var out, errOut bytes.Buffer
	if code := run(ctx, options{demo: true, mappingsPath: dsn}, &out, &errOut); code != exitBusy ||
		!strings.Contains(errOut.String(), "pid 4242 on other-host, since") {
		t.Errorf("exit %d while another process holds the lock:\n%s", code, errOut.String())
	}
}
