package level

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"

	"github.com/mspsync/mspsync"
	"github.com/mspsync/mspsync/internal/httpx"
)

// Page is one page of a list: its items and the cursor of the next page
// (the last item's ID; "" after the last page). Total is always -1: Level
// reports no counts.
type Page[T any] = mspsync.Page[T]

// Collect drains a list iterator into a slice, returning the items it got
// before an error together with the error.
func Collect[T any](seq iter.Seq2[T, error]) ([]T, error) { return httpx.Collect(seq) }

// list describes one cursor-paged Level collection; every exported list
// method is a pair built on it: an iterator (list.all) and a page call
// (list.page).
type list[T any] struct {
	c     *Client
	path  string
	query url.Values // filters, re-sent on every page
	id    func(*T) string
	err   error
}

func newList[T any](c *Client, path string, filters any, id func(*T) string) list[T] {
	q, err := httpx.EncodeQuery(filters)
	if err != nil {
		err = fmt.Errorf("level: encoding %s filters: %w", path, err)
	}
	if q == nil {
		q = url.Values{}
	}
	return list[T]{c: c, path: path, query: q, id: id, err: err}
}

// envelope is Level's list shape.
type envelope[T any] struct {
	Data    []T   `json:"data"`
	HasMore *bool `json:"has_more"`
}

// page fetches the page after cursor ("" for the first): limit, the
// filters, and starting_after=cursor. The next cursor is the last item's
// ID while has_more is true; a page that claims more but is empty, or
// whose last ID is the cursor it was asked with, is ErrNoProgress.
func (l list[T]) page(ctx context.Context, cursor string) (*Page[T], error) {
	if l.err != nil {
		return nil, l.err
	}
	q := url.Values{}
	for k, vs := range l.query {
		q[k] = append([]string(nil), vs...)
	}
	q.Set("limit", strconv.Itoa(l.c.cfg.pageSize))
	if cursor != "" {
		q.Set("starting_after", cursor)
	}
	var raw json.RawMessage
	if _, err := l.c.eng.Do(ctx, httpx.Request{Path: l.path, Query: q}, &raw); err != nil {
		return nil, err
	}
	var env envelope[T]
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, l.c.malformed(l.path, raw, err)
	}
	if env.HasMore == nil {
		return nil, l.c.malformed(l.path, raw, errors.New("list response has no has_more"))
	}
	p := &Page[T]{Items: env.Data, Total: -1}
	if !*env.HasMore {
		return p, nil
	}
	if len(env.Data) == 0 {
		return nil, fmt.Errorf("level: %s: %w: empty page after %q claims more", l.path, ErrNoProgress, cursor)
	}
	next := l.id(&env.Data[len(env.Data)-1])
	if next == "" || next == cursor {
		return nil, fmt.Errorf("level: %s: %w: page after %q ends with the same or no id", l.path, ErrNoProgress, cursor)
	}
	p.Next = next
	return p, nil
}

// all walks every page; it stops at the first error and on a cursor seen
// before (ErrNoProgress).
func (l list[T]) all(ctx context.Context) iter.Seq2[T, error] {
	return httpx.Iterate(ctx, "", func(ctx context.Context, cursor string) (mspsync.Page[T], error) {
		p, err := l.page(ctx, cursor)
		if err != nil {
			return mspsync.Page[T]{}, err
		}
		return *p, nil
	})
}

func (c *Client) malformed(path string, raw []byte, err error) error {
	return &Error{Vendor: Vendor, Method: http.MethodGet, URL: c.cfg.baseURL + "/" + path, StatusCode: http.StatusOK,
		Message: "unexpected response shape: " + err.Error(), Body: raw, Kind: mspsync.ErrMalformedResponse, Err: err}
}

// get reads one object.
func (c *Client) get(ctx context.Context, path string, query any, out any) error {
	_, err := c.eng.Do(ctx, httpx.Request{Path: path, Query: query}, out)
	return err
}

// write sends a write; replay says whether it may be replayed after a 5xx
// or a transport error.
func (c *Client) write(ctx context.Context, method, path string, body any, replay httpx.Replay, out any) error {
	r := httpx.Request{Method: method, Path: path, Body: body, Replay: replay}
	if body == nil {
		r.Body = []byte{}
	}
	_, err := c.eng.Do(ctx, r, out)
	return err
}

func esc(s string) string { return url.PathEscape(s) }
