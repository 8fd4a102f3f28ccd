// Package examples_test runs every example program's -demo the way a user
// would and checks what they show.
package examples_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
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
	bin := t.TempDir()
	bearer := regexp.MustCompile(`(?i)\b(bearer|basic)\s+[a-z0-9._~+/=-]{8,}`)
	for _, m := range dirs {
		name := filepath.Dir(m)
		t.Run(name, func(t *testing.T) {
			exe := filepath.Join(bin, name)
			if out, err := exec.Command("go", "build", "-o", exe, "./"+name).CombinedOutput(); err != nil {
				t.Fatalf("build: %v\n%s", err, out)
			}
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
