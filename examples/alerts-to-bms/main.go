// Command alerts-to-bms turns alerts of sources without a package of their
// own — SaaS-security tools such as SaaS Alerts, scripts — into Kaseya BMS
// tickets, the way SaaS Alerts' BMS integration does: every ticket and
// note belongs to an account and a contact (unmapped organisations go to a
// catch-all account and contact; the contact is the one active contact of
// the account with the alert user's e-mail address, else the customer's
// default contact), tickets get the configured type, source, status,
// queue, priority, issue type and sub-issue type (with per-alert-type
// overrides) and optionally the customer's contract, and alerts are
// grouped by user or by user and alert type (later alerts become notes on
// the open ticket; after it is closed, the next alert opens a new one).
//
//	go run ./examples/alerts-to-bms -demo      # the seed scenario on an in-process BMS
//	go run ./examples/alerts-to-bms -check     # check the BMS settings (GET /v2/security/userinfo)
//	go run ./examples/alerts-to-bms -config alerts-to-bms.json
//
// Alerts arrive at POST /alerts/json in the generic JSON intake's schema
// (package alerting/jsonintake: source, event_id, action, alert_type,
// user_email, customer_ref, customer_name, …), signed with ALERTS_SECRET
// (header X-Mspsync-Signature: sha256=<hex HMAC-SHA256 of the body>). The
// same endpoint takes user counts ({"kind":"user_count", …}) for the
// per-user contract line of customers opted in under "per_user_billing".
// SaaS Alerts' own delivery format is not documented: a relay maps its
// events (user, alert type, organisation, time) onto the schema, and that
// mapping is the part to adjust (see jsonintake's SaaS Alerts example).
// The "+Add to SaaS Alerts" button of the SaaS Alerts screens acts inside
// SaaS Alerts and is out of scope.
//
// Environment: BMS_URL (US, EMEA, APAC, Vorex or the API base URL; default
// US), BMS_TENANT, BMS_USERNAME, BMS_PASSWORD (an API Employee), and
// ALERTS_SECRET (at least 16 characters; openssl rand -hex 32). Flags:
// -config FILE (JSON: "alerting" is an alerting.Config, "bms" the sink's
// settings, "per_user_billing" the contract line; laid over the defaults
// strictly, so an unknown key or a value of the wrong type is an error
// naming its path), -print-config (the effective configuration, the
// defaults or -config over them, as JSON; needs no settings), -listen ADDR (default
// 127.0.0.1:8080), -store PATH (bbolt file, default
// mspsync-bms-alerts.db), -lines PATH (the per-user lines added, default
// mspsync-bms-lines.json), -log-format text|json. At start-up the
// configuration is checked against BMS (mapped accounts, their default
// contacts, the catch-all, the ticket defaults); a problem exits with
// status 2 naming its key.
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
	"strconv"
	"syscall"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/boltstore"
	"github.com/mspsync/mspsync/alerting/jsonintake"
	"github.com/mspsync/mspsync/alerting/receiver"
	"github.com/mspsync/mspsync/config"
	"github.com/mspsync/mspsync/kaseyabms"
	"github.com/mspsync/mspsync/kaseyabms/kaseyabmsdriver"
	"github.com/mspsync/mspsync/progress"
)

type options struct {
	configPath, listen, store, lines, logFormat string
	demo, check, printConfig                    bool
}

