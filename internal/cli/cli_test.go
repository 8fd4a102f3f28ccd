package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/mspsync/mspsync/internal/httpx"
)

func TestSettingsNamesEveryMissingVariable(t *testing.T) {
	t.Parallel()
	env := map[string]string{"HALO_URL": "https://acme.halopsa.com", "HALO_TENANT": " "}
	s := &Settings{lookup: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	if v := s.Require("HALO_URL"); v != "https://acme.halopsa.com" {
		t.Errorf("HALO_URL = %q", v)
	}
	s.Require("HALO_CLIENT_ID")
	s.Require("HALO_TENANT")
	if v := s.Optional("HALO_AUTH_URL", "def"); v != "def" {
		t.Errorf("optional = %q", v)
	}
	err := s.Err()
	if err == nil || !strings.Contains(err.Error(), "HALO_CLIENT_ID, HALO_TENANT") {
		t.Errorf("err = %v", err)
	}
}

func TestTable(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	Table(&b, []string{"ACTION", "NAME"}, [][]string{{"create", "PC-1"}, {"update", "LAPTOP-22"}})
	want := "ACTION  NAME\n------  ----\ncreate  PC-1\nupdate  LAPTOP-22\n"
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestProgressLoggerShowsRetriesAndWaits(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	p := NewProgress(&b)
	l := p.Logger(false)
	l.Debug("request", "url", "https://h/x")
	l.Debug("retrying", "status", 429, "wait", time.Second)
	l.Debug("rate limit: waiting", "wait", time.Second)
	out := b.String()
	if strings.Contains(out, "request url") || !strings.Contains(out, "retrying status=429 wait=1s") || !strings.Contains(out, "rate limit: waiting") {
		t.Errorf("progress:\n%s", out)
	}
}

func TestWatchPrintsCounters(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	p := NewProgress(&b)
	var c httpx.Counters
	stop := p.Watch(time.Hour, map[string]*httpx.Counters{"halo": &c})
	stop()
	if !strings.Contains(b.String(), "halo: 0 requests (0 reads, 0 writes), 0 retries") {
		t.Errorf("watch output: %q", b.String())
	}
}
