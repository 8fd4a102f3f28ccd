package halo

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mspsync/mspsync/internal/wire/wiretest"
)

// TestRealworldRoundTrip decodes every halo-* response of the shared
// realworld directory into each type that reads it (the object, the list
// wrapper when the file is a list, and the Halo objects nested in it),
// encodes it again and compares the two as JSON values: a read-modify-write
// that changes nothing must send back everything Halo sent, in the same
// form.
func TestRealworldRoundTrip(t *testing.T) {
	t.Parallel()
	wiretest.EachFile(t, "halo", func(t *testing.T, kind string, raw []byte) {
		switch kind {
		case "ticket":
			checkHalo[Ticket](t, raw, "tickets", func(t *testing.T, obj []byte) {
				nested[User](t, obj, "user")
				nested[TicketType](t, obj, "tickettype")
				nested[[]Action](t, obj, "extra_actions")
				nested[[]CustomField](t, obj, "customfields")
			})
		case "user":
			checkHalo[User](t, raw, "users", func(t *testing.T, obj []byte) {
				nested[Site](t, obj, "site")
				nested[Customer](t, obj, "site", "client")
				nested[[]FieldValue](t, obj, "site", "fields")
				nested[[]CustomField](t, obj, "customfields")
			})
		case "asset":
			checkHalo[Asset](t, raw, "assets", func(t *testing.T, obj []byte) {
				nested[[]FieldValue](t, obj, "fields")
				nested[[]CustomField](t, obj, "customfields")
			})
		default:
			t.Fatalf("no halo type known for %q files; add it to this test", kind)
		}
	})
}

// checkHalo round-trips raw (an object, or a list of them) as T, and each
// object's nested values through more.
func checkHalo[T any](t *testing.T, raw []byte, listKey string, more func(t *testing.T, obj []byte)) {
	t.Helper()
	objs := [][]byte{raw}
	if trimmed := bytes.TrimSpace(raw); len(trimmed) > 0 && trimmed[0] == '[' {
		wiretest.RoundTrip[[]T](t, "the file", raw)
		items, _, err := decodeList[T](raw, listKey)
		if err != nil {
			t.Fatalf("decodeList: %v", err)
		}
		out, err := json.Marshal(items)
		if err != nil {
			t.Fatal(err)
		}
		wiretest.Report(t, "the file as a list response", raw, out)
		var elems []json.RawMessage
		if err := json.Unmarshal(raw, &elems); err != nil {
			t.Fatal(err)
		}
		objs = objs[:0]
		for _, e := range elems {
			objs = append(objs, e)
		}
	}
	for _, obj := range objs {
		wiretest.RoundTrip[T](t, "the object", obj)
		more(t, obj)
	}
}

// nested round-trips the value at path in obj as T; it fails when the file
// has no such value, so that the table above stays true to the files.
func nested[T any](t *testing.T, obj []byte, path ...string) {
	t.Helper()
	raw := json.RawMessage(obj)
	for _, k := range path {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s: %v", strings.Join(path, "."), err)
		}
		var ok bool
		if raw, ok = m[k]; !ok {
			t.Fatalf("the file has no %s", strings.Join(path, "."))
		}
	}
	wiretest.RoundTrip[T](t, strings.Join(path, "."), raw)
}

// TestRealworldReadModifyWrite changes a real ticket the way a caller does
// and checks that exactly the changed paths differ from what Halo sent.
func TestRealworldReadModifyWrite(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join(wiretest.RealworldDir(t), "halo-ticket-1.json"))
	if os.IsNotExist(err) {
		t.Skip("halo-ticket-1.json is not in the realworld directory")
	} else if err != nil {
		t.Fatal(err)
	}
	var tk Ticket
	if err := json.Unmarshal(raw, &tk); err != nil {
		t.Fatal(err)
	}
	tk.Summary = "Changed"
	tk.Team = ""        // cleared: sent as ""
	tk.AgentID = 0      // cleared: sent as 0
	tk.LastUpdate = nil // absent and still nil: not sent
	tk.CustomFields[0].Value = json.RawMessage(`4`)
	tk.DateOccurred = &Time{time.Date(2024, 6, 21, 8, 0, 0, 500_000_000, time.UTC)}
	out, err := json.Marshal(tk)
	if err != nil {
		t.Fatal(err)
	}
	got := wiretest.Diff(raw, out)
	want := []string{
		`$.agent_id: want 1, got 0`,
		`$.customfields[0].value: want 3, got 4`,
		`$.dateoccurred: want "2024-06-20T14:45:15.9746271Z", got "2024-06-21T08:00:00.5Z"`,
		`$.summary: want "Halo via API at 2024-06-20T14:45:15.788760", got "Changed"`,
		`$.team: want "1st Line Support", got ""`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("differences:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
