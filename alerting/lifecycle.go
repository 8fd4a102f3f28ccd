package alerting

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// keptOpenNote is the resolve note on a ticket that the close policy
// CloseIfUntouched leaves open: the last of its n alerts is resolved, and
// someone worked on the ticket (why).
func (e *Engine) keptOpenNote(a Alert, n int, why, key string) Note {
	if strings.TrimSpace(why) == "" {
		why = "it was worked on"
	}
	return e.note(NoteAllResolved, fmt.Sprintf("Alert resolved: %s\nAll %d alerts on this ticket are resolved; the ticket stays open because it was worked on since the last alert update (%s).",
		title(a), n, why), key, a)
}

// RecurrenceCursorPrefix starts the names of the Store cursors that map a
// recurrence (see Config.ReopenWithin) to the group of its newest ticket.
const RecurrenceCursorPrefix = "alerting/recur/"

// recurrenceKey names what counts as "the same alert firing again" for
// reopening: under per-alert grouping (and for an alert without a user
// under the user groupings) the PSA customer, the source and account, the
// device (ID, else hostname, case-insensitive) and the alert type; an
// alert with neither device nor type has none (""). Under the user
// groupings the group itself recurs, so its key is gk.
func (e *Engine) recurrenceKey(customerID string, a Alert, gk string) string {
	if e.route.cfg.Grouping != GroupPerAlert && strings.TrimSpace(a.User) != "" {
		return gk
	}
	dev := strings.TrimSpace(a.Device.ID)
	if dev == "" {
		dev = "host:" + strings.ToLower(strings.TrimSpace(a.Device.Hostname))
	}
	typ := normType(a.Type)
	if dev == "host:" && typ == "" {
		return ""
	}
	h := sha256.New()
	for _, p := range []string{"mspsync/alerting/recur/v1", customerID, ScopedSource(a.Source, a.Account), dev, typ} {
		fmt.Fprintf(h, "%d:%s", len(p), p)
	}
	return "ar1-" + hex.EncodeToString(h.Sum(nil)[:16])
}

// recordRecurrence remembers gk as the group of the newest ticket of a's
// recurrence, when reopening is on. A failure only costs a later reopen
// (a new ticket instead), so it is logged, not returned.
func (e *Engine) recordRecurrence(ctx context.Context, customerID string, a Alert, gk string) {
	if e.route.reopenIn <= 0 {
		return
	}
	rk := e.recurrenceKey(customerID, a, gk)
	if rk == "" || rk == gk {
		return
	}
	if err := e.store.SetCursor(ctx, RecurrenceCursorPrefix+rk, gk); err != nil {
		e.log.WarnContext(ctx, "alerting: record recurrence", "group", gk, "err", err)
	}
}

// recurrenceGroup returns the group a raise of a (routed to customerID,
// group gk) is applied in: gk, or the group of the newest ticket of a's
// recurrence when that ticket was closed less than Config.ReopenWithin
// ago and the sink can reopen it (the raise then reopens it; see
// reopenLast). A raise that already joined that group (a retry) stays
// with it.
func (e *Engine) recurrenceGroup(ctx context.Context, customerID string, a Alert, gk string) (string, error) {
	if _, ok := e.sink.(Reopener); !ok || e.route.reopenIn <= 0 {
		return gk, nil
	}
	rk := e.recurrenceKey(customerID, a, gk)
	if rk == "" || rk == gk {
		return gk, nil
	}
	prev, err := e.store.Cursor(ctx, RecurrenceCursorPrefix+rk)
	if err != nil {
		return gk, fmt.Errorf("alerting: load recurrence of %s: %w", a.Key(), err)
	}
	if prev == "" || prev == gk {
		return gk, nil
	}
	if rec, err := e.store.Alert(ctx, a.Key()); err == nil && (rec.GroupKey == prev || rec.GroupKey == gk) {
		return rec.GroupKey, nil // an earlier attempt joined it
	} else if err != nil && !errors.Is(err, ErrNotFound) {
		return gk, fmt.Errorf("alerting: load alert %s: %w", a.Key(), err)
	}
	g, err := e.store.Group(ctx, prev)
	switch {
	case errors.Is(err, ErrNotFound):
		return gk, nil
	case err != nil:
		return gk, fmt.Errorf("alerting: load group %s: %w", prev, err)
	}
	if g.Customer != "" && g.Customer != customerID || !e.reopenable(&g) {
		return gk, nil
	}
	e.log.InfoContext(ctx, "alerting: alert recurs; applying it to the group of its closed ticket", "alert", a.Key(),
		"group", prev, "own_group", gk)
	return prev, nil
}

// reopenable reports whether g's newest ticket is closed, recently enough
// to be reopened by a new raise (Config.ReopenWithin), and the sink can
// reopen it.
func (e *Engine) reopenable(g *GroupState) bool {
	if _, ok := e.sink.(Reopener); !ok || e.route.reopenIn <= 0 || current(g) >= 0 || len(g.Tickets) == 0 {
		return false
	}
	t := g.Tickets[len(g.Tickets)-1]
	return t.ID != "" && !t.ClosedAt.IsZero() && e.now().Sub(t.ClosedAt) <= e.route.reopenIn
}

