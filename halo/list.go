package halo

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

	"github.com/mspsync/mspsync"
	"github.com/mspsync/mspsync/internal/httpx"
)

// pageQuery merges the caller's filter struct with Halo's paging
// parameters (spelled pageinate, as Halo spells it).
func pageQuery(filters any, pageNo, pageSize int) (url.Values, error) {
	q, err := httpx.EncodeQuery(filters)
	if err != nil {
		return nil, err
	}
	if q == nil {
		q = url.Values{}
	}
	q.Set("pageinate", "true")
	q.Set("page_size", strconv.Itoa(pageSize))
	q.Set("page_no", strconv.Itoa(pageNo))
	return q, nil
}

// clampPageSize returns size, or MaxPageSize when size is unset or above
// it (Halo silently caps larger pages at 100, which would make a loop skip
// records).
func clampPageSize(size int) int {
	if size < 1 || size > MaxPageSize {
		return MaxPageSize
	}
	return size
}

// pageNumber reads a page cursor: "" is page 1, otherwise a Page.Next.
func pageNumber(cursor string) (int, error) {
	if cursor == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(cursor)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("halo: page cursor %q is not a page number (pass \"\" or a Page.Next)", cursor)
	}
	return n, nil
}

// decodeList reads a list response: {"record_count":N,"<key>":[...]} or a
// bare array. total is -1 when the response has no record_count.
func decodeList[T any](raw []byte, key string) (items []T, total int, err error) {
	raw = bytes.TrimSpace(raw)
	total = -1
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, total, nil
	}
	if raw[0] == '[' {
		err = json.Unmarshal(raw, &items)
		return items, total, err
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, total, err
	}
	if rc, ok := env["record_count"]; ok {
		var n float64
		if json.Unmarshal(rc, &n) == nil {
			total = int(n)
		}
	}
	list, ok := env[key]
	if !ok { // a wrapper under another key: take its only array
		for k, v := range env {
			if t := bytes.TrimSpace(v); len(t) > 0 && t[0] == '[' {
				if ok {
					return nil, total, fmt.Errorf("list response has no %q and several arrays (%s, ...)", key, k)
				}
				list, ok = v, true
			}
		}
	}
	if !ok || bytes.Equal(bytes.TrimSpace(list), []byte("null")) {
		return nil, total, nil
	}
	err = json.Unmarshal(list, &items)
	return items, total, err
}

// getList fetches one un-paged list (configuration lists: asset types,
// ticket types, statuses, actions of a ticket).
func getList[T any](ctx context.Context, c *Client, path, key string, filters any) ([]T, error) {
	var raw []byte
	if _, err := c.eng.Do(ctx, httpx.Request{Path: path, Query: filters}, &raw); err != nil {
		return nil, err
	}
	items, _, err := decodeList[T](raw, key)
	if err != nil {
		return nil, c.malformed(http.MethodGet, path, raw, err)
	}
	return items, nil
}

// listPage fetches the page at cursor ("" = page 1) of a paged list. Next
// is empty when the page was empty or short, or when the items up to it
// reach record_count.
func listPage[T any](ctx context.Context, c *Client, path, key string, filters any, pageSize int, cursor string) (*Page[T], error) {
	no, err := pageNumber(cursor)
	if err != nil {
		return nil, err
	}
	size := clampPageSize(pageSize)
	q, err := pageQuery(filters, no, size)
	if err != nil {
		return nil, fmt.Errorf("halo: encoding %s filters: %w", path, err)
	}
	var raw []byte
	if _, err := c.eng.Do(ctx, httpx.Request{Path: path, Query: q}, &raw); err != nil {
		return nil, err
	}
	items, total, err := decodeList[T](raw, key)
	if err != nil {
		return nil, c.malformed(http.MethodGet, path, raw, err)
	}
	p := &Page[T]{Items: items, Total: total}
	seen := (no-1)*size + len(items)
	if len(items) > 0 && len(items) >= size && (total < 0 || seen < total) {
		p.Next = strconv.Itoa(no + 1)
	}
	return p, nil
}

// listAll iterates over every page of a paged list.
func listAll[T any](ctx context.Context, c *Client, path, key string, filters any, pageSize int) iter.Seq2[T, error] {
	return httpx.Iterate(ctx, "", func(ctx context.Context, cursor string) (mspsync.Page[T], error) {
		p, err := listPage[T](ctx, c, path, key, filters, pageSize, cursor)
		if err != nil {
			return mspsync.Page[T]{}, err
		}
		return *p, nil
	})
}

// Collect drains a list iterator into a slice, returning the items it got
// before an error together with the error.
func Collect[T any](seq iter.Seq2[T, error]) ([]T, error) { return httpx.Collect(seq) }

// get fetches one object by id.
func get[T any](ctx context.Context, c *Client, path string, id int, q any) (*T, error) {
	var v T
	if _, err := c.eng.Do(ctx, httpx.Request{Path: path + "/" + strconv.Itoa(id), Query: q}, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// del deletes one object by id.
func del(ctx context.Context, c *Client, path string, id int, q any) error {
	_, err := c.eng.Do(ctx, httpx.Request{Method: http.MethodDelete, Path: path + "/" + strconv.Itoa(id), Query: q}, nil)
	return err
}

// identified is what save needs of a record: whether it has an id.
type identified interface{ hasID() bool }

// save POSTs records as one JSON array (Halo's create-or-update) and
// returns the saved objects. A batch made only of updates is safe to replay;
// one with a create is not. Halo answers one record with the object and
// several (undocumented) with an array or an object; both are decoded.
func save[T identified](ctx context.Context, c *Client, path string, records []T) ([]T, error) {
	replay := httpx.ReplaySafe
	for _, r := range records {
		if !r.hasID() {
			replay = httpx.ReplayUnsafe
		}
	}
	var raw []byte
	if _, err := c.eng.Do(ctx, httpx.Request{Method: http.MethodPost, Path: path, Body: records, Replay: replay}, &raw); err != nil {
		return nil, err
	}
	var out []T
	var err error
	switch t := bytes.TrimSpace(raw); {
	case len(t) == 0:
	case t[0] == '[':
		err = json.Unmarshal(t, &out)
	default:
		var one T
		if err = json.Unmarshal(t, &one); err == nil {
			out = []T{one}
		}
	}
	if err != nil {
		return nil, c.malformed(http.MethodPost, path, raw, err)
	}
	return out, nil
}

func saveOne[T identified](ctx context.Context, c *Client, path string, record T) (*T, error) {
	out, err := save(ctx, c, path, []T{record})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, c.malformed(http.MethodPost, path, nil, errors.New("save returned no object"))
	}
	return &out[0], nil
}

func (c *Client) malformed(method, path string, raw []byte, err error) error {
	return &Error{Vendor: Vendor, Method: method, URL: c.eng.BaseURL().String() + path, StatusCode: http.StatusOK,
		Message: "unexpected response shape: " + err.Error(), Body: raw, Kind: mspsync.ErrMalformedResponse, Err: err}
}
