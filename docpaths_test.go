package mspsync_test

import (
	"go/build"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The rule for paths in documentation (TestDocsCiteOnlyFilesInTheRepo):
//
//   - Markdown links to a relative target ([text](path#anchor)) must name a
//     file or directory that exists, relative to the Markdown file.
//   - A path in backticks in Markdown, or a path or a .go, .md, .sh or
//     .service file name in a comment of a non-test Go file (what godoc
//     shows), must exist relative to the file that cites it or to the
//     repository root, unless it is
//     not a file path: a Go import path (standard library, or a module
//     host such as github.com/…), a MIME type, a URL route ("/metrics"),
//     or a pattern with placeholders (<vendor>, *, …). A bare .json name
//     in a Go comment is a file the user names (-config sync.json), not a
//     citation.
//   - A path outside the repository (../shared/… in CI, $MSPSYNC_SPECS)
//     may be cited only where the same sentence or table row says so:
//     with "outside the repository", "next to the module root", "CI sets"
//     or an environment variable ($NAME or NAME=) that locates it.
var (
	mdLink      = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	mdCode      = regexp.MustCompile("`([^`\n]+)`")
	pathLike    = regexp.MustCompile(`^(\.\.?/)?[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*/?$`)
	fileExt     = regexp.MustCompile(`\.(go|md|json|sh|sql|service|yaml|yml|txt|db)$`)
	commentPath = regexp.MustCompile(`(?:^|[\s(\x60"'])((?:\.\.?/)?[A-Za-z0-9_-]+(?:/[A-Za-z0-9_.-]+)*\.(?:go|md|sh|json|service))\b`)
	dataFile    = regexp.MustCompile(`^[A-Za-z0-9_.-]+\.json$`)
	outsideNote = regexp.MustCompile(`(?i)outside the repositor|next to the module root|beside the repositor|CI sets|\$[A-Z_]{4,}|\b[A-Z_]{6,}=|MSPSYNC_[A-Z_]+`)
)

// notAFile reports whether p, which looks like a path, is something else.
func notAFile(p string) bool {
	first, _, _ := strings.Cut(strings.TrimPrefix(p, "./"), "/")
	switch {
	case strings.Contains(first, ".") && strings.Contains(p, "/") && !strings.HasPrefix(p, "."): // github.com/…, gcr.io/…, go.etcd.io/…
		return true
	case first == "text" || first == "application" || first == "image" || first == "multipart":
		return true
	}
	if pkg, err := build.Default.Import(strings.TrimSuffix(p, "/"), "", build.FindOnly); err == nil && pkg.Goroot {
		return true
	}
	return false
}

// exists reports whether p names a file or directory relative to dir or
// to the repository root.
func exists(dir, p string) bool {
	p = strings.TrimSuffix(p, "/")
	for _, base := range []string{dir, "."} {
		if _, err := os.Stat(filepath.Join(base, filepath.FromSlash(p))); err == nil {
			return true
		}
	}
	return false
}

// cited checks one cited path p from file (line is its sentence or row).
func cited(t *testing.T, file string, lineNo int, line, p string) {
	t.Helper()
	dir := filepath.Dir(file)
	if strings.HasPrefix(p, "../") {
		if target := filepath.Join(dir, filepath.FromSlash(p)); !strings.HasPrefix(target, "..") {
			if !exists(dir, p) {
				t.Errorf("%s:%d cites %s, which is not in the repository", file, lineNo, p)
			}
			return
		}
		if !outsideNote.MatchString(line) {
			t.Errorf("%s:%d cites %s, outside the repository, without saying so", file, lineNo, p)
		}
		return
	}
	if !exists(dir, p) && !notAFile(p) {
		t.Errorf("%s:%d cites %s, which is not in the repository", file, lineNo, p)
	}
}

// TestDocsCiteOnlyFilesInTheRepo applies the rule above to every Markdown
// file and every Go comment of the repository.
func TestDocsCiteOnlyFilesInTheRepo(t *testing.T) {
	checked := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".md":
			checked++
			checkMarkdown(t, path)
		case ".go":
			if strings.HasSuffix(path, "_test.go") {
				return nil
			}
			checked++
			checkGoComments(t, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 100 {
		t.Fatalf("checked only %d files", checked)
	}
}

func checkMarkdown(t *testing.T, file string) {
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	inFence := false
	for i, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inFence = !inFence
			continue
		}
		if inFence {
			continue // commands and output, checked by the tests that run them
		}
		for _, m := range mdLink.FindAllStringSubmatch(line, -1) {
			target, _, _ := strings.Cut(m[1], "#")
			if target == "" || strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(file), filepath.FromSlash(target))); err != nil {
				t.Errorf("%s:%d links to %s, which does not exist", file, i+1, m[1])
			}
		}
		for _, m := range mdCode.FindAllStringSubmatch(line, -1) {
			p := m[1]
			if !pathLike.MatchString(p) || strings.HasPrefix(p, "/") || !(strings.Contains(p, "/") || fileExt.MatchString(p)) ||
				!strings.Contains(strings.TrimLeft(p, "."), ".") && !strings.Contains(p, "/") {
				continue
			}
			cited(t, file, i+1, line, p)
		}
	}
}

func checkGoComments(t *testing.T, file string) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			line := fset.Position(c.Pos()).Line
			for _, m := range commentPath.FindAllStringSubmatch(c.Text, -1) {
				if dataFile.MatchString(m[1]) {
					continue
				}
				cited(t, file, line, cg.Text(), m[1])
			}
		}
	}
}
