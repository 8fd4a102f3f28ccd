// Command visionone-to-halo turns Trend Vision One alerts of several
// managed customers into HaloPSA tickets, like Trend Vision One for
// Service Providers' HaloPSA integration: new high-risk users and devices,
// newly discovered watchlisted assets and workbench alerts are polled per
// customer (each with its own region and API key), new risk events arrive
// as notification webhooks, and closing a workbench alert's ticket in Halo
// closes the alert in Vision One.
//
//	go run ./examples/visionone-to-halo -demo              # in-process fakes
//	go run ./examples/visionone-to-halo -config v1.json    # real mode: poll, serve notifications, sync closes
//	go run ./examples/visionone-to-halo -config v1.json -mappings   # the mapping report
//	go run ./examples/visionone-to-halo -config v1.json -check      # keys, regions, licences, Halo ticket type and customers
//	go run ./examples/visionone-to-halo -print-config               # the default config, to start from
//
// Environment (real mode): HALO_URL, HALO_CLIENT_ID, HALO_CLIENT_SECRET
// (HALO_AUTH_URL, HALO_TENANT optional), the API key variable each
// customer names (api_key_env), and the notification token variable
// (notifications.token_env) when -listen is set.
//
// The config file is a visiononedriver.Config, laid over this program's
// defaults (the package's defaults written out) strictly: an unknown key
// or a value of the wrong type is an error naming its key path.
// -print-config prints the effective config and needs no settings. For
// example:
//
//	{"ticket_type": "21", "default_customer": "99", "resolve_sync": true,
//	 "investigation_result": "True Positive",
//	 "customers": [
//	   {"name": "Contoso Ltd", "region": "eu", "api_key_env": "V1_KEY_CONTOSO"},
//	   {"name": "Fabrikam", "base_url": "https://api.uk.xdr.trendmicro.com", "api_key_env": "V1_KEY_FABRIKAM",
//	    "psa_customer": "12", "disabled_kinds": ["new_asset"]},
//	   {"name": "Northwind", "region": "us", "api_key_env": "V1_KEY_NORTHWIND", "create_tickets": false}],
//	 "notifications": {"token_env": "V1_NOTIFY_TOKEN"}}
//
// Notifications: -listen :8080 serves POST /visionone/<token> (the token
// may also be ?token=); in Vision One, add a webhook with that URL and a
// custom body like visiononedriver.ExampleNotificationBody. E-mail
// notifications from Vision One are not supported.
//
// Exit status 0, 1 when a run failed, 2 for missing settings or a bad
// config.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/boltstore"
	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halodriver"
	"github.com/mspsync/mspsync/progress"
	"github.com/mspsync/mspsync/visionone"
	"github.com/mspsync/mspsync/visionone/visiononedriver"
)

