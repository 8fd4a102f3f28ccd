// Command level-to-halo imports Level devices into HaloPSA assets with the
// reconcile engine, placing each device on the Halo customer and site of
// its nearest mapped ancestor group, and turns Level alerts into Halo
// tickets (resolving the Level alert when its ticket is closed in Halo).
// A second import on an unchanged estate changes nothing.
//
//	go run ./examples/level-to-halo -demo              # in-process fakes: two imports, then alerts
//	go run ./examples/level-to-halo -check             # one cheap read of Level and of Halo
//	go run ./examples/level-to-halo -dry-run           # plan only, real APIs
//	go run ./examples/level-to-halo -config sync.json  # import with a saved config
//	go run ./examples/level-to-halo -config sync.json -listen :8080  # then receive Level webhooks
//	go run ./examples/level-to-halo -status            # each group mapping's sync status
//	go run ./examples/level-to-halo -events PC-01      # what the imports sent to Halo for one device
//	go run ./examples/level-to-halo -print-config      # the default config, to start from
//
// Environment: HALO_URL, HALO_AUTH_URL (optional), HALO_TENANT (optional),
// HALO_CLIENT_ID, HALO_CLIENT_SECRET, LEVEL_API_KEY, LEVEL_API_URL
// (optional, default https://api.level.io/v2; with or without /v2 and a
// trailing slash), and for -listen LEVEL_WEBHOOK_SECRET (the signing secret
// of Level's Settings → Webhooks) and optionally LEVEL_TEMPLATE_SECRET.
//
// # Config and staged enable
//
// -config is a JSON file (see Config): "send_devices" and "send_alerts"
// (both off in a fresh config, as the integration stays disabled until
// the operator starts it: with send_devices off an import only plans, with
// send_alerts off -listen serves nothing), "sync" (the reconcile config;
// left out: the built-in default), "alerts" (the alerting config) and
// "policies" (the policy map).
//
// # Groups and customers
//
// Level has nested groups only, to any depth. Any group can be mapped to a
// Halo customer (and optionally one of its sites) in sync.sites.mappings,
// keyed by the Level group ID:
//
//	{"sync": {"sites": {"method": "mappings", "new_sites": "skip",
//	  "mappings": [{"source_site_id": "<level group id>", "customer_id": 12, "site_id": 34}]}}}
//
// A device belongs to its nearest mapped ancestor: the mapping of its own
// group, else of its parent group, and so on up to the root. A device
// under no mapped group is skipped with that reason, as is an ungrouped
// device, unless sync.sites.default_site names a customer (and site) for
// them. This is Level's default, reconcile's "new sites: skip" mode, and
// it is what the default config says (new_sites "skip"); set new_sites to
// "customers" to have every unmapped group become a customer instead.
//
// Without "sync" the default applies: no mappings yet (every device is
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
// # Alerts
//
// With -listen and send_alerts on, Level's webhooks (Settings → Webhooks,
// URL http(s)://<host>/level) are received: X-Level-Signature is checked,
// alert_active opens a ticket, alert_resolved closes it, a redelivery (same
// event_id) has no second effect. A ticket goes to the customer and site
// of the Halo asset the import linked to the alert's device; otherwise to
// the mapping of the device's nearest mapped ancestor group (the import's
// group mappings, learned mappings, and alerts.customers entries with
// source "level"); a device under no mapped group goes to
// alerts.catch_all, the default customer, or, without one, is rejected
// with reason unmapped_customer. device_* and group_* webhooks trigger an
// early import of those devices and groups, 30 s after the last one; other
// event types are acknowledged and ignored. A ticket closed in Halo
// resolves its Level alert (POST /alerts/{id}/resolve, PUT on 405; 404 =
// already resolved); a resolve Level sent is never sent back.
//
// "policies" maps a Level policy to a Halo ticket type ID. Level's
// webhooks carry no policy ID and its API has no policy endpoints, so the
// key is the alert's name (the monitor: "CPU usage"). Alerts received
// through the automation-template intake (/level/template, served when
// LEVEL_TEMPLATE_SECRET is set; the secret goes in the X-Mspsync-Secret
// header of the automation's HTTP step, body: leveldriver.TemplateBody)
// are keyed by their policy_id. An alert whose policy is not mapped
// creates no ticket: it is accepted, counted (ignored,
// alert_type_not_mapped on /metrics) and logged.
//
// # What operators see
//
// Each import records, in -state (default level-to-halo.state): every
// group mapping's status (unsynced → syncing → synced, or failed with the
// reason), shown by -status (an early sync moves only the mappings it
// touched, marked "(early)" with the counts of the devices it read); and
// every device's events (the asset write
// sent to Halo and its outcome, skips and failures) as JSON lines,
// shown by -events DEVICE (a Level device ID or name; -json for the raw
// lines). -check reads one page of Level groups and the Halo agent the
// credentials act as. -log-format json writes logs as JSON lines.
//
// # Permissions
//
// Halo: an API application (client credentials) with the scopes "all" (or
// read:assets edit:assets read:customers edit:customers read:tickets
// edit:tickets), acting as an agent allowed to view and edit assets,
// customers, sites and tickets and to add actions to tickets. Creating a
// missing asset field (a mapped field, or "level device ID") needs an
// agent with admin rights; a 403 for that step says so. Level: a read-only
// key imports; resolving alerts needs a read/write key.
//
// In -demo, a nested group tree of five levels with devices at every
// level is imported twice into a Halo fake; then signed Level webhooks and
// automation-template deliveries (one whose policy_id is mapped, one with
// a wrong shared secret) are posted to an in-process receiver and a
// ticket is closed in Halo (print the demo's config with -demo
// -print-config).
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
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mspsync/mspsync/alerting/boltstore"
	"github.com/mspsync/mspsync/alerting/receiver"
	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halodriver"
	"github.com/mspsync/mspsync/level"
	"github.com/mspsync/mspsync/level/leveldriver"
	"github.com/mspsync/mspsync/progress"
	"github.com/mspsync/mspsync/reconcile"
)

