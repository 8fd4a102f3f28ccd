package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/receiver"
	"github.com/mspsync/mspsync/examples/promstats"
	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halodriver"
	"github.com/mspsync/mspsync/level"
	"github.com/mspsync/mspsync/level/leveldriver"
	"github.com/mspsync/mspsync/reconcile"
)

// alertSide is the alert half of the program: the engine (Halo tickets
// from Level alerts, Level resolves from closed tickets), the enricher
// that finds each alert's group, the early sync of device and group
// events, and the HTTP routes of the intakes.
type alertSide struct {
	eng      *alerting.Engine
	enricher *leveldriver.Enricher
	early    *leveldriver.EarlySync
	handler  http.Handler
}

// alertSetup is what newAlertSide needs.
type alertSetup struct {
	cfg            *Config
	store          alerting.Store
	hc             *halo.Client
	lc             *level.Client
	mappings       reconcile.MappingStore // learned import mappings, or nil
	webhookSecret  string                 // LEVEL_WEBHOOK_SECRET
	templateSecret string                 // LEVEL_TEMPLATE_SECRET: serves /level/template when set
	logger         *slog.Logger
	// sync runs an early, scoped import (nil: none).
	sync  func(ctx context.Context, scope leveldriver.Scope) error
	quiet time.Duration
	opts  []alerting.Option
}

func newAlertSide(s alertSetup) (*alertSide, error) {
	acfg := s.cfg.alertingConfig()
	sm := leveldriver.ImportMappings(s.cfg.Sync, s.mappings)
	en := leveldriver.NewEnricher(s.lc, leveldriver.MappedGroups(acfg, "", sm))
	eng, err := alerting.New(acfg, s.store, halodriver.NewAlertSink(s.hc), append([]alerting.Option{
		alerting.WithLogger(s.logger),
		alerting.WithEnricher(leveldriver.Kind, en),
		alerting.WithSiteMappings(sm),
		alerting.WithResolver(leveldriver.Kind, leveldriver.NewResolver(s.lc)),
	}, s.opts...)...)
	if err != nil {
		return nil, err
	}
	v, err := leveldriver.NewVerifier(s.webhookSecret)
	if err != nil {
		eng.Close()
		return nil, err
	}
	hook := leveldriver.NewWebhookHandler(v, eng)
	hook.Logger = s.logger
	a := &alertSide{eng: eng, enricher: en}
	if s.sync != nil {
		a.early = &leveldriver.EarlySync{Sync: s.sync, Quiet: s.quiet, OnGroupEvent: en.Invalidate, Logger: s.logger}
		hook.OnOtherEvent = a.early.Event
	} else {
		hook.OnOtherEvent = func(env leveldriver.Envelope) {
			if len(env.EventType) > 6 && env.EventType[:6] == "group_" {
				en.Invalidate()
			}
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/level", receiver.Intake("level", hook))
	if s.templateSecret != "" {
		th, err := leveldriver.NewTemplateHandler(eng, s.templateSecret)
		if err != nil {
			eng.Close()
			return nil, err
		}
		th.Logger = s.logger
		mux.Handle("/level/template", receiver.Intake("level-template", th))
	}
	mux.Handle("/healthz", receiver.Healthz())
	mux.Handle("/metrics", promstats.Handler(eng, s.logger))
	a.handler = mux
	return a, nil
}

// serve runs the intakes, the engine and resolve sync until ctx ends or
// one of them fails.
func (a *alertSide) serve(ctx context.Context, ln net.Listener, limits receiver.Limits) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if a.early != nil {
		a.early.Context = ctx
	}
	loops := []func() error{
		func() error { return receiver.Serve(ctx, ln, a.handler, limits) },
		func() error { return a.eng.Run(ctx) },
		func() error { return a.eng.RunResolveSync(ctx) },
	}
	errc := make(chan error, len(loops))
	for _, f := range loops {
		go func() { errc <- f() }()
	}
	var first error
	for range loops {
		if err := <-errc; err != nil && !errors.Is(err, context.Canceled) && first == nil {
			first = err
		}
		cancel()
	}
	return first
}

// waitPending waits until the engine has nothing pending (the demo).
func waitPending(ctx context.Context, eng *alerting.Engine) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		st, err := eng.Stats(ctx)
		if err != nil {
			return err
		}
		if st.Pending == 0 {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("alerts still pending after 10s")
}
