// Command datto-to-halo imports Datto RMM sites and devices into HaloPSA
// customers, sites and assets with the reconcile engine, and can be run
// again and again: a second run on an unchanged estate changes nothing.
//
//	go run ./examples/datto-to-halo -demo              # in-process fakes, two runs
//	go run ./examples/datto-to-halo -dry-run           # plan only, real APIs
//	go run ./examples/datto-to-halo -config sync.json  # apply a saved config
//	go run ./examples/datto-to-halo -print-config      # the default config, to start from
//	go run ./examples/datto-to-halo -every 1h          # keep running, a run an hour
//	go run ./examples/datto-to-halo -check             # check both connections, one line each
//	go run ./examples/datto-to-halo -plan-out plan.json     # plan, show it, keep it for review
//	go run ./examples/datto-to-halo -apply-plan plan.json   # apply exactly that plan
//
// Environment: HALO_URL, HALO_AUTH_URL (optional), HALO_TENANT (optional),
// HALO_CLIENT_ID, HALO_CLIENT_SECRET, DATTO_API_URL, DATTO_API_KEY,
// DATTO_API_SECRET. Without -config the default applies: Datto sites become
// Halo customers with a main site; hostname goes to the asset tag
// (inventory_number), the serial number to the asset field "Serial Number",
// and OS, model, manufacturer, IP and last user to fields of those names
// where the tenant has them; assets match on the Datto device UID in
// datto_id, then on serial number with the default exclusions; the asset
// type comes from deviceType.category, new types going under the first
// asset group.
//
// # State
//
// The site mappings the import learns (customers it created or matched by
// name) are kept in -mappings, so a site renamed in Datto later stays
// with its customer. -mappings is one of:
//
//   - a JSON file (the default, mspsync-mappings.json);
//   - a bbolt .db file, the alert receiver's -store format, so one file
//     can hold a deployment's state. A bbolt file is one process's at a
//     time: the import opens it for the length of a run, and a run fails
//     (and, with -every, is retried at the next tick) while a receiver
//     holds it. Do not point a running receiver and the import at the same
//     .db file; to share state between them, use PostgreSQL;
//   - a postgres:// or postgresql:// DSN: the mappings go to the alert
//     receivers' database (table mspsync_mappings, created by
//     alerting/pgstore), safe for any number of processes. It is logged
//     with its password redacted.
//
// -demo keeps its mappings in a temporary file unless -mappings is given
// (its fakes start afresh in each process, so give it a fresh file).
//
// # Schedule
//
// With -every, the program keeps running: a run at once, then one every
// interval plus a random delay of up to -jitter (default a tenth of
// -every), start to start. Runs never overlap, across processes either: a
// run takes a lock first, the file FILE.lock beside a -mappings file
// (flock, released by the kernel if the process dies) or a PostgreSQL
// advisory lock for a DSN. While another process holds it, the run is not
// started and the refusal names the holder and since when (exit status 3
// without -every). A run that fails is logged and tried again at the next
// tick.
//
// SIGINT or SIGTERM stops gracefully, between writes: Halo requests
// already sent (a customer, a batch of up to 50 assets) complete and are
// recorded, no more are started, and the run is reported with what was
// applied, what failed and what was not run; the mappings learned so far
// are saved. A second signal ends the process at once.
//
// # Review, then apply
//
// -plan-out FILE plans without writing and keeps the plan in FILE (a
// versioned JSON plan file). After review, -apply-plan FILE applies
// exactly that plan: it reads Halo again and, if anything the plan read
// has changed since (a field it updates was edited, an asset it updates
// was deleted, a customer it creates now exists, an asset it creates
// would now match one added by hand, by its link or its serial, ...), it
// writes nothing and lists the conflicts (exit status 4); plan again
// then. A plan file of an older version is refused: plan again. -check
// only connects: a token and one cheap read per vendor, one line each.
//
// # Output
//
// Progress goes to stderr (with -log-format json as JSON log records):
// the phases, the Datto audit reads as they go ("audits: 312/400
// devices"), the writes applied, and every retry and rate-limit wait as it
// happens. The plan goes to stdout, grouped by customer, one line per
// action within 120 columns (site, device, asset, action and the changed
// fields as old → new); -all prints the full table (every action with its
// reason and unchanged assets) and -json the full JSON. It ends with
// "summary: created=N updated=N unchanged=N deactivated=N skipped=N
// ambiguous=N failed=N". Each run ends with a report line on stderr: "run
// N ok|failed|cancelled|locked (error): summary ...; writes: N planned: N
// applied, N failed, N not applied; halo ... requests; datto ...; took
// D"; with -json it is a JSON object on one line of stderr, and the
// plan's JSON object on stdout carries it under "run". Exit status: 0, 1
// when a run, a check or an action failed or a run was stopped half-way,
// 2 for missing settings or a bad config, 3 when another run holds the
// lock, 4 when -apply-plan found the target changed; with -every, 0 once
// stopped by a signal.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/dattormm/dattormmdriver"
	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halodriver"
	"github.com/mspsync/mspsync/progress"
	"github.com/mspsync/mspsync/reconcile"
)