type options struct {
	demo, dryRun, asJSON, printConfig, verbose, all, check, showStatus bool
	configPath, mappingsPath, stateDir, events, listen, logFormat      string
	// prepare and inspect, when set, are called with the demo's fakes
	// before and after the runs (tests inject faults and check state).
	prepare, inspect func(*demo)
}

const (
	exitOK       = 0
	exitFailed   = 1
	exitSettings = 2
)

// Environment variables of real mode besides LEVEL_API_KEY, LEVEL_API_URL
// and HALO_*.
const (
	envWebhookSecret  = "LEVEL_WEBHOOK_SECRET"  // Level: Settings → Webhooks, the signing secret
	envTemplateSecret = "LEVEL_TEMPLATE_SECRET" // optional: serves the automation-template intake
)

const defaultStateDir = "level-to-halo.state"

func main() {
	var o options
	flag.BoolVar(&o.demo, "demo", false, "run against in-process Level and Halo fakes: import a nested group tree twice, then post signed alert webhooks")
	flag.BoolVar(&o.dryRun, "dry-run", false, "plan only; write nothing")
	flag.BoolVar(&o.asJSON, "json", false, "print the plan and results (or -events) as JSON")
	flag.BoolVar(&o.printConfig, "print-config", false, "print the effective config as JSON and exit")
	flag.BoolVar(&o.all, "all", false, "list unchanged assets in the table too")
	flag.BoolVar(&o.verbose, "v", false, "log every request to stderr")
	flag.BoolVar(&o.check, "check", false, "check the Level and Halo connections (one cheap read each) and exit")
	flag.BoolVar(&o.showStatus, "status", false, "print each group mapping's sync status (from -state) and exit")
	flag.StringVar(&o.events, "events", "", "print the recorded events of one device (its Level ID or name, from -state) and exit")
	flag.StringVar(&o.configPath, "config", "", "JSON config: send_devices, send_alerts, sync (reconcile), alerts (alerting), policies (default: built in, both switches off)")
	flag.StringVar(&o.mappingsPath, "mappings", "", "a JSON file keeping the site mappings the import learns (\"\" for nowhere)")
	flag.StringVar(&o.stateDir, "state", "", "directory for sync status, device events and alert state (default "+defaultStateDir+"; in -demo a temporary one)")
	flag.StringVar(&o.listen, "listen", "", "serve the Level webhook (/level), the automation-template intake (/level/template), /healthz and /metrics on this address after the import, until interrupted")
	flag.StringVar(&o.logFormat, "log-format", "text", "log format on stderr: text or json")
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
	var logger *slog.Logger
	switch o.logFormat {
	case "", "text":
		logger = status.Logger(o.verbose)
	case "json":
		lvl := slog.LevelInfo
		if o.verbose {
			lvl = slog.LevelDebug
		}
		logger = slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: lvl}))
	default:
		return fail(exitSettings, fmt.Errorf("-log-format %q: want text or json", o.logFormat))
	}
	stateDir := o.stateDir
	if stateDir == "" && !o.demo {
		stateDir = defaultStateDir
	}
	if !o.demo && o.showStatus {
		sts, err := readStatus(stateDir)
		if err == nil {
			err = printStatus(stdout, sts)
		}
		if err != nil {
			return fail(exitFailed, err)
		}
		return exitOK
	}
	if !o.demo && o.events != "" {
		if err := printEvents(stdout, stateDir, o.events, o.asJSON); err != nil {
			return fail(exitFailed, err)
		}
		return exitOK
	}

	var hc *halo.Client
	var lc *level.Client
	var d *demo
	var err error
	if o.demo {
		status.Printf("demo: starting in-process Halo and Level fakes with a nested group tree")
		d, err = startDemo(logger)
		if err == nil {
			defer d.close()
			hc, lc = d.hc, d.lc
		}
		if err == nil && stateDir == "" {
			if stateDir, err = os.MkdirTemp("", "level-to-halo-demo-"); err == nil {
				defer os.RemoveAll(stateDir)
			}
		}
	} else {
		hc, lc, err = clientsFromEnv(logger)
	}
	if err != nil {
		return fail(exitSettings, err)
	}
	if d != nil && o.prepare != nil {
		o.prepare(d)
	}
	if o.check {
		return check(ctx, hc, lc, stdout, stderr)
	}

	var cfg *Config
	defaultSync := func() (*reconcile.Config, error) { return loadDefaultConfig(ctx, hc) }
	switch {
	case o.configPath != "":
		cfg, err = loadConfigFile(o.configPath, defaultSync)
	case o.demo:
		cfg, err = d.config(ctx)
	default:
		var sync *reconcile.Config
		if sync, err = defaultSync(); err == nil {
			cfg = &Config{Sync: sync}
		}
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
	if !cfg.SendDevices {
		status.Printf("send_devices is off (a fresh config): planning only, nothing is written to Halo; set it to true in -config to start the import")
	}
	im := &importer{o: o, cfg: cfg, store: store, hc: hc, lc: lc, status: status, stdout: stdout, stderr: stderr, stateDir: stateDir}
	runs := 1
	if o.demo {
		runs = 2
	}
	for i := 1; i <= runs; i++ {
		if runs > 1 {
			status.Printf("run %d of %d", i, runs)
		}
		if code := im.syncOnce(ctx, nil); code != exitOK {
			return code
		}
	}
	if d != nil {
		if !cfg.SendAlerts {
			status.Printf("send_alerts is off: the demo posts no alerts")
		} else if err := d.alerts(ctx, cfg, im, logger, stdout, status); err != nil {
			return fail(exitFailed, err)
		}
		if err := d.showRecords(stdout, stateDir); err != nil {
			return fail(exitFailed, err)
		}
		if o.inspect != nil {
			o.inspect(d)
		}
		return exitOK
	}
	if o.listen == "" {
		return exitOK
	}
	if !cfg.SendAlerts {
		status.Printf("send_alerts is off (a fresh config): no alert intake is served; set it to true in -config to start")
		return exitOK
	}
	return im.serveAlerts(ctx, logger)
}

