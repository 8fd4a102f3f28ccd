package halo

import (
	"context"

	"github.com/mspsync/mspsync/internal/wire"
)

// SLAsService reads service level agreements (/SLA, schema SlaHead). In
// Halo the priorities a ticket can take belong to its SLA, and a ticket
// type names its default SLA (TicketType.DefaultSLA).
type SLAsService service

// Get returns one SLA with its priorities (GET /SLA/{id}?includedetails=true).
// uncertain: Halo's documentation does not cover SLAs; the spec types
// SlaHead.priorities as an array of Policy (priorityid, name, …) but does
// not say whether includedetails is needed for it, so it is sent, and
// the priorities decode leniently.
func (s *SLAsService) Get(ctx context.Context, id int) (*SLA, error) {
	return get[SLA](ctx, s.c, "SLA", id, map[string]string{"includedetails": "true"})
}

// SLA is a service level agreement (schema SlaHead, route /SLA).
type SLA struct {
	ID         int           `json:"id,omitempty"`
	Name       string        `json:"name,omitempty"`
	Priorities []SLAPriority `json:"priorities,omitempty"`
	Extra      Extra         `json:"-"`
	seen       wire.Seen
}

// SLAPriority is one priority of an SLA (schema Policy): PriorityID is
// the id tickets take as priority_id.
type SLAPriority struct {
	PriorityID int    `json:"priorityid,omitempty"`
	SLAID      int    `json:"slaid,omitempty"`
	Name       string `json:"name,omitempty"`
	IsHidden   *bool  `json:"ishidden,omitempty"`
	Extra      Extra  `json:"-"`
	seen       wire.Seen
}

// UnmarshalJSON keeps unmodelled fields in Extra.
func (v *SLA) UnmarshalJSON(b []byte) error {
	type plain SLA
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes Extra back, and unchanged fields as they were read.
func (v SLA) MarshalJSON() ([]byte, error) {
	type plain SLA
	return wire.Marshal(plain(v), v.Extra, v.seen)
}

// UnmarshalJSON keeps unmodelled fields in Extra.
func (v *SLAPriority) UnmarshalJSON(b []byte) error {
	type plain SLAPriority
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes Extra back, and unchanged fields as they were read.
func (v SLAPriority) MarshalJSON() ([]byte, error) {
	type plain SLAPriority
	return wire.Marshal(plain(v), v.Extra, v.seen)
}
