package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/receiver"
	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/dattormm/dattormmdriver"
)

// mailSetup is the optional e-mail intake: POST /mail/datto (when
// DATTO_MAIL_SECRET is set) and a Maildir watcher (-maildir).
type mailSetup struct {
	endpoint *receiver.MailEndpoint
	maildir  *receiver.Maildir
}

// newMailSetup builds the e-mail intake from -maildir, -mail-from and
// DATTO_MAIL_SECRET; the zero mailSetup when none is set. Alerts that
// arrive by e-mail go to the same engine as webhooks (deduplicated with
// them) and are confirmed with Datto's API by the engine's enricher.
func newMailSetup(o options, eng *alerting.Engine, logger *slog.Logger, limits receiver.Limits) (mailSetup, error) {
	var m mailSetup
	dec := &dattormm.MailDecoder{}
	for _, a := range strings.Split(o.mailFrom, ",") {
		if a = strings.TrimSpace(a); a != "" {
			dec.AllowFrom = append(dec.AllowFrom, a)
		}
	}
	intake := &dattormmdriver.MailIntake{Decoder: dec, Engine: eng, Logger: logger}
	if s := strings.TrimSpace(os.Getenv("DATTO_MAIL_SECRET")); s != "" {
		ep, err := receiver.NewMailEndpoint(intake, limits, s)
		if err != nil {
			return m, err
		}
		ep.Logger = logger
		m.endpoint = ep
	}
	if o.maildir != "" {
		m.maildir = &receiver.Maildir{Dir: o.maildir, Handler: intake, Logger: logger}
	}
	return m, nil
}

// routes is handler plus POST /mail/datto when m has the mail endpoint.
func routes(eng *alerting.Engine, verifier *dattormm.WebhookVerifier, logger *slog.Logger, m mailSetup, checks ...receiver.Check) http.Handler {
	h := handler(eng, verifier, logger, checks...)
	if m.endpoint == nil {
		return h
	}
	mux := http.NewServeMux()
	mux.Handle("/mail/datto", receiver.Intake("mail", m.endpoint))
	mux.Handle("/", h)
	return mux
}

// serveWithMail is serve plus the e-mail intake of m, with checks in
// /readyz.
func serveWithMail(ctx context.Context, ln net.Listener, eng *alerting.Engine, verifier *dattormm.WebhookVerifier, logger *slog.Logger, limits receiver.Limits, m mailSetup, checks ...receiver.Check) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	h := routes(eng, verifier, logger, m, checks...)
	loops := []func() error{
		func() error { return receiver.Serve(ctx, ln, h, limits) },
		func() error { return eng.Run(ctx) },
		func() error { return eng.RunResolveSync(ctx) },
	}
	if m.maildir != nil {
		loops = append(loops, func() error { return m.maildir.Run(alerting.ContextWithIntake(ctx, "maildir")) })
	}
	errc := make(chan error, len(loops))
	for _, f := range loops {
		go func() { errc <- f() }()
	}
	var first error
	for range loops {
		err := <-errc
		if err != nil && !errors.Is(err, context.Canceled) && first == nil {
			first = err
		}
		cancel() // one stopped: stop the others
	}
	return first
}
