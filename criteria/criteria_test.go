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

// TestMatchFoldsAsToLower checks the compile-time folding and the ASCII
// fast path against the definition: a case-insensitive criterion compares
// strings.ToLower of both sides.
func TestMatchFoldsAsToLower(t *testing.T) {
	t.Parallel()
	values := []string{"", "desktop", "Desktop", "DESKTOP ", "Ärzte", "ärzte", "ÄRZTE", "Kelvin \u212a", "kelvin k", "ſerver", "Server",
		"straße", "STRASSE", "İstanbul", "istanbul", "a\xffB", "MIXED-Case_123", strings.Repeat("Long-Value-", 10)}
	ops := []Op{Equals, NotEquals, StartsWith, EndsWith, Contains, InList}
	reference := func(c Criterion, v string) bool {
		fold := strings.ToLower
		if c.CaseSensitive {
			fold = func(s string) string { return s }
		}
		fv, want := fold(v), fold(c.Value)
		switch c.Op {
		case Equals:
			return fv == want
		case NotEquals:
			return fv != want
		case StartsWith:
			return strings.HasPrefix(fv, want)
		case EndsWith:
			return strings.HasSuffix(fv, want)
		case Contains:
			return strings.Contains(fv, want)
		case InList:
			for _, w := range c.Values {
				if fold(strings.TrimSpace(w)) == fv {
					return true
				}
			}
		}
		return false
	}
	for _, op := range ops {
		for _, want := range values[1:] {
			for _, cs := range []bool{false, true} {
				c := Criterion{Field: "f", Op: op, Value: want, CaseSensitive: cs}
				if op == InList {
					c = Criterion{Field: "f", Op: op, Values: []string{want, " other "}, CaseSensitive: cs}
				}
				m, err := Compile([]Criterion{c})
				if err != nil {
					t.Fatal(err)
				}
				for _, v := range values {
					if got, exp := m.Match(func(string) string { return v }), reference(c, strings.TrimSpace(v)); got != exp {
						t.Errorf("%+v on %q = %v, want %v", c, v, got, exp)
					}
				}
			}
		}
	}
}

// TestMatchDoesNotAllocate: matching the short ASCII values devices carry,
// capitals or not, allocates nothing (rule values are folded once, when
// compiled).
func TestMatchDoesNotAllocate(t *testing.T) {
	m, err := Compile([]Criterion{
		{Field: "type", Op: Equals, Value: "Laptop"},
		{Field: "type", Op: NotEquals, Value: "DESKTOP"},
		{Field: "type", Op: StartsWith, Value: "LAP"},
		{Field: "type", Op: EndsWith, Value: "Top"},
		{Field: "type", Op: Contains, Value: "Apt"},
		{Field: "type", Op: InList, Values: []string{"Server", "LAPTOP"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	get := func(string) string { return " LapTop " }
	if !m.Match(get) {
		t.Fatal("criteria must hold")
	}
	if n := testing.AllocsPerRun(100, func() { m.Match(get) }); n != 0 {
		t.Errorf("Match allocates %v times per call, want 0", n)
	}
}
