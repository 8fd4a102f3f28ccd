package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/mspsync/mspsync/dattormm/dattormmdriver"
	"github.com/mspsync/mspsync/progress"
	"github.com/mspsync/mspsync/reconcile"
)

// readPlan reads -apply-plan's file: a plan from -plan-out of a Datto
// source.
func readPlan(path string) (*reconcile.Changeset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cs, err := reconcile.ReadChangeset(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if cs.Source != dattormmdriver.Kind {
		return nil, fmt.Errorf("%s: a plan for source %q, not %q", path, cs.Source, dattormmdriver.Kind)
	}
	return cs, nil
}

// writePlan keeps the plan in path (written beside it, then renamed, so a
// reader never sees half a plan).
func writePlan(path string, cs *reconcile.Changeset) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := cs.WriteTo(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// phaseNames are the progress lines of reconcile's phases.
var phaseNames = map[reconcile.Phase]string{
	reconcile.PhaseLoadTarget: "loading Halo",
	reconcile.PhaseLoadSource: "loading Datto RMM",
	reconcile.PhaseEnrich:     "reading expensive fields (Datto audits)",
	reconcile.PhasePlan:       "planning",
	reconcile.PhaseApply:      "applying",
}

// progressLines renders reconcile's typed progress events: each phase,
// the audit reads as "audits: 312/400 devices" and the writes as "applied
// 12 of 61 writes", each at most every two seconds and once at the end.
func progressLines(status *progress.Printer) func(reconcile.ProgressEvent) {
	var mu sync.Mutex
	last := time.Time{}
	return func(e reconcile.ProgressEvent) {
		mu.Lock()
		defer mu.Unlock()
		switch e.Kind {
		case reconcile.PhaseStarted:
			if e.Total > 0 {
				status.Printf("%s: %d %s", phaseNames[e.Phase], e.Total, unit(e.Phase))
			} else {
				status.Printf("%s", phaseNames[e.Phase])
			}
			last = time.Now()
		case reconcile.PhaseProgress:
			if e.Done != e.Total && time.Since(last) < 2*time.Second {
				return
			}
			last = time.Now()
			if e.Phase == reconcile.PhaseApply {
				status.Printf("applied %d of %d writes", e.Done, e.Total)
			} else {
				status.Printf("audits: %d/%d %s", e.Done, e.Total, unit(e.Phase))
			}
		case reconcile.PhaseDone:
			if e.Err != nil {
				status.Printf("%s stopped after %d of %d %s: %v", phaseNames[e.Phase], e.Done, e.Total, unit(e.Phase), e.Err)
			}
		}
	}
}

func unit(p reconcile.Phase) string {
	if p == reconcile.PhaseApply {
		return "writes"
	}
	return "devices"
}
