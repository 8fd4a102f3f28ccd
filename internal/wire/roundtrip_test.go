package wire

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

// secondsTime normalises like a vendor time type that drops what it does
// not model: it parses times with or without a zone and fraction and
// writes whole seconds in UTC.
type secondsTime struct{ time.Time }

func (t *secondsTime) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if v, err := time.Parse(l, s); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	return &time.ParseError{Value: s}
}

func (t secondsTime) MarshalJSON() ([]byte, error) {
	return json.Marshal(t.UTC().Format("2006-01-02T15:04:05Z"))
}

// millisTime accepts ISO strings and writes epoch milliseconds, like Datto.
type millisTime struct{ time.Time }

func (t *millisTime) UnmarshalJSON(b []byte) error {
	if n, err := strconv.ParseInt(string(b), 10, 64); err == nil {
		t.Time = time.UnixMilli(n).UTC()
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	t.Time = v.UTC()
	return err
}

func (t millisTime) MarshalJSON() ([]byte, error) {
	return []byte(strconv.FormatInt(t.UnixMilli(), 10)), nil
}

// entry is a custom-field entry that uses wire itself.
type entry struct {
	ID    int             `json:"id"`
	Value json.RawMessage `json:"value,omitempty"`
	Extra Extra           `json:"-"`
	seen  Seen
}

func (e *entry) UnmarshalJSON(b []byte) error {
	type plain entry
	return Unmarshal(b, (*plain)(e), &e.Extra, &e.seen)
}

func (e entry) MarshalJSON() ([]byte, error) {
	type plain entry
	return Marshal(plain(e), e.Extra, e.seen)
}

// bareEntry is an entry without Extra, like a nested vendor struct.
type bareEntry struct {
	ID    int    `json:"id"`
	Label string `json:"label,omitempty"`
}

type ticket struct {
	ID        int          `json:"id,omitempty"`
	Team      string       `json:"team,omitempty"`
	AgentID   int          `json:"agent_id,omitempty"`
	SiteID    int          `json:"site_id,omitempty"`
	Closed    *bool        `json:"hasbeenclosed,omitempty"`
	Opened    *secondsTime `json:"dateoccurred,omitempty"`
	Seen      millisTime   `json:"lastSeen"`
	Fields    []entry      `json:"customfields,omitempty"`
	Bare      []bareEntry  `json:"fields,omitempty"`
	Count     int64        `json:"count"`
	Extra     Extra        `json:"-"`
	wireState Seen
}

func (t *ticket) UnmarshalJSON(b []byte) error {
	type plain ticket
	return Unmarshal(b, (*plain)(t), &t.Extra, &t.wireState)
}

func (t ticket) MarshalJSON() ([]byte, error) {
	type plain ticket
	return Marshal(plain(t), t.Extra, t.wireState)
}

func roundTrip(t *testing.T, in string, change func(*ticket)) string {
	t.Helper()
	var v ticket
	if err := json.Unmarshal([]byte(in), &v); err != nil {
		t.Fatal(err)
	}
	if change != nil {
		change(&v)
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func compact(s string) string {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		panic(err)
	}
	return b.String()
}

// A decoded object that is not changed encodes exactly as received, member
// order included.
func TestUnchangedIsIdentical(t *testing.T) {
	t.Parallel()
	in := `{ "id": 9499, "x": {"b": 1, "a": [null]}, "team": "1st Line",
		"dateoccurred": "2024-06-20T14:45:15.9746271Z", "hasbeenclosed": null,
		"lastSeen": "2026-08-25T07:26:00Z", "count": 0, "agent_id": 0, "site_id": 18,
		"customfields": [{"id": 165, "value": 3, "display": "Single User"}],
		"fields": [{"id": 1, "label": "", "lookup": 0}] }`
	if got := roundTrip(t, in, nil); got != compact(in) {
		t.Errorf("round trip\n got %s\nwant %s", got, compact(in))
	}
}

// Bug 1: custom-field entries keep every key, whether they use wire
// themselves (and are changed) or are plain structs left as they were.
func TestEntriesKeepUnknownKeys(t *testing.T) {
	t.Parallel()
	in := `{"customfields":[{"id":165,"name":"CFimpact","value":3,"display":"Single User","characterlimit":0},{"id":166,"value":"a","searchable":false}],
		"fields":[{"id":1,"label":"Serial","validate":"x","mandatory":true}]}`
	got := roundTrip(t, in, func(v *ticket) { v.Fields[0].Value = json.RawMessage(`4`) })
	want := `{"customfields":[{"id":165,"name":"CFimpact","value":4,"display":"Single User","characterlimit":0},{"id":166,"value":"a","searchable":false}],"fields":[{"id":1,"label":"Serial","validate":"x","mandatory":true}]}`
	if got != want {
		t.Errorf("round trip\n got %s\nwant %s", got, want)
	}
	var e entry
	if err := json.Unmarshal([]byte(`{"id":7,"value":null,"display":"","type":2}`), &e); err != nil {
		t.Fatal(err)
	}
	if len(e.Extra) != 2 || string(e.Extra["type"]) != "2" {
		t.Errorf("entry extra = %v", e.Extra)
	}
	out, _ := json.Marshal(e)
	if string(out) != `{"id":7,"value":null,"display":"","type":2}` {
		t.Errorf("entry = %s", out)
	}
}

// Bug 2: times re-encode exactly as received (fraction, missing zone, ISO
// where the type writes epoch milliseconds); a changed time is written by
// its type.
func TestTimesKeepTheirForm(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		`{"dateoccurred":"2024-06-20T14:45:15.9746271Z","lastSeen":1721131200000}`,
		`{"dateoccurred":"2024-05-14T15:54:36.54","lastSeen":"2026-08-25T07:26:00Z"}`,
		`{"dateoccurred":"2024-06-20T14:45:16","lastSeen":"2026-08-25T07:26:00.123+02:00"}`,
	} {
		if got := roundTrip(t, in, nil); got != in {
			t.Errorf("round trip\n got %s\nwant %s", got, in)
		}
	}
	got := roundTrip(t, `{"dateoccurred":"2024-06-20T14:45:15.9746271Z","lastSeen":"2026-08-25T07:26:00Z"}`, func(v *ticket) {
		v.Opened = &secondsTime{time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
		v.Seen = millisTime{time.UnixMilli(1721131200000).UTC()}
	})
	if want := `{"dateoccurred":"2025-01-02T03:04:05Z","lastSeen":1721131200000}`; got != want {
		t.Errorf("changed times = %s, want %s", got, want)
	}
}

// Bug 3: a field that was present is sent when changed, even to its zero
// value; an absent field is sent only once set; a value that was not
// decoded follows its tags.
func TestClearingFields(t *testing.T) {
	t.Parallel()
	in := `{"id":7,"team":"1st Line","agent_id":3,"hasbeenclosed":true,"customfields":[{"id":1,"value":"x"}],"lastSeen":1721131200000,"count":5}`
	got := roundTrip(t, in, func(v *ticket) {
		v.Team, v.AgentID, v.Closed, v.Fields, v.Count = "", 0, nil, nil, 0
		v.Seen = millisTime{}
	})
	want := `{"id":7,"team":"","agent_id":0,"hasbeenclosed":null,"customfields":null,"lastSeen":-62135596800000,"count":0}`
	if got != want {
		t.Errorf("cleared\n got %s\nwant %s", got, want)
	}

	// Absent fields: left out while zero, sent once set; a non-omitempty
	// field absent from the object is not invented either.
	got = roundTrip(t, `{"id":7}`, nil)
	if got != `{"id":7}` {
		t.Errorf("absent fields sent: %s", got)
	}
	got = roundTrip(t, `{"id":7}`, func(v *ticket) { v.SiteID = 18; v.Team = "" })
	if got != `{"id":7,"site_id":18}` {
		t.Errorf("set absent field: %s", got)
	}

	// A value built in Go (a create) follows its json tags: omitempty
	// zero values stay out.
	out, err := json.Marshal(ticket{Team: "Ops", Extra: Extra{"tags": json.RawMessage(`[]`)}})
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `{"team":"Ops","lastSeen":-62135596800000,"count":0,"tags":[]}` {
		t.Errorf("create = %s", out)
	}
}

// Integers decoded leniently are written back as integers, which is what
// vendors accept ("18.0" for an id is refused by Halo); unchanged, they
// keep their place.
func TestLenientIntegersWriteIntegers(t *testing.T) {
	t.Parallel()
	got := roundTrip(t, `{"site_id":18.0,"agent_id":"3","id":"","x":1.50}`, nil)
	if want := `{"site_id":18,"agent_id":3,"id":null,"x":1.50}`; got != want {
		t.Errorf("round trip = %s, want %s", got, want)
	}
}

// Extra stays the source of the unmodelled fields: changes, deletions and
// additions made by the caller are what is sent.
func TestExtraEdits(t *testing.T) {
	t.Parallel()
	got := roundTrip(t, `{"b":1,"id":7,"a":2,"c":3}`, func(v *ticket) {
		v.Extra["a"] = json.RawMessage(`"two"`)
		delete(v.Extra, "c")
		v.Extra["z"] = json.RawMessage(`true`)
		v.Extra["id"] = json.RawMessage(`99`) // modelled: ignored
	})
	if want := `{"b":1,"id":7,"a":"two","z":true}`; got != want {
		t.Errorf("round trip = %s, want %s", got, want)
	}
}

// Keys are matched to fields case-insensitively, as encoding/json does, so
// a key in another case is the field, not an extra.
func TestKeyCase(t *testing.T) {
	t.Parallel()
	var v ticket
	if err := json.Unmarshal([]byte(`{"ID":7,"Team":"x"}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.ID != 7 || v.Team != "x" || v.Extra != nil {
		t.Fatalf("decoded %+v", v)
	}
	v.Team = "y"
	out, _ := json.Marshal(v)
	if string(out) != `{"ID":7,"Team":"y"}` {
		t.Errorf("round trip = %s", out)
	}
}

func TestNotAnObject(t *testing.T) {
	t.Parallel()
	var v ticket
	if err := json.Unmarshal([]byte(`null`), &v); err != nil || v.wireState.Decoded() {
		t.Errorf("null: %v, %v", err, v.wireState.Decoded())
	}
	for _, bad := range []string{`[1]`, `{"id":1,}`, `{"id":"x"}`, `{"id":1} x`} {
		if err := json.Unmarshal([]byte(bad), &v); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestScanObject(t *testing.T) {
	t.Parallel()
	data := []byte(` { "a\"b" : "}\\" , "c":[{"d":"]"}], "e" :-1.5e3,"f":null} `)
	spans, ok := scanObject(data, nil)
	if !ok || len(spans) != 4 {
		t.Fatalf("scan = %v %v", spans, ok)
	}
	var keys, names, vals []string
	for _, s := range spans {
		keys = append(keys, string(s.key(data)))
		names = append(names, string(s.name(data)))
		vals = append(vals, string(s.raw(data)))
	}
	if strings.Join(keys, " ") != `"a\"b" "c" "e" "f"` || strings.Join(names, " ") != `a"b c e f` ||
		strings.Join(vals, " ") != `"}\\" [{"d":"]"}] -1.5e3 null` {
		t.Errorf("keys %q names %q values %q", keys, names, vals)
	}
	for _, bad := range []string{``, `{`, `{"a"}`, `{"a":}`, `{"a":1`, `{"a":1]`, `{"a":"x}`, `[]`, `{"a":1}}`} {
		if _, ok := scanObject([]byte(bad), nil); ok {
			t.Errorf("%q split", bad)
		}
	}
}

// Repeated keys decode as encoding/json does (the last value wins) and are
// written once.
func TestRepeatedKeys(t *testing.T) {
	t.Parallel()
	got := roundTrip(t, `{"x":1,"team":"a","x":2,"team":"b"}`, nil)
	if got != `{"x":2,"team":"b"}` {
		t.Errorf("round trip = %s", got)
	}
}

// Copies of a decoded value share its Seen; encoding them concurrently is
// safe (run with -race).
func TestConcurrentMarshal(t *testing.T) {
	t.Parallel()
	var v ticket
	if err := json.Unmarshal([]byte(`{"id":7,"team":"a","customfields":[{"id":1,"value":"x","k":1}],"z":null}`), &v); err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(v)
	done := make(chan string)
	for i := range 8 {
		go func() {
			c := v
			if i%2 == 1 {
				c.Team = ""
			}
			out, err := json.Marshal(c)
			if err != nil {
				done <- err.Error()
				return
			}
			if i%2 == 0 && string(out) != string(want) {
				done <- string(out)
				return
			}
			done <- ""
		}()
	}
	for range 8 {
		if msg := <-done; msg != "" {
			t.Error(msg)
		}
	}
}
