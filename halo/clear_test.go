package halo_test

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/mspsync/mspsync/fakeapi"
	"github.com/mspsync/mspsync/halo"
)

// A field read from Halo and set to its zero value is sent, so the caller
// can clear it; fields never read stay out of the body.
func TestClearingAFieldReachesHalo(t *testing.T) {
	t.Parallel()
	srv, c := setup(t)
	_, site, typ := estate(srv)
	rec, err := srv.Seed("Asset", map[string]any{
		"inventory_number": "PC-1", "site_id": site.ID, "assettype_id": typ.ID,
		"notes": "old note", "inactive": true,
	})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := strconv.Atoi(fakeapi.Str(rec["id"]))
	a, err := c.Assets.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	a.Notes, a.Inactive = "", nil
	if _, err := c.Assets.Save(t.Context(), *a); err != nil {
		t.Fatal(err)
	}
	got := srv.Records("Asset")[0]
	if got["notes"] != "" || got["inactive"] != nil || got["inventory_number"] != "PC-1" {
		t.Errorf("stored = %v", got)
	}
}

func TestWriteBodies(t *testing.T) {
	t.Parallel()
	// A create sends only what was set.
	out, err := json.Marshal(halo.Ticket{Summary: "Disk full", ClientID: 12})
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `{"summary":"Disk full","client_id":12}` {
		t.Errorf("create = %s", out)
	}
	// A read ticket sends a cleared field, and nothing it did not have.
	var tk halo.Ticket
	in := `{"id":9499,"team":"1st Line Support","agent_id":1,"dateoccurred":"2024-06-20T14:45:15.9746271","customfields":[{"id":165,"value":3,"display":"Single User","copytochild":false}]}`
	if err := json.Unmarshal([]byte(in), &tk); err != nil {
		t.Fatal(err)
	}
	tk.Team, tk.AgentID = "", 0
	tk.CustomFields[0].Value = json.RawMessage(`2`)
	out, err = json.Marshal(tk)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":9499,"team":"","agent_id":0,"dateoccurred":"2024-06-20T14:45:15.9746271","customfields":[{"id":165,"value":2,"display":"Single User","copytochild":false}]}`
	if string(out) != want {
		t.Errorf("update\n got %s\nwant %s", out, want)
	}
}

func TestCustomFieldKeepsEveryKey(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		`{"id":165,"name":"CFimpact","label":"Impact","summary":"","type":2,"value":3,"display":"Single User","characterlimit":0,"searchable":false}`,
		`{"id":0,"name":"string","value":{},"mandatory":true,"typeinfo_id":0}`,
	} {
		var cf halo.CustomField
		var fv halo.FieldValue
		if err := json.Unmarshal([]byte(in), &cf); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(in), &fv); err != nil {
			t.Fatal(err)
		}
		for _, v := range []any{cf, fv} {
			if out, _ := json.Marshal(v); string(out) != in {
				t.Errorf("%T round trip\n got %s\nwant %s", v, out, in)
			}
		}
	}
	// An entry built in Go is written as {id, value}.
	out, _ := json.Marshal(halo.CustomField{ID: 7, Value: halo.TextValue("x")})
	if string(out) != `{"id":7,"value":"x"}` {
		t.Errorf("new entry = %s", out)
	}
}

func TestTimeKeepsItsFraction(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`"2024-06-20T14:45:15.9746271Z"`: `"2024-06-20T14:45:15.9746271Z"`,
		`"2024-05-14T15:54:36.54"`:       `"2024-05-14T15:54:36.54Z"`,
		`"2024-06-20T14:45:16"`:          `"2024-06-20T14:45:16Z"`,
		`"2024-06-20T16:45:16.5+02:00"`:  `"2024-06-20T14:45:16.5Z"`,
	} {
		var tm halo.Time
		if err := json.Unmarshal([]byte(in), &tm); err != nil {
			t.Fatal(err)
		}
		if out, _ := json.Marshal(tm); string(out) != want {
			t.Errorf("%s → %s, want %s", in, out, want)
		}
	}
	// Go's nanoseconds are cut to Halo's 100 ns ticks.
	out, _ := json.Marshal(halo.Time{Time: time.Date(2024, 1, 2, 3, 4, 5, 123456789, time.UTC)})
	if string(out) != `"2024-01-02T03:04:05.1234567Z"` {
		t.Errorf("nanoseconds: %s", out)
	}
}
