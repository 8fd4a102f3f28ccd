// Command level-to-halo imports Level devices into HaloPSA assets with the
// reconcile engine, placing each device on the Halo customer and site of
// its nearest mapped ancestor group, and can be run again and again: a
// second run on an unchanged estate changes nothing.
//
//	go run ./examples/level-to-halo -demo              # in-process fakes, two runs
//	go run ./examples/level-to-halo -dry-run           # plan only, real APIs
//	go run ./examples/level-to-halo -config sync.json  # apply a saved config
//	go run ./examples/level-to-halo -print-config      # the default config, to start from
//
// Environment: HALO_URL, HALO_AUTH_URL (optional), HALO_TENANT (optional),
// HALO_CLIENT_ID, HALO_CLIENT_SECRET, LEVEL_API_KEY, LEVEL_API_URL
// (optional, default https://api.level.io/v2).
//
// # Groups and customers
//
// Level has nested groups only, to any depth. Any group can be mapped to a
// Halo customer (and optionally one of its sites) in the config's
// sites.mappings, keyed by the Level group ID:
//
//	{"sites": {"method": "mappings", "new_sites": "skip",
//	  "mappings": [{"source_site_id": "<level group id>", "customer_id": 12, "site_id": 34}]}}
//
// A device belongs to its nearest mapped ancestor: the mapping of its own
// group, else of its parent group, and so on up to the root. A device
// under no mapped group is skipped with that reason, as is an ungrouped
// device, unless sites.default_site names a customer (and site) for them.
// This is Level's default, reconcile's "new sites: skip" mode, and it is
// what the default config says (sites.new_sites "skip"); set new_sites to
// "customers" to have every unmapped group become a customer instead.
//
// Without -config the default applies: no mappings yet (every device is
// skipped until you add some); the hostname goes to the asset tag
// (inventory_number), the serial number to the asset field "Serial
// Number", and OS, model, manufacturer, IP addresses and last logged-in
// user to fields of those names where the tenant has them; assets match
// on the Level device ID (kept in the asset info field "level device ID",
// created on first use), then on serial number; the asset type is the
// device's Level role (workstation, server, domain_controller), new types
// going under the first asset group.
//
// -mappings FILE keeps the site mappings the import learns (with new_sites
// "customers" or "sites": the customers it created or matched by name) in
// a JSON file, so that a group renamed in Level stays with its customer.
//
// In -demo, a nested group tree of five levels with devices at every
// level is imported twice into a Halo fake; the demo's config maps groups
// at different depths (print it with -demo -print-config).
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
	"strings"
	"syscall"

	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halodriver"
	"github.com/mspsync/mspsync/level"
	"github.com/mspsync/mspsync/level/leveldriver"
	"github.com/mspsync/mspsync/progress"
	"github.com/mspsync/mspsync/reconcile"
)

type options struct {
	demo, dryRun, asJSON, printConfig, verbose, all bool
	configPath, mappingsPath                        string
	// inspect, when set, is called with the demo's fakes after the runs
	// (tests check the Halo fake's state with it).
	inspect func(*demo)
}

const (
	exitOK       = 0
	exitFailed   = 1
	exitSettings = 2
)

func main() {
	var o options
	flag.BoolVar(&o.demo, "demo", false, "run twice against in-process Level and Halo fakes seeded with a nested group tree")
	flag.BoolVar(&o.dryRun, "dry-run", false, "plan only; write nothing")
	flag.BoolVar(&o.asJSON, "json", false, "print the plan and results as JSON")
	flag.BoolVar(&o.printConfig, "print-config", false, "print the effective config as JSON and exit")
	flag.BoolVar(&o.all, "all", false, "list unchanged assets in the table too")
	flag.BoolVar(&o.verbose, "v", false, "log every request to stderr")
	flag.StringVar(&o.configPath, "config", "", "JSON reconcile.Config (default: the built-in default; in -demo, the demo's)")
	flag.StringVar(&o.mappingsPath, "mappings", "", "a JSON file keeping the site mappings the import learns (\"\" for nowhere)")
	flag.Usage = usage
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, o, os.Stdout, os.Stderr))
}

