package halodriver

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/halo"
)

// WithReopenStatus sets the status (an open Halo status id) a recurring
// alert reopens a closed ticket with. Default: the ticket type's
// "reopened status" (RequestType.reopenedstatus), else 1 (Halo's built-in
// New).
func WithReopenStatus(id int) Option { return func(o *options) { o.reopenStatus = id } }

// WithoutPriorityCheck makes CheckPriorities check nothing, for Halo
// instances whose SLA priorities cannot be read the way it reads them
// (see CheckPriorities).
func WithoutPriorityCheck() Option { return func(o *options) { o.noPrioCheck = true } }

// markerPrefix starts the marker line of every note the engine writes
// (alerting.NoteMarker).
var markerPrefix = strings.SplitAfter(alerting.NoteMarker(""), ": ")[0]

// Touched implements alerting.TouchChecker from the ticket's actions
// (GET /Actions?ticket_id=, one request; and GET /Agent/me once per sink).
// An action after since counts as work by someone else unless it is the
// engine's: it carries an engine note marker, or it was written by the
// API application's agent (GET /Agent/me, and the writer of the engine's
// marked notes: its system actions such as the
// "logged" action of a new ticket, and the status changes of the engine's
// closes and reopens) and is not a time entry. A time entry
// (timetaken > 0) after since always counts; so does any other action by
// another agent, a status change (new_status differing from old_status)
// included. An
// action without a date counts (leaving a ticket open is the safe
// mistake).
//
// uncertain: Halo's documentation does not say how Halo records time entries
// and status changes; the spec's Actions schema has timetaken, new_status,
// old_status and who_agentid, which are what this reads. A ticket
// deleted in Halo gives no actions, hence untouched; the engine reads the
// ticket's state before it resolves.
func (s *AlertSink) Touched(ctx context.Context, ticketID string, since time.Time) (bool, string, error) {
	acts, err := s.c.Actions.List(ctx, atoi(ticketID))
	if err != nil {
		return false, "", classify(err)
	}
	engine := map[int]bool{}
	me, err := s.apiAgent(ctx)
	if err != nil {
		return false, "", err
	}
	if me != 0 {
		engine[me] = true
	}
	for _, a := range acts {
		if isEngineNote(a) && a.WhoAgentID != 0 {
			engine[a.WhoAgentID] = true
		}
	}
	// Halo keeps action times to the second (or coarser): an action in
	// the second of the engine's last write counts as after it.
	from := since.Truncate(time.Second)
	for _, a := range acts {
		if a.DateTime != nil && a.DateTime.IsSet() && a.DateTime.Time.Before(from) {
			continue
		}
		switch {
		case a.TimeTaken > 0:
			return true, fmt.Sprintf("time entry of %g h in action %d", a.TimeTaken, a.ID), nil
		case isEngineNote(a) || (a.WhoAgentID != 0 && engine[a.WhoAgentID]):
			continue
		case a.NewStatus != 0 && a.NewStatus != a.OldStatus:
			return true, fmt.Sprintf("status changed to %d in action %d", a.NewStatus, a.ID), nil
		}
		who := "an agent"
		if a.WhoAgentID != 0 {
			who = "agent " + strconv.Itoa(a.WhoAgentID)
		}
		return true, fmt.Sprintf("action %d by %s", a.ID, who), nil
	}
	return false, "", nil
}

func isEngineNote(a halo.Action) bool {
	return strings.Contains(a.Note, markerPrefix) || strings.Contains(a.NoteHTML, markerPrefix)
}

// ReopenTicket implements alerting.Reopener: a closed ticket gets an open
// status (WithReopenStatus, else its ticket type's reopened status, else
// 1) by a ticket POST, then the note. A ticket already open only gets the
// note.
func (s *AlertSink) ReopenTicket(ctx context.Context, ticketID string, n alerting.Note) error {
	id := atoi(ticketID)
	st, t, err := s.c.Tickets.State(ctx, id)
	switch {
	case err != nil:
		return classify(err)
	case st == halo.TicketMissing:
		return fmt.Errorf("%w: ticket %s", alerting.ErrNotFound, ticketID)
	}
	if st == halo.TicketClosed {
		status := s.opts.reopenStatus
		if status == 0 && t.TicketTypeID != 0 {
			tt, err := s.c.TicketTypes.Get(ctx, t.TicketTypeID)
			if err != nil && !errors.Is(err, halo.ErrNotFound) {
				return classify(err)
			}
			if err == nil {
				status = tt.ReopenedStatus
			}
		}
		if status == 0 {
			status = 1
		}
		if _, err := s.c.Tickets.Save(ctx, halo.Ticket{ID: id, StatusID: status}); err != nil {
			return classify(err)
		}
	}
	_, err = s.c.Tickets.AddNote(ctx, id, n.Text, nil)
	return classify(err)
}

