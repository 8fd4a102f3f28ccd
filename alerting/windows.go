package alerting

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Maintenance windows
//
// A raise whose alert time (Alert.Time) falls inside a maintenance window
// that matches it is suppressed: no ticket and no note. The engine records
// the alert (an AlertRecord with its routing and no group) and enqueues a
// deferred re-check of it, a pending item that is not due before the
// window ends (its ID is the raise's event key with "#window@" and the end
// time appended; it counts in Stats.Pending until then). A resolve of a
// suppressed alert marks it resolved quietly: no ticket, no note
// (ReasonWindowResolved).
//
// When the re-check comes due, an alert that was resolved meanwhile is
// dropped quietly. An alert still in a window (a later or longer one) is
// suppressed again until that one ends. Otherwise, when the alert's source
// has an AlertStatusChecker (WithAlertStatusChecker, or a Resolver that
// also implements it), the engine asks the source whether the alert is
// still open: closed (or unknown to the source) is dropped quietly, open
// goes on as a normal raise and becomes a ticket; a failing check is
// retried with backoff. Without a checker the alert becomes a ticket: its
// resolve did not arrive, so as far as the engine knows it is open; a
// reconciliation poll that lists the source's open alerts resolves it
// later if that resolve was lost. The re-check is a durable queue item, so
// it survives restarts and is taken over by another replica like any
// other item. A window removed (SetWindows) before it ends still lets its
// re-checks wait until the end recorded with them.
//
// A raise whose alert time is inside a window that has already ended by
// the time it is processed (a late delivery) is not suppressed; it is
// checked with the AlertStatusChecker like a re-check, if there is one.
// Alerts already on a ticket are never suppressed: a second raise of such
// an alert takes the normal path.

// recheckMark separates a raise's event key from the end of the window
// that suppressed it in the ID of its deferred re-check.
const recheckMark = "#window@"

// Outcome and reasons of maintenance windows.
const (
	// OutcomeSuppressed: a raise inside a maintenance window was recorded
	// and not ticketed; it is re-checked when the window ends.
	OutcomeSuppressed Outcome = "suppressed"
	// ReasonMaintenanceWindow is the Reason of OutcomeSuppressed.
	ReasonMaintenanceWindow Reason = "maintenance_window"
	// ReasonWindowResolved: an alert suppressed by a maintenance window
	// was resolved (or its source reports it no longer open when the
	// window ended); nothing is written to the PSA.
	ReasonWindowResolved Reason = "window_resolved"
)

// Maintenance is the maintenance section of the configuration.
type Maintenance struct {
	// TimeZone is the IANA time zone ("Europe/Berlin") of weekly windows
	// that name none; empty means UTC.
	TimeZone string `json:"time_zone,omitempty"`
	// Windows lists the maintenance windows.
	Windows []MaintenanceWindow `json:"windows,omitempty"`
}

// MaintenanceWindow is a time during which matching raises are suppressed
// (see the package's maintenance windows section). It matches an alert
// when every scope field it sets matches; at least one of Customer, Site
// and Device must be set. It is either one-off (Start and End) or Weekly.
type MaintenanceWindow struct {
	// Name identifies the window in logs; informational.
	Name string `json:"name,omitempty"`
	// Customer is the PSA customer ID the alert is routed to.
	Customer string `json:"customer,omitempty"`
	// Site is the PSA site ID the alert is routed to.
	Site string `json:"site,omitempty"`
	// Device is the alert's source device ID, or its hostname (compared
	// ignoring case).
	Device string `json:"device,omitempty"`
	// Source limits the window to alerts of one source ("datto").
	Source string `json:"source,omitempty"`
	// Start and End bound a one-off window: from Start up to, not
	// including, End.
	Start time.Time `json:"start,omitzero"`
	End   time.Time `json:"end,omitzero"`
	// Weekly makes the window recur every week.
	Weekly *WeeklyWindow `json:"weekly,omitempty"`
}

// WeeklyWindow is a window that recurs on some days of every week at a
// wall-clock time in a time zone: a window "sat 22:00 for 4h" in
// Europe/Berlin starts at 22:00 Berlin time whether summer time is on or
// not. Duration is elapsed time (a window across a clock change lasts as
// long as configured). A start time that does not exist on a day (skipped
// by a clock change) is taken as Go's time.Date normalises it (an hour
// later).
type WeeklyWindow struct {
	// Days are the days of the week the window starts on: "mon", "tue",
	// … or the full English names, ignoring case.
	Days []string `json:"days"`
	// Start is the local start time, "HH:MM" (24-hour clock).
	Start string `json:"start"`
	// Duration is how long the window lasts, as time.ParseDuration reads
	// it ("4h", "90m"); more than 0 and at most a week.
	Duration string `json:"duration"`
	// TimeZone is the IANA time zone; empty means Maintenance.TimeZone.
	TimeZone string `json:"time_zone,omitempty"`
}

