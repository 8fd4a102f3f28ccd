package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/mspsync/mspsync/level/leveldriver"
)

// The files of the state directory (-state).
const (
	statusFile = "status.json"  // each group mapping's sync status
	eventsFile = "events.jsonl" // every run's device events, JSON lines
	alertsDB   = "alerts.db"    // the alert state (bbolt), in real mode
)

// maxEventsBytes bounds events.jsonl: past it, the older half is dropped
// before a run's events are added.
const maxEventsBytes = 32 << 20

func readStatus(dir string) ([]leveldriver.MappingStatus, error) {
	b, err := os.ReadFile(filepath.Join(dir, statusFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []leveldriver.MappingStatus
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("%s: %w", statusFile, err)
	}
	return out, nil
}

// saveRun appends the run's events and writes the statuses, replacing the
// file atomically (an early sync's report carries every mapping: those it
// touched moved, the others as the file had them).
func saveRun(dir string, rep *leveldriver.Report) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(rep.Statuses, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, statusFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, statusFile)); err != nil {
		return err
	}
	path := filepath.Join(dir, eventsFile)
	if st, err := os.Stat(path); err == nil && st.Size() > maxEventsBytes {
		old, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		keep := old[len(old)/2:]
		if i := strings.IndexByte(string(keep), '\n'); i >= 0 {
			keep = keep[i+1:]
		}
		if err := os.WriteFile(path, keep, 0o600); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if err := leveldriver.WriteEvents(f, rep.Events); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// printStatus writes the status table (-status).
func printStatus(w io.Writer, sts []leveldriver.MappingStatus) error {
	if len(sts) == 0 {
		_, err := fmt.Fprintln(w, "no group mappings have run yet")
		return err
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "GROUP\tNAME\tCUSTOMER\tSITE\tSTATE\tDEVICES\tWRITTEN\tFAILED\tLAST RUN\tREASON")
	for _, s := range sts {
		site, at := "main", "-"
		if s.SiteID != 0 {
			site = fmt.Sprint(s.SiteID)
		}
		if !s.At.IsZero() {
			at = s.At.UTC().Format("2006-01-02 15:04:05Z")
		}
		if s.Early {
			at += " (early)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%d\t%d\t%d\t%s\t%s\n", s.GroupID, s.GroupName, s.CustomerID, site, s.State,
			s.Devices, s.Written, s.FailedWrites, at, s.Reason)
	}
	return tw.Flush()
}

// printEvents writes the events of one device (-events DEVICE), oldest
// first, or as JSON lines.
func printEvents(w io.Writer, dir, device string, asJSON bool) error {
	f, err := os.Open(filepath.Join(dir, eventsFile))
	if errors.Is(err, fs.ErrNotExist) {
		_, err = fmt.Fprintf(w, "no events recorded in %s yet\n", dir)
		return err
	}
	if err != nil {
		return err
	}
	defer f.Close()
	evs, err := leveldriver.ReadEvents(f, device)
	if err != nil {
		return err
	}
	if asJSON {
		return leveldriver.WriteEvents(w, evs)
	}
	if len(evs) == 0 {
		_, err := fmt.Fprintf(w, "no events for device %q (a Level device ID or name)\n", device)
		return err
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tRUN\tDEVICE\tACTION\tOUTCOME\tASSET\tDETAIL")
	for _, e := range evs {
		detail := e.Reason
		if e.Request != nil {
			detail = fmt.Sprintf("%s; sent customer %d site %s, %d fields", detail, e.Request.CustomerID, siteOf(e.Request.SiteID, e.Request.SiteRef), len(e.Request.Fields))
		}
		if e.Error != "" {
			detail += "; error: " + e.Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", e.Time.UTC().Format("2006-01-02 15:04:05Z"), e.Run, e.Device, e.Action, e.Outcome, e.AssetID, detail)
	}
	return tw.Flush()
}

func siteOf(id int, ref string) string {
	if id != 0 {
		return fmt.Sprint(id)
	}
	if ref != "" {
		return ref
	}
	return "main"
}
