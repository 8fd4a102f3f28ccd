package dattormm_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mspsync/mspsync/dattormm"
	"github.com/mspsync/mspsync/internal/wire/wiretest"
)

// TestRealworldRoundTrip decodes every datto-* response of the shared
// realworld directory into each type that reads it, encodes it again and
// compares the two as JSON values, reporting the path of each difference.
// Datto's times (ISO strings or epoch milliseconds), nulls where the Go
// type has a plain string or bool, and UDF nulls must all come back as
// sent.
func TestRealworldRoundTrip(t *testing.T) {
	t.Parallel()
	wiretest.EachFile(t, "datto", func(t *testing.T, kind string, raw []byte) {
		switch kind {
		case "site":
			wiretest.RoundTrip[dattormm.Site](t, "the file", raw)
		case "device":
			wiretest.RoundTrip[dattormm.Device](t, "the file", raw)
		case "alert":
			wiretest.RoundTrip[dattormm.Alert](t, "the file", raw)
		case "devices":
			dattoPage[dattormm.Device](t, raw, "devices")
		case "webhook":
			// No type of this package decodes this body, so there is
			// nothing to round-trip: WebhookAlert is a view that is
			// never encoded or sent, and this body is another
			// project's template (alertUID, no alert_uid and no
			// state), which the verifier must refuse as such.
			v, err := dattormm.NewWebhookVerifier("0123456789abcdef0123456789abcdef")
			if err != nil {
				t.Fatal(err)
			}
			if a, err := v.Decode(raw); !errors.Is(err, dattormm.ErrWebhookMalformed) {
				t.Errorf("Decode = %+v, %v; want ErrWebhookMalformed", a, err)
			}
		default:
			t.Fatalf("no dattormm type known for %q files; add it to this test", kind)
		}
	})
}

// dattoPage round-trips a list envelope the way List.Page reads it: the
// pageDetails block as PageDetails and the named array as []T, each item
// also on its own.
func dattoPage[T any](t *testing.T, raw []byte, key string) {
	t.Helper()
	var env map[string]json.RawMessage
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatal(err)
	}
	if _, ok := env["pageDetails"]; !ok {
		t.Fatal("no pageDetails")
	}
	var pd dattormm.PageDetails
	var items []T
	if err := json.Unmarshal(env["pageDetails"], &pd); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(env[key], &items); err != nil {
		t.Fatal(err)
	}
	out := map[string]any{"pageDetails": pd, key: items}
	for k, v := range env {
		if k != "pageDetails" && k != key {
			out[k] = v
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	wiretest.Report(t, "the page", raw, b)
	var elems []json.RawMessage
	if err := json.Unmarshal(env[key], &elems); err != nil {
		t.Fatal(err)
	}
	for i, e := range elems {
		wiretest.RoundTrip[T](t, fmt.Sprintf("%s[%d]", key, i), e)
	}
}

// A device read from Datto and changed re-encodes with only that change:
// its ISO lastSeen, nulls and UDF nulls stay as sent.
func TestDeviceReadModifyWrite(t *testing.T) {
	t.Parallel()
	in := `{"id":501,"hostname":"sw-01","operatingSystem":null,"a64Bit":null,"lastSeen":"2026-08-25T07:26:00Z","lastReboot":1721023200000,"udf":{"udf1":null,"udf9":"x"},"antivirus":{},"newField":[1]}`
	var d dattormm.Device
	if err := json.Unmarshal([]byte(in), &d); err != nil {
		t.Fatal(err)
	}
	if d.LastSeen.Time != time.Date(2026, 8, 25, 7, 26, 0, 0, time.UTC) || d.UDF.Get(9) != "x" || string(d.Extra["newField"]) != "[1]" {
		t.Fatalf("decoded %+v", d)
	}
	d.Hostname = ""
	d.LastReboot = dattormm.Time{Time: time.UnixMilli(1721131200000)}
	out, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	got := wiretest.Diff([]byte(in), out)
	want := []string{
		`$.hostname: want "sw-01", got ""`,
		`$.lastReboot: want 1721023200000, got 1721131200000`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("differences:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A device built in Go still encodes every field, as before.
	out, _ = json.Marshal(dattormm.Device{Hostname: "pc"})
	if !strings.Contains(string(out), `"id":0`) || !strings.Contains(string(out), `"lastSeen":null`) {
		t.Errorf("new device = %s", out)
	}
}
