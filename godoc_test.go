package mspsync_test

import (
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/alerting"
	"github.com/mspsync/mspsync/alerting/receiver"
	"github.com/mspsync/mspsync/kaseyabms/kaseyabmsdriver"
	"github.com/mspsync/mspsync/reconcile"
	"github.com/mspsync/mspsync/visionone/visiononedriver"
)

// publicPackageDirs returns the directories of the module's importable
// packages: every directory with non-test Go files, except internal/ and
// testdata/ trees and the example programs (package main).
func publicPackageDirs(t *testing.T) []string {
	t.Helper()
	var dirs []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		switch base := d.Name(); {
		case path != "." && (strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_")),
			base == "internal", base == "testdata", path == "examples":
			return filepath.SkipDir
		}
		files, _ := filepath.Glob(filepath.Join(path, "*.go"))
		if slices.ContainsFunc(files, func(f string) bool { return !strings.HasSuffix(f, "_test.go") }) {
			dirs = append(dirs, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dirs
}

// TestExportedNamesAreDocumented fails for every exported name of a public
// package that has no doc comment: the package itself, constants and
// variables (a group's comment covers its names), functions, types,
// methods, and the methods of exported interfaces (golint's rule, plus
// interface methods, which drivers implement). Struct fields are checked
// where users write them: every field of the configuration types
// (TestConfigKeysAreDocumented).
func TestExportedNamesAreDocumented(t *testing.T) {
	for _, dir := range publicPackageDirs(t) {
		fset, p := parsePackage(t, dir)
		if p == nil {
			continue
		}
		for _, m := range undocumented(fset, p) {
			t.Errorf("%s: %s has no doc comment", dir, m)
		}
	}
}

// parsePackage reads the doc of the non-main package in dir (nil for a
// command).
func parsePackage(t *testing.T, dir string) (*token.FileSet, *doc.Package) {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	for name, pkg := range pkgs {
		if name == "main" {
			continue
		}
		var files []*ast.File
		for _, f := range pkg.Files {
			files = append(files, f)
		}
		p, err := doc.NewFromFiles(fset, files, "github.com/mspsync/mspsync/"+filepath.ToSlash(dir))
		if err != nil {
			t.Fatal(err)
		}
		return fset, p
	}
	return fset, nil
}

// position renders pos as "file.go:line".
func position(fset *token.FileSet, pos token.Pos) string {
	p := fset.Position(pos)
	return fmt.Sprintf("%s:%d", filepath.Base(p.Filename), p.Line)
}

// undocumented lists p's exported names without a doc comment, each with
// its position.
func undocumented(fset *token.FileSet, p *doc.Package) []string {
	var out []string
	miss := func(pos token.Pos, what string) { out = append(out, what+" ("+position(fset, pos)+")") }
	if strings.TrimSpace(p.Doc) == "" {
		out = append(out, "package "+p.Name)
	}
	values := func(vs []*doc.Value) {
		for _, v := range vs {
			if strings.TrimSpace(v.Doc) != "" {
				continue
			}
			for _, spec := range v.Decl.Specs {
				vs := spec.(*ast.ValueSpec)
				if vs.Doc != nil || vs.Comment != nil {
					continue
				}
				for _, n := range vs.Names {
					if n.IsExported() {
						miss(n.Pos(), n.Name)
					}
				}
			}
		}
	}
	funcs := func(recv string, fs []*doc.Func) {
		for _, f := range fs {
			if strings.TrimSpace(f.Doc) == "" && ast.IsExported(f.Name) {
				miss(f.Decl.Pos(), recv+f.Name)
			}
		}
	}
	values(p.Consts)
	values(p.Vars)
	funcs("", p.Funcs)
	for _, typ := range p.Types {
		if strings.TrimSpace(typ.Doc) == "" {
			miss(typ.Decl.Pos(), "type "+typ.Name)
		}
		values(typ.Consts)
		values(typ.Vars)
		funcs("", typ.Funcs)
		funcs(typ.Name+".", typ.Methods)
		if it, ok := typeSpec(typ).Type.(*ast.InterfaceType); ok {
			for _, n := range undocumentedFields(fset, it.Methods) {
				miss(n.Pos(), typ.Name+"."+n.Name)
			}
		}
	}
	return out
}

// typeSpec returns the declaration of typ.
func typeSpec(typ *doc.Type) *ast.TypeSpec {
	for _, spec := range typ.Decl.Specs {
		if ts, ok := spec.(*ast.TypeSpec); ok && ts.Name.Name == typ.Name {
			return ts
		}
	}
	panic("no spec for " + typ.Name)
}

// undocumentedFields returns the exported names of list without a comment.
// A comment above a field also covers the fields right under it (no blank
// line between), as in
//
//	// PollPasses counts …; PollRaised and PollResolved the raises and …
//	PollPasses int64
//	PollRaised, PollResolved int64
func undocumentedFields(fset *token.FileSet, list *ast.FieldList) []*ast.Ident {
	var out []*ast.Ident
	covered := false
	prevEnd := -1
	for _, f := range list.List {
		start := fset.Position(f.Pos()).Line
		switch {
		case f.Doc != nil || f.Comment != nil:
			covered = f.Doc != nil
		case covered && start == prevEnd+1:
			// under a documented field, no blank line between
		default:
			covered = false
			for _, n := range f.Names {
				if n.IsExported() {
					out = append(out, n)
				}
			}
		}
		prevEnd = fset.Position(f.End()).Line
	}
	return out
}

// TestConfigKeysAreDocumented fails for every field of a configuration
// type without a doc comment: the structs reachable from reconcile.Config,
// alerting.Config and receiver.Config, whose fields are the keys of the
// JSON files users write (the README's configuration reference points to
// them).
func TestConfigKeysAreDocumented(t *testing.T) {
	types := map[string]map[string]bool{} // package dir → struct type names
	var walk func(rt reflect.Type)
	walk = func(rt reflect.Type) {
		for rt.Kind() == reflect.Pointer || rt.Kind() == reflect.Slice || rt.Kind() == reflect.Array || rt.Kind() == reflect.Map {
			if rt.Kind() == reflect.Map {
				walk(rt.Key())
			}
			rt = rt.Elem()
		}
		dir, ok := strings.CutPrefix(rt.PkgPath(), "github.com/mspsync/mspsync/")
		if rt.Kind() != reflect.Struct || !ok || types[dir][rt.Name()] {
			return
		}
		if types[dir] == nil {
			types[dir] = map[string]bool{}
		}
		types[dir][rt.Name()] = true
		for i := range rt.NumField() {
			if f := rt.Field(i); f.IsExported() {
				walk(f.Type)
			}
		}
	}
	for _, root := range []any{reconcile.Config{}, alerting.Config{}, receiver.Config{}, visiononedriver.Config{}, kaseyabmsdriver.PerUserBilling{}} {
		walk(reflect.TypeOf(root))
	}
	if len(types["reconcile"]) < 5 || len(types["alerting"]) < 5 {
		t.Fatalf("config types found: %v", types)
	}
	for dir, names := range types {
		fset, p := parsePackage(t, dir)
		for _, typ := range p.Types {
			if !names[typ.Name] {
				continue
			}
			st, ok := typeSpec(typ).Type.(*ast.StructType)
			if !ok {
				continue
			}
			for _, n := range undocumentedFields(fset, st.Fields) {
				t.Errorf("%s: config key %s.%s (%s) has no doc comment", dir, typ.Name, n.Name, position(fset, n.Pos()))
			}
		}
	}
}

// TestReadmeListsEveryConfigKey fails for every JSON key of reconcile's,
// alerting's and the receiver's configuration that README.md's
// configuration reference does not list as `path.to.key`. A struct type
// met a second time is listed once (alert_types.ticket has ticket's keys);
// the criteria keys are listed as `criteria.<key>`.
func TestReadmeListsEveryConfigKey(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, ref, _ := strings.Cut(string(readme), "## Configuration reference")
	if ref == "" {
		t.Fatal("README.md has no configuration reference")
	}
	var keys []string
	seen := map[reflect.Type]bool{}
	var walk func(prefix string, rt reflect.Type)
	walk = func(prefix string, rt reflect.Type) {
		for rt.Kind() == reflect.Pointer || rt.Kind() == reflect.Slice || rt.Kind() == reflect.Map {
			rt = rt.Elem()
		}
		if rt.Kind() != reflect.Struct || !strings.HasPrefix(rt.PkgPath(), "github.com/mspsync/mspsync/") || seen[rt] {
			return
		}
		seen[rt] = true
		if rt == reflect.TypeFor[reconcile.Criterion]() {
			prefix = "criteria."
		}
		for i := range rt.NumField() {
			f := rt.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch {
			case !f.IsExported() || tag == "-":
				continue
			case f.Anonymous && tag == "":
				walk(prefix, f.Type)
				continue
			case tag == "":
				tag = f.Name
			}
			keys = append(keys, prefix+tag)
			walk(prefix+tag+".", f.Type)
		}
	}
	walk("", reflect.TypeFor[reconcile.Config]())
	walk("", reflect.TypeFor[alerting.Config]())
	walk("receiver.", reflect.TypeFor[receiver.Config]())
	if len(keys) < 100 {
		t.Fatalf("found only %d keys", len(keys))
	}
	for _, k := range keys {
		if !strings.Contains(ref, "`"+k+"`") {
			t.Errorf("README.md's configuration reference does not list `%s`", k)
		}
	}
}

// TestLibraryHasNoMetricsDependency: Prometheus' client is the receiver
// example's choice; no library package (anything outside examples/)
// depends on it.
func TestLibraryHasNoMetricsDependency(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Deps " "}}`, "./...").Output()
	if err != nil {
		t.Fatal(err)
	}
	users := 0
	for line := range strings.Lines(string(out)) {
		pkg, deps, _ := strings.Cut(strings.TrimSpace(line), " ")
		uses := strings.Contains(" "+deps+" ", " github.com/prometheus/client_golang/prometheus ")
		if uses {
			users++
		}
		if uses && !strings.HasPrefix(pkg, "github.com/mspsync/mspsync/examples/") {
			t.Errorf("%s depends on github.com/prometheus/client_golang", pkg)
		}
	}
	if users == 0 {
		t.Error("no package uses client_golang: the check checks nothing")
	}
}
