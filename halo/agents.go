package halo

import (
	"context"

	"github.com/mspsync/mspsync/internal/httpx"
	"github.com/mspsync/mspsync/internal/wire"
)

// AgentsService reads agents (/Agent, schema Uname). The API application
// acts as an agent of its own; Me returns it.
type AgentsService service

// Me returns the agent the client acts as (GET /Agent/me).
// uncertain: Halo's documentation does not cover agents; the route is in the
// spec without a response schema, so the reply decodes leniently.
func (s *AgentsService) Me(ctx context.Context) (*Agent, error) {
	var v Agent
	if _, err := s.c.eng.Do(ctx, httpx.Request{Path: "Agent/me"}, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// Agent is a Halo agent (technician, or the API application's agent).
type Agent struct {
	ID    int    `json:"id,omitempty"`
	Name  string `json:"name,omitempty"`
	Extra Extra  `json:"-"`
	seen  wire.Seen
}

// UnmarshalJSON keeps unmodelled fields in Extra.
func (v *Agent) UnmarshalJSON(b []byte) error {
	type plain Agent
	return wire.Unmarshal(b, (*plain)(v), &v.Extra, &v.seen)
}

// MarshalJSON writes Extra back, and unchanged fields as they were read.
func (v Agent) MarshalJSON() ([]byte, error) {
	type plain Agent
	return wire.Marshal(plain(v), v.Extra, v.seen)
}