// importer runs imports and keeps their records.
type importer struct {
	o        options
	cfg      *Config
	store    reconcile.MappingStore
	hc       *halo.Client
	lc       *level.Client
	status   *progress.Printer
	stdout   io.Writer
	stderr   io.Writer
	stateDir string
}

// syncOnce runs one import (scope nil: all of Level; else an early sync
// of a few devices and groups), prints its plan and summary, and saves
// the mappings' statuses and the devices' events in the state directory.
func (im *importer) syncOnce(ctx context.Context, scope *leveldriver.Scope) int {
	before := map[string]progress.Stats{"halo": im.hc.Stats(), "level": im.lc.Stats()}
	src := leveldriver.NewReconcileSource(im.lc)
	if scope != nil {
		src = src.Scoped(*scope)
	}
	prev, err := readStatus(im.stateDir)
	if err != nil {
		fmt.Fprintln(im.stderr, "level-to-halo: previous status unreadable, starting over:", err)
	}
	dry := im.o.dryRun || !im.cfg.SendDevices
	run := time.Now().UTC().Format("20060102T150405.000Z")
	rep, err := leveldriver.Sync(ctx, run, src, halodriver.NewReconcileTarget(im.hc), im.cfg.Sync, reconcile.RunOptions{
		DryRun:       dry,
		Mappings:     im.store,
		Step:         func(msg string) { im.status.Printf("%s", msg) },
		ApplyOptions: reconcile.ApplyOptions{Concurrency: 4, BatchSize: 50},
	}, leveldriver.NewSyncStatus(im.cfg.Sync, prev))
	if serr := saveRun(im.stateDir, rep); serr != nil {
		err = errors.Join(err, fmt.Errorf("saving the run's records in %s: %w", im.stateDir, serr))
	}
	h, l := im.hc.Stats().Sub(before["halo"]), im.lc.Stats().Sub(before["level"])
	code := exitOK
	if res := rep.Result; res != nil && res.Changeset != nil {
		cs := res.Changeset
		var werr error
		if im.o.asJSON {
			werr = writeJSON(im.stdout, map[string]any{"plan": cs, "summary": cs.Summary(), "dry_run": dry, "mappings": rep.Statuses})
		} else if werr = cs.WriteTable(im.stdout, im.o.all); werr == nil {
			_, werr = fmt.Fprintln(im.stdout, cs.Summary())
		}
		if werr != nil {
			err = errors.Join(err, werr)
		}
		for _, hint := range permissionHints(cs) {
			fmt.Fprintln(im.stderr, "level-to-halo:", hint)
		}
		if cs.Summary().Failed > 0 {
			code = exitFailed
		}
	}
	im.status.Printf("done: halo %s; level %s", h, l)
	if err != nil {
		fmt.Fprintln(im.stderr, "level-to-halo:", err)
		return exitFailed
	}
	return code
}

