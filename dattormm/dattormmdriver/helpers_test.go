package dattormmdriver_test

import (
	"testing"

	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/dattormm/dattormmtest"
)

func setup(t testing.TB, opts ...dattormmtest.Option) (*dattormmtest.Server, *dattormm.Client) {
	t.Helper()
	srv := dattormmtest.NewServer(t, opts...)
	c, err := srv.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}
