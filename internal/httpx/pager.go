package httpx

import (
	"context"
	"fmt"
	"github.com/mspsync/mspsync"
	"iter"
)

// Page is mspsync.Page.
type Page[T any] = mspsync.Page[T]

// FetchFunc fetches the page at cursor.
type FetchFunc[T any] func(ctx context.Context, cursor string) (Page[T], error)

// Iterate turns a page fetcher into an iterator over all items, starting at
// cursor first. It stops at the first error (yielding it once), checks ctx
// between pages, and ends with ErrNoProgress when a page repeats a cursor or
// is empty while naming a next page.
func Iterate[T any](ctx context.Context, first string, fetch FetchFunc[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		cursor := first
		seen := map[string]bool{cursor: true}
		for {
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			p, err := fetch(ctx, cursor)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, it := range p.Items {
				if !yield(it, nil) {
					return
				}
			}
			if p.Next == "" {
				return
			}
			if len(p.Items) == 0 {
				yield(zero, fmt.Errorf("%w: empty page at %q names next page %q", ErrNoProgress, cursor, p.Next))
				return
			}
			if seen[p.Next] {
				yield(zero, fmt.Errorf("%w: page %q points back to %q", ErrNoProgress, cursor, p.Next))
				return
			}
			seen[p.Next] = true
			cursor = p.Next
		}
	}
}

// Collect drains seq into a slice, returning what it got before an error.
func Collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

// IterateCounted is Iterate for vendors that report how many items a list
// has (Page.Total ≥ 0): after the last page it compares the items walked
// with the last total reported and, when they differ, ends with the error
// incomplete(walked, total) — so a partial listing is never taken for the
// whole list.
func IterateCounted[T any](ctx context.Context, first string, fetch FetchFunc[T], incomplete func(walked, total int) error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		n, total := 0, -1
		pages := Iterate(ctx, first, func(ctx context.Context, cursor string) (Page[T], error) {
			p, err := fetch(ctx, cursor)
			if err == nil && p.Total >= 0 {
				total = p.Total
			}
			return p, err
		})
		for v, err := range pages {
			if err != nil {
				yield(zero, err)
				return
			}
			n++
			if !yield(v, nil) {
				return
			}
		}
		if total >= 0 && n != total {
			yield(zero, incomplete(n, total))
		}
	}
}
