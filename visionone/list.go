package visionone

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mspsync/mspsync"
	"github.com/mspsync/mspsync/internal/httpx"
)

// FilterHeader is the request header that carries a list's filter
// expression; it is sent again on every page.
const FilterHeader = "TMV1-Filter"

// Page is one page of a list: its items, Vision One's totalCount (-1 when
// absent) and the cursor of the next page, which is the absolute nextLink
// Vision One returned ("" after the last page).
type Page[T any] = mspsync.Page[T]

// Collect drains a list iterator into a slice, returning the items it got
// before an error together with the error.
func Collect[T any](seq iter.Seq2[T, error]) ([]T, error) { return httpx.Collect(seq) }

// Quote returns s as a TMV1-Filter string literal: in single quotes, with
// every single quote doubled. Build filters with it and never put raw
// input into one.
func Quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Eq returns the filter expression "field eq 'value'" (value quoted with
// Quote).
func Eq(field, value string) string { return field + " eq " + Quote(value) }

// FormatTime formats t as Vision One takes date-times in parameters: UTC,
// whole seconds, "2006-01-02T15:04:05Z".
func FormatTime(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// envelope is Vision One's list shape.
type envelope[T any] struct {
	TotalCount *int   `json:"totalCount"`
	Count      *int   `json:"count"`
	Items      []T    `json:"items"`
	NextLink   string `json:"nextLink"`
}

// list describes one nextLink-paged collection; every exported list
// method is a pair built on it: an iterator (list.all) and a page call
// (list.page).
type list[T any] struct {
	c      *Client
	path   string
	query  url.Values
	filter string
}

// page fetches the first page (cursor "") or the page at cursor, which
// must be an absolute nextLink on the client's own scheme and host (the
// engine refuses any other with ErrForeignHost). The filter header goes
// with every page; the nextLink is followed verbatim, without adding
// parameters.
func (l list[T]) page(ctx context.Context, cursor string) (*Page[T], error) {
	r := httpx.Request{Path: l.path, Query: l.query}
	if cursor != "" {
		if !strings.Contains(cursor, "://") {
			return nil, fmt.Errorf("visionone: %s: cursor %q is not an absolute nextLink", l.path, httpx.SanitizeURL(cursor))
		}
		r = httpx.Request{Path: cursor}
	}
	if l.filter != "" {
		r.Header = http.Header{FilterHeader: {l.filter}}
	}
	var raw json.RawMessage
	if _, err := l.c.eng.Do(ctx, r, &raw); err != nil {
		return nil, err
	}
	var env envelope[T]
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, l.c.malformed(l.path, raw, err)
	}
	if env.Items == nil && env.NextLink == "" && env.Count == nil && env.TotalCount == nil {
		return nil, l.c.malformed(l.path, raw, fmt.Errorf("not a list (no items)"))
	}
	p := &Page[T]{Items: env.Items, Total: -1, Next: strings.TrimSpace(env.NextLink)}
	if env.TotalCount != nil {
		p.Total = *env.TotalCount
	}
	if p.Next != "" && p.Next == cursor {
		return nil, fmt.Errorf("visionone: %s: %w: nextLink repeats the page it is on", l.path, ErrNoProgress)
	}
	return p, nil
}

// all walks every page: it stops at the first error, when nextLink is
// absent, and on a nextLink seen before (ErrNoProgress).
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
		Message: "unexpected response shape: " + err.Error(), Body: []byte(httpx.SanitizeText(httpx.Truncate(string(raw), mspsync.MaxErrorBody))), Kind: mspsync.ErrMalformedResponse, Err: err}
}

func esc(s string) string { return url.PathEscape(s) }

// FlexString is a JSON value Vision One sends as a string or a number
// (note IDs); it keeps the text either way.
type FlexString string

// UnmarshalJSON accepts a string, a number or null.
func (f *FlexString) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = FlexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("visionone: %s is neither a string nor a number", b)
	}
	*f = FlexString(n.String())
	return nil
}

// String returns the text.
func (f FlexString) String() string { return string(f) }

func itoa(n int) string { return strconv.Itoa(n) }
