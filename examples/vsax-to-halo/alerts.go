package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/boltstore"
	"github.com/mspsync/mspsync/alerting/pgstore"
	"github.com/mspsync/mspsync/alerting/receiver"
	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halodriver"
	"github.com/mspsync/mspsync/vsax"
	"github.com/mspsync/mspsync/vsax/vsaxdriver"
)

// newLogger returns the program's logger: the progress printer's text
// lines (-log-format text) or one JSON object a line (-log-format json).
func newLogger(format string, verbose bool, stderr io.Writer, text *slog.Logger) (*slog.Logger, error) {
	switch format {
	case "", "text":
		return text, nil
	case "json":
		level := slog.LevelInfo
		if verbose {
			level = slog.LevelDebug
		}
		return slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level})), nil
	}
	return nil, fmt.Errorf("-log-format %q: want text or json", format)
}

// check runs -check: one cheap read each of VSA X (Ping) and Halo, one
// line each, and fails on the first that does not answer.
func check(ctx context.Context, hc *halo.Client, vc *vsax.Client, stdout io.Writer) error {
	p, err := vc.Ping(ctx)
	if err != nil {
		return fmt.Errorf("VSA X: %w", err)
	}
	fmt.Fprintln(stdout, p)
	start := time.Now()
	types, err := hc.TicketTypes.List(ctx, nil)
	if err != nil {
		return fmt.Errorf("Halo: %w", err)
	}
	fmt.Fprintf(stdout, "Halo ok: %d ticket types, %s\n", len(types), time.Since(start).Round(time.Millisecond))
	return nil
}

// ErrMandatoryFields is returned by checkTicketType for a ticket type
// that has mandatory fields: tickets created from alerts fill none of
// them, so Halo would refuse every one.
var ErrMandatoryFields = errors.New("the ticket type has mandatory fields")

// checkTicketType checks the ticket type alerts open tickets of, where
// Halo's API shows it: GET /TicketType/{id} returns
// hasmandatorytechfields (and hasmandatoryuserfields) when the type has
// fields an agent (or user) must fill on a new ticket. The seed requires
// a type with none. When Halo does not send the flag, nothing is known
// and the check passes (it is logged).
func checkTicketType(ctx context.Context, hc *halo.Client, typeID string, logger *slog.Logger) error {
	id, err := strconv.Atoi(strings.TrimSpace(typeID))
	if err != nil || id <= 0 {
		return fmt.Errorf("ticket.type %q: want the ID of a Halo ticket type", typeID)
	}
	tt, err := hc.TicketTypes.Get(ctx, id)
	if err != nil {
		return fmt.Errorf("reading Halo ticket type %d: %w", id, err)
	}
	var mandatory []string
	known := false
	for _, k := range []string{"hasmandatorytechfields", "hasmandatoryuserfields"} {
		raw, ok := tt.Extra[k]
		if !ok || string(raw) == "null" {
			continue
		}
		known = true
		var b bool
		if json.Unmarshal(raw, &b) == nil && b {
			mandatory = append(mandatory, k)
		}
	}
	if len(mandatory) > 0 {
		return fmt.Errorf("ticket type %d %q: %w (%s): pick a type without, or make its fields optional in Halo (Configuration → Tickets → Ticket Types → %s → Field List)",
			id, tt.Name, ErrMandatoryFields, strings.Join(mandatory, ", "), tt.Name)
	}
	if !known {
		logger.Warn("Halo did not say whether the ticket type has mandatory fields; not checked", "ticket_type", id)
	}
	return nil
}

// alertStore is a store that keeps webhook secrets (alerting.Secrets) and
// holds resources: boltstore and pgstore.
type alertStore interface {
	alerting.Store
	alerting.Secrets
	Close() error
}

// openStore picks the store from -store: a postgres:// DSN selects
// pgstore (replicas may share it), anything else a bbolt file.
func openStore(ctx context.Context, spec string) (alertStore, error) {
	if strings.HasPrefix(spec, "postgres://") || strings.HasPrefix(spec, "postgresql://") {
		return pgstore.Open(ctx, spec)
	}
	return boltstore.Open(spec)
}

// loadAlertConfig reads -alert-config, or the default: linked assets,
// customers auto-matched by name. The ticket type must be set.
func loadAlertConfig(path string) (*alerting.Config, error) {
	if path == "" {
		cfg := alerting.DefaultConfig()
		cfg.AutoMatch, cfg.LinkAsset = true, true
		return &cfg, nil
	}
	return alerting.LoadConfigFile(path)
}

