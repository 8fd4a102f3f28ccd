package halo

import (
	"context"

	"github.com/mspsync/mspsync/internal/wire"
)

// TeamsService reads teams (/Team, schema SectionDetail), the queues
// tickets are assigned to. A ticket names its team by name (Faults.team);
// Get turns a team id into that name.
type TeamsService service

// TeamListOptions filters GET /Team.
type TeamListOptions struct {
	DepartmentID    int  `url:"department_id,omitempty"`
	IncludeDisabled bool `url:"includedisabled,omitempty"`
}

// List returns the teams. uncertain: the response shape (not in the spec
// or Halo's documentation) → a bare array and a wrapped list both decode.
func (s *TeamsService) List(ctx context.Context, opts *TeamListOptions) ([]Team, error) {
	return getList[Team](ctx, s.c, "Team", "teams", copyOpts(opts))
}

// Get returns one team.
func (s *TeamsService) Get(ctx context.Context, id int) (*Team, error) {
	return get[Team](ctx, s.c, "Team", id, nil)
}

// Team is a ticket team (schema SectionDetail, route /Team).
type Team struct {
	ID             int    `json:"id,omitempty"`
	Name           string `json:"name,omitempty"`
	DepartmentID   int    `json:"department_id,omitempty"`
	DepartmentName string `json:"department_name,omitempty"`
	Inactive       *bool  `json:"inactive,omitempty"`
	Extra          Extra  `json:"-"`
	seen           wire.Seen
}

// UnmarshalJSON keeps unmodelled fields in Extra.
func (v *Team) UnmarshalJSON(b []byte) error {
	type plain Team
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes Extra back, and unchanged fields as they were read.
func (v Team) MarshalJSON() ([]byte, error) {
	type plain Team
	return wire.Marshal(plain(v), v.Extra, v.seen)
}