// reopenLast reopens the group's newest (closed) ticket for raise ev with a
// note (done), or reports done false when the ticket is gone or the sink
// refuses for good to reopen it, so a new one is opened. The reopened ticket tracks the alerts that reopened it: the
// members it had are dropped.
func (e *Engine) reopenLast(ctx context.Context, tx *groupTx, res Result, ev event, gk string) (_ Result, done bool, _ error) {
	a := ev.Alert
	t := &tx.g.Tickets[len(tx.g.Tickets)-1]
	if err := tx.lease(ctx); err != nil {
		return res, true, err
	}
	found, err := e.written(ctx, ev, t.ID, ev.key)
	if err != nil {
		return res, true, err
	}
	closedAt := t.ClosedAt
	if !found {
		n := e.note(NoteReopened, reopenNote(a, gk, closedAt), ev.key, a)
		err = e.sink.(Reopener).ReopenTicket(ctx, t.ID, n)
	}
	switch {
	case errors.Is(err, ErrNotFound):
		e.log.InfoContext(ctx, "alerting: ticket to reopen is gone, opening a new one", "event", ev.key, "group", gk, "ticket", t.ID)
		return res, false, nil
	case IsPermanent(err): // the PSA refuses to reopen it: the alert still gets a ticket
		e.log.WarnContext(ctx, "alerting: the PSA refused to reopen the ticket, opening a new one", "event", ev.key,
			"group", gk, "ticket", t.ID, "err", err)
		return res, false, nil
	}
	if err != nil {
		return res, true, fmt.Errorf("alerting: reopen ticket %s: %w", t.ID, err)
	}
	now := e.now()
	t.Phase, t.ClosedBy, t.ClosedAt, t.Synced, t.LastWriteAt = PhaseOpen, "", time.Time{}, false, now
	t.Members = []Member{{Source: a.Source, Account: a.Account, AlertID: a.ID()}}
	res.Outcome, res.TicketID = OutcomeReopened, t.ID
	e.stats.reopened.Add(1)
	e.log.LogAttrs(ctx, slog.LevelInfo, "alerting: ticket reopened, the alert recurred", slog.String("event", ev.key),
		slog.String("group", gk), slog.String("ticket", t.ID), slog.String("type", a.Type),
		slog.Time("closed_at", closedAt))
	return res, true, nil
}

func reopenNote(a Alert, gk string, closedAt time.Time) string {
	when := ""
	if !closedAt.IsZero() {
		when = " (closed " + closedAt.UTC().Format(time.RFC3339) + ")"
	}
	return "Alert raised again: " + title(a) + "\nThe alert recurred soon after this ticket was closed" + when + "; reopening it.\n\n" + body(a, gk)
}

// CheckPSA checks the configuration against the PSA where the sink can
// tell: with PriorityChecker, that every priority the configuration can
// put on a ticket exists for the ticket type it goes with (Halo: the
// priorities of the ticket type's SLA). Programs call it once at start-up,
// after New. Configuration problems match ErrInvalidConfig and hold one
// *ConfigError each; other errors (the PSA is unreachable) are returned
// wrapped, so a program may start anyway. A sink without PriorityChecker
// checks nothing (nil).
func (e *Engine) CheckPSA(ctx context.Context) error {
	pc, ok := e.sink.(PriorityChecker)
	if !ok {
		return nil
	}
	uses := priorityUses(e.route.cfg)
	if len(uses) == 0 {
		return nil
	}
	err := pc.CheckPriorities(ctx, uses)
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*ConfigError](err); ok {
		return &invalidConfig{err}
	}
	return fmt.Errorf("alerting: check priorities in the PSA: %w", err)
}

// priorityUses lists every (ticket type, priority) pair the configuration
// can produce, each with the key that sets the priority.
func priorityUses(c Config) []PriorityUse {
	var uses []PriorityUse
	seen := map[PriorityUse]bool{}
	add := func(key, typ, prio string) {
		u := PriorityUse{Key: key, TicketType: strings.TrimSpace(typ), Priority: strings.TrimSpace(prio)}
		if u.Priority != "" && !seen[u] {
			seen[u] = true
			uses = append(uses, u)
		}
	}
	sevs := []Severity{SeverityInfo, SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical}
	add("ticket.priority", c.Ticket.Type, c.Ticket.Priority)
	for _, s := range sevs {
		add("severity_priority."+string(s), c.Ticket.Type, c.SeverityPriority[s])
	}
	for i, r := range c.AlertTypes {
		key := fmt.Sprintf("alert_types[%d]", i)
		typ := c.Ticket.Type
		if r.Ticket.Type != "" {
			typ = r.Ticket.Type
		}
		if r.Ticket.Priority != "" {
			add(key+".ticket.priority", typ, r.Ticket.Priority)
			continue
		}
		if r.Ticket.Type != "" { // inherited priorities land on the rule's type
			add("ticket.priority (with "+key+".ticket.type)", typ, c.Ticket.Priority)
		}
		for _, s := range sevs {
			switch {
			case r.SeverityPriority[s] != "":
				add(key+".severity_priority."+string(s), typ, r.SeverityPriority[s])
			case r.Ticket.Type != "":
				add("severity_priority."+string(s)+" (with "+key+".ticket.type)", typ, c.SeverityPriority[s])
			}
		}
	}
	return uses
}
