package level

import (
	"context"
	"iter"
)

// TagsService reads tags (GET /tags, GET /tags/{id}).
type TagsService service

func tagID(t *Tag) string { return t.ID }

func (s *TagsService) list() list[Tag] { return newList(s.c, "tags", nil, tagID) }

// All walks every tag.
func (s *TagsService) All(ctx context.Context) iter.Seq2[Tag, error] { return s.list().all(ctx) }

// ListPage reads the page of tags after cursor ("" for the first).
func (s *TagsService) ListPage(ctx context.Context, cursor string) (*Page[Tag], error) {
	return s.list().page(ctx, cursor)
}

// Get reads one tag.
func (s *TagsService) Get(ctx context.Context, id string) (*Tag, error) {
	var t Tag
	if err := s.c.get(ctx, "tags/"+esc(id), nil, &t); err != nil {
		return nil, err
	}
	return &t, nil
}
