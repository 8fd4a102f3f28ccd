package alertingtest

import (
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting"
)

// OpenAlertsFixture is an alerting.OpenAlertLister under test, over a
// fake of its source whose listing takes several pages for five alerts.
type OpenAlertsFixture struct {
	Lister alerting.OpenAlertLister
	// Source and Account are what the lister's alerts must carry.
	Source, Account string
	// Raise opens an alert at the source and returns its alert ID.
	Raise func(t *testing.T) string
	// Resolve resolves an alert at the source.
	Resolve func(t *testing.T, alertID string)
	// BreakListing makes the next listing partial the way the source can
	// be (a page that fails, pages that do not add up to the count the
	// source reported).
	BreakListing func(t *testing.T)
}

// RunOpenAlerts runs the conformance suite every alerting.OpenAlertLister
// must pass: it lists every open alert once, across pages, as a raise of
// its source and account whose EventID is its pushed raise's (the alert
// ID) with its raise time; a resolved alert is not listed; and a partial
// listing ends with an error.
func RunOpenAlerts(t *testing.T, newFixture func(t *testing.T) OpenAlertsFixture) {
	t.Helper()
	t.Run("ListsEveryOpenAlertOnce", func(t *testing.T) { openListsAll(t, newFixture(t)) })
	t.Run("ResolvedNotListed", func(t *testing.T) { openResolved(t, newFixture(t)) })
	t.Run("PartialListingFails", func(t *testing.T) { openPartial(t, newFixture(t)) })
}

// list drains a listing.
func list(t *testing.T, l alerting.OpenAlertLister) ([]alerting.Alert, error) {
	var out []alerting.Alert
	for a, err := range l.OpenAlerts(t.Context()) {
		if err != nil {
			return out, err
		}
		out = append(out, a)
	}
	return out, nil
}

func openListsAll(t *testing.T, f OpenAlertsFixture) {
	start := time.Now().Add(-time.Minute)
	want := map[string]bool{}
	for range 5 {
		want[f.Raise(t)] = true
	}
	got, err := list(t, f.Lister)
	if err != nil {
		t.Fatalf("listing: %v", err)
	}
	seen := map[string]int{}
	for _, a := range got {
		seen[a.ID()]++
		switch {
		case a.Source != f.Source || a.Account != f.Account:
			t.Errorf("alert %s is of source %q account %q; want %q %q", a.ID(), a.Source, a.Account, f.Source, f.Account)
		case a.Kind != alerting.Raise:
			t.Errorf("alert %s is a %s; want a raise", a.ID(), a.Kind)
		case a.EventID != a.ID():
			t.Errorf("alert %s has event ID %q; want the alert ID (one event with its pushed raise)", a.ID(), a.EventID)
		case a.Time.IsZero() || a.Time.Before(start.Add(-time.Hour)):
			t.Errorf("alert %s raised at %v; want its raise time (about %v)", a.ID(), a.Time, start)
		}
		if err := a.Validate(); err != nil {
			t.Errorf("alert %s: %v", a.ID(), err)
		}
	}
	for id := range want {
		if seen[id] != 1 {
			t.Errorf("open alert %s listed %d times; want once", id, seen[id])
		}
	}
	if len(got) != len(want) {
		t.Errorf("listed %d alerts; want the %d open", len(got), len(want))
	}
}

func openResolved(t *testing.T, f OpenAlertsFixture) {
	keep, gone := f.Raise(t), f.Raise(t)
	f.Resolve(t, gone)
	got, err := list(t, f.Lister)
	if err != nil {
		t.Fatalf("listing: %v", err)
	}
	ids := map[string]bool{}
	for _, a := range got {
		ids[a.ID()] = true
	}
	if !ids[keep] || ids[gone] {
		t.Errorf("listed %v; want %s and not the resolved %s", ids, keep, gone)
	}
}

func openPartial(t *testing.T, f OpenAlertsFixture) {
	for range 5 {
		f.Raise(t)
	}
	f.BreakListing(t)
	if got, err := list(t, f.Lister); err == nil {
		t.Errorf("a partial listing ended without an error (%d alerts): the engine would resolve from it", len(got))
	}
}
