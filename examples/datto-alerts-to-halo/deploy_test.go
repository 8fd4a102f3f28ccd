package main

import (
	"bufio"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction: its keyword (upper case) and
// the rest of its (joined) lines.
type instruction struct{ cmd, args string }

// parseDockerfile reads the instructions of a Dockerfile: comments and
// blank lines dropped, continuation lines joined.
func parseDockerfile(t *testing.T, path string) []instruction {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []instruction
	var cur string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if more, ok := strings.CutSuffix(line, `\`); ok {
			cur += more + " "
			continue
		}
		cur += line
		cmd, args, _ := strings.Cut(cur, " ")
		out = append(out, instruction{strings.ToUpper(cmd), strings.TrimSpace(args)})
		cur = ""
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != "" {
		t.Fatalf("%s ends in a continuation line", path)
	}
	return out
}

// programFlags are the flag names main.go defines.
func programFlags(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range regexp.MustCompile(`flag\.\w+\(&o\.\w+, "([a-z-]+)"`).FindAllSubmatch(src, -1) {
		names = append(names, string(m[1]))
	}
	if len(names) < 10 {
		t.Fatalf("found only %d flags in main.go: %v", len(names), names)
	}
	return names
}

// checkFlags fails for every -flag in args that the program does not have.
func checkFlags(t *testing.T, where string, args []string) {
	t.Helper()
	flags := programFlags(t)
	for _, a := range args {
		if name, ok := strings.CutPrefix(a, "-"); ok && !slices.Contains(flags, name) {
			t.Errorf("%s passes %s, which the program does not have", where, a)
		}
	}
}

// TestDockerfile checks the Dockerfile's shape without a Docker daemon
// (.ci/run also runs docker build --check where one is available): a Go
// build stage on go.mod's Go version running build.sh (the static build
// .ci/run repeats), a distroless or scratch final stage with CA
// certificates, a non-root user, the state directory as a volume holding
// -store, and flags the program has.
func TestDockerfile(t *testing.T) {
	ins := parseDockerfile(t, "Dockerfile")
	var stages []int
	for i, in := range ins {
		if in.cmd == "FROM" {
			stages = append(stages, i)
		}
	}
	if len(stages) < 2 {
		t.Fatalf("%d stages, want a build stage and a runtime stage", len(stages))
	}
	gomod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(gomod)
	build := ins[stages[0]].args
	if goVersion == nil || !regexp.MustCompile(`^golang:`+regexp.QuoteMeta(string(goVersion[1]))+`(\.\d+)?(-\S+)? AS build$`).MatchString(build) {
		t.Errorf("build stage FROM %q, want golang:%s… AS build (go.mod's version)", build, goVersion[1])
	}
	var built bool
	for _, in := range ins[stages[0]:stages[len(stages)-1]] {
		if in.cmd == "RUN" && strings.Contains(in.args, "sh examples/datto-alerts-to-halo/build.sh ") {
			built = true
		}
		if in.cmd == "RUN" && strings.Contains(in.args, "go build") {
			t.Errorf("RUN %s: build with build.sh, so .ci/run builds the same way", in.args)
		}
	}
	if !built {
		t.Error("no RUN sh examples/datto-alerts-to-halo/build.sh in the build stage")
	}
	script, err := os.ReadFile("build.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"CGO_ENABLED=0 go build", "-trimpath", "-tags timetzdata", "./examples/datto-alerts-to-halo"} {
		if !strings.Contains(string(script), want) {
			t.Errorf("build.sh lacks %q", want)
		}
	}

	final := ins[stages[len(stages)-1]:]
	base := final[0].args
	if !strings.HasPrefix(base, "gcr.io/distroless/static") && base != "scratch" {
		t.Errorf("runtime stage FROM %q, want distroless static or scratch", base)
	}
	var user, volume, entry, cmd string
	var copiedCerts bool
	for _, in := range final[1:] {
		switch in.cmd {
		case "USER":
			user = in.args
		case "VOLUME":
			volume = in.args
		case "ENTRYPOINT":
			entry = in.args
		case "CMD":
			cmd = in.args
		case "COPY":
			if strings.Contains(in.args, "ca-certificates") {
				copiedCerts = true
			}
		case "RUN":
			t.Errorf("RUN in the runtime stage: %s (it has no shell)", in.args)
		}
	}
	if base == "scratch" && !copiedCerts {
		t.Error("a scratch image needs the CA certificates copied in")
	}
	if name, _, _ := strings.Cut(user, ":"); user == "" || name == "root" || name == "0" {
		t.Errorf("USER %q: the receiver must not run as root", user)
	}
	if entry != `["/usr/local/bin/datto-alerts-to-halo"]` {
		t.Errorf("ENTRYPOINT %s", entry)
	}
	var args []string
	for _, m := range regexp.MustCompile(`"([^"]*)"`).FindAllStringSubmatch(cmd, -1) {
		args = append(args, m[1])
	}
	checkFlags(t, "CMD", args)
	store := argAfter(args, "-store")
	vols := regexp.MustCompile(`"([^"]+)"`).FindAllStringSubmatch(volume, -1)
	if len(vols) != 1 || store == "" || !strings.HasPrefix(store, vols[0][1]+"/") {
		t.Errorf("VOLUME %s and CMD -store %q: the store must be on the volume", volume, store)
	}
	if listen := argAfter(args, "-listen"); !strings.HasPrefix(listen, ":") {
		t.Errorf("CMD -listen %q: in a container, listen on all interfaces (\":8080\")", listen)
	}
}