type options struct {
	demo, dryRun, asJSON, printConfig, verbose, all bool
	check                                           bool
	configPath, mappingsPath                        string
	// planOut and applyPlan are -plan-out and -apply-plan; logFormat is
	// -log-format (text or json).
	planOut, applyPlan, logFormat string
	// every, when set, keeps the program running, a run every so often;
	// jitter adds a random delay up to it (negative: a tenth of every).
	every, jitter time.Duration
	// progressHook, when set, is also called with Apply's progress (tests
	// stop a run half-way with it).
	progressHook func(done, total int)
}

func main() {
	o := options{jitter: -1}
	flag.BoolVar(&o.demo, "demo", false, "run twice against in-process Datto RMM and Halo fakes seeded with a sample estate")
	flag.BoolVar(&o.dryRun, "dry-run", false, "plan only; write nothing")
	flag.BoolVar(&o.asJSON, "json", false, "print the plan, results and run reports as JSON")
	flag.BoolVar(&o.printConfig, "print-config", false, "print the effective config as JSON and exit")
	flag.BoolVar(&o.all, "all", false, "print the full plan table: every action with its IDs and reason, unchanged assets too")
	flag.BoolVar(&o.check, "check", false, "check the Halo and Datto connections (a token and one read each), print one line each, and exit")
	flag.StringVar(&o.planOut, "plan-out", "", "plan without writing and keep the plan in this file, for -apply-plan after review")
	flag.StringVar(&o.applyPlan, "apply-plan", "", "apply exactly the plan in this file (from -plan-out), unless Halo changed underneath it")
	flag.StringVar(&o.logFormat, "log-format", "text", "progress and logs on stderr: text or json")
	flag.BoolVar(&o.verbose, "v", false, "log every request to stderr")
	flag.StringVar(&o.configPath, "config", "", "JSON reconcile.Config (default: the built-in default)")
	flag.StringVar(&o.mappingsPath, "mappings", defaultMappings, "where the site mappings the import learns are kept: a JSON file, a bbolt .db file, or a postgres:// DSN (\"\" for nowhere)")
	flag.DurationVar(&o.every, "every", 0, "keep running: a run every this long (e.g. 1h), until SIGINT or SIGTERM")
	flag.Func("jitter", "with -every, add a random delay of up to this to each wait (default: a tenth of -every)", func(v string) error {
		d, err := time.ParseDuration(v)
		if err == nil && d < 0 {
			err = errors.New("must not be negative")
		}
		o.jitter = d
		return err
	})
	flag.Usage = usage
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second signal ends the process at once
	}()
	os.Exit(run(ctx, o, os.Stdout, os.Stderr))
}

// exit codes
const (
	exitOK       = 0
	exitFailed   = 1
	exitSettings = 2
	exitBusy     = 3
	exitConflict = 4
)

