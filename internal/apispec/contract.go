package apispec

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/fakeapi"
	"github.com/mspsync/mspsync/internal/httpx"
)

// Operations lists what a client can be asked to do: "Field.Method" for
// every exported method of every exported pointer field of *client that
// has methods (its services, e.g. "Assets.Save"), and "<Type>.Method" for
// the client's own exported methods (e.g. "Client.AuthInfo"). The list is
// sorted. A method added to a service appears here without anyone listing
// it, which is what lets a contract test refuse an unchecked method.
func Operations(client any) []string {
	t := reflect.TypeOf(client)
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		panic(fmt.Sprintf("apispec.Operations: want a pointer to a struct, got %T", client))
	}
	var out []string
	for i := range t.NumMethod() {
		out = append(out, t.Elem().Name()+"."+t.Method(i).Name)
	}
	st := t.Elem()
	for i := range st.NumField() {
		f := st.Field(i)
		if !f.IsExported() || f.Type.Kind() != reflect.Pointer {
			continue
		}
		for j := range f.Type.NumMethod() {
			out = append(out, f.Name+"."+f.Type.Method(j).Name)
		}
	}
	sort.Strings(out)
	return out
}

// Request is one request a fake received, its path relative to the
// document's server root ("/Asset/12").
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Body   []byte
}

// Contract describes a vendor contract test: a client, one invocation per
// operation, and the fake's request log.
type Contract struct {
	Spec *Spec
	// Client is enumerated with Operations; every operation needs an entry
	// in Calls.
	Client any
	// Calls invokes each operation ("Assets.Save") against the fake. A call
	// returns an error only when the method failed unexpectedly.
	Calls map[string]func(ctx context.Context) error
	// Quiet names the operations that send no request, with the reason;
	// their calls must leave the log empty. Every other call must send at
	// least one request.
	Quiet map[string]string
	// Log returns the API requests since the last Reset, without the
	// requests to endpoints outside the document (token endpoints).
	Log   func() []Request
	Reset func()
	// AllowedBody lists documented deviations in request bodies, as
	// CheckBody's allowed paths.
	AllowedBody []string
}

// Run checks that every operation of the client has an invocation (and
// that every invocation names an operation), then runs each one in a
// subtest named after it, in order, and checks every request it made
// against the spec: path, method, query names and values, path values and
// body fields. It returns how many operations were run and how many
// requests were checked.
func (c Contract) Run(t *testing.T) (ops, requests int) {
	t.Helper()
	all := Operations(c.Client)
	missing, stale := c.Uncovered()
	for _, op := range missing {
		t.Errorf("%s has no invocation in the contract table: add one that calls it against the fake (list it in Quiet, with the reason, if it sends nothing)", op)
	}
	for _, op := range stale {
		t.Errorf("the contract table names %s, which is no method of %T", op, c.Client)
	}
	for _, op := range all {
		call, ok := c.Calls[op]
		if !ok {
			continue
		}
		ops++
		t.Run(op, func(t *testing.T) {
			c.Reset()
			if err := call(t.Context()); err != nil {
				t.Errorf("%s: %v", op, err)
			}
			log := c.Log()
			t.Logf("%d requests", len(log))
			if why, quiet := c.Quiet[op]; quiet {
				if len(log) > 0 {
					t.Errorf("%s is listed as sending no request (%s) but sent %d, first %s %s", op, why, len(log), log[0].Method, log[0].Path)
				}
				return
			}
			if len(log) == 0 {
				t.Errorf("%s sent no request; nothing was checked", op)
			}
			for _, r := range log {
				requests++
				if err := c.Spec.Check(r.Method, r.Path, r.Query); err != nil {
					t.Error(err)
				}
				if len(r.Body) > 0 {
					if err := c.Spec.CheckBody(r.Method, r.Path, r.Body, c.AllowedBody...); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	return ops, requests
}

// Uncovered returns the client's operations that have no entry in Calls
// (missing), and the entries of Calls and Quiet that name no operation
// (stale), each sorted.
func (c Contract) Uncovered() (missing, stale []string) {
	all := Operations(c.Client)
	for _, op := range all {
		if _, ok := c.Calls[op]; !ok {
			missing = append(missing, op)
		}
	}
	for _, op := range append(keys(c.Calls), keys(c.Quiet)...) {
		if !slices.Contains(all, op) && !slices.Contains(stale, op) {
			stale = append(stale, op)
		}
	}
	sort.Strings(stale)
	return missing, stale
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// FakeLog returns a Contract.Log over a fake's request log (the fake's
// Requests method): each request with its path relative to prefix
// ("/api"), leaving out the requests to the paths of skip (token
// endpoints, which the document does not describe).
func FakeLog(requests func() []fakeapi.Request, prefix string, skip ...string) func() []Request {
	return func() []Request {
		var out []Request
		for _, r := range requests() {
			if slices.Contains(skip, r.Path) {
				continue
			}
			out = append(out, Request{Method: r.Method, Path: strings.TrimPrefix(r.Path, prefix), Query: r.Query, Body: r.Body})
		}
		return out
	}
}

// Drain is the invocation of an iterating method: it runs seq to its end
// and returns its error.
func Drain[T any](seq iter.Seq2[T, error]) error {
	_, err := httpx.Collect(seq)
	return err
}

// Pages returns the invocation of a page method: it walks page from cursor
// "" along Page.Next to the last page, and fails after 1000 pages.
func Pages[T any](page func(ctx context.Context, cursor string) (*httpx.Page[T], error)) func(context.Context) error {
	return func(ctx context.Context) error {
		cursor := ""
		for range 1000 {
			p, err := page(ctx, cursor)
			if err != nil {
				return err
			}
			if p.Next == "" {
				return nil
			}
			cursor = p.Next
		}
		return errors.New("page walk did not end")
	}
}
