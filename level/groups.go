package level

import (
	"context"
	"iter"
	"net/http"

	"github.com/mspsync/mspsync/internal/httpx"
)

// GroupsService reads and writes groups (GET/POST /groups, GET/PATCH
// /groups/{id}).
type GroupsService service

func groupID(g *Group) string { return g.ID }

func (s *GroupsService) list() list[Group] { return newList(s.c, "groups", nil, groupID) }

// All walks every group of the account, parents and children alike; build
// the tree from ParentID.
func (s *GroupsService) All(ctx context.Context) iter.Seq2[Group, error] {
	return s.list().all(ctx)
}

// ListPage reads the page of groups after cursor ("" for the first).
func (s *GroupsService) ListPage(ctx context.Context, cursor string) (*Page[Group], error) {
	return s.list().page(ctx, cursor)
}

// Get reads one group, with its custom_fields.
func (s *GroupsService) Get(ctx context.Context, id string) (*Group, error) {
	var g Group
	if err := s.c.get(ctx, "groups/"+esc(id), nil, &g); err != nil {
		return nil, err
	}
	return &g, nil
}

// GroupCreate is the body of Groups.Create.
type GroupCreate struct {
	Name     string `json:"name"`
	ParentID string `json:"parent_id,omitempty"` // "" makes a root group
}

// Create makes a group. It is never replayed after a 5xx or a broken
// connection (a replay could make two).
func (s *GroupsService) Create(ctx context.Context, g GroupCreate) (*Group, error) {
	var out Group
	if err := s.c.write(ctx, http.MethodPost, "groups", g, httpx.ReplayUnsafe, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GroupUpdate is the body of Groups.Update: nil fields are left alone.
// CustomFields maps a custom field's name to its value; it is the way to
// set a group's values (CustomFields.SetValue drops them for groups).
type GroupUpdate struct {
	Name         *string           `json:"name,omitempty"`
	ParentID     *string           `json:"parent_id,omitempty"`
	CustomFields map[string]string `json:"custom_fields,omitempty"`
}

// Update patches a group (PATCH /groups/{id}); it is safe to replay.
func (s *GroupsService) Update(ctx context.Context, id string, u GroupUpdate) (*Group, error) {
	var out Group
	if err := s.c.write(ctx, http.MethodPatch, "groups/"+esc(id), u, httpx.ReplaySafe, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
