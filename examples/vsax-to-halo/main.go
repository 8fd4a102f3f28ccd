// Command vsax-to-halo imports Kaseya VSA X organizations and devices into
// HaloPSA customers and assets with the reconcile engine, and can be run
// again and again: a second run on an unchanged estate changes nothing.
//
//	go run ./examples/vsax-to-halo -demo              # in-process fakes: two imports, then alerts
//	go run ./examples/vsax-to-halo -dry-run           # plan only, real APIs
//	go run ./examples/vsax-to-halo -config sync.json  # apply a saved config
//	go run ./examples/vsax-to-halo -print-config      # the default config, to start from
//	go run ./examples/vsax-to-halo -check             # one line each: VSA X (GET /environment) and Halo
//	go run ./examples/vsax-to-halo -serve -public-url https://hooks.example/webhooks/vsax -alert-config alerts.json
//
// -serve receives VSA X notifications as Halo tickets: it registers the
// notification webhook for -public-url in VSA X (or updates the one with
// that URL), keeps its secret in the alert store (-store: a bbolt file or
// a postgres:// DSN; VSA X shows a secret only once, so a store without
// it regenerates it), checks that the ticket type of -alert-config has no
// mandatory fields (Halo's hasmandatorytechfields/hasmandatoryuserfields
// on GET /TicketType/{id}; the seed requires such a type), and serves
// /webhooks/vsax, /healthz and /readyz on -listen with alerting/receiver's
// timeouts and body caps. VSA X sends no resolve events: those tickets are
// closed in Halo. Every -poll-interval (default 5m; 0 disables) it also
// lists VSA X's notifications (GET /notifications, one request per 100)
// and tickets those raised since the receiver was first deployed whose
// webhook never arrived (the receiver was down); a notification already
// received is the same event, and the poll never closes a ticket.
// -log-format json writes one JSON object a line.
//
// Environment: HALO_URL, HALO_AUTH_URL (optional), HALO_TENANT (optional),
// HALO_CLIENT_ID, HALO_CLIENT_SECRET, VSAX_URL (the instance, e.g.
// https://acme.vsax.net), VSAX_TOKEN_ID, VSAX_TOKEN_SECRET.
//
// Without -config the default applies: each VSA X organization becomes a
// Halo customer (with a main site) and each of its VSA X sites a Halo
// site of that customer, matched by name first (sites.child_sites
// "sites"); map an organization in sites.mappings to put it on an
// existing customer, its sites then go under that customer;
// the device name goes to the asset tag (inventory_number), the BIOS
// serial to the asset field "Serial Number", and OS, IP addresses and last
// user to fields of those names where the tenant has them; assets match
// on the VSA X Identifier in kaseya_id, then on serial number; the asset
// type comes from the asset record's Type (vsaxdriver.AssetTypeField).
//
// In -demo, after the two imports, signed VSA X notification webhooks
// are posted to an in-process receiver (vsaxdriver's WebhookHandler on
// the alerting engine) and the Halo tickets they opened are listed; then a
// notification raised while the receiver was down (no webhook posted) is
// ticketed by one pass of the notification poll. VSA X sends no resolve
// events: those tickets are closed in Halo.
//
// Output: the plan table (or -json) on stdout, ending with "summary:
// created=N updated=N unchanged=N deactivated=N skipped=N ambiguous=N
// failed=N"; progress on stderr. Exit status 0, 1 when a run failed, 2
// for missing settings or a bad config.
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
	"syscall"
	"time"

	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halodriver"
	"github.com/mspsync/mspsync/progress"
	"github.com/mspsync/mspsync/reconcile"
	"github.com/mspsync/mspsync/vsax"
	"github.com/mspsync/mspsync/vsax/vsaxdriver"
)

type options struct {
	demo, dryRun, asJSON, printConfig, verbose, all, check, serve bool
	configPath, logFormat                                         string
	// -serve: the alert receiver.
	listen, store, publicURL, alertConfig string
	// pollInterval is how often -serve lists VSA X's notifications to
	// ticket those whose webhook never arrived (0: never).
	pollInterval time.Duration
}

