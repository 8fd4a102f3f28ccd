package kaseyabmsdriver

import "github.com/mspsync/mspsync/alerting"

// Option configures an AlertSink.
type Option func(*options)

type options struct {
	defaults       alerting.TicketDefaults
	closedStatuses []int // nil: statuses named Completed or Closed
	noteType       int
	groupKeyField  int
	closeByNote    bool
	resolveStatus  int
}

func newOptions(opts []Option) *options {
	o := &options{noteType: 1}
	for _, f := range opts {
		f(o)
	}
	return o
}

// WithClosedStatuses sets the status ids that make a ticket count as
// closed besides a CompletedDate (default: the statuses named "Completed"
// or "Closed", any case, read once from the status lookup). Which status
// category BMS means by closed is not in the Kaseya BMS API
// documentation.
func WithClosedStatuses(ids ...int) Option {
	return func(o *options) { o.closedStatuses = append([]int{}, ids...) }
}

// WithNoteType sets the TypeId of the notes the sink writes (default 1).
// Note type ids are tenant-specific.
func WithNoteType(id int) Option { return func(o *options) { o.noteType = id } }

// WithGroupKeyField makes the sink write each ticket's alert group key into
// the ticket custom field customFieldID (CustomFieldsData), so that a
// restarted engine finds the open ticket of a group from BMS alone
// (FindOpenTicket). Without it FindOpenTicket reads the "Alert group:"
// line the engine writes at the end of the ticket details.
func WithGroupKeyField(customFieldID int) Option {
	return func(o *options) { o.groupKeyField = customFieldID }
}

// WithResolveStatus sets the completed status CloseTicket resolves with
// (default: BMS's own, by leaving StatusId out of the resolve).
func WithResolveStatus(id int) Option { return func(o *options) { o.resolveStatus = id } }

// WithCloseByNote makes CloseTicket close with one note that carries a
// closed status (the resolve status, else the first closed status)
// instead of a note and a resolve.
func WithCloseByNote() Option { return func(o *options) { o.closeByNote = true } }

// WithDefaults sets ticket defaults under those the engine passes
// (alerting.Config.Ticket and the alert-type overrides win): typically
// the TypeId and SourceId every BMS ticket needs. The issue type and its
// sub-issue type are taken together, as the engine does.
func WithDefaults(d alerting.TicketDefaults) Option {
	return func(o *options) { o.defaults = d }
}
