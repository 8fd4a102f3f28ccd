package criteria

import (
	"errors"
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	t.Parallel()
	fields := map[string]string{"hostname": "CONTOSO-LT042", "site": "Contoso - HQ", "os": "", "type": "Laptop"}
	get := func(f string) string { return fields[f] }
	for _, tc := range []struct {
		c    Criterion
		want bool
	}{
		{Criterion{Field: "hostname", Op: Equals, Value: "contoso-lt042"}, true},
		{Criterion{Field: "hostname", Op: Equals, Value: "contoso-lt042", CaseSensitive: true}, false},
		{Criterion{Field: "hostname", Op: NotEquals, Value: "x"}, true},
		{Criterion{Field: "hostname", Op: StartsWith, Value: "CONTOSO-"}, true},
		{Criterion{Field: "hostname", Op: EndsWith, Value: "042"}, true},
		{Criterion{Field: "site", Op: Contains, Value: "hq"}, true},
		{Criterion{Field: "hostname", Op: Regex, Value: `^contoso-(lt|dt)\d+$`}, true},
		{Criterion{Field: "os", Op: Empty}, true},
		{Criterion{Field: "missing", Op: Empty}, true},
		{Criterion{Field: "type", Op: NotEmpty}, true},
		{Criterion{Field: "type", Op: InList, Values: []string{"Desktop", "laptop "}}, true},
		{Criterion{Field: "type", Op: InList, Values: []string{"Server"}}, false},
	} {
		m, err := Compile([]Criterion{tc.c})
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Match(get); got != tc.want {
			t.Errorf("%+v = %v, want %v", tc.c, got, tc.want)
		}
	}
	all, _ := Compile([]Criterion{{Field: "type", Op: Equals, Value: "laptop"}, {Field: "site", Op: StartsWith, Value: "fabrikam"}})
	if all.Match(get) {
		t.Error("all criteria must hold")
	}
	none, _ := Compile(nil)
	if !none.Match(get) {
		t.Error("no criteria must match everything")
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		c    Criterion
		want string
	}{
		{Criterion{Field: "x", Op: "like", Value: "a"}, `unknown operator "like"`},
		{Criterion{Field: "x", Op: Regex, Value: "(["}, "invalid regex"},
		{Criterion{Field: "", Op: Equals, Value: "a"}, "no field"},
		{Criterion{Field: "x", Op: InList}, "needs values"},
		{Criterion{Field: "x", Op: Contains}, "needs a value"},
	} {
		_, err := Compile([]Criterion{{Field: "ok", Op: Empty}, tc.c})
		var ce *Error
		if !errors.As(err, &ce) || ce.Index != 1 || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err = %v, want %q", tc.c, err, tc.want)
		}
	}
}
