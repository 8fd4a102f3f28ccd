package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/dattormm/dattormmtest"
	"github.com/mspsync/mspsync/halo"
	"github.com/mspsync/mspsync/halo/halotest"
	"github.com/mspsync/mspsync/progress"
)

// runCheck is -check: it connects to Halo and Datto RMM (the environment's
// settings, or the demo's fakes with -demo) and prints one line each. The
// webhook secret is not needed for it.
func runCheck(ctx context.Context, o options, logger *slog.Logger, stdout, stderr io.Writer) int {
	var hc *halo.Client
	var dc *dattormm.Client
	var herr, derr error
	if o.demo {
		hs, ds := halotest.New(), dattormmtest.New()
		defer hs.Close()
		defer ds.Close()
		seedAlertsDemo(hs, ds)
		hc, herr = hs.NewClient(halo.WithLogger(logger))
		dc, derr = ds.NewClient(dattormm.WithLogger(logger))
	} else {
		hc, herr = halo.FromEnv(halo.WithLogger(logger))
		dc, derr = dattormm.FromEnv(dattormm.WithLogger(logger))
	}
	if err := errors.Join(herr, derr); err != nil {
		fmt.Fprintln(stderr, "datto-alerts-to-halo:", err)
		return exitSettings
	}
	if err := progress.RunChecks(ctx, stdout, progress.PingCheck("halo", hc.Ping), progress.PingCheck("datto", dc.Ping)); err != nil {
		return exitFailed
	}
	return exitOK
}
