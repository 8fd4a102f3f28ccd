package dattormm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/mspsync/mspsync"
	"github.com/mspsync/mspsync/internal/httpx"
)

// ErrIncomplete ends a walk whose pages did not add up to the totalCount
// Datto reported: the listing is partial and must not be read as "the
// rest was deleted".
var ErrIncomplete = errors.New("dattormm: listing incomplete")

// Page is one page of a list: its items, Datto's totalCount (-1 when it
// sent none) and the absolute URL of the next page ("" after the last).
type Page[T any] = mspsync.Page[T]

// Collect drains a list iterator into a slice, returning the items it got
// before an error together with the error.
func Collect[T any](seq iter.Seq2[T, error]) ([]T, error) { return httpx.Collect(seq) }

// list describes one paged Datto collection; every exported list method is
// a pair built on it: an iterator (list.all) and a page call (list.page).
type list[T any] struct {
	c     *Client
	path  string     // relative to /api/
	key   string     // the named array of the envelope
	query url.Values // filters of the first request
	err   error      // the filters could not be encoded; returned before any request
}

func newList[T any](c *Client, path, key string, filters any) list[T] {
	q, err := httpx.EncodeQuery(filters)
	if err != nil {
		err = fmt.Errorf("dattormm: encoding %s filters: %w", path, err)
	}
	if q == nil {
		q = url.Values{}
	}
	return list[T]{c: c, path: path, key: key, query: q, err: err}
}

// page fetches the page at cursor: "" for the first page (page=0 and the
// page size), or the Next of a previous page. A next link is followed only
// on the client's own host and under its /api/ root; filters the link
// dropped are added back.
func (l list[T]) page(ctx context.Context, cursor string) (*Page[T], error) {
	if l.err != nil {
		return nil, l.err
	}
	var path string
	var q url.Values
	if cursor == "" {
		size, err := l.c.pageSize(ctx)
		if err != nil {
			return nil, err
		}
		q = url.Values{}
		for k, vs := range l.query {
			q[k] = append([]string(nil), vs...)
		}
		q.Set("max", strconv.Itoa(size))
		q.Set("page", "0")
		path = l.path + "?" + q.Encode()
	} else {
		next, err := url.Parse(cursor)
		if err != nil || !next.IsAbs() {
			return nil, fmt.Errorf("dattormm: next page link %q is not an absolute URL", httpx.SanitizeURL(cursor))
		}
		base := l.c.eng.BaseURL()
		if !strings.EqualFold(next.Host, base.Host) || !strings.HasPrefix(next.Path, base.Path) {
			return nil, fmt.Errorf("%w: next page link %s (API root %s)", ErrForeignHost, httpx.SanitizeURL(cursor), base)
		}
		q = next.Query()
		for k, vs := range l.query { // Datto may drop filters from its links
			if _, ok := q[k]; !ok {
				q[k] = append([]string(nil), vs...)
			}
		}
		path = strings.TrimPrefix(next.Path, base.Path) + "?" + q.Encode()
	}
	var raw json.RawMessage
	if _, err := l.c.eng.Do(ctx, httpx.Request{Path: path, Limiters: l.c.readLimits()}, &raw); err != nil {
		return nil, err
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, l.c.malformed(http.MethodGet, l.path, raw, err)
	}
	pdRaw, ok := env["pageDetails"]
	if !ok {
		return nil, l.c.malformed(http.MethodGet, l.path, raw, errors.New("list response has no pageDetails"))
	}
	var pd PageDetails
	if err := json.Unmarshal(pdRaw, &pd); err != nil {
		return nil, l.c.malformed(http.MethodGet, l.path, raw, err)
	}
	p := &Page[T]{Total: -1}
	if items := env[l.key]; len(items) > 0 && string(items) != "null" {
		if err := json.Unmarshal(items, &p.Items); err != nil {
			return nil, l.c.malformed(http.MethodGet, l.path, raw, err)
		}
	}
	if pd.TotalCount != nil {
		p.Total = int(*pd.TotalCount)
	}
	if pd.NextPageURL != nil {
		p.Next = strings.TrimSpace(*pd.NextPageURL)
	}
	return p, nil
}

// all walks every page. It ends with an error matching ErrIncomplete when
// Datto reported a totalCount the pages did not add up to.
func (l list[T]) all(ctx context.Context) iter.Seq2[T, error] {
	fetch := func(ctx context.Context, cursor string) (mspsync.Page[T], error) {
		p, err := l.page(ctx, cursor)
		if err != nil {
			return mspsync.Page[T]{}, err
		}
		return *p, nil
	}
	return httpx.IterateCounted(ctx, "", fetch, func(walked, total int) error {
		return fmt.Errorf("%w: %s returned %d of %d items", ErrIncomplete, l.path, walked, total)
	})
}

// pageSize is the configured page size clamped to the account's page
// maximum, which is read once (GET /v2/system/pagination) and cached.
func (c *Client) pageSize(ctx context.Context) (int, error) {
	c.mu.Lock()
	max := c.pageMax
	c.mu.Unlock()
	if max == 0 {
		p, err := c.System.Pagination(ctx)
		if err != nil {
			return 0, err
		}
		max = p.Max
		if max <= 0 {
			max = 250
		}
		c.mu.Lock()
		c.pageMax = max
		c.mu.Unlock()
	}
	if c.cfg.pageSize > 0 && c.cfg.pageSize < max {
		return c.cfg.pageSize, nil
	}
	return max, nil
}

func (c *Client) malformed(method, path string, raw []byte, err error) error {
	return &Error{Vendor: Vendor, Method: method, URL: c.eng.BaseURL().String() + path, StatusCode: http.StatusOK,
		Message: "unexpected response shape: " + err.Error(), Body: raw, Kind: mspsync.ErrMalformedResponse, Err: err}
}

// get reads one object.
func (c *Client) get(ctx context.Context, path string, out any) error {
	_, err := c.eng.Do(ctx, httpx.Request{Path: path, Limiters: c.readLimits()}, out)
	return err
}

// write sends a write of operation op ("site-update"). replay says whether
// it may be replayed after a 5xx or a transport error.
func (c *Client) write(ctx context.Context, method, path, op string, body any, replay httpx.Replay, out any) error {
	r := httpx.Request{Method: method, Path: path, Body: body, Replay: replay, Limiters: c.writeLimits(op)}
	if body == nil {
		r.Body = []byte{} // Datto's bodiless writes: Content-Length 0
	}
	_, err := c.eng.Do(ctx, r, out)
	return err
}

func esc(s string) string { return url.PathEscape(s) }