// AlertStatusChecker is an optional source extension (usually the source
// driver's Resolver): a confirming read of whether an alert is still open
// at its source. The engine asks it when a maintenance window that
// suppressed the alert ends. Register one with WithAlertStatusChecker; a
// Resolver registered with WithResolver that implements it is used too.
type AlertStatusChecker interface {
	// AlertOpen reports whether the alert is still open at its source.
	// An alert the source does not know may be reported with an error
	// matching ErrNotFound, which counts as not open.
	AlertOpen(ctx context.Context, a AlertRef) (bool, error)
}

// WithAlertStatusChecker sets the checker that confirms, when a
// maintenance window ends, that the alerts of source and account (""
// for the source's only account) it suppressed are still open.
func WithAlertStatusChecker(source, account string, c AlertStatusChecker) Option {
	return func(e *Engine) error {
		if source == "" || c == nil {
			return errors.New("alerting: WithAlertStatusChecker: empty source or nil checker")
		}
		if !validSource(account) {
			return fmt.Errorf("alerting: WithAlertStatusChecker: account %q: use letters, digits, '.', '_' or '-'", account)
		}
		if e.maint.checkers == nil {
			e.maint.checkers = map[[2]string]AlertStatusChecker{}
		}
		e.maint.checkers[[2]string{source, account}] = c
		return nil
	}
}

// maintenance is the engine's maintenance-window state.
type maintenance struct {
	api      atomic.Pointer[[]window] // SetWindows
	checkers map[[2]string]AlertStatusChecker
}

// SetWindows replaces the maintenance windows set by the previous call
// (windows from the configuration stay). Programs that read windows from
// elsewhere (a PSA, a calendar) call it whenever they change; it is safe
// for concurrent use. Weekly windows without a time zone use UTC. An
// invalid window is a configuration error (ErrInvalidConfig, keys
// "windows[i]…") and changes nothing.
func (e *Engine) SetWindows(ws []MaintenanceWindow) error {
	var errs []error
	windowProblems("windows", ws, func(key, format string, args ...any) {
		errs = append(errs, &ConfigError{Key: key, Problem: fmt.Sprintf(format, args...)})
	})
	if err := errors.Join(errs...); err != nil {
		return &invalidConfig{err}
	}
	c := compileWindows(ws, "")
	e.maint.api.Store(&c)
	return nil
}

// window is a MaintenanceWindow compiled for matching.
type window struct {
	name                        string
	customer, site, device, src string
	start, end                  time.Time // one-off
	weekly                      bool
	days                        [7]bool
	hour, minute                int
	dur                         time.Duration
	loc                         *time.Location
}

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

func parseDay(s string) (time.Weekday, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if d, ok := weekdays[s]; ok {
		return d, true
	}
	for d := time.Sunday; d <= time.Saturday; d++ {
		if s == strings.ToLower(d.String()) {
			return d, true
		}
	}
	return 0, false
}

// parseClock reads "HH:MM".
func parseClock(s string) (h, m int, ok bool) {
	hs, ms, found := strings.Cut(strings.TrimSpace(s), ":")
	if !found || len(hs) == 0 || len(hs) > 2 || len(ms) != 2 {
		return 0, 0, false
	}
	h, err1 := strconv.Atoi(hs)
	m, err2 := strconv.Atoi(ms)
	if err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, 0, false
	}
	return h, m, true
}

const maxWeeklyDuration = 7 * 24 * time.Hour

