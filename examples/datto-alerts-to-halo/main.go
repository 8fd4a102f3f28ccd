// Command datto-alerts-to-halo turns Datto RMM monitor alerts into HaloPSA
// tickets with the alerting engine, and syncs resolution both ways: a
// resolved alert closes (or notes) its ticket, and a ticket a technician
// closes in Halo resolves its alerts in Datto.
//
//	go run ./examples/datto-alerts-to-halo -demo     # in-process fakes; a scripted burst of alerts
//	go run ./examples/datto-alerts-to-halo           # a real receiver on 127.0.0.1:8080
//	go run ./examples/datto-alerts-to-halo -config new.json -dry-route requests.json   # where would these alerts go?
//	go run ./examples/datto-alerts-to-halo -check    # check the Halo and Datto connections, one line each
//
// -check connects to each vendor (a token and one cheap read), prints
// "halo: ok: ..." or "halo: FAILED: ..." and the same for datto, and exits
// 1 if one failed (with -demo: against the demo's fakes). -log-format json
// writes the logs on stderr as JSON records (log/slog's JSON handler).
//
// Routes: POST /webhooks/datto (paste the payloads printed by -print-templates
// into Datto RMM's webhook settings), GET /healthz (the process is up),
// GET /readyz (the store takes writes and Halo and Datto answer an
// authenticated read; 503 naming the check that failed), GET /metrics
// (Prometheus, with client_golang: the engine's counters, the Go runtime's
// and the process's), GET /requests (the last 1,000 deliveries: time,
// intake, alert, accepted or rejected and why, routing, ticket, outcome;
// JSON, or an HTML table in a browser; ?limit=, ?source=), and POST /mail/datto when DATTO_MAIL_SECRET is set: Datto alert
// e-mails (subject with Alert{[alertuid]}) posted raw or as a form by a mail
// forwarding service, authenticated with HTTP Basic (any user, the secret as
// password) or a Bearer token. -maildir DIR also reads alert e-mails a local
// MTA delivers to a Maildir; -mail-from LIST (comma-separated addresses or
// domains) drops mail from other senders. Flags: -listen ADDR, -store PATH or DSN (a bbolt file, default
// mspsync-alerts.db, for one receiver; a postgres:// DSN for several
// replicas sharing one database), -resolve-sync-interval DURATION (default 1m), -config
// FILE (JSON: alerting.Config's keys, and the HTTP limits under "receiver"
// (receiver.Config), laid over this program's defaults; -print-config
// prints the result and needs no settings). -dry-route FILE replays alerts (a JSON array
// of alerting.Alert, or the JSON of GET /requests; @store: the request log
// of -store) through -config and -mappings and prints where each would go
// (customer, site, asset, user, ticket type, team, group, new ticket or
// note; -json for JSON) without writing to Halo or the store; it needs the
// HALO_* settings only. Environment: HALO_URL, HALO_AUTH_URL
// (optional), HALO_TENANT (optional), HALO_CLIENT_ID, HALO_CLIENT_SECRET,
// DATTO_API_URL, DATTO_API_KEY, DATTO_API_SECRET, DATTO_WEBHOOK_SECRET
// (at least 32 bytes). To deploy it, see Dockerfile and
// datto-alerts-to-halo.service beside this file (README.md there). Progress and decisions are logged to stderr.
//
// Lifecycle. Every -poll-interval (default 5m; 0 switches it off) the
// receiver compares Datto's open alerts with its tickets: an open alert
// whose raise webhook never arrived becomes a ticket, and a ticket whose
// alerts are no longer open gets their resolves (nothing is resolved from
// a listing that failed part-way). Alerts open before the receiver first
// started on its store (or before -poll-since) are not ticketed; they
// show as pre-existing in /metrics. The -config file's "maintenance"
// section suppresses raises inside windows:
//
//	"maintenance": {"time_zone": "Europe/Berlin", "windows": [
//	  {"name": "patch night", "customer": "12", "weekly": {"days": ["sat"], "start": "22:00", "duration": "4h"}},
//	  {"device": "CON-SRV01", "start": "2026-12-01T18:00:00Z", "end": "2026-12-01T20:00:00Z"}]}
//
// A suppressed raise is no ticket (outcome "suppressed" in /requests,
// mspsync_alerting_suppressed_total in /metrics); when its window ends,
// the receiver asks Datto whether the alert is still open and tickets it
// if so. "close" (always, if_untouched (the default: only when nobody
// worked on the ticket in Halo since the receiver's last write), never)
// decides whether a resolve closes the ticket; "reopen_within" ("72h")
// reopens the closed ticket, with a note, when the same device and alert
// type fire again within that time; "severity_priority" and priorities in
// "ticket" and "alert_types" are checked against the ticket type's SLA
// in Halo at start-up (a wrong one exits with status 2 and names its key;
// if Halo cannot be reached the receiver logs it and starts).
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
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/boltstore"
	"github.com/mspsync/mspsync/alerting/memstore"
	"github.com/mspsync/mspsync/alerting/pgstore"
	"github.com/mspsync/mspsync/alerting/receiver"
	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/dattormm/dattormmdriver"
	"github.com/mspsync/mspsync/examples/promstats"
	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halodriver"
	"github.com/mspsync/mspsync/progress"
	"github.com/mspsync/mspsync/reconcile"
)