func run(ctx context.Context, o options, stdout, stderr io.Writer) int {
	fail := func(code int, err error) int {
		fmt.Fprintln(stderr, "datto-to-halo:", err)
		return code
	}
	if o.printConfig && !o.demo {
		return printConfig(ctx, o, stdout, stderr)
	}
	var status *progress.Printer
	switch o.logFormat {
	case "", "text":
		status = progress.New(stderr)
	case "json":
		status = progress.NewJSON(stderr)
	default:
		return fail(exitSettings, fmt.Errorf("-log-format %q: want text or json", o.logFormat))
	}
	if o.every < 0 {
		return fail(exitSettings, errors.New("-every must not be negative"))
	}
	if o.planOut != "" && o.applyPlan != "" {
		return fail(exitSettings, errors.New("-plan-out and -apply-plan do not go together"))
	}
	if (o.planOut != "" || o.applyPlan != "") && o.every > 0 {
		return fail(exitSettings, errors.New("-plan-out and -apply-plan make one run; leave out -every"))
	}
	var plan *reconcile.Changeset
	if o.applyPlan != "" {
		var err error
		if plan, err = readPlan(o.applyPlan); err != nil {
			return fail(exitSettings, err)
		}
	}
	if o.planOut != "" {
		o.dryRun = true
	}
	var hc *halo.Client
	var dc *dattormm.Client
	var cleanup func()
	var err error
	if o.demo {
		status.Printf("demo: starting in-process Halo and Datto RMM fakes with a sample estate")
		hc, dc, cleanup, err = demoClients(status.Logger(o.verbose))
	} else {
		hc, dc, err = clientsFromEnv(status.Logger(o.verbose))
	}
	if err != nil {
		return fail(exitSettings, err)
	}
	if cleanup != nil {
		defer cleanup()
	}
	hc.Counters().Observe(status.Activity) // retries and waits as they happen
	dc.Counters().Observe(status.Activity)
	if o.check {
		if err := progress.RunChecks(ctx, stdout, progress.PingCheck("halo", hc.Ping), progress.PingCheck("datto", dc.Ping)); err != nil {
			return exitFailed
		}
		return exitOK
	}
	cfg, err := loadConfig(ctx, o.configPath, hc)
	if err != nil {
		return fail(exitSettings, err)
	}
	if o.printConfig {
		if err := writeJSON(stdout, cfg); err != nil {
			return fail(exitFailed, err)
		}
		return exitOK
	}
	runs := 1
	if o.demo && o.planOut == "" && o.applyPlan == "" {
		runs = 2
	}
	if o.demo {
		if o.mappingsPath == defaultMappings { // nothing of the demo's in the working directory
			dir, err := os.MkdirTemp("", "mspsync-demo-")
			if err != nil {
				return fail(exitFailed, err)
			}
			defer os.RemoveAll(dir)
			o.mappingsPath = filepath.Join(dir, "mappings.json")
		}
	}
	st := newState(o.mappingsPath)
	defer st.close()
	if st.spec != "" {
		status.Printf("learned site mappings: %s", st.desc)
	}
	once := func(n int) int { return syncRun(ctx, n, o, cfg, plan, hc, dc, st, status, stdout, stderr) }
	if o.every > 0 {
		if st.spec == "" {
			status.Printf("no -mappings: runs of several processes are not kept apart")
		}
		return schedule(ctx, o, status, once)
	}
	code := exitOK
	for i := 1; i <= runs; i++ {
		if runs > 1 {
			status.Printf("run %d of %d", i, runs)
		}
		if code = once(i); code != exitOK || ctx.Err() != nil {
			break
		}
	}
	return code
}

// syncRun runs one reconcile under the run lock and reports it: the plan
// with each write's result to stdout (the table and summary line, or a
// JSON object with the run's report under "run"), and the run's one-line
// report to stderr (a JSON object with -json). A run that fails or is
// stopped after it began applying is reported like any other, with what
// was applied, what failed and what was not run.
func syncRun(ctx context.Context, n int, o options, cfg *reconcile.Config, plan *reconcile.Changeset, hc *halo.Client, dc *dattormm.Client, st *state, status *progress.Printer, stdout, stderr io.Writer) int {
	rep := runReport{Run: n, Started: time.Now().UTC(), DryRun: o.dryRun}
	cs, tgt, err := syncOnce(ctx, o, cfg, plan, hc, dc, st, status, &rep)
	rep.Took = time.Since(rep.Started).Round(time.Millisecond).String()
	code := exitOK
	var busy *busyError
	var drift *reconcile.DriftError
	switch {
	case errors.As(err, &busy):
		rep.Status, code = "locked", exitBusy
	case errors.As(err, &drift):
		rep.Status, code = "conflict", exitConflict
	case ctx.Err() != nil && (err != nil || rep.Writes.NotRun > 0):
		rep.Status, code = "cancelled", exitFailed
	case err != nil || rep.Writes.Failed > 0:
		rep.Status, code = "failed", exitFailed
	default:
		rep.Status = "ok"
	}
	var stopped *reconcile.StoppedError
	switch {
	case errors.As(err, &stopped): // the writes' counts follow in the report
		rep.Error = "stopped: " + stopped.Err.Error()
	case err != nil:
		rep.Error = err.Error()
	}
	if cs != nil {
		var werr error
		switch {
		case o.asJSON:
			werr = writeJSON(stdout, map[string]any{"plan": cs, "summary": cs.Summary(), "dry_run": o.dryRun, "run": rep})
		case o.all:
			if werr = cs.WriteTable(stdout, true); werr == nil {
				_, werr = fmt.Fprintln(stdout, cs.Summary())
			}
		default:
			werr = cs.WriteReport(stdout, reconcile.ReportOptions{Target: tgt})
		}
		if werr == nil && o.planOut != "" && err == nil {
			if werr = writePlan(o.planOut, cs); werr == nil {
				status.Printf("plan kept in %s: review it, then apply it with -apply-plan %s", o.planOut, o.planOut)
			}
		}
		if werr != nil {
			fmt.Fprintln(stderr, "datto-to-halo:", werr)
			code = exitFailed
		}
	}
	if o.asJSON {
		b, _ := json.Marshal(rep)
		fmt.Fprintf(stderr, "%s\n", b)
	} else {
		status.Printf("%s", rep)
	}
	return code
}