// windowProblems reports the problems of ws under key prefix (e.g.
// "maintenance.windows") through bad.
func windowProblems(prefix string, ws []MaintenanceWindow, bad func(key, format string, args ...any)) {
	for i, w := range ws {
		key := prefix + "[" + strconv.Itoa(i) + "]"
		if strings.TrimSpace(w.Customer) == "" && strings.TrimSpace(w.Site) == "" && strings.TrimSpace(w.Device) == "" {
			bad(key, "names no customer, site or device (a window must be scoped)")
		}
		if w.Source != "" && !validSource(w.Source) {
			bad(key+".source", "%q: use letters, digits, '.', '_' or '-'", w.Source)
		}
		oneOff := !w.Start.IsZero() || !w.End.IsZero()
		switch {
		case oneOff && w.Weekly != nil:
			bad(key, "has start/end and weekly (a window is one-off or weekly)")
		case !oneOff && w.Weekly == nil:
			bad(key, "has neither start/end nor weekly")
		case oneOff && w.Start.IsZero():
			bad(key+".start", "is empty")
		case oneOff && w.End.IsZero():
			bad(key+".end", "is empty")
		case oneOff && !w.End.After(w.Start):
			bad(key+".end", "%s is not after start %s", w.End.Format(time.RFC3339), w.Start.Format(time.RFC3339))
		}
		if wk := w.Weekly; wk != nil {
			if len(wk.Days) == 0 {
				bad(key+".weekly.days", "is empty")
			}
			for j, d := range wk.Days {
				if _, ok := parseDay(d); !ok {
					bad(key+".weekly.days["+strconv.Itoa(j)+"]", "%q is not a day of the week (mon … sun)", d)
				}
			}
			if _, _, ok := parseClock(wk.Start); !ok {
				bad(key+".weekly.start", "%q is not a time of day as HH:MM", wk.Start)
			}
			if d, err := time.ParseDuration(wk.Duration); err != nil {
				bad(key+".weekly.duration", "%q is not a duration (\"4h\", \"90m\")", wk.Duration)
			} else if d <= 0 || d > maxWeeklyDuration {
				bad(key+".weekly.duration", "%s: want more than 0 and at most 168h", d)
			}
			if wk.TimeZone != "" {
				if _, err := time.LoadLocation(wk.TimeZone); err != nil {
					bad(key+".weekly.time_zone", "%q is not a known IANA time zone", wk.TimeZone)
				}
			}
		}
	}
}

// compileWindows compiles valid windows; zone is the default time zone of
// weekly windows.
func compileWindows(ws []MaintenanceWindow, zone string) []window {
	out := make([]window, 0, len(ws))
	for _, w := range ws {
		c := window{name: w.Name, customer: w.Customer, site: w.Site, device: w.Device, src: w.Source, start: w.Start, end: w.End}
		if wk := w.Weekly; wk != nil {
			c.weekly = true
			for _, d := range wk.Days {
				if day, ok := parseDay(d); ok {
					c.days[day] = true
				}
			}
			c.hour, c.minute, _ = parseClock(wk.Start)
			c.dur, _ = time.ParseDuration(wk.Duration)
			z := wk.TimeZone
			if z == "" {
				z = zone
			}
			c.loc = time.UTC
			if loc, err := time.LoadLocation(z); err == nil {
				c.loc = loc
			}
		}
		out = append(out, c)
	}
	return out
}

// matches reports whether w's scope covers alert a routed as rt.
func (w *window) matches(a Alert, rt *route) bool {
	if w.src != "" && w.src != a.Source {
		return false
	}
	if w.customer != "" && w.customer != rt.cust.ID {
		return false
	}
	if w.site != "" {
		site := rt.rec.Site
		if site == "" {
			site = rt.cust.Site
		}
		if w.site != site {
			return false
		}
	}
	if w.device != "" && w.device != a.Device.ID && (a.Device.Hostname == "" || !strings.EqualFold(w.device, a.Device.Hostname)) {
		return false
	}
	return true
}

// endAt returns the end of w's occurrence that contains t, if one does.
func (w *window) endAt(t time.Time) (time.Time, bool) {
	if !w.weekly {
		return w.end, !t.Before(w.start) && t.Before(w.end)
	}
	local := t.In(w.loc)
	y, m, d := local.Date()
	var end time.Time
	found := false
	// An occurrence containing t started on t's local day or up to a week
	// before it.
	for back := 0; back <= int(w.dur/(24*time.Hour))+1; back++ {
		if !w.days[time.Date(y, m, d-back, 12, 0, 0, 0, w.loc).Weekday()] {
			continue
		}
		start := time.Date(y, m, d-back, w.hour, w.minute, 0, 0, w.loc)
		if e := start.Add(w.dur); !t.Before(start) && t.Before(e) && e.After(end) {
			end, found = e, true
		}
	}
	return end, found
}

// windowEnd returns the latest end of the windows matching a (routed as
// rt) that contain t, and the name of that window.
func (e *Engine) windowEnd(t time.Time, a Alert, rt *route) (end time.Time, name string, ok bool) {
	sets := [][]window{e.route.windows}
	if p := e.maint.api.Load(); p != nil {
		sets = append(sets, *p)
	}
	for _, ws := range sets {
		for i := range ws {
			w := &ws[i]
			if !w.matches(a, rt) {
				continue
			}
			if we, in := w.endAt(t); in && we.After(end) {
				end, name, ok = we, w.name, true
			}
		}
	}
	return end, name, ok
}