type options struct {
	listen, store, configPath string
	mappingsPath              string
	maildir, mailFrom         string
	dryRoute                  string
	syncInterval              time.Duration
	pollInterval              time.Duration
	pollSince                 string
	demo, printTemplates      bool
	printConfig               bool
	json                      bool
	check                     bool
	logFormat                 string
}

func main() {
	var o options
	flag.StringVar(&o.listen, "listen", "127.0.0.1:8080", "address to serve the webhook, /healthz and /metrics on")
	flag.StringVar(&o.store, "store", "mspsync-alerts.db", "alert state: a bbolt file path, or a postgres:// DSN for replicas sharing one database")
	flag.DurationVar(&o.syncInterval, "resolve-sync-interval", time.Minute, "how often to look for tickets closed in Halo")
	flag.DurationVar(&o.pollInterval, "poll-interval", 5*time.Minute, "how often to compare Datto's open alerts with the tickets, healing missed webhooks (0: never)")
	flag.StringVar(&o.pollSince, "poll-since", "", "RFC 3339 time: the poll tickets only alerts raised since then (default: when this receiver first started on its store)")
	flag.StringVar(&o.configPath, "config", "", "JSON file over the defaults (see -print-config): alerting.Config keys (routing, grouping, ticket defaults and priorities, close and reopen policies (close, reopen_within), maintenance windows (maintenance)) and the HTTP limits under \"receiver\"")
	flag.StringVar(&o.mappingsPath, "mappings", "", "site mappings the import learned (datto-to-halo's -mappings file), used after the devices' linked assets and the config's mappings")
	flag.StringVar(&o.maildir, "maildir", "", "also take Datto alert e-mails delivered to this Maildir (new/ is polled; handled mail moves to cur/, refused mail to failed/)")
	flag.StringVar(&o.mailFrom, "mail-from", "", "comma-separated sender addresses or domains accepted for alert e-mails (default: any)")
	flag.StringVar(&o.dryRoute, "dry-route", "", "replay the alerts of this file (a JSON array of alerts, or GET /requests' JSON; @store: -store's request log) through -config and print where each would go, writing nothing")
	flag.BoolVar(&o.json, "json", false, "with -dry-route: print JSON")
	flag.BoolVar(&o.demo, "demo", false, "run a scripted burst of alerts against in-process fakes and exit")
	flag.BoolVar(&o.check, "check", false, "check the Halo and Datto connections (a token and one read each), print one line each, and exit")
	flag.StringVar(&o.logFormat, "log-format", "text", "logs on stderr: text or json")
	flag.BoolVar(&o.printConfig, "print-config", false, "print the effective -config (the file over this program's defaults, or the defaults) as JSON and exit; needs no settings")
	flag.BoolVar(&o.printTemplates, "print-templates", false, "print the Datto RMM webhook payloads for DATTO_WEBHOOK_SECRET and exit")
	flag.Usage = usage
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, o, os.Stdout, os.Stderr))
}