// syncOnce takes the run lock and runs one reconcile (or applies plan,
// from -apply-plan), filling in rep's counts. It returns the changeset
// whenever planning got that far, with the target snapshot it was planned
// or checked against: after a failed or stopped Apply it holds every
// write's result (Result.NotRun for those never started).
func syncOnce(ctx context.Context, o options, cfg *reconcile.Config, plan *reconcile.Changeset, hc *halo.Client, dc *dattormm.Client, st *state, status *progress.Printer, rep *runReport) (*reconcile.Changeset, *reconcile.TargetSnapshot, error) {
	release, err := st.acquire(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer release()
	store, closeStore, err := st.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer closeStore()
	src := dattormmdriver.NewReconcileSource(dc)
	before := map[string]progress.Stats{"halo": hc.Stats(), "datto": dc.Stats()}
	stopWatch := status.Watch(3*time.Second, map[string]func() progress.Stats{"halo": hc.Stats, "datto": dc.Stats})
	opts := reconcile.RunOptions{
		DryRun:     o.dryRun,
		Mappings:   store,
		OnProgress: progressLines(status),
		ApplyOptions: reconcile.ApplyOptions{Concurrency: 4, BatchSize: 50, Progress: func(done, total int) {
			if o.progressHook != nil {
				o.progressHook(done, total)
			}
		}},
	}
	tgt := finishWrites{halodriver.NewReconcileTarget(hc)}
	var res *reconcile.RunResult
	if plan != nil {
		status.Printf("applying the plan of %s (%d writes) after checking Halo for changes", o.applyPlan, plan.Writes())
		res, err = reconcile.ApplyPlan(ctx, plan, tgt, opts)
	} else {
		res, err = reconcile.Run(ctx, src, tgt, cfg, opts)
	}
	stopWatch()
	h, d := hc.Stats().Sub(before["halo"]), dc.Stats().Sub(before["datto"])
	rep.Requests = map[string]progress.Stats{"halo": h, "datto": d}
	if res == nil || res.Changeset == nil { // failed before planning: nothing applied
		return nil, nil, err
	}
	cs := res.Changeset
	sum := cs.Summary()
	rep.Summary, rep.Writes = &sum, cs.WriteCounts()
	status.Printf("done: %d Datto audit reads; halo %s; datto %s", src.AuditReads(), h, d)
	if store != nil && !o.dryRun {
		ms, merr := store.Mappings(context.WithoutCancel(ctx), cs.Source, cs.Account)
		if merr != nil {
			return cs, res.Target, errors.Join(err, merr)
		}
		status.Printf("%d learned site mappings kept in %s", len(ms), st.desc)
	}
	return cs, res.Target, err
}

// clientsFromEnv builds both clients from the environment (see the
// package doc), naming every missing variable of both at once.
func clientsFromEnv(logger *slog.Logger) (*halo.Client, *dattormm.Client, error) {
	hc, herr := halo.FromEnv(halo.WithLogger(logger))
	dc, derr := dattormm.FromEnv(dattormm.WithLogger(logger))
	if err := errors.Join(herr, derr); err != nil {
		return nil, nil, err
	}
	return hc, dc, nil
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