// statusChecker returns the checker of an alert's source and account, or
// nil.
func (e *Engine) statusChecker(a Alert) AlertStatusChecker {
	k := [2]string{a.Source, a.Account}
	if c := e.maint.checkers[k]; c != nil {
		return c
	}
	if c, ok := e.resolvers[k].(AlertStatusChecker); ok {
		return c
	}
	return nil
}

// suppressedRecord reports whether rec is an alert a maintenance window
// suppressed: its raise was routed (Routing is set) but joined no group,
// and it is not resolved. No other path stores that combination.
func suppressedRecord(rec AlertRecord) bool {
	return rec.GroupKey == "" && !rec.Resolved && rec.Routing != (Routing{})
}

// windowRaise is applyRaise's maintenance-window step for raise ev routed
// as rt. done reports that the raise was handled here (suppressed, or
// dropped because it was resolved); otherwise the raise goes on as usual.
func (e *Engine) windowRaise(ctx context.Context, ev event, rt *route) (res Result, done bool, err error) {
	base, _, recheck := strings.Cut(ev.key, recheckMark)
	a := ev.Alert
	now := e.now()
	at := a.Time // a raise: is the alert inside a window?
	if recheck {
		at = now // a re-check: is the alert's scope still in one?
	}
	end, name, in := e.windowEnd(at, a, rt)
	if !recheck && !in {
		return res, false, nil
	}
	res = Result{EventKey: ev.key, Routing: rt.rec}
	key := a.Key()
	rec, err := e.store.Alert(ctx, key)
	switch {
	case errors.Is(err, ErrNotFound):
		rec = AlertRecord{Key: key}
	case err != nil:
		return res, true, fmt.Errorf("alerting: load alert %s: %w", key, err)
	}
	if recheck && rec.Resolved && rec.GroupKey == "" {
		return e.ignored(ctx, res, ReasonWindowResolved, a), true, nil
	}
	if rec.Resolved || rec.GroupKey != "" { // not a new alert: the usual path decides
		return res, false, nil
	}
	if in && end.After(now) {
		return e.suppress(ctx, res, rec, ev, base, end, name)
	}
	// The window has ended: confirm the alert is still open, if the source
	// can tell.
	c := e.statusChecker(a)
	if c == nil {
		return res, false, nil
	}
	open, err := c.AlertOpen(ctx, AlertRef{Source: a.Source, Account: a.Account, AlertID: a.ID()})
	switch {
	case errors.Is(err, ErrNotFound):
		open = false
	case err != nil:
		return res, true, fmt.Errorf("alerting: check alert %s at its source after its maintenance window: %w", key, err)
	}
	if open {
		return res, false, nil
	}
	if err := e.markResolved(ctx, key, time.Time{}); err != nil {
		return res, true, err
	}
	return e.ignored(ctx, res, ReasonWindowResolved, a), true, nil
}

// suppress records the alert of raise ev as suppressed until end and
// enqueues its re-check, due at end.
func (e *Engine) suppress(ctx context.Context, res Result, rec AlertRecord, ev event, base string, end time.Time, name string) (Result, bool, error) {
	if rec.Version == 0 || rec.Routing != res.Routing {
		rec.Routing, rec.UpdatedAt = res.Routing, e.now()
		if _, err := e.store.PutAlert(ctx, rec); err != nil {
			// ErrConflict: a resolve or another engine changed the record
			// meanwhile; the item is retried and decides again.
			return res, true, fmt.Errorf("alerting: store suppressed alert %s: %w", rec.Key, err)
		}
	}
	item := PendingItem{ID: base + recheckMark + end.UTC().Format(time.RFC3339), Alert: ev.Alert, AcceptedAt: ev.accepted, NotBefore: end}
	item.Alert.Raw = slices.Clone(item.Alert.Raw)
	if _, err := e.store.Enqueue(ctx, item); err != nil {
		return res, true, fmt.Errorf("alerting: enqueue re-check of %s: %w", rec.Key, err)
	}
	e.stats.suppressed.Add(1)
	e.log.LogAttrs(ctx, slog.LevelInfo, "alerting: alert suppressed by a maintenance window", slog.String("event", ev.key),
		slog.String("window", name), slog.String("until", end.UTC().Format(time.RFC3339)),
		slog.String("customer", res.Routing.Customer), slog.String("type", ev.Alert.Type))
	res.Outcome, res.Reason = OutcomeSuppressed, ReasonMaintenanceWindow
	return res, true, nil
}

// windowResolve ends a suppressed alert quietly: it is marked resolved and
// nothing is written to the PSA.
func (e *Engine) windowResolve(ctx context.Context, res Result, a Alert) (Result, error) {
	if err := e.markResolved(ctx, a.Key(), time.Time{}); err != nil {
		return res, err
	}
	return e.ignored(ctx, res, ReasonWindowResolved, a), nil
}