const (
	exitOK       = 0
	exitFailed   = 1
	exitSettings = 2
)

func run(ctx context.Context, o options, stdout, stderr io.Writer) int {
	fail := func(code int, err error) int {
		fmt.Fprintln(stderr, "datto-alerts-to-halo:", err)
		return code
	}
	var logger *slog.Logger
	switch o.logFormat {
	case "", "text":
		logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	case "json":
		logger = slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	default:
		return fail(exitSettings, fmt.Errorf("-log-format %q: want text or json", o.logFormat))
	}
	if o.check {
		return runCheck(ctx, o, logger, stdout, stderr)
	}
	if o.demo {
		if err := runDemo(ctx, o, stdout, stderr); err != nil {
			return fail(exitFailed, err)
		}
		return exitOK
	}
	if o.printConfig {
		fc, err := loadFileConfig(o.configPath)
		if err != nil {
			return fail(exitSettings, err)
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(fc); err != nil {
			return fail(exitFailed, err)
		}
		return exitOK
	}
	if o.printTemplates {
		secret, err := webhookSecret()
		if err != nil {
			return fail(exitSettings, err)
		}
		raised, resolved := dattormm.WebhookTemplates(secret)
		fmt.Fprintf(stdout, "Alert payload:\n%s\n\nResolution payload:\n%s\n", raised, resolved)
		fmt.Fprintf(stdout, "\nAlert e-mail subject:\n%s\n\nResolution e-mail subject:\n%s\n", dattormm.MailSubjectRaised, dattormm.MailSubjectResolved)
		return exitOK
	}
	if o.dryRoute != "" {
		return runDryRoute(ctx, o, logger, stdout, stderr)
	}
	hc, herr := halo.FromEnv(halo.WithLogger(logger))
	dc, derr := dattormm.FromEnv(dattormm.WithLogger(logger))
	secret, serr := webhookSecret()
	if err := errors.Join(herr, derr, serr); err != nil {
		return fail(exitSettings, err)
	}
	hc.Counters().Observe(progress.LogActivity(logger)) // retries and waits as they happen
	dc.Counters().Observe(progress.LogActivity(logger))
	fc, err := loadFileConfig(o.configPath)
	if err != nil {
		return fail(exitSettings, err)
	}
	cfg, limits := &fc.Config, fc.Receiver.Limits()
	verifier, err := dattormm.NewWebhookVerifier(secret)
	if err != nil {
		return fail(exitSettings, err)
	}
	store, err := openStore(ctx, o.store)
	if err != nil {
		return fail(exitFailed, err)
	}
	defer store.Close()
	opts := []alerting.Option{
		alerting.WithResolver(dattormmdriver.Kind, dattormmdriver.NewResolver(dc)),
		alerting.WithEnricher(dattormmdriver.Kind, dattormmdriver.NewEnricher(dc)),
		alerting.WithLogger(logger), alerting.WithSyncInterval(o.syncInterval),
		alerting.WithRequestLog(store),
	}
	if o.pollInterval > 0 {
		opts = append(opts, alerting.WithOpenAlertLister(dattormmdriver.Kind, "", dattormmdriver.NewOpenAlertLister(dc)),
			alerting.WithReconcileInterval(o.pollInterval))
	}
	if o.pollSince != "" {
		since, err := time.Parse(time.RFC3339, o.pollSince)
		if err != nil {
			return fail(exitSettings, fmt.Errorf("-poll-since: %w", err))
		}
		opts = append(opts, alerting.WithPollSince(since))
	}
	if o.mappingsPath != "" {
		opts = append(opts, alerting.WithSiteMappings(learnedMappings(reconcile.NewFileMappings(o.mappingsPath))))
	}
	eng, err := alerting.New(*cfg, store, halodriver.NewAlertSink(hc), opts...)
	if err != nil {
		return fail(exitSettings, err)
	}
	defer eng.Close()
	if err := checkPSA(ctx, eng, logger); err != nil {
		return fail(exitSettings, err)
	}
	started, err := eng.FirstStart(ctx) // the poll never tickets what was open before this
	if err != nil {
		return fail(exitFailed, err)
	}
	if o.pollInterval > 0 {
		go func() {
			if err := eng.RunReconcilePoll(ctx); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, alerting.ErrClosed) {
				logger.Error("reconciliation poll stopped", "err", err)
			}
		}()
	}
	mail, err := newMailSetup(o, eng, logger, limits)
	if err != nil {
		return fail(exitSettings, err)
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fail(exitFailed, err)
	}
	logger.Info("listening", "addr", ln.Addr().String(), "store", storeLabel(o.store), "resolve_sync_every", o.syncInterval,
		"poll_every", o.pollInterval, "first_start", started)
	if err := serveWithMail(ctx, ln, eng, verifier, logger, limits, mail, readyChecks(hc, dc)...); err != nil && !errors.Is(err, context.Canceled) {
		return fail(exitFailed, err)
	}
	return exitOK
}

