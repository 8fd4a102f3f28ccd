package kaseyabms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/time/rate"

	"github.com/mspsync/mspsync"
	"github.com/mspsync/mspsync/internal/httpx"
)

// envelope is BMS's wrapper of every V2 response. encoding/json matches
// keys without case, so PascalCase (the spec) and camelCase (the wire)
// decode alike.
type envelope struct {
	Success      *bool           `json:"Success"`
	Error        json.RawMessage `json:"Error"`
	Result       json.RawMessage `json:"Result"`
	TotalRecords *int            `json:"TotalRecords"`
}

// result is what call learnt from an envelope besides Result.
type result struct {
	total int // TotalRecords; -1 when absent
}

// endpoint is one API operation: its method and route template, the key
// of its rate limiter ("GET v2/servicedesk/tickets/{}").
type endpoint struct {
	method, tmpl string
}

// path fills the template's "{}" with args, path-escaped.
func (e endpoint) path(args ...any) string {
	p := e.tmpl
	for _, a := range args {
		p = strings.Replace(p, "{}", url.PathEscape(fmt.Sprint(a)), 1)
	}
	return p
}

// do sends one request of endpoint ep and decodes the envelope's Result
// into out (nil discards it).
func (c *Client) do(ctx context.Context, ep endpoint, path string, query, body any, replay httpx.Replay, out any) (result, error) {
	r := httpx.Request{Method: ep.method, Path: path, Query: query, Body: body, Replay: replay}
	if l := c.limiter(ep.method + " " + ep.tmpl); l != nil {
		r.Limiters = []*rate.Limiter{l}
	}
	var res result
	err := c.call(ctx, c.eng, r, out, &res)
	return res, err
}

// call sends r on eng and unwraps the envelope: Success false becomes an
// *Error (status 200, the envelope's message, matching ErrUnsuccessful),
// Result is decoded into out. A body without Success or Result is decoded
// into out whole (GET /v2/crm/accounts/summary/{id} is not enveloped).
func (c *Client) call(ctx context.Context, eng *httpx.Engine, r httpx.Request, out any, res *result) error {
	resp, err := eng.Do(ctx, r, nil)
	if err != nil {
		return err
	}
	raw := bytes.TrimSpace(resp.Body)
	u, _ := eng.URL(r.Path, r.Query)
	rurl := httpx.SanitizeURL(u.String())
	malformed := func(err error) error {
		return &Error{Vendor: Vendor, Method: r.Method, URL: rurl, StatusCode: resp.StatusCode,
			Message: "unexpected response shape: " + err.Error(), Body: []byte(httpx.SanitizeText(string(capped(raw)))),
			Kind: mspsync.ErrMalformedResponse, Err: err}
	}
	if res != nil {
		res.total = -1
	}
	if len(raw) == 0 {
		if out != nil && r.Method == http.MethodGet {
			return malformed(errors.New("empty body"))
		}
		return nil
	}
	var env envelope
	if raw[0] == '{' {
		if err := json.Unmarshal(raw, &env); err != nil {
			return malformed(err)
		}
	}
	if env.Success == nil && env.Result == nil {
		// Not enveloped: the object itself.
		if out != nil {
			if err := json.Unmarshal(raw, out); err != nil {
				return malformed(err)
			}
		}
		return nil
	}
	if env.Success != nil && !*env.Success {
		x := extractMessage(resp.StatusCode, resp.Header, raw)
		if x.Message == "" {
			x.Message = "Success: false without an error message"
		}
		if x.Kind == nil {
			x.Kind = ErrUnsuccessful
		}
		return &Error{Vendor: Vendor, Method: r.Method, URL: rurl, StatusCode: resp.StatusCode, Code: x.Code, Message: x.Message,
			Body: []byte(httpx.SanitizeText(string(capped(raw)))), Kind: x.Kind}
	}
	if res != nil && env.TotalRecords != nil {
		res.total = *env.TotalRecords
	}
	if out == nil || len(env.Result) == 0 || string(env.Result) == "null" {
		return nil
	}
	if err := json.Unmarshal(env.Result, out); err != nil {
		return malformed(err)
	}
	return nil
}