type options struct {
	demo, mappings, check, verbose bool
	printConfig                    bool
	configPath, logFormat, listen  string
	storePath                      string
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("visionone-to-halo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&o.demo, "demo", false, "run on in-process fakes of Vision One and Halo")
	fs.BoolVar(&o.mappings, "mappings", false, "print the mapping report (auto-matched, manual, unmatched) and exit")
	fs.BoolVar(&o.check, "check", false, "check every customer's key (region, licences) and Halo's ticket type and customers, then exit")
	fs.BoolVar(&o.verbose, "v", false, "log requests (debug)")
	fs.StringVar(&o.configPath, "config", "", "the integration config (visiononedriver.Config JSON)")
	fs.StringVar(&o.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&o.listen, "listen", "", "serve notification webhooks on this address (real mode)")
	fs.StringVar(&o.storePath, "store", "visionone-alerts.db", "the alerting state file (real mode)")
	fs.BoolVar(&o.printConfig, "print-config", false, "print the effective -config (the file over the defaults, or the defaults) as JSON and exit; needs no settings")
	fs.Usage = func() { usage(fs) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	logger, err := newLogger(o, stderr)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.demo {
		if err := runDemo(ctx, o, stdout, logger); err != nil {
			fmt.Fprintln(stderr, "demo:", err)
			return 1
		}
		return 0
	}
	if o.printConfig {
		return printConfig(o.configPath, stdout, stderr)
	}
	if o.configPath == "" {
		fmt.Fprintln(stderr, "visionone-to-halo: -config is required outside -demo")
		return 2
	}
	cfg, err := loadConfig(o.configPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	hc, err := halo.FromEnv(halo.WithLogger(logger))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	activity := progress.LogActivity(logger) // retries and waits as they happen
	hc.Counters().Observe(activity)
	clients := map[string]*visionone.Client{}
	for _, c := range cfg.Customers {
		vc, err := c.NewClient(nil, visionone.WithLogger(logger))
		if err != nil {
			fmt.Fprintf(stderr, "customer %s: %v\n", c.Name, err)
			return 2
		}
		vc.Counters().Observe(activity)
		clients[c.Ref()] = vc
	}
	w := world{cfg: *cfg, hc: hc, clients: clients, logger: logger}
	switch {
	case o.mappings:
		err = w.printMappings(ctx, stdout)
	case o.check:
		err = w.check(ctx, stdout)
	default:
		err = w.serve(ctx, o, stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		if errors.Is(err, visiononedriver.ErrInvalidConfig) {
			return 2
		}
		return 1
	}
	return 0
}

func newLogger(o options, w io.Writer) (*slog.Logger, error) {
	lvl := slog.LevelWarn
	if o.verbose {
		lvl = slog.LevelDebug
	}
	ho := &slog.HandlerOptions{Level: lvl}
	switch o.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, ho)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, ho)), nil
	}
	return nil, fmt.Errorf("-log-format %q: want text or json", o.logFormat)
}

// world is what a run works on: the config, Halo and the customers' clients.
type world struct {
	cfg     visiononedriver.Config
	hc      *halo.Client
	clients map[string]*visionone.Client
	logger  *slog.Logger
}

// haloCatalog adapts the Halo client to visiononedriver.PSACatalog.
type haloCatalog struct{ c *halo.Client }

func (h haloCatalog) TicketTypes(ctx context.Context) ([]visiononedriver.PSARecord, error) {
	tts, err := h.c.TicketTypes.List(ctx, nil)
	var out []visiononedriver.PSARecord
	for _, t := range tts {
		out = append(out, visiononedriver.PSARecord{ID: strconv.Itoa(t.ID), Name: t.Name})
	}
	return out, err
}

func (h haloCatalog) Customer(ctx context.Context, id string) (visiononedriver.PSARecord, error) {
	n, err := strconv.Atoi(id)
	if err != nil {
		return visiononedriver.PSARecord{}, fmt.Errorf("%w: %q is not a Halo customer ID", alerting.ErrNotFound, id)
	}
	c, err := h.c.Clients.Get(ctx, n)
	if errors.Is(err, halo.ErrNotFound) {
		return visiononedriver.PSARecord{}, fmt.Errorf("%w: %w", alerting.ErrNotFound, err)
	}
	if err != nil {
		return visiononedriver.PSARecord{}, err
	}
	return visiononedriver.PSARecord{ID: id, Name: c.Name}, nil
}