const (
	exitOK       = 0
	exitFailed   = 1
	exitSettings = 2
)

func main() {
	var o options
	flag.BoolVar(&o.demo, "demo", false, "run against in-process VSA X and Halo fakes seeded with a sample estate: two imports, then alerts")
	flag.BoolVar(&o.dryRun, "dry-run", false, "plan only; write nothing")
	flag.BoolVar(&o.asJSON, "json", false, "print the plan and results as JSON")
	flag.BoolVar(&o.printConfig, "print-config", false, "print the effective config as JSON and exit")
	flag.BoolVar(&o.all, "all", false, "list unchanged assets in the table too")
	flag.BoolVar(&o.verbose, "v", false, "log every request to stderr")
	flag.StringVar(&o.configPath, "config", "", "JSON reconcile.Config (default: the built-in default)")
	flag.BoolVar(&o.check, "check", false, "check the connection to VSA X (GET /environment) and Halo, print one line each, and exit")
	flag.StringVar(&o.logFormat, "log-format", "text", "log lines as text or json")
	flag.BoolVar(&o.serve, "serve", false, "receive VSA X notifications as Halo tickets: register the webhook for -public-url (its secret kept in -store) and serve it on -listen")
	flag.StringVar(&o.listen, "listen", "127.0.0.1:8080", "with -serve: address to serve /webhooks/vsax, /healthz and /readyz on")
	flag.StringVar(&o.store, "store", "mspsync-vsax-alerts.db", "with -serve: alert state and the webhook secret: a bbolt file, or a postgres:// DSN")
	flag.StringVar(&o.publicURL, "public-url", "", "with -serve: the URL VSA X posts notifications to (https://…/webhooks/vsax)")
	flag.StringVar(&o.alertConfig, "alert-config", "", "with -serve: JSON alerting.Config (ticket.type: a Halo ticket type without mandatory fields)")
	flag.DurationVar(&o.pollInterval, "poll-interval", 5*time.Minute, "with -serve: how often to list VSA X's notifications and ticket those whose webhook never arrived (receiver down); 0 disables")
	flag.Usage = usage
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, o, os.Stdout, os.Stderr))
}

func run(ctx context.Context, o options, stdout, stderr io.Writer) int {
	status := progress.New(stderr)
	fail := func(code int, err error) int {
		fmt.Fprintln(stderr, "vsax-to-halo:", err)
		return code
	}
	if o.printConfig && !o.demo {
		return printConfig(ctx, o, stdout, stderr)
	}
	logger, err := newLogger(o.logFormat, o.verbose, stderr, status.Logger(o.verbose))
	if err != nil {
		return fail(exitSettings, err)
	}
	var hc *halo.Client
	var vc *vsax.Client
	var d *demo
	if o.demo {
		status.Printf("demo: starting in-process Halo and VSA X fakes with a sample estate")
		d, err = startDemo(logger)
		if err == nil {
			defer d.close()
			hc, vc = d.hc, d.vc
		}
	} else {
		hc, vc, err = clientsFromEnv(logger)
	}
	if err != nil {
		return fail(exitSettings, err)
	}
	hc.Counters().Observe(status.Activity) // retries and waits as they happen
	vc.Counters().Observe(status.Activity)
	if o.check {
		if err := check(ctx, hc, vc, stdout); err != nil {
			return fail(exitFailed, err)
		}
		return exitOK
	}
	if o.serve && !o.demo {
		if err := serveAlerts(ctx, o, hc, vc, logger); err != nil && !errors.Is(err, context.Canceled) {
			return fail(exitFailed, err)
		}
		return exitOK
	}
	if !o.demo {
		if _, err := vc.Ping(ctx); err != nil {
			return fail(exitSettings, err)
		}
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
	}
	for i := 1; i <= runs; i++ {
		if runs > 1 {
			status.Printf("run %d of %d", i, runs)
		}
		if code := syncOnce(ctx, o, cfg, hc, vc, status, stdout); code != exitOK {
			return code
		}
	}
	if o.demo && !o.dryRun {
		if err := d.alerts(ctx, stdout, status); err != nil {
			return fail(exitFailed, err)
		}
	}
	return exitOK
}

