package vsax

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/mspsync/mspsync"
	"github.com/mspsync/mspsync/internal/httpx"
)

// Page is one page of a list: its items, Meta.TotalCount (-1 when VSA X
// sent none) and the cursor of the next page ("" after the last). The
// cursor is the next $skip in decimal.
type Page[T any] = mspsync.Page[T]

// Collect drains a list iterator into a slice, returning the items it got
// before an error together with the error.
func Collect[T any](seq iter.Seq2[T, error]) ([]T, error) { return httpx.Collect(seq) }

// ListOptions filters and sorts a list. Filter and OrderBy are OData
// expressions sent as $filter and $orderby ("SiteId eq 12", "Name asc").
type ListOptions struct {
	Filter  string
	OrderBy string
	// Extra holds more query parameters (e.g. "scopeId" on /devices).
	Extra map[string]string
}

// envelope is VSA X's {Data, Meta} wrapper.
type envelope struct {
	Data json.RawMessage `json:"Data"`
	Meta struct {
		ResponseCode int    `json:"ResponseCode"`
		TotalCount   *int   `json:"TotalCount"`
		ErrorMessage string `json:"ErrorMessage"`
	} `json:"Meta"`
}

// odataEscape escapes a query value with spaces as %20 (never "+") and
// keeps it readable.
func odataEscape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// listQuery builds the raw query string of a page, with "$" kept literal
// in parameter names (VSA X reads $top, not %24top).
func listQuery(opts *ListOptions, top, skip int) string {
	parts := []string{"$top=" + strconv.Itoa(top), "$skip=" + strconv.Itoa(skip), "$count=true"}
	if opts != nil {
		if opts.Filter != "" {
			parts = append(parts, "$filter="+odataEscape(opts.Filter))
		}
		if opts.OrderBy != "" {
			parts = append(parts, "$orderby="+odataEscape(opts.OrderBy))
		}
		keys := make([]string, 0, len(opts.Extra))
		for k := range opts.Extra {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			parts = append(parts, url.QueryEscape(k)+"="+odataEscape(opts.Extra[k]))
		}
	}
	return strings.Join(parts, "&")
}

// list is one paged VSA X collection; every exported list method is a
// pair built on it: an iterator (all) and a page call (page).
type list[T any] struct {
	c    *Client
	path string
	opts *ListOptions
}

func newList[T any](c *Client, path string, opts *ListOptions) list[T] {
	if opts != nil {
		cp := *opts
		opts = &cp
	}
	return list[T]{c: c, path: path, opts: opts}
}

// page fetches the page at cursor ("" = $skip 0). The next cursor is set
// only after a full page that does not reach Meta.TotalCount; a short or
// empty page ends the list.
func (l list[T]) page(ctx context.Context, cursor string) (*Page[T], error) {
	skip := 0
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("vsax: bad page cursor %q (want a $skip)", cursor)
		}
		skip = n
	}
	top := l.c.cfg.pageSize
	path := l.path + "?" + listQuery(l.opts, top, skip)
	var env envelope
	if _, err := l.c.eng.Do(ctx, httpx.Request{Path: path}, &env); err != nil {
		return nil, err
	}
	p := &Page[T]{Total: -1}
	if len(env.Data) > 0 && string(env.Data) != "null" {
		if err := json.Unmarshal(env.Data, &p.Items); err != nil {
			return nil, l.c.malformed(http.MethodGet, path, env.Data, err)
		}
	}
	if env.Meta.TotalCount != nil {
		p.Total = *env.Meta.TotalCount
	}
	next := skip + len(p.Items)
	if len(p.Items) >= top && (p.Total < 0 || next < p.Total) {
		p.Next = strconv.Itoa(next)
	}
	return p, nil
}

// all walks every page. It ends with an error matching ErrIncomplete when
// the items did not add up to the last Meta.TotalCount, or when
// Meta.TotalCount changed between pages: with offsets, an item removed
// before the next $skip shifts another past it unread.
func (l list[T]) all(ctx context.Context) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		first, changed := -1, -1
		fetch := func(ctx context.Context, cursor string) (mspsync.Page[T], error) {
			p, err := l.page(ctx, cursor)
			if err != nil {
				return mspsync.Page[T]{}, err
			}
			switch {
			case p.Total < 0:
			case first < 0:
				first = p.Total
			case p.Total != first:
				changed = p.Total
			}
			return *p, nil
		}
		for v, err := range httpx.IterateCounted(ctx, "", fetch, func(walked, total int) error {
			return fmt.Errorf("%w: %s returned %d of %d items", ErrIncomplete, l.path, walked, total)
		}) {
			if !yield(v, err) || err != nil {
				return
			}
		}
		if changed >= 0 {
			var zero T
			yield(zero, fmt.Errorf("%w: %s changed from %d to %d items while it was read", ErrIncomplete, l.path, first, changed))
		}
	}
}

func (c *Client) malformed(method, path string, raw []byte, err error) error {
	return &Error{Vendor: Vendor, Method: method, URL: httpx.SanitizeURL(c.eng.BaseURL().String() + path), StatusCode: http.StatusOK,
		Message: "unexpected response shape: " + err.Error(), Body: raw, Kind: mspsync.ErrMalformedResponse, Err: err}
}

// do sends one request and decodes the envelope's Data into out (nil
// discards it).
func (c *Client) do(ctx context.Context, r httpx.Request, out any) error {
	var env envelope
	if _, err := c.eng.Do(ctx, r, &env); err != nil {
		return err
	}
	if out == nil || len(env.Data) == 0 || string(env.Data) == "null" {
		if out != nil && r.Method != http.MethodDelete {
			return c.malformed(r.Method, r.Path, env.Data, errors.New("response has no Data"))
		}
		return nil
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return c.malformed(r.Method, r.Path, env.Data, err)
	}
	return nil
}

func (c *Client) get(ctx context.Context, path string, out any) error {
	return c.do(ctx, httpx.Request{Path: path}, out)
}

func esc(s string) string { return url.PathEscape(s) }

func id(n int64) string { return strconv.FormatInt(n, 10) }