func (w world) printMappings(ctx context.Context, out io.Writer) error {
	rows, err := visiononedriver.MappingReport(ctx, w.cfg, halodriver.NewAlertSink(w.hc))
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VISION ONE CUSTOMER\tMAPPING STATUS\tHALO CUSTOMER\tTICKETS\tKINDS")
	for _, r := range rows {
		name := r.PSACustomer
		if r.PSACustomerName != "" {
			name += " " + r.PSACustomerName
		}
		if r.Status == visiononedriver.MappingUnmatched {
			name += " (default customer)"
		}
		on := "on"
		if !r.TicketsOn {
			on = "off"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\n", r.Customer.Name, r.Status, name, on, r.Kinds)
	}
	return tw.Flush()
}

// check pings every customer's key and checks the config against Halo.
func (w world) check(ctx context.Context, out io.Writer) error {
	var failed error
	for _, c := range w.cfg.Customers {
		info, err := w.clients[c.Ref()].Ping(ctx)
		if err != nil {
			fmt.Fprintf(out, "%s: FAILED: %v\n", c.Name, err)
			failed = errors.Join(failed, fmt.Errorf("%s: %w", c.Name, err))
			continue
		}
		fmt.Fprintf(out, "%s: %s\n", c.Name, info)
	}
	if err := visiononedriver.CheckPSA(ctx, w.cfg, haloCatalog{w.hc}); err != nil {
		fmt.Fprintf(out, "Halo: FAILED: %v\n", err)
		return errors.Join(failed, err)
	}
	fmt.Fprintln(out, "Halo: ticket type and customers found")
	return failed
}

// engine starts the alerting engine over store with every customer's
// resolver (when resolve sync is on) and open-alert lister.
func (w world) engine(store alerting.Store, opts ...alerting.Option) (*alerting.Engine, error) {
	ec, err := w.cfg.EngineConfig(alerting.DefaultConfig())
	if err != nil {
		return nil, err
	}
	opts = append(opts, alerting.WithLogger(w.logger))
	for _, c := range w.cfg.Customers {
		vc := w.clients[c.Ref()]
		if w.cfg.ResolveSync {
			r, err := visiononedriver.NewResolver(vc, w.cfg.InvestigationResult)
			if err != nil {
				return nil, err
			}
			opts = append(opts, alerting.WithAccountResolver(visiononedriver.Kind, c.Ref(), r))
		}
	}
	return alerting.New(ec, store, halodriver.NewAlertSink(w.hc), opts...)
}

// serve runs the real integration until interrupted: the engine, one
// poller per customer, resolve sync and, with -listen, the notification
// intake.
func (w world) serve(ctx context.Context, o options, out io.Writer) error {
	if err := visiononedriver.CheckPSA(ctx, w.cfg, haloCatalog{w.hc}); err != nil {
		return err
	}
	store, err := boltstore.Open(o.storePath)
	if err != nil {
		return err
	}
	defer store.Close()
	eng, err := w.engine(store)
	if err != nil {
		return err
	}
	defer eng.Close()
	go eng.Run(ctx)
	if w.cfg.ResolveSync {
		go eng.RunResolveSync(ctx)
	}
	for _, c := range w.cfg.Customers {
		p, err := visiononedriver.NewPoller(w.clients[c.Ref()], c, eng, store, append(w.cfg.PollerOptions(), visiononedriver.WithPollerLogger(w.logger))...)
		if err != nil {
			return err
		}
		go p.Run(ctx)
	}
	if o.listen != "" {
		n := w.cfg.Notifications
		if n == nil || n.TokenEnv == "" || os.Getenv(n.TokenEnv) == "" {
			return fmt.Errorf("-listen needs notifications.token_env naming a set variable")
		}
		in, err := visiononedriver.NewNotificationIntake(eng, visiononedriver.IntakeConfig{Tokens: []string{os.Getenv(n.TokenEnv)},
			Paths: n.Paths, Types: n.Types, Customers: w.cfg.Customers, Clients: w.clients, RiskEventSeverities: w.cfg.RiskEventSeverities, Logger: w.logger})
		if err != nil {
			return err
		}
		mux := http.NewServeMux()
		mux.Handle("POST /visionone/", in)
		srv := &http.Server{Addr: o.listen, Handler: http.MaxBytesHandler(mux, visiononedriver.MaxNotificationBody+1),
			ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 15 * time.Second, WriteTimeout: 15 * time.Second, IdleTimeout: time.Minute}
		go func() { <-ctx.Done(); srv.Close() }()
		fmt.Fprintf(out, "serving notifications on %s/visionone/<token>\n", o.listen)
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
	fmt.Fprintf(out, "polling %d customers; Ctrl-C stops\n", len(w.cfg.Customers))
	<-ctx.Done()
	return nil
}
