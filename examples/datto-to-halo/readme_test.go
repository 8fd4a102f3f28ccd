package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// lockedBuffer is one bytes.Buffer for stdout and stderr, as a terminal
// shows them.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// volatile are the parts of the demo's output that change from run to
// run: elapsed times, durations and the temporary directory.
var volatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`^\[\s*\d+\.\ds\]`), "[T]"},
	{regexp.MustCompile(`\btook \S+$`), "took D"},
	{regexp.MustCompile(`\(\d[\d.]*(ns|µs|ms|s|m)\)`), "(D)"},
	{regexp.MustCompile(`\S*mspsync-demo-\d+`), "TMP"},
}

func normalise(line string) string {
	line = strings.TrimRight(line, " \t")
	for _, v := range volatile {
		line = v.re.ReplaceAllString(line, v.with)
	}
	return line
}

// TestReadmeDemoOutput runs the demo as `go run ./examples/datto-to-halo
// -demo` does and checks the block between the demo-output markers in
// README.md: every line of it (but the "$ " prompt and the "…" that mark
// left-out lines) is a line of the real output, in the same order, once
// timings and the temporary directory are set aside. When the output
// changes on purpose, copy the new lines (printed below on failure) into
// the README.
func TestReadmeDemoOutput(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(readme), "<!-- demo-output:start")
	block, _, ok2 := strings.Cut(block, "<!-- demo-output:end -->")
	if !ok || !ok2 {
		t.Fatal("README.md has no demo-output block")
	}
	_, block, _ = strings.Cut(block, "```text\n")
	block, _, _ = strings.Cut(block, "```")
	var want []string
	for _, l := range strings.Split(strings.TrimSuffix(block, "\n"), "\n") {
		if l == "…" {
			continue
		}
		if strings.HasPrefix(l, "$ ") {
			if l != "$ go run ./examples/datto-to-halo -demo" {
				t.Errorf("the block shows %q, not the README's first command", l)
			}
			continue
		}
		want = append(want, normalise(l))
	}
	if len(want) < 15 {
		t.Fatalf("the README block has %d output lines; it should show the demo", len(want))
	}

	var out lockedBuffer
	if code := run(t.Context(), options{demo: true, jitter: -1, mappingsPath: defaultMappings}, &out, &out); code != exitOK {
		t.Fatalf("exit %d:\n%s", code, out.b.String())
	}
	var got []string
	for _, l := range strings.Split(out.b.String(), "\n") {
		got = append(got, normalise(l))
	}
	i := 0
	for _, w := range want {
		for i < len(got) && got[i] != w {
			i++
		}
		if i == len(got) {
			t.Errorf("README.md's demo output shows a line the demo does not print (or not in this order):\n%s\n\nthe demo printed (normalised):\n%s",
				w, strings.Join(got, "\n"))
			return
		}
		i++
	}
}