// serveAlerts runs -serve: it registers (or updates) the notification
// webhook for -public-url in VSA X, keeping its secret in the alert
// store, and serves it on -listen behind alerting/receiver's limits until
// ctx ends. VSA X sends no resolve: tickets are closed in Halo.
func serveAlerts(ctx context.Context, o options, hc *halo.Client, vc *vsax.Client, logger *slog.Logger) error {
	if o.publicURL == "" {
		return fmt.Errorf("-serve needs -public-url: the address VSA X posts notifications to (https://…/webhooks/vsax)")
	}
	cfg, err := loadAlertConfig(o.alertConfig)
	if err != nil {
		return err
	}
	if cfg.Ticket.Type == "" {
		return fmt.Errorf("-alert-config: ticket.type is required (a Halo ticket type without mandatory fields)")
	}
	if err := checkTicketType(ctx, hc, cfg.Ticket.Type, logger); err != nil {
		return err
	}
	if o.pollInterval < 0 {
		return fmt.Errorf("-poll-interval %s: want 0 (no poll) or more", o.pollInterval)
	}
	store, err := openStore(ctx, o.store)
	if err != nil {
		return err
	}
	defer store.Close()
	opts := []alerting.Option{alerting.WithLogger(logger)}
	if o.pollInterval > 0 {
		opts = append(opts, pollOptions(vc, o.pollInterval)...)
	}
	eng, err := alerting.New(*cfg, store, halodriver.NewAlertSink(hc), opts...)
	if err != nil {
		return err
	}
	defer eng.Close()
	// Notifications raised before the receiver was first deployed are
	// never ticketed by the poll.
	if _, err := eng.FirstStart(ctx); err != nil {
		return err
	}
	_, secret, err := vsaxdriver.EnsureWebhook(ctx, vc, store, "", webhookRequest(o))
	if err != nil {
		return fmt.Errorf("registering the VSA X webhook: %w", err)
	}
	verifier, err := vsax.NewWebhookVerifier(secret)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return err
	}
	logger.Info("listening", "addr", ln.Addr().String(), "webhook", o.publicURL)
	go func() {
		if err := eng.Run(ctx); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, alerting.ErrClosed) {
			logger.Error("alert worker stopped", "err", err)
		}
	}()
	if o.pollInterval > 0 {
		go func() {
			if err := eng.RunReconcilePoll(ctx); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, alerting.ErrClosed) {
				logger.Error("notification poll stopped", "err", err)
			}
		}()
	}
	return receiver.Serve(ctx, ln, alertRoutes(eng, verifier, logger), receiver.DefaultLimits())
}

// pollOptions are the engine options of the missed-notification poll:
// every interval, list VSA X's notifications (vsaxdriver.OpenAlertLister,
// raise-only: it never resolves a ticket) and ticket those whose webhook
// never arrived, their device and organization read by the enricher.
func pollOptions(vc *vsax.Client, interval time.Duration) []alerting.Option {
	return []alerting.Option{
		alerting.WithOpenAlertLister(vsaxdriver.Kind, "", vsaxdriver.NewOpenAlertLister(vc)),
		alerting.WithEnricher(vsaxdriver.Kind, vsaxdriver.NewEnricher(vc)),
		alerting.WithReconcileInterval(interval),
	}
}

// webhookRequest is the notification webhook this program registers.
func webhookRequest(o options) vsax.WebhookRequest {
	return vsax.WebhookRequest{Name: "mspsync vsax-to-halo", Description: "notifications to Halo tickets",
		Priorities: []vsax.Priority{vsax.PriorityElevated, vsax.PriorityCritical}, URL: o.publicURL, Language: "en"}
}

// alertRoutes serves the webhook at /webhooks/vsax (and the demo's path)
// with /healthz and /readyz.
func alertRoutes(eng *alerting.Engine, verifier *vsax.WebhookVerifier, logger *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/webhooks/vsax", receiver.Intake("webhook", &vsaxdriver.WebhookHandler{Verifier: verifier, Engine: eng, Logger: logger}))
	mux.Handle("GET /healthz", receiver.Healthz())
	mux.Handle("GET /readyz", receiver.Ready(5*time.Second, receiver.Check{Name: "store", Run: eng.CheckStore}))
	return mux
}