// permissionHints explains Halo's 403s: creating a missing asset field
// (a mapped field, or the "level device ID" field links are kept in)
// needs an agent with admin rights.
func permissionHints(cs *reconcile.Changeset) []string {
	var out []string
	seen := map[string]bool{}
	for _, a := range cs.Actions {
		if a.Result == nil || a.Result.OK || !strings.Contains(a.Result.Error, ": 403 ") {
			continue
		}
		field := ""
		switch {
		case a.Kind == reconcile.CreateField && a.Field != nil:
			field = a.Field.Name
		case strings.Contains(a.Result.Error, "/Field: 403"):
			field = leveldriver.Kind + " device ID"
		default:
			continue
		}
		if !seen[field] {
			seen[field] = true
			out = append(out, fmt.Sprintf("Halo refused (403) to create the asset field %q: that step needs an agent with admin rights; have an administrator create the field (Configuration → Asset Management → Fields) or grant the API agent that right, then run again", field))
		}
	}
	return out
}

// serveAlerts serves the intakes (real mode, -listen) until ctx ends.
func (im *importer) serveAlerts(ctx context.Context, logger *slog.Logger) int {
	env := func(k string) string { return strings.TrimSpace(os.Getenv(k)) }
	secret := env(envWebhookSecret)
	if secret == "" {
		fmt.Fprintf(im.stderr, "level-to-halo: %s is required to receive Level webhooks\n", envWebhookSecret)
		return exitSettings
	}
	if err := os.MkdirAll(im.stateDir, 0o700); err != nil {
		fmt.Fprintln(im.stderr, "level-to-halo:", err)
		return exitFailed
	}
	store, err := boltstore.Open(im.stateDir + "/" + alertsDB)
	if err != nil {
		fmt.Fprintln(im.stderr, "level-to-halo:", err)
		return exitFailed
	}
	defer store.Close()
	side, err := newAlertSide(alertSetup{cfg: im.cfg, store: store, hc: im.hc, lc: im.lc, mappings: im.store,
		webhookSecret: secret, templateSecret: env(envTemplateSecret), logger: logger,
		sync: func(ctx context.Context, scope leveldriver.Scope) error {
			if im.syncOnce(ctx, &scope) != exitOK {
				return fmt.Errorf("early sync of %d devices and %d groups failed", len(scope.Devices), len(scope.Groups))
			}
			return nil
		}})
	if err != nil {
		fmt.Fprintln(im.stderr, "level-to-halo:", err)
		return exitSettings
	}
	defer side.eng.Close()
	ln, err := net.Listen("tcp", im.o.listen)
	if err != nil {
		fmt.Fprintln(im.stderr, "level-to-halo:", err)
		return exitFailed
	}
	im.status.Printf("receiving Level webhooks on http://%s/level (signed with %s)", ln.Addr(), envWebhookSecret)
	if err := side.serve(ctx, ln, receiver.DefaultLimits()); err != nil {
		fmt.Fprintln(im.stderr, "level-to-halo:", err)
		return exitFailed
	}
	return exitOK
}

// check pings Level and Halo (-check).
func check(ctx context.Context, hc *halo.Client, lc *level.Client, stdout, stderr io.Writer) int {
	code := exitOK
	if p, err := lc.Ping(ctx); err != nil {
		fmt.Fprintln(stderr, "level-to-halo: level:", err)
		code = exitFailed
	} else {
		fmt.Fprintln(stdout, p)
	}
	if a, err := hc.Agents.Me(ctx); err != nil {
		fmt.Fprintln(stderr, "level-to-halo: halo:", err)
		code = exitFailed
	} else {
		fmt.Fprintf(stdout, "halo: credentials accepted; acting as agent %d (%s)\n", a.ID, a.Name)
	}
	return code
}

// loadDefaultConfig builds the default config for this Halo tenant.
func loadDefaultConfig(ctx context.Context, hc *halo.Client) (*reconcile.Config, error) {
	t, err := halodriver.ReadTenant(ctx, hc)
	if err != nil {
		return nil, fmt.Errorf("the default config: %w", err)
	}
	return DefaultConfig(t.AssetGroupID, t.HasAssetField), nil
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