func argAfter(args []string, flag string) string {
	if i := slices.Index(args, flag); i >= 0 && i+1 < len(args) {
		return args[i+1]
	}
	return ""
}

// TestSystemdUnit checks the unit's hardening and its command line
// (.ci/run also runs systemd-analyze verify where it is installed).
func TestSystemdUnit(t *testing.T) {
	b, err := os.ReadFile("datto-alerts-to-halo.service")
	if err != nil {
		t.Fatal(err)
	}
	set := map[string][]string{}
	section := ""
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "[") {
			section = strings.Trim(line, "[]")
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Errorf("not a setting: %q", line)
			continue
		}
		set[section+"."+k] = append(set[section+"."+k], v)
	}
	for key, want := range map[string]string{
		"Service.DynamicUser":             "yes",
		"Service.NoNewPrivileges":         "yes",
		"Service.ProtectSystem":           "strict",
		"Service.ProtectHome":             "yes",
		"Service.PrivateTmp":              "yes",
		"Service.PrivateDevices":          "yes",
		"Service.CapabilityBoundingSet":   "",
		"Service.RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
		"Service.StateDirectory":          "datto-alerts-to-halo",
		"Service.MemoryDenyWriteExecute":  "yes",
		"Service.ProtectKernelTunables":   "yes",
		"Service.SystemCallArchitectures": "native",
		"Service.UMask":                   "0077",
		"Service.Restart":                 "on-failure",
		"Install.WantedBy":                "multi-user.target",
	} {
		if vs := set[key]; len(vs) != 1 || vs[0] != want {
			t.Errorf("%s = %q, want %q", key, vs, want)
		}
	}
	if !slices.Contains(set["Service.SystemCallFilter"], "@system-service") {
		t.Errorf("SystemCallFilter = %q, want @system-service", set["Service.SystemCallFilter"])
	}
	execs := set["Service.ExecStart"]
	if len(execs) != 1 {
		t.Fatalf("ExecStart = %q", execs)
	}
	args := strings.Fields(execs[0])
	if args[0] != "/usr/local/bin/datto-alerts-to-halo" {
		t.Errorf("ExecStart runs %s", args[0])
	}
	checkFlags(t, "ExecStart", args[1:])
	if store := argAfter(args, "-store"); !strings.HasPrefix(store, "%S/"+set["Service.StateDirectory"][0]+"/") {
		t.Errorf("-store %q is not in the StateDirectory (%%S/%s/)", store, set["Service.StateDirectory"][0])
	}
	if listen := argAfter(args, "-listen"); !strings.HasPrefix(listen, "127.0.0.1:") {
		t.Errorf("-listen %q: behind a reverse proxy, listen on loopback", listen)
	}
}
