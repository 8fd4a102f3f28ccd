// Package examples_test runs every example program's -demo the way a user
// would and checks what they show.
package examples_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mspsync/mspsync/dattormm/dattormmtest"
	"github.com/mspsync/mspsync/halo/halotest"
	"github.com/mspsync/mspsync/kaseyabms/kaseyabmstest"
	"github.com/mspsync/mspsync/level/leveltest"
	"github.com/mspsync/mspsync/visionone/visiononetest"
	"github.com/mspsync/mspsync/vsax/vsaxtest"
)

// demoSecrets are the credentials the demos' fakes and receiver use.
var demoSecrets = []string{
	halotest.DefaultClientSecret,
	dattormmtest.DefaultAPISecret,
	vsaxtest.DefaultTokenSecret,
	leveltest.DefaultAPIKey,
	visiononetest.KeyPrefix,                 // every API key of the Vision One fake starts with it
	"demo-v1-notify-token-4f2a9c7e1b3d5a60", // visionone-to-halo's notification token
	kaseyabmstest.DefaultPassword,
	"demo-alerts-secret-3c9e7a1f5b2d4068a9c1",      // alerts-to-bms's intake signing secret
	"demo-secret-6f1d9a2c4b7e8f30a1b2c3d4e5f60718", // datto-alerts-to-halo's webhook secret
	"demo-mail-secret-9b2e4c6a8d0f1e3c5a7b",        // datto-alerts-to-halo's mail endpoint secret
	"level-demo-webhook-secret-5c2e9a7b41d3f086",   // level-to-halo's webhook signing secret
	"level-demo-template-secret-8d4f1b6e2a9c7035",  // level-to-halo's automation-template secret
}

// TestDemosLeakNoSecret builds every example, runs its -demo (verbose
// where it has -v, so every request is logged) and fails if a credential
// or a token appears in stdout (tables, JSON, /metrics text) or stderr
// (progress, logs, errors).
func TestDemosLeakNoSecret(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs every example")
	}
	dirs, err := filepath.Glob("*/main.go")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	bearer := regexp.MustCompile(`(?i)\b(bearer|basic)\s+[a-z0-9._~+/=-]{8,}`)
	for _, m := range dirs {
		name := filepath.Dir(m)
		t.Run(name, func(t *testing.T) {
			exe := build(t, name)
			args := []string{"-demo"}
			if src, _ := os.ReadFile(m); bytes.Contains(src, []byte(`"v", false`)) {
				args = append(args, "-v")
			}
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, exe, args...)
			cmd.Dir = t.TempDir() // demos may write state files
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%s %v: %v\n%s", name, args, err, stderr.String())
			}
			for stream, text := range map[string]string{"stdout": stdout.String(), "stderr": stderr.String()} {
				for _, s := range demoSecrets {
					if strings.Contains(text, s) {
						t.Errorf("%s shows the secret %q", stream, s)
					}
				}
				if m := bearer.FindString(text); m != "" {
					t.Errorf("%s shows a credential: %q", stream, m)
				}
			}
			if stdout.Len() == 0 {
				t.Error("the demo printed nothing")
			}
		})
	}
}

// binDir holds the example binaries the tests build (TestMain removes it).
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mspsync-examples-")
	if err != nil {
		panic(err)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var builds sync.Map // example name → *buildResult

type buildResult struct {
	once sync.Once
	exe  string
	err  error
	out  []byte
}

// build builds the example in directory name once per test binary and
// returns the executable's path.
func build(t *testing.T, name string) string {
	t.Helper()
	v, _ := builds.LoadOrStore(name, &buildResult{})
	b := v.(*buildResult)
	b.once.Do(func() {
		b.exe = filepath.Join(binDir, name)
		b.out, b.err = exec.Command("go", "build", "-o", b.exe, "./"+name).CombinedOutput()
	})
	if b.err != nil {
		t.Fatalf("build %s: %v\n%s", name, b.err, b.out)
	}
	return b.exe
}

// examples returns the directories of the example programs.
func examples(t *testing.T) []string {
	t.Helper()
	mains, err := filepath.Glob("*/main.go")
	if err != nil || len(mains) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	var names []string
	for _, m := range mains {
		names = append(names, filepath.Dir(m))
	}
	return names
}

// emptyEnv is an environment with no mspsync setting: only what a
// process needs to run.
func emptyEnv() []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
}

// TestHelp runs every example with -h: it exits 0 and prints a paragraph
// describing the program, two example command lines and every flag.
func TestHelp(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every example")
	}
	for _, name := range examples(t) {
		t.Run(name, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), build(t, name), "-h")
			cmd.Env = emptyEnv()
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("-h: %v\n%s", err, out)
			}
			text := string(out)
			paras := strings.Split(text, "\n\n")
			if !strings.HasPrefix(paras[0], name+" ") || len(strings.Fields(paras[0])) < 40 {
				t.Errorf("-h does not start with a paragraph about %s:\n%s", name, text)
			}
			_, after, ok := strings.Cut(text, "\nExamples:\n")
			if !ok {
				t.Fatalf("-h has no Examples section:\n%s", text)
			}
			examples, _, _ := strings.Cut(after, "\n\n")
			lines := strings.Split(examples, "\n")
			if len(lines) != 2 || !strings.HasPrefix(lines[0], "  "+name+" -demo") || !strings.HasPrefix(lines[1], "  "+name+" -") {
				t.Errorf("want two example command lines, the first with -demo:\n%s", examples)
			}
			for _, flag := range []string{"-demo", "-print-config"} {
				if name == "quickstart" && flag == "-print-config" {
					continue // quickstart has no configuration
				}
				if !strings.Contains(text, "\n  "+flag+"\n") && !strings.Contains(text, "\n  "+flag+" ") {
					t.Errorf("-h does not list %s:\n%s", flag, text)
				}
			}
		})
	}
}

// TestPrintConfigWithoutSettings runs -print-config with no setting in the
// environment: every program with a configuration prints it as JSON and
// exits 0, and what it prints loads back with -config.
func TestPrintConfigWithoutSettings(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every example")
	}
	for _, name := range examples(t) {
		if name == "quickstart" {
			continue // no configuration
		}
		t.Run(name, func(t *testing.T) {
			exe := build(t, name)
			cmd := exec.CommandContext(t.Context(), exe, "-print-config")
			cmd.Env = emptyEnv()
			cmd.Dir = t.TempDir()
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("-print-config without settings: %v\n%s", err, stderr.String())
			}
			var v map[string]any
			if err := json.Unmarshal(stdout.Bytes(), &v); err != nil || len(v) == 0 {
				t.Fatalf("-print-config printed no JSON object (%v):\n%s", err, stdout.String())
			}
			path := filepath.Join(t.TempDir(), "config.json")
			if err := os.WriteFile(path, stdout.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			again := exec.CommandContext(t.Context(), exe, "-print-config", "-config", path)
			again.Env = emptyEnv()
			out, err := again.Output()
			if err != nil {
				t.Fatalf("-config with the printed config: %v", err)
			}
			if !bytes.Equal(out, stdout.Bytes()) {
				t.Errorf("the printed config does not load back as itself:\n%s\nwant\n%s", out, stdout.String())
			}
		})
	}
}