func main() {
	var o options
	flag.BoolVar(&o.demo, "demo", false, "replay the seed scenario on an in-process BMS and print the tickets and notes")
	flag.BoolVar(&o.check, "check", false, "check the BMS settings (authenticate, GET /v2/security/userinfo) and exit")
	flag.StringVar(&o.configPath, "config", "", "JSON file: alerting (an alerting.Config), bms (sink settings), per_user_billing")
	flag.StringVar(&o.listen, "listen", "127.0.0.1:8080", "address to serve POST /alerts/json and GET /healthz on")
	flag.StringVar(&o.store, "store", "mspsync-bms-alerts.db", "alert state (a bbolt file)")
	flag.StringVar(&o.lines, "lines", "mspsync-bms-lines.json", "the per-user contract lines added (BMS V2 cannot read them back)")
	flag.StringVar(&o.logFormat, "log-format", "text", "log format on stderr: text or json")
	flag.BoolVar(&o.printConfig, "print-config", false, "print the effective -config (the file over the defaults, or the defaults) as JSON and exit; needs no settings")
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

// EnvSecret names the intake's signing secret.
const EnvSecret = "ALERTS_SECRET"

// Settings is the -config file.
type Settings struct {
	Alerting       alerting.Config                 `json:"alerting"`
	BMS            SinkSettings                    `json:"bms,omitzero"`
	PerUserBilling *kaseyabmsdriver.PerUserBilling `json:"per_user_billing,omitempty"`
	// Sources are the intake's accepted sources (default ["saasalerts"]).
	Sources []string `json:"sources,omitempty"`
}

// SinkSettings are the BMS sink's options.
type SinkSettings struct {
	// GroupKeyField is the ticket custom field (its id) the group key is
	// written to, so a restart finds the open ticket from BMS alone.
	GroupKeyField int `json:"group_key_field,omitempty"`
	// ClosedStatuses are the status ids that close a ticket besides a
	// CompletedDate (default: statuses named Completed or Closed).
	ClosedStatuses []int `json:"closed_statuses,omitempty"`
	// NoteType is the TypeId of the notes written (default 1).
	NoteType int `json:"note_type,omitempty"`
	// CloseByNote closes with a note carrying a closed status instead of
	// a resolve.
	CloseByNote bool `json:"close_by_note,omitempty"`
}

func (s SinkSettings) options() []kaseyabmsdriver.Option {
	var out []kaseyabmsdriver.Option
	if s.GroupKeyField != 0 {
		out = append(out, kaseyabmsdriver.WithGroupKeyField(s.GroupKeyField))
	}
	if len(s.ClosedStatuses) > 0 {
		out = append(out, kaseyabmsdriver.WithClosedStatuses(s.ClosedStatuses...))
	}
	if s.NoteType != 0 {
		out = append(out, kaseyabmsdriver.WithNoteType(s.NoteType))
	}
	if s.CloseByNote {
		out = append(out, kaseyabmsdriver.WithCloseByNote())
	}
	return out
}

// defaultSettings is this program's default: alerting.DefaultConfig
// (per-alert tickets, close on resolve when untouched), the intake
// accepting the source "saasalerts", the sink's defaults and no per-user
// billing. It maps no customer and sets no ticket type or source, which a
// real run needs.
func defaultSettings() Settings {
	return Settings{Alerting: alerting.DefaultConfig(), Sources: []string{"saasalerts"}}
}

// loadSettings reads the -config file over defaultSettings (strict:
// unknown or repeated keys and values of the wrong type are errors naming
// their path) and validates the alerting part. An empty path is an
// error: a real run needs the file's mappings and ticket defaults.
func loadSettings(path string) (Settings, error) {
	if path == "" {
		return defaultSettings(), errors.New("-config is required outside -demo: it maps customers and sets the ticket defaults")
	}
	return loadSettingsFile(path)
}

// loadSettingsFile is loadSettings for a path that is set.
func loadSettingsFile(path string) (Settings, error) {
	s := defaultSettings()
	if err := config.LoadFile(path, &s); err != nil {
		return s, err
	}
	if err := s.Alerting.Validate(); err != nil {
		return s, fmt.Errorf("%s: %w", path, err)
	}
	if len(s.Sources) == 0 {
		s.Sources = []string{"saasalerts"}
	}
	return s, nil
}

// printConfig is -print-config: the defaults, or -config over them
// (checked as a run checks it before reaching BMS), as indented JSON. It
// needs no settings; the defaults alone are said on stderr to lack what a
// run needs.
func printConfig(o options, stdout, stderr io.Writer) int {
	s := defaultSettings()
	if o.configPath == "" {
		fmt.Fprintln(stderr, "alerts-to-bms: the defaults: a run also needs alerting.customers or alerting.catch_all (BMS account and contact ids) "+
			"and alerting.ticket.type and alerting.ticket.source (BMS ids)")
	} else {
		var err error
		if s, err = loadSettingsFile(o.configPath); err != nil {
			fmt.Fprintln(stderr, "alerts-to-bms: -print-config:", err)
			return exitSettings
		}
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		fmt.Fprintln(stderr, "alerts-to-bms: -print-config:", err)
		return exitFailed
	}
	return exitOK
}

func newLogger(format string, w io.Writer) (*slog.Logger, error) {
	switch format {
	case "", "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	}
	return nil, fmt.Errorf("-log-format %q: want text or json", format)
}

func run(ctx context.Context, o options, stdout, stderr io.Writer) int {
	fail := func(code int, err error) int {
		fmt.Fprintln(stderr, "alerts-to-bms:", err)
		return code
	}
	logger, err := newLogger(o.logFormat, stderr)
	if err != nil {
		return fail(exitSettings, err)
	}
	if o.demo {
		if err := runDemo(ctx, stdout, logger); err != nil {
			return fail(exitFailed, err)
		}
		return exitOK
	}
	if o.printConfig {
		return printConfig(o, stdout, stderr)
	}
	c, err := kaseyabms.FromEnv(kaseyabms.WithLogger(logger))
	if err != nil {
		return fail(exitSettings, err)
	}
	c.Counters().Observe(progress.LogActivity(logger)) // retries, waits and re-authentications as they happen
	if o.check {
		info, err := c.Ping(ctx)
		if err != nil {
			return fail(exitSettings, err)
		}
		fmt.Fprintln(stdout, info)
		return exitOK
	}
	secret := os.Getenv(EnvSecret)
	if len(secret) < jsonintake.MinSecretLen {
		return fail(exitSettings, fmt.Errorf("%s must be set to a secret of at least %d characters (openssl rand -hex 32)", EnvSecret, jsonintake.MinSecretLen))
	}
	s, err := loadSettings(o.configPath)
	if err != nil {
		return fail(exitSettings, err)
	}
	sink := kaseyabmsdriver.NewAlertSink(c, s.BMS.options()...)
	if err := sink.Validate(ctx, s.Alerting); err != nil {
		if errors.Is(err, alerting.ErrInvalidConfig) {
			return fail(exitSettings, err)
		}
		return fail(exitFailed, fmt.Errorf("checking the configuration against BMS: %w", err))
	}
	store, err := boltstore.Open(o.store)
	if err != nil {
		return fail(exitFailed, err)
	}
	defer store.Close()
	eng, err := alerting.New(s.Alerting, store, sink, alerting.WithLogger(logger))
	if err != nil {
		return fail(exitSettings, err)
	}
	defer eng.Close()
	intakeOpts := []jsonintake.Option{jsonintake.WithSources(s.Sources...), jsonintake.WithSigningSecrets(secret), jsonintake.WithLogger(logger)}
	if s.PerUserBilling != nil {
		lines, err := kaseyabmsdriver.FileLines(o.lines)
		if err != nil {
			return fail(exitFailed, err)
		}
		counter, err := kaseyabmsdriver.NewUserCountSink(c, s.Alerting, *s.PerUserBilling, kaseyabmsdriver.WithLineStore(lines),
			kaseyabmsdriver.WithUserCountLogger(logger))
		if err != nil {
			return fail(exitSettings, err)
		}
		intakeOpts = append(intakeOpts, jsonintake.WithUserCounter(counter))
	}
	h, err := jsonintake.NewHandler(eng, intakeOpts...)
	if err != nil {
		return fail(exitSettings, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/alerts/json", receiver.Intake("json", h))
	mux.Handle("GET /healthz", receiver.Healthz())
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fail(exitFailed, err)
	}
	logger.Info("alerts-to-bms: listening", "addr", ln.Addr().String(), "bms", c.BaseURL(), "grouping", string(s.Alerting.Grouping))
	errc := make(chan error, 2)
	go func() { errc <- eng.Run(ctx) }()
	go func() { errc <- receiver.Serve(ctx, ln, mux, receiver.DefaultLimits()) }()
	if err := <-errc; err != nil && !errors.Is(err, context.Canceled) {
		return fail(exitFailed, err)
	}
	return exitOK
}

func itoa(n int) string { return strconv.Itoa(n) }