// CheckPriorities implements alerting.PriorityChecker: each priority must
// be one of the priorities (Policy.priorityid) of the default SLA of its
// ticket type (GET /TicketType/{id} default_sla, then GET /SLA/{id}). A
// use without a ticket type takes WithTicketType; with neither, or when
// the ticket type has no default SLA, it is not checked (Halo decides).
// An SLA whose priorities cannot be read (none in the reply) is an error
// that is not a configuration problem; WithoutPriorityCheck turns the
// check off. uncertain: see halo.SLAsService.Get.
func (s *AlertSink) CheckPriorities(ctx context.Context, uses []alerting.PriorityUse) error {
	if s.opts.noPrioCheck {
		return nil
	}
	prios := map[int]map[int]bool{} // ticket type → priorities; nil: not checked
	var errs []error
	for _, u := range uses {
		bad := func(format string, args ...any) {
			errs = append(errs, &alerting.ConfigError{Key: u.Key, Problem: fmt.Sprintf(format, args...)})
		}
		p, err := idOf("priority", u.Priority)
		if err != nil {
			bad("%v", err)
			continue
		}
		typ, err := idOf("type", u.TicketType)
		if err != nil {
			bad("%v", err)
			continue
		}
		if typ == 0 {
			typ = s.opts.ticketTypeID
		}
		if typ == 0 || p == 0 {
			continue
		}
		set, ok := prios[typ]
		if !ok {
			set, err = s.slaPriorities(ctx, typ)
			var unknown *unknownTicketType
			if errors.As(err, &unknown) {
				bad("no Halo ticket type %d", unknown.id)
				prios[typ] = nil
				continue
			}
			if err != nil {
				return err
			}
			prios[typ] = set
		}
		if set != nil && !set[p] {
			bad("Halo priority %d is not a priority of the SLA of ticket type %d", p, typ)
		}
	}
	return errors.Join(errs...)
}

// slaPriorities returns the priority ids of ticket type typ's default SLA,
// or nil when it has none.
func (s *AlertSink) slaPriorities(ctx context.Context, typ int) (map[int]bool, error) {
	tt, err := s.c.TicketTypes.Get(ctx, typ)
	if errors.Is(err, halo.ErrNotFound) {
		return nil, &unknownTicketType{typ}
	}
	if err != nil {
		return nil, fmt.Errorf("halodriver: read ticket type %d: %w", typ, classify(err))
	}
	if tt.DefaultSLA == 0 {
		return nil, nil
	}
	sla, err := s.c.SLAs.Get(ctx, tt.DefaultSLA)
	if err != nil {
		return nil, fmt.Errorf("halodriver: read SLA %d of ticket type %d: %w", tt.DefaultSLA, typ, classify(err))
	}
	set := map[int]bool{}
	for _, p := range sla.Priorities {
		if p.PriorityID != 0 {
			set[p.PriorityID] = true
		}
	}
	if len(set) == 0 {
		return nil, fmt.Errorf("halodriver: SLA %d of ticket type %d: no priorities in Halo's reply (halodriver.WithoutPriorityCheck skips this check)", sla.ID, typ)
	}
	return set, nil
}

// unknownTicketType: Halo has no ticket type id.
type unknownTicketType struct{ id int }

func (e *unknownTicketType) Error() string {
	return fmt.Sprintf("halodriver: no Halo ticket type %d", e.id)
}

// apiAgent returns the id of the agent the API application acts as (GET
// /Agent/me), read once. A Halo that refuses or lacks the route gives 0
// (only the engine's marked notes then show its agent); an outage is
// returned and asked again next time.
func (s *AlertSink) apiAgent(ctx context.Context) (int, error) {
	s.agentMu.Lock()
	defer s.agentMu.Unlock()
	if s.agentKnown {
		return s.agentID, nil
	}
	me, err := s.c.Agents.Me(ctx)
	switch cerr := classify(err); {
	case err == nil:
		s.agentID = me.ID
	case errors.Is(cerr, alerting.ErrNotFound) || alerting.IsPermanent(cerr):
		s.agentID = 0
	default:
		return 0, fmt.Errorf("halodriver: read the API agent: %w", cerr)
	}
	s.agentKnown = true
	return s.agentID, nil
}