// syncOnce runs one reconcile and prints its plan and summary.
func syncOnce(ctx context.Context, o options, cfg *reconcile.Config, hc *halo.Client, vc *vsax.Client, status *progress.Printer, stdout io.Writer) int {
	src := vsaxdriver.NewReconcileSource(vc)
	before := map[string]progress.Stats{"halo": hc.Stats(), "vsax": vc.Stats()}
	res, err := reconcile.Run(ctx, src, halodriver.NewReconcileTarget(hc), cfg, reconcile.RunOptions{
		DryRun:       o.dryRun,
		Step:         func(msg string) { status.Printf("%s", msg) },
		ApplyOptions: reconcile.ApplyOptions{Concurrency: 4, BatchSize: 50},
	})
	h, v := hc.Stats().Sub(before["halo"]), vc.Stats().Sub(before["vsax"])
	code := exitOK
	if res != nil && res.Changeset != nil {
		cs := res.Changeset
		var werr error
		if o.asJSON {
			werr = writeJSON(stdout, map[string]any{"plan": cs, "summary": cs.Summary(), "dry_run": o.dryRun})
		} else if werr = cs.WriteTable(stdout, o.all); werr == nil {
			_, werr = fmt.Fprintln(stdout, cs.Summary())
		}
		if werr != nil {
			err = errors.Join(err, werr)
		}
		if cs.Summary().Failed > 0 {
			code = exitFailed
		}
	}
	status.Printf("done: %d VSA X device details; halo %s; vsax %s", src.DetailReads(), h, v)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vsax-to-halo:", err)
		return exitFailed
	}
	return code
}

// loadConfig reads -config, or builds the default for this Halo tenant.
func loadConfig(ctx context.Context, path string, hc *halo.Client) (*reconcile.Config, error) {
	if path != "" {
		return reconcile.LoadConfigFile(path)
	}
	t, err := halodriver.ReadTenant(ctx, hc)
	if err != nil {
		return nil, fmt.Errorf("the default config: %w", err)
	}
	return DefaultConfig(t.AssetGroupID, t.HasAssetField), nil
}

// DefaultConfig is the documented default (see the package doc).
func DefaultConfig(group int, exists func(string) bool) *reconcile.Config {
	cfg := &reconcile.Config{
		Sites: reconcile.SiteConfig{Method: reconcile.SiteMappings, NewSites: reconcile.NewSitesAsCustomers, ChildSites: reconcile.ChildSitesAsSites, MainSiteName: "Main"},
		FieldMappings: []reconcile.FieldMapping{
			{Source: "name", Target: "inventory_number"},
			{Source: "serialNumber", Target: "Serial Number"},
		},
		Matching:   reconcile.MatchingConfig{Field: "Serial Number"},
		AssetTypes: reconcile.TypeConfig{Mode: reconcile.TypeField, Field: vsaxdriver.AssetTypeField, Default: "Workstation", NewTypeGroupID: group},
		Lifecycle:  reconcile.LifecycleConfig{DeactivateDeleted: true},
	}
	for _, m := range []reconcile.FieldMapping{
		{Source: "operatingSystem", Target: "Operating System"},
		{Source: "ipAddresses", Target: "IP Address"},
		{Source: "lastUser", Target: "Last User"},
	} {
		if exists(m.Target) {
			cfg.FieldMappings = append(cfg.FieldMappings, m)
		}
	}
	return cfg
}

// clientsFromEnv builds both clients from the environment, naming every
// missing variable of both at once.
func clientsFromEnv(logger *slog.Logger) (*halo.Client, *vsax.Client, error) {
	hc, herr := halo.FromEnv(halo.WithLogger(logger))
	vc, verr := vsax.FromEnv(vsax.WithLogger(logger))
	if err := errors.Join(herr, verr); err != nil {
		return nil, nil, err
	}
	return hc, vc, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