// checkPSA checks the configuration against Halo at start-up
// (Engine.CheckPSA: every priority the configuration can set exists in
// its ticket type's SLA). A configuration problem is returned, naming its
// key; Halo being unreachable is logged and the receiver starts anyway
// (tickets wait in the store until Halo answers). The check gives up
// after psaCheckTimeout, so a Halo outage delays the start by no more.
func checkPSA(ctx context.Context, eng *alerting.Engine, logger *slog.Logger) error {
	cctx, cancel := context.WithTimeout(ctx, psaCheckTimeout)
	defer cancel()
	err := eng.CheckPSA(cctx)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, alerting.ErrInvalidConfig):
		return fmt.Errorf("-config: %w", err)
	case ctx.Err() != nil:
		return ctx.Err()
	}
	logger.Warn("could not check the configuration's priorities in Halo; starting anyway", "err", err)
	return nil
}

// psaCheckTimeout bounds the start-up check of the configuration against
// Halo (checkPSA).
var psaCheckTimeout = 20 * time.Second

// minWebhookSecret is the shortest DATTO_WEBHOOK_SECRET accepted, in
// bytes: the secret is the webhook's only authentication and is printed
// into Datto's payload templates, so it must be long and random.
const minWebhookSecret = 32

// webhookSecret reads DATTO_WEBHOOK_SECRET, the shared secret Datto puts
// in every payload, and refuses one shorter than minWebhookSecret bytes
// (without showing it).
func webhookSecret() (string, error) {
	s := strings.TrimSpace(os.Getenv("DATTO_WEBHOOK_SECRET"))
	if s == "" {
		return "", &dattormm.SettingsError{Vendor: dattormm.Vendor, Missing: []string{"DATTO_WEBHOOK_SECRET"}}
	}
	if len(s) < minWebhookSecret {
		return "", fmt.Errorf("DATTO_WEBHOOK_SECRET is %d bytes; use at least %d random bytes (e.g. openssl rand -hex 32)", len(s), minWebhookSecret)
	}
	return s, nil
}

// storeLabel names the store for logs: a DSN without its password.
func storeLabel(spec string) string {
	if isPostgres(spec) {
		return pgstore.RedactDSN(spec)
	}
	return spec
}

func isPostgres(spec string) bool {
	return strings.HasPrefix(spec, "postgres://") || strings.HasPrefix(spec, "postgresql://")
}

// storeCloser is a Store that holds resources and keeps a request log
// (boltstore and pgstore do).
type storeCloser interface {
	alerting.Store
	alerting.RequestLog
	Close() error
}

