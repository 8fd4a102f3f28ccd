// Command datto-to-halo imports Datto RMM sites and devices into HaloPSA
// customers, sites and assets with the reconcile engine, and can be run
// again and again: a second run on an unchanged estate changes nothing.
//
//	go run ./examples/datto-to-halo -demo              # in-process fakes, two runs
//	go run ./examples/datto-to-halo -dry-run           # plan only, real APIs
//	go run ./examples/datto-to-halo -config sync.json  # apply a saved config
//	go run ./examples/datto-to-halo -print-config      # the default config, to start from
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
// The site mappings the import learns (customers it created or matched by
// name) are kept in -mappings (default mspsync-mappings.json), so a site
// renamed in Datto later stays with its customer.
//
// Progress goes to stderr; the plan table (or -json) to stdout, ending
// with "summary: created=N updated=N unchanged=N deactivated=N skipped=N
// ambiguous=N failed=N". Exit status: 0, 1 when an action failed, 2 for
// missing settings or a bad config.
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
	configPath, mappingsPath                        string
}

func main() {
	var o options
	flag.BoolVar(&o.demo, "demo", false, "run twice against in-process Datto RMM and Halo fakes seeded with a sample estate")
	flag.BoolVar(&o.dryRun, "dry-run", false, "plan only; write nothing")
	flag.BoolVar(&o.asJSON, "json", false, "print the plan and results as JSON")
	flag.BoolVar(&o.printConfig, "print-config", false, "print the effective config as JSON and exit")
	flag.BoolVar(&o.all, "all", false, "list unchanged assets in the table too")
	flag.BoolVar(&o.verbose, "v", false, "log every request to stderr")
	flag.StringVar(&o.configPath, "config", "", "JSON reconcile.Config (default: the built-in default)")
	flag.StringVar(&o.mappingsPath, "mappings", "mspsync-mappings.json", "file keeping the site mappings the import learns (\"\" for none)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, o, os.Stdout, os.Stderr))
}

// exit codes
const (
	exitOK       = 0
	exitFailed   = 1
	exitSettings = 2
)

func run(ctx context.Context, o options, stdout, stderr io.Writer) int {
	status := progress.New(stderr)
	fail := func(code int, err error) int {
		fmt.Fprintln(stderr, "datto-to-halo:", err)
		return code
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
	if o.demo {
		runs = 2
		dir, err := os.MkdirTemp("", "mspsync-demo-")
		if err != nil {
			return fail(exitFailed, err)
		}
		defer os.RemoveAll(dir)
		o.mappingsPath = filepath.Join(dir, "mappings.json")
	}
	code := exitOK
	for i := 1; i <= runs; i++ {
		if runs > 1 {
			status.Printf("run %d of %d", i, runs)
		}
		c, err := syncOnce(ctx, o, cfg, hc, dc, status, stdout)
		if err != nil {
			return fail(exitFailed, err)
		}
		code = c
	}
	return code
}

// syncOnce runs one reconcile and prints its plan and summary.
func syncOnce(ctx context.Context, o options, cfg *reconcile.Config, hc *halo.Client, dc *dattormm.Client, status *progress.Printer, stdout io.Writer) (int, error) {
	src := dattormmdriver.NewReconcileSource(dc)
	var store reconcile.MappingStore
	if o.mappingsPath != "" {
		store = reconcile.NewFileMappings(o.mappingsPath)
	}
	before := map[string]progress.Stats{"halo": hc.Stats(), "datto": dc.Stats()}
	stopWatch := status.Watch(3*time.Second, map[string]func() progress.Stats{"halo": hc.Stats, "datto": dc.Stats})
	lastReport := time.Now()
	res, err := reconcile.Run(ctx, src, halodriver.NewReconcileTarget(hc), cfg, reconcile.RunOptions{
		DryRun:   o.dryRun,
		Mappings: store,
		Step:     func(msg string) { status.Printf("%s", msg) },
		ApplyOptions: reconcile.ApplyOptions{Concurrency: 4, BatchSize: 50, Progress: func(done, total int) {
			if done == total || time.Since(lastReport) > 2*time.Second {
				lastReport = time.Now()
				status.Printf("applied %d of %d writes", done, total)
			}
		}},
	})
	stopWatch()
	if err != nil {
		return exitFailed, err
	}
	cs := res.Changeset
	h, d := hc.Stats().Sub(before["halo"]), dc.Stats().Sub(before["datto"])
	status.Printf("done: %d Datto audit reads; halo %s; datto %s", src.AuditReads(), h, d)
	if store != nil && !o.dryRun {
		ms, err := store.Mappings(ctx, cs.Source, cs.Account)
		if err != nil {
			return exitFailed, err
		}
		status.Printf("%d learned site mappings kept in %s", len(ms), o.mappingsPath)
	}
	if o.asJSON {
		if err := writeJSON(stdout, map[string]any{"plan": cs, "summary": cs.Summary(), "dry_run": o.dryRun}); err != nil {
			return exitFailed, err
		}
	} else {
		if err := cs.WriteTable(stdout, o.all); err != nil {
			return exitFailed, err
		}
		fmt.Fprintln(stdout, cs.Summary())
	}
	if cs.Summary().Failed > 0 {
		return exitFailed, nil
	}
	return exitOK, nil
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
