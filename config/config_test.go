package config_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mspsync/mspsync/config"
)

// level decodes itself from a name; anything else is an error.
type level int

func (l *level) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"low"`:
		*l = 1
	case `"high"`:
		*l = 2
	default:
		return fmt.Errorf("want \"low\" or \"high\", got %s", b)
	}
	return nil
}

// color decodes itself from text.
type color string

func (c *color) UnmarshalText(b []byte) error {
	if string(b) != "red" && string(b) != "blue" {
		return fmt.Errorf("%q is not red or blue", b)
	}
	*c = color(b)
	return nil
}

type Common struct {
	Name string `json:"name"`
	Note string `json:"note,omitempty"`
}

type criterion struct {
	Field string `json:"field"`
	Op    string `json:"op"`
	Value string `json:"value,omitempty"`
}

type rule struct {
	Sequence int         `json:"sequence"`
	Criteria []criterion `json:"criteria"`
}

type sites struct {
	Method string `json:"method"`
	Rules  []rule `json:"rules,omitempty"`
}

type doc struct {
	Common                    // promoted: name, note
	*Extra                    // promoted through a pointer: extra
	Sites   sites             `json:"sites"`
	Limit   uint8             `json:"limit"`
	Ratio   float64           `json:"ratio"`
	On      bool              `json:"on"`
	Level   level             `json:"level"`
	Color   color             `json:"color"`
	Colors  map[color]int     `json:"colors"`
	Wait    time.Duration     `json:"wait"`
	Port    int               `json:"port,string"`
	Fields  map[string]string `json:"fields"`
	ByID    map[int]rule      `json:"by_id"`
	Ptr     *sites            `json:"ptr"`
	Any     any               `json:"any"`
	Raw     json.RawMessage   `json:"raw"`
	Pair    [2]int            `json:"pair"`
	Skipped string            `json:"-"`
	Plain   string            // no tag: the key is "Plain"
	hidden  string
}

type Extra struct {
	Extra string `json:"extra"`
}

func TestDecodeAcceptsWhatJSONWrites(t *testing.T) {
	t.Parallel()
	in := doc{
		Common: Common{Name: "n", Note: "x"}, Extra: &Extra{Extra: "e"},
		Sites: sites{Method: "rules", Rules: []rule{{Sequence: 1, Criteria: []criterion{{Field: "hostname", Op: "equals", Value: "a"}}}}},
		Limit: 7, Ratio: 0.5, On: true, Level: 2, Color: "red", Colors: map[color]int{"blue": 1}, Wait: time.Second, Port: 8080,
		Fields: map[string]string{"Serial No": "1"}, ByID: map[int]rule{3: {Sequence: 3}}, Ptr: &sites{Method: "m"},
		Any: map[string]any{"k": []any{1.0, "v"}}, Raw: json.RawMessage(`{"free":[1]}`), Pair: [2]int{1, 2}, Plain: "p",
	}
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	// level marshals as a number; write it as its name.
	data = []byte(strings.Replace(string(data), `"level":2`, `"level":"high"`, 1))
	var out doc
	if err := config.Decode(strings.NewReader(string(data)), &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Errorf("round trip:\n got  %+v\n want %+v", out, in)
	}
}

func TestDecodeNamesTheKey(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, json, key, problem string
	}{
		{"unknown top-level key", `{"nmae":"x"}`, "nmae", `unknown key (did you mean "name"?)`},
		{"unknown key, nothing close", `{"bogus":1}`, "bogus", "unknown key"},
		{"wrong case", `{"Sites":{}}`, "Sites", `unknown key (did you mean "sites"?)`},
		{"unknown key in an object", `{"sites":{"methd":"x"}}`, "sites.methd", `unknown key (did you mean "method"?)`},
		{"unknown key three levels down", `{"sites":{"rules":[{},{},{"criteria":[{"opp":"x"}]}]}}`, "sites.rules[2].criteria[0].opp", `unknown key (did you mean "op"?)`},
		{"unknown key under a map entry", `{"by_id":{"7":{"sequense":1}}}`, "by_id.7.sequense", `unknown key (did you mean "sequence"?)`},
		{"unknown key behind a pointer", `{"ptr":{"rules":[{"criterias":[]}]}}`, "ptr.rules[0].criterias", `did you mean "criteria"?`},
		{"ignored field", `{"Skipped":"x"}`, "Skipped", "unknown key"},
		{"unexported field", `{"hidden":"x"}`, "hidden", "unknown key"},
		{"duplicate key", `{"name":"a","name":"b"}`, "name", "duplicate key"},
		{"duplicate map key", `{"fields":{"a":"1","a":"2"}}`, "fields.a", "duplicate key"},
		{"string for a number", `{"sites":{"rules":[{"sequence":"a"}]}}`, "sites.rules[0].sequence", `want a number, got "a"`},
		{"fraction for an int", `{"sites":{"rules":[{"sequence":1.5}]}}`, "sites.rules[0].sequence", "want a whole number, got 1.5"},
		{"out of range", `{"limit":300}`, "limit", "want a number from 0 to 255, got 300"},
		{"negative uint", `{"limit":-1}`, "limit", "want a whole number, not negative, got -1"},
		{"number for a string", `{"sites":{"method":1}}`, "sites.method", "want a string, got 1"},
		{"string for a bool", `{"on":"yes"}`, "on", `want true or false, got "yes"`},
		{"array for an object", `{"sites":[]}`, "sites", "want an object, got an array"},
		{"object for an array", `{"sites":{"rules":{}}}`, "sites.rules", "want an array, got an object"},
		{"string for a duration", `{"wait":"1s"}`, "wait", `want a number, got "1s"`},
		{"map value type", `{"fields":{"Serial No":1}}`, `fields["Serial No"]`, "want a string, got 1"},
		{"map key type", `{"by_id":{"x":{}}}`, "by_id.x", "the key must be a whole number"},
		{"text map key", `{"colors":{"green":1}}`, "colors.green", `bad key: "green" is not red or blue`},
		{"self-decoding value", `{"level":"medium"}`, "level", `want "low" or "high", got "medium"`},
		{"text value", `{"color":"green"}`, "color", `"green" is not red or blue`},
		{"text value not a string", `{"color":1}`, "color", "want a string, got 1"},
		{"string option", `{"port":8080}`, "port", "want a string holding a number, got 8080"},
		{"string option content", `{"port":"80a"}`, "port", `want a string holding a number, got "80a"`},
		{"array element", `{"pair":[1,"2"]}`, "pair[1]", `want a number, got "2"`},
		{"long value shortened", `{"on":"` + strings.Repeat("y", 60) + `"}`, "on", `got "` + strings.Repeat("y", 37) + `…"`},
		{"syntax", "{\n  \"name\": \"a\",\n}", "", "invalid JSON at line 3, column 1"},
		{"ends early", `{"name":`, "", "the document ends early"},
		{"empty", "  ", "", "the document is empty"},
		{"trailing", "{}\n{}", "", "more than one JSON value: unexpected data at line 2, column 1"},
		{"not an object", `[1]`, "", "want an object, got an array"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := config.Decode(strings.NewReader(tc.json), &doc{})
			var ce *config.Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v (%T), want a *config.Error", err, err)
			}
			if ce.Key != tc.key || !strings.Contains(ce.Problem, tc.problem) {
				t.Errorf("Error{Key: %q, Problem: %q}, want key %q and a problem containing %q", ce.Key, ce.Problem, tc.key, tc.problem)
			}
		})
	}
}

func TestDecodeNullKeepsOrClears(t *testing.T) {
	t.Parallel()
	d := doc{Common: Common{Name: "n"}, Fields: map[string]string{"a": "b"}, Ptr: &sites{}}
	if err := config.Decode(strings.NewReader(`{"name":null,"fields":null,"ptr":null,"sites":{"rules":null}}`), &d); err != nil {
		t.Fatal(err)
	}
	if d.Name != "n" || d.Fields != nil || d.Ptr != nil {
		t.Errorf("null: got %+v", d)
	}
}

func TestDecodeReportsEveryProblemInOrder(t *testing.T) {
	t.Parallel()
	err := config.Decode(strings.NewReader(`{"zz":1,"sites":{"method":2,"rules":[{"sequence":"x","criteria":[{"op":"a","opp":"b"}]}]},"aa":true}`), &doc{})
	var keys []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		keys = append(keys, e.(*config.Error).Key)
	}
	want := []string{"zz", "sites.method", "sites.rules[0].sequence", "sites.rules[0].criteria[0].opp", "aa"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("keys = %q, want %q", keys, want)
	}
	if !strings.Contains(err.Error(), "config sites.method: want a string, got 2\n") {
		t.Errorf("message:\n%s", err)
	}
}

func TestDecodeMergesOverDefaults(t *testing.T) {
	t.Parallel()
	defaults := func() doc {
		return doc{
			Common: Common{Name: "default", Note: "kept"},
			Sites: sites{Method: "mappings", Rules: []rule{
				{Sequence: 1, Criteria: []criterion{{Field: "a", Op: "equals", Value: "x"}}},
				{Sequence: 2},
			}},
			Limit:  10,
			Fields: map[string]string{"a": "1", "b": "2"},
			Ptr:    &sites{Method: "ptr-default"},
			Pair:   [2]int{5, 6},
		}
	}
	d := defaults()
	err := config.Decode(strings.NewReader(`{
		"name": "mine",
		"sites": {"rules": [{"criteria": [{"field": "b", "op": "empty"}]}]},
		"fields": {"b": "two", "c": "3"},
		"ptr": {"rules": []},
		"pair": [7]
	}`), &d)
	if err != nil {
		t.Fatal(err)
	}
	want := defaults()
	want.Name = "mine"
	want.Sites.Rules = []rule{{Criteria: []criterion{{Field: "b", Op: "empty"}}}} // arrays replace, element by element too
	want.Fields = map[string]string{"a": "1", "b": "two", "c": "3"}               // maps merge by key
	want.Ptr.Rules = []rule{}
	want.Pair = [2]int{7, 0}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("merged:\n got  %+v\n want %+v", d, want)
	}
}

func TestDecodeLeavesDstAloneOnError(t *testing.T) {
	t.Parallel()
	d := doc{Sites: sites{Rules: []rule{{Sequence: 1}}}}
	if err := config.Decode(strings.NewReader(`{"name":"x","sites":{"rules":[{"sequence":2}]},"bogus":1}`), &d); err == nil {
		t.Fatal("no error")
	}
	if d.Name != "" || len(d.Sites.Rules) != 1 || d.Sites.Rules[0].Sequence != 1 {
		t.Errorf("dst changed: %+v", d)
	}
}

func TestDecodeNeedsAPointer(t *testing.T) {
	t.Parallel()
	var ce *config.Error
	for _, dst := range []any{doc{}, (*doc)(nil), nil} {
		if err := config.Decode(strings.NewReader(`{}`), dst); err == nil || errors.As(err, &ce) {
			t.Errorf("Decode(%T) = %v, want a usage error", dst, err)
		}
	}
}

func TestLoadFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sync.json")
	if err := os.WriteFile(path, []byte(`{"sites":{"rules":[{"criteria":[{"opp":"x"}]}]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	err := config.LoadFile(path, &doc{})
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Key != "sites.rules[0].criteria[0].opp" {
		t.Fatalf("err = %v", err)
	}
	if want := path + `: config sites.rules[0].criteria[0].opp: unknown key (did you mean "op"?)`; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
	err = config.LoadFile(filepath.Join(t.TempDir(), "missing.json"), &doc{})
	if !errors.Is(err, os.ErrNotExist) || errors.As(err, &ce) {
		t.Errorf("missing file: %v", err)
	}
}

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  *config.Error
		want string
	}{
		{&config.Error{Key: "sites.method", Problem: `"x" is not mappings or rules`}, `config sites.method: "x" is not mappings or rules`},
		{&config.Error{Problem: "the document is empty"}, "config: the document is empty"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}