// openStore picks the store from -store: a postgres:// or postgresql://
// DSN selects pgstore (several replicas may share it), anything else is a
// bbolt file (one process).
func openStore(ctx context.Context, spec string) (storeCloser, error) {
	if isPostgres(spec) {
		return pgstore.Open(ctx, spec)
	}
	return boltstore.Open(spec)
}

// handler routes the receiver's endpoints. The webhook is recorded and
// answered without calling Datto or Halo; the engine's worker enriches it
// (alerting.WithEnricher). /readyz runs the store check and checks.
// /requests serves the engine's request log (alerting.WithRequestLog).
func handler(eng *alerting.Engine, verifier *dattormm.WebhookVerifier, logger *slog.Logger, checks ...receiver.Check) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/webhooks/datto", receiver.Intake("webhook", &dattormmdriver.WebhookHandler{Verifier: verifier, Engine: eng, Logger: logger}))
	mux.Handle("GET /healthz", receiver.Healthz())
	mux.Handle("GET /readyz", receiver.Ready(readyTimeout, append([]receiver.Check{{Name: "store", Run: eng.CheckStore}}, checks...)...))
	mux.Handle("GET /metrics", promstats.Handler(eng, logger))
	if rl := eng.RequestLog(); rl != nil {
		mux.Handle("GET /requests", receiver.RequestLogHandler(rl))
	}
	return mux
}

// readyTimeout bounds each readiness check.
const readyTimeout = 5 * time.Second

// runDryRoute is -dry-route: the alerts of the file (or of -store's
// request log) through -config, -mappings and Halo's look-ups.
func runDryRoute(ctx context.Context, o options, logger *slog.Logger, stdout, stderr io.Writer) int {
	fail := func(code int, err error) int {
		fmt.Fprintln(stderr, "datto-alerts-to-halo: -dry-route:", err)
		return code
	}
	hc, err := halo.FromEnv(halo.WithLogger(logger))
	if err != nil {
		return fail(exitSettings, err)
	}
	fc, err := loadFileConfig(o.configPath)
	if err != nil {
		return fail(exitSettings, err)
	}
	cfg := &fc.Config
	var opts []alerting.Option
	if o.mappingsPath != "" {
		opts = append(opts, alerting.WithSiteMappings(learnedMappings(reconcile.NewFileMappings(o.mappingsPath))))
	}
	var store alerting.Store = memstore.New()
	var alerts []alerting.Alert
	if o.dryRoute == dryRouteStore {
		st, err := openStore(ctx, o.store)
		if err != nil {
			return fail(exitFailed, err)
		}
		defer st.Close()
		rs, err := st.Requests(ctx, alerting.RequestQuery{Limit: alerting.DefaultRequestLogSize})
		if err != nil {
			return fail(exitFailed, err)
		}
		store, alerts = st, requestAlerts(rs)
	} else if alerts, err = replayAlerts(o.dryRoute); err != nil {
		return fail(exitSettings, err)
	}
	eng, err := alerting.New(*cfg, store, halodriver.NewAlertSink(hc), opts...)
	if err != nil {
		return fail(exitSettings, err)
	}
	defer eng.Close()
	if err := dryRoute(ctx, eng, alerts, o.json, stdout); err != nil {
		return fail(exitFailed, err)
	}
	return exitOK
}

// receiverLimits are the demo's and the tests' HTTP limits: receiver's
// defaults (timeouts against slow clients, 256 KiB bodies, 64 requests in
// flight, 1,024 connections). A real receiver takes them from -config's
// "receiver" section over the same defaults.
var receiverLimits = receiver.DefaultLimits()

// serve runs the HTTP server (with limits), the engine's pending-work loop
// and the resolve-sync loop until ctx ends or one of them fails.
func serve(ctx context.Context, ln net.Listener, eng *alerting.Engine, verifier *dattormm.WebhookVerifier, logger *slog.Logger, limits receiver.Limits) error {
	return serveWithMail(ctx, ln, eng, verifier, logger, limits, mailSetup{})
}