func capped(b []byte) []byte {
	if len(b) > mspsync.MaxErrorBody {
		return b[:mspsync.MaxErrorBody]
	}
	return b
}

func (c *Client) get(ctx context.Context, ep endpoint, path string, query any, out any) error {
	_, err := c.do(ctx, ep, path, query, nil, httpx.ReplayByMethod, out)
	return err
}

// Page is one page of a list: its items, TotalRecords (-1 when BMS sent
// none) and the cursor of the next page ("" after the last). The cursor is
// the next PageNumber in decimal.
type Page[T any] = mspsync.Page[T]

// Collect drains a list iterator into a slice, returning the items it got
// before an error together with the error.
func Collect[T any](seq iter.Seq2[T, error]) ([]T, error) { return httpx.Collect(seq) }

// paging is what every list adds to its filters.
type paging struct {
	PageSize   int `url:"PageSize"`
	PageNumber int `url:"PageNumber"`
}

// list is one paged BMS collection: GET with Filter.* query parameters
// (query), or a search POST whose body carries PageSize and PageNumber
// (body, set by page). Every exported list method is a pair built on it:
// an iterator (all) and a page call (page).
type list[T any] struct {
	c     *Client
	ep    endpoint
	path  string
	query any                        // filters (an options struct, url tags), or nil
	body  func(size, number int) any // search POSTs: the body of one page
}

// page fetches the page at cursor ("" = the configured first page). The
// next cursor is set after a full page whose items do not reach
// TotalRecords; an empty or short page ends the list.
func (l list[T]) page(ctx context.Context, cursor string) (*Page[T], error) {
	base, size := l.c.cfg.pageBase, l.c.cfg.pageSize
	n := base
	if cursor != "" {
		v, err := strconv.Atoi(cursor)
		if err != nil || v < base {
			return nil, fmt.Errorf("kaseyabms: bad page cursor %q (want a PageNumber from %d)", cursor, base)
		}
		n = v
	}
	var items []T
	var res result
	var err error
	if l.body != nil {
		res, err = l.c.do(ctx, l.ep, l.path, nil, l.body(size, n), httpx.ReplaySafe, &items)
	} else {
		q, qerr := httpx.EncodeQuery(l.query)
		if qerr != nil {
			return nil, fmt.Errorf("kaseyabms: encoding query: %w", qerr)
		}
		if q == nil {
			q = url.Values{}
		}
		q.Set("PageSize", strconv.Itoa(size))
		q.Set("PageNumber", strconv.Itoa(n))
		res, err = l.c.do(ctx, l.ep, l.path, q, nil, httpx.ReplayByMethod, &items)
	}
	if err != nil {
		return nil, err
	}
	p := &Page[T]{Items: items, Total: res.total}
	seen := (n-base)*size + len(items)
	if len(items) >= size && (p.Total < 0 || seen < p.Total) {
		p.Next = strconv.Itoa(n + 1)
	}
	return p, nil
}

// all walks every page. A page whose items are exactly the previous
// page's (a server that ignores PageNumber, or a page base that is off by
// one) ends the walk with ErrNoProgress; items that do not add up to the
// last TotalRecords end it with ErrIncomplete.
func (l list[T]) all(ctx context.Context) iter.Seq2[T, error] {
	var prev []byte
	fetch := func(ctx context.Context, cursor string) (mspsync.Page[T], error) {
		p, err := l.page(ctx, cursor)
		if err != nil {
			return mspsync.Page[T]{}, err
		}
		if len(p.Items) > 0 {
			fp, _ := json.Marshal(p.Items)
			if prev != nil && bytes.Equal(fp, prev) {
				return mspsync.Page[T]{}, fmt.Errorf("%w: %s page %s repeats the previous page (is the page base %d right? see WithPageBase)",
					ErrNoProgress, l.path, cursor, l.c.cfg.pageBase)
			}
			prev = fp
		}
		return *p, nil
	}
	return httpx.IterateCounted(ctx, "", fetch, func(walked, total int) error {
		return fmt.Errorf("%w: %s returned %d of %d items", ErrIncomplete, l.path, walked, total)
	})
}