func run(ctx context.Context, o options, stdout, stderr io.Writer) int {
	status := progress.New(stderr)
	fail := func(code int, err error) int {
		fmt.Fprintln(stderr, "level-to-halo:", err)
		return code
	}
	if o.printConfig && !o.demo {
		return printConfig(ctx, o, stdout, stderr)
	}
	var hc *halo.Client
	var lc *level.Client
	var d *demo
	var err error
	if o.demo {
		status.Printf("demo: starting in-process Halo and Level fakes with a nested group tree")
		d, err = startDemo(status.Logger(o.verbose))
		if err == nil {
			defer d.close()
			hc, lc = d.hc, d.lc
		}
	} else {
		hc, lc, err = clientsFromEnv(status.Logger(o.verbose))
	}
	if err != nil {
		return fail(exitSettings, err)
	}
	var cfg *reconcile.Config
	switch {
	case o.configPath != "":
		cfg, err = reconcile.LoadConfigFile(o.configPath)
	case o.demo:
		cfg, err = d.config(ctx)
	default:
		cfg, err = loadDefaultConfig(ctx, hc)
	}
	if err != nil {
		return fail(exitSettings, err)
	}
	if o.printConfig {
		if err := writeJSON(stdout, cfg); err != nil {
			return fail(exitFailed, err)
		}
		return exitOK
	}
	var store reconcile.MappingStore
	if o.mappingsPath != "" {
		store = reconcile.NewFileMappings(o.mappingsPath)
		status.Printf("learned site mappings: %s", o.mappingsPath)
	}
	runs := 1
	if o.demo {
		runs = 2
	}
	for i := 1; i <= runs; i++ {
		if runs > 1 {
			status.Printf("run %d of %d", i, runs)
		}
		if code := syncOnce(ctx, o, cfg, store, hc, lc, status, stdout, stderr); code != exitOK {
			return code
		}
	}
	if d != nil && o.inspect != nil {
		o.inspect(d)
	}
	return exitOK
}

// syncOnce runs one reconcile and prints its plan and summary.
func syncOnce(ctx context.Context, o options, cfg *reconcile.Config, store reconcile.MappingStore, hc *halo.Client, lc *level.Client, status *progress.Printer, stdout, stderr io.Writer) int {
	before := map[string]progress.Stats{"halo": hc.Stats(), "level": lc.Stats()}
	res, err := reconcile.Run(ctx, leveldriver.NewReconcileSource(lc), halodriver.NewReconcileTarget(hc), cfg, reconcile.RunOptions{
		DryRun:       o.dryRun,
		Mappings:     store,
		Step:         func(msg string) { status.Printf("%s", msg) },
		ApplyOptions: reconcile.ApplyOptions{Concurrency: 4, BatchSize: 50},
	})
	h, l := hc.Stats().Sub(before["halo"]), lc.Stats().Sub(before["level"])
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
	status.Printf("done: halo %s; level %s", h, l)
	if err != nil {
		fmt.Fprintln(stderr, "level-to-halo:", err)
		return exitFailed
	}
	return code
}

// loadDefaultConfig builds the default config for this Halo tenant.
func loadDefaultConfig(ctx context.Context, hc *halo.Client) (*reconcile.Config, error) {
	groups, err := hc.AssetGroups.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading asset groups for the default config: %w", err)
	}
	group := 0
	if len(groups) > 0 {
		group = groups[0].ID
	}
	defs, err := hc.Fields.AssetFields(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading asset fields for the default config: %w", err)
	}
	have := map[string]bool{}
	for _, f := range defs {
		have[strings.ToLower(f.Name)] = true
	}
	return DefaultConfig(group, func(name string) bool { return have[strings.ToLower(name)] }), nil
}

// DefaultConfig is the documented default (see the package doc): no
// mappings, unmapped groups skipped (sites.new_sites "skip"), hostname →
// inventory_number, serial → "Serial Number", and OS, model,
// manufacturer, IP addresses and last user to fields of those names where
// the tenant has them (exists); match on the Level link, then serial;
// type from the Level role, new types in group.
func DefaultConfig(group int, exists func(string) bool) *reconcile.Config {
	cfg := &reconcile.Config{
		Sites: reconcile.SiteConfig{Method: reconcile.SiteMappings, NewSites: reconcile.NewSitesSkip, MainSiteName: "Main"},
		FieldMappings: []reconcile.FieldMapping{
			{Source: "hostname", Target: "inventory_number"},
			{Source: "serialNumber", Target: "Serial Number"},
		},
		Matching:   reconcile.MatchingConfig{Field: "Serial Number"},
		AssetTypes: reconcile.TypeConfig{Mode: reconcile.TypeField, Field: "role", Default: "workstation", NewTypeGroupID: group},
		Lifecycle:  reconcile.LifecycleConfig{DeactivateDeleted: true},
	}
	for _, m := range []reconcile.FieldMapping{
		{Source: "operatingSystem", Target: "Operating System"},
		{Source: "model", Target: "Model"},
		{Source: "manufacturer", Target: "Manufacturer"},
		{Source: "ipAddresses", Target: "IP Address"},
		{Source: "lastLoggedInUser", Target: "Last User"},
	} {
		if exists(m.Target) {
			cfg.FieldMappings = append(cfg.FieldMappings, m)
		}
	}
	return cfg
}

// clientsFromEnv builds both clients from the environment, naming every
// missing variable of both at once.
func clientsFromEnv(logger *slog.Logger) (*halo.Client, *level.Client, error) {
	hc, herr := halo.FromEnv(halo.WithLogger(logger))
	lc, lerr := level.FromEnv(level.WithLogger(logger))
	if err := errors.Join(herr, lerr); err != nil {
		return nil, nil, err
	}
	return hc, lc, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
