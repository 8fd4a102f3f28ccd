package alerting_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
)

// bare is a raise as a webhook records it: no customer ID, the webhook's
// type; only enrichment can route it to the mapped site-1.
func bare(id string, kind alerting.Kind) alerting.Alert {
	return alerting.Alert{Source: "datto", EventID: id, Kind: kind, Type: "webhook type",
		Customer: alerting.CustomerRef{Name: "Acme (webhook)"}, Title: "from the webhook"}
}

// siteEnricher fills in site-1 and counts its calls.
type siteEnricher struct {
	calls atomic.Int64
	err   error
}

func (s *siteEnricher) Enrich(_ context.Context, a *alerting.Alert) error {
	s.calls.Add(1)
	if s.err != nil {
		return s.err
	}
	a.Customer = alerting.CustomerRef{ID: "site-1", Name: "Acme"}
	a.Type, a.Severity, a.Title = "Disk Usage", alerting.SeverityHigh, "enriched"
	a.Source, a.EventID, a.Kind = "evil", "other", alerting.Resolve // restored by the engine
	return nil
}

func TestEnricherRunsInTheWorker(t *testing.T) {
	t.Parallel()
	en := &siteEnricher{}
	f := newFixture(t, baseConfig(), alerting.WithEnricher("datto", en))
	// Accept records without calling the enricher, and without rejecting
	// an alert whose customer only enrichment can tell.
	for range 1000 {
		if _, err := f.eng.Accept(t.Context(), bare("u-1", alerting.Raise)); err != nil {
			t.Fatal(err)
		}
	}
	if n := en.calls.Load(); n != 0 {
		t.Fatalf("Accept called the enricher %d times", n)
	}
	if n, err := f.eng.ProcessPending(t.Context()); err != nil || n != 1 {
		t.Fatalf("processed %d, %v", n, err)
	}
	if n := en.calls.Load(); n != 1 {
		t.Errorf("1,000 deliveries of one event cost %d look-ups; want 1", n)
	}
	tk := wantTickets(t, f.sink, 1)[0]
	if tk.Customer != "C1" || tk.Title != "enriched" || tk.Alert.Source != "datto" || tk.Alert.EventID != "u-1" || tk.Alert.Kind != alerting.Raise {
		t.Errorf("ticket = customer %s title %q alert %+v", tk.Customer, tk.Title, tk.Alert)
	}
	if s := f.stats(t); s.Deduplicated != 999 || s.EnrichErrors != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestEnricherFailureFallsBack(t *testing.T) {
	t.Parallel()
	en := &siteEnricher{err: errors.New("datto down")}
	cfg := baseConfig()
	cfg.CatchAll = &alerting.CatchAll{Customer: "C-catch"}
	f := newFixture(t, cfg, alerting.WithEnricher("datto", en))
	if _, err := f.eng.Accept(t.Context(), bare("u-1", alerting.Raise)); err != nil {
		t.Fatal(err)
	}
	f.eng.ProcessPending(t.Context())
	tk := wantTickets(t, f.sink, 1)[0]
	if tk.Customer != "C-catch" || tk.Title != "from the webhook" {
		t.Errorf("fallback ticket: customer %s title %q", tk.Customer, tk.Title)
	}
	if s := f.stats(t); s.EnrichErrors != 1 || s.Pending != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestEnricherTimeoutFallsBack(t *testing.T) {
	t.Parallel()
	slow := alerting.EnricherFunc(func(ctx context.Context, a *alerting.Alert) error {
		<-ctx.Done()
		return ctx.Err()
	})
	cfg := baseConfig()
	cfg.CatchAll = &alerting.CatchAll{Customer: "C-catch"}
	f := newFixture(t, cfg, alerting.WithEnricher("datto", slow), alerting.WithEnrichTimeout(20*time.Millisecond))
	f.eng.Accept(t.Context(), bare("u-1", alerting.Raise))
	f.eng.ProcessPending(t.Context())
	if tk := wantTickets(t, f.sink, 1)[0]; tk.Customer != "C-catch" {
		t.Errorf("customer %s", tk.Customer)
	}
}

func TestEnricherContradictionIgnoresTheEvent(t *testing.T) {
	t.Parallel()
	stillOpen := alerting.EnricherFunc(func(_ context.Context, a *alerting.Alert) error {
		if a.Kind == alerting.Resolve {
			return fmt.Errorf("%w: the source reports alert %s open", alerting.ErrContradicted, a.ID())
		}
		a.Customer.ID = "site-1"
		return nil
	})
	f := newFixture(t, baseConfig(), alerting.WithEnricher("datto", stillOpen))
	f.eng.Accept(t.Context(), bare("u-1", alerting.Raise))
	f.eng.ProcessPending(t.Context())
	res, err := f.eng.Submit(t.Context(), bare("u-1", alerting.Resolve))
	if err != nil {
		t.Fatal(err)
	}
	wantOutcome(t, res, alerting.OutcomeIgnored, alerting.ReasonContradicted)
	if tk := wantTickets(t, f.sink, 1)[0]; tk.State != alerting.TicketOpen {
		t.Errorf("a contradicted resolve closed the ticket")
	}
	if s := f.stats(t); s.Ignored[alerting.ReasonContradicted] != 1 || s.Pending != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestEnricherStaticRoutingAfterEnrichment(t *testing.T) {
	t.Parallel()
	cfg := baseConfig()
	cfg.Customers[0].Disabled, cfg.Customers[0].Customer = true, ""
	f := newFixture(t, cfg, alerting.WithEnricher("datto", &siteEnricher{}))
	f.eng.Accept(t.Context(), bare("u-1", alerting.Raise))
	f.eng.ProcessPending(t.Context())
	wantTickets(t, f.sink, 0)
	if s := f.stats(t); s.Ignored[alerting.ReasonCustomerDisabled] != 1 {
		t.Errorf("stats %+v", s.Ignored)
	}
	// An alert nobody can route is rejected in the worker, counted.
	g := newFixture(t, baseConfig(), alerting.WithEnricher("datto", alerting.EnricherFunc(func(context.Context, *alerting.Alert) error { return nil })))
	if _, err := g.eng.Accept(t.Context(), bare("u-2", alerting.Raise)); err != nil {
		t.Fatalf("Accept decided routing before enrichment: %v", err)
	}
	g.eng.ProcessPending(t.Context())
	if s := g.stats(t); s.Rejected[alerting.ReasonUnmappedCustomer] != 1 || s.Pending != 0 {
		t.Errorf("stats %+v", s)
	}
	if _, err := alerting.New(baseConfig(), g.store, g.sink, alerting.WithEnricher("", nil)); err == nil {
		t.Error("WithEnricher accepted a nil enricher")
	}
}
