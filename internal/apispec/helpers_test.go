package apispec

import (
	"context"
	"errors"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/mspsync/mspsync/fakeapi"
	"github.com/mspsync/mspsync/internal/httpx"
)

func TestPagesWalksToTheLastPage(t *testing.T) {
	t.Parallel()
	var seen []string
	walk := Pages(func(ctx context.Context, cursor string) (*httpx.Page[int], error) {
		seen = append(seen, cursor)
		if n, _ := strconv.Atoi(cursor); n < 2 {
			return &httpx.Page[int]{Next: strconv.Itoa(n + 1)}, nil
		}
		return &httpx.Page[int]{}, nil
	})
	if err := walk(t.Context()); err != nil || !slices.Equal(seen, []string{"", "1", "2"}) {
		t.Errorf("walk = %v after %q", err, seen)
	}
	endless := Pages(func(ctx context.Context, cursor string) (*httpx.Page[int], error) {
		return &httpx.Page[int]{Next: "again"}, nil
	})
	if err := endless(t.Context()); err == nil {
		t.Error("an endless walk ended")
	}
	boom := errors.New("boom")
	failing := Pages(func(ctx context.Context, cursor string) (*httpx.Page[int], error) { return nil, boom })
	if err := failing(t.Context()); !errors.Is(err, boom) {
		t.Errorf("failing walk = %v", err)
	}
}

func TestDrainReturnsTheIteratorsError(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	n := 0
	err := Drain(func(yield func(int, error) bool) {
		for i := range 3 {
			n++
			if !yield(i, nil) {
				return
			}
		}
		yield(0, boom)
	})
	if !errors.Is(err, boom) || n != 3 {
		t.Errorf("Drain = %v after %d items", err, n)
	}
}

func TestFakeLog(t *testing.T) {
	t.Parallel()
	q := url.Values{"a": {"1"}}
	log := FakeLog(func() []fakeapi.Request {
		return []fakeapi.Request{
			{Method: "POST", Path: "/auth/token", Body: []byte("secret")},
			{Method: "GET", Path: "/api/Asset/12", Query: q},
			{Method: "POST", Path: "/api/Asset", Body: []byte("[]")},
		}
	}, "/api", "/auth/token")
	want := []Request{{Method: "GET", Path: "/Asset/12", Query: q}, {Method: "POST", Path: "/Asset", Body: []byte("[]")}}
	if got := log(); !reflect.DeepEqual(got, want) {
		t.Errorf("log = %+v, want %+v", got, want)
	}
}
