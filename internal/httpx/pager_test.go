package httpx

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
)

// pages serves numbered pages of ints: page i holds items [i*size, i*size+size).
func pages(total, size int, calls *int) FetchFunc[int] {
	return func(ctx context.Context, cursor string) (Page[int], error) {
		*calls++
		n, _ := strconv.Atoi(cursor)
		var p Page[int]
		for i := n * size; i < min(total, n*size+size); i++ {
			p.Items = append(p.Items, i)
		}
		p.Total = total
		if (n+1)*size < total {
			p.Next = strconv.Itoa(n + 1)
		}
		return p, nil
	}
}

func TestIterateAllPages(t *testing.T) {
	t.Parallel()
	calls := 0
	got, err := Collect(Iterate(t.Context(), "0", pages(1050, 100, &calls)))
	if err != nil || len(got) != 1050 || got[1049] != 1049 || calls != 11 {
		t.Fatalf("got %d items, err %v, %d calls; want 1050 in 11", len(got), err, calls)
	}
}

func TestIterateStopsWhenConsumerBreaks(t *testing.T) {
	t.Parallel()
	calls := 0
	n := 0
	for v, err := range Iterate(t.Context(), "0", pages(1000, 10, &calls)) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; v == 14 {
			break
		}
	}
	if calls != 2 || n != 15 {
		t.Errorf("calls = %d, items = %d; want 2 and 15", calls, n)
	}
}

func TestIterateStopsAtFirstError(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	calls := 0
	fetch := func(ctx context.Context, c string) (Page[int], error) {
		calls++
		if c == "1" {
			return Page[int]{}, boom
		}
		return Page[int]{Items: []int{1, 2}, Next: "1"}, nil
	}
	var items, errs int
	for _, err := range Iterate(t.Context(), "0", fetch) {
		if err != nil {
			errs++
			if !errors.Is(err, boom) {
				t.Errorf("err = %v", err)
			}
			continue // a consumer that keeps going must still see the end
		}
		items++
	}
	if items != 2 || errs != 1 || calls != 2 {
		t.Errorf("items = %d, errs = %d, calls = %d", items, errs, calls)
	}
}

func TestIterateRefusesPagesThatDoNotAdvance(t *testing.T) {
	t.Parallel()
	for name, fetch := range map[string]FetchFunc[int]{
		"same cursor": func(ctx context.Context, c string) (Page[int], error) {
			return Page[int]{Items: []int{1}, Next: "A"}, nil // A → A → ...
		},
		"cycle": func(ctx context.Context, c string) (Page[int], error) {
			next := map[string]string{"0": "A", "A": "B", "B": "A"}[c]
			return Page[int]{Items: []int{1}, Next: next}, nil
		},
		"empty page claims more": func(ctx context.Context, c string) (Page[int], error) {
			return Page[int]{Total: 500, Next: "2"}, nil
		},
	} {
		calls := 0
		counted := func(ctx context.Context, c string) (Page[int], error) {
			calls++
			if calls > 10 {
				t.Fatalf("%s: looping", name)
			}
			return fetch(ctx, c)
		}
		_, err := Collect(Iterate(t.Context(), "0", counted))
		if !errors.Is(err, ErrNoProgress) {
			t.Errorf("%s: err = %v, want ErrNoProgress", name, err)
		}
	}
}

func TestIterateChecksContextBetweenPages(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	calls := 0
	fetch := func(c context.Context, cur string) (Page[int], error) {
		calls++
		cancel()
		return Page[int]{Items: []int{1}, Next: strconv.Itoa(calls)}, nil
	}
	got, err := Collect(Iterate(ctx, "0", fetch))
	if !errors.Is(err, context.Canceled) || calls != 1 || len(got) != 1 {
		t.Errorf("got %v, err %v, calls %d", got, err, calls)
	}
}

func TestIterateCountedEndsAnIncompleteWalk(t *testing.T) {
	t.Parallel()
	errShort := errors.New("short")
	pages := map[string]Page[int]{"": {Items: []int{1, 2}, Total: 5, Next: "2"}, "2": {Items: []int{3}, Total: 4}}
	fetch := func(_ context.Context, c string) (Page[int], error) { return pages[c], nil }
	var got []int
	var last error
	for v, err := range IterateCounted(t.Context(), "", fetch, func(n, total int) error { return fmt.Errorf("%w: %d of %d", errShort, n, total) }) {
		if err != nil {
			last = err
			continue
		}
		got = append(got, v)
	}
	if len(got) != 3 || !errors.Is(last, errShort) || last.Error() != "short: 3 of 4" {
		t.Fatalf("items %v, end %v; want 3 items then short: 3 of 4 (the last total reported)", got, last)
	}
	pages["2"] = Page[int]{Items: []int{3, 4}, Total: 4}
	for _, err := range IterateCounted(t.Context(), "", fetch, func(n, total int) error { return errShort }) {
		if err != nil {
			t.Fatalf("a complete walk ended with %v", err)
		}
	}
}
