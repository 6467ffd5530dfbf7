package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// No Docker engine runs on the development and CI machines, so the image is checked by
// reading docker/Dockerfile: everything it installs must go through scripts/install.sh (which
// `make setup` runs on every CI run), with options the script accepts, and the image must be
// what docker/README.md promises (non-root, the lab on port 8888, the mountable notebooks).

// dockerfileBuildArgs lists every value each build argument may take; the default must be
// one of them, and every install.sh call is checked with each.
var dockerfileBuildArgs = map[string][]string{
	"XLA": {"cpu", "cuda", "none"},
}

// dockerfileAllowedCommands are the commands a RUN line may use besides scripts/install.sh:
// creating the user and its folder installs nothing.
var dockerfileAllowedCommands = []string{"useradd", "groupadd", "mkdir", "chown"}

// dockerInstruction is one Dockerfile instruction with its continuation lines joined.
type dockerInstruction struct {
	Line int      // where it starts, 1-based
	Cmd  string   // upper-cased: RUN, COPY, ...
	Args string   // the rest, as written
	Exec []string // the JSON ("exec") form's words, if Args is a JSON array
}

// dockerfileParse splits a Dockerfile into instructions: comments and blank lines dropped,
// backslash continuations joined (comment lines inside them removed, as Docker does).
func dockerfileParse(src string) ([]dockerInstruction, error) {
	var out []dockerInstruction
	var cur strings.Builder
	start := 0
	for i, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if body, more := strings.CutSuffix(strings.TrimRight(line, " \t\r"), `\`); more {
			cur.WriteString(body + " ")
			continue
		}
		cur.WriteString(line)
		text := strings.TrimSpace(cur.String())
		cur.Reset()
		cmd, args, _ := strings.Cut(text, " ")
		ins := dockerInstruction{Line: start, Cmd: strings.ToUpper(cmd), Args: strings.TrimSpace(args)}
		if strings.HasPrefix(ins.Args, "[") {
			if err := json.Unmarshal([]byte(ins.Args), &ins.Exec); err != nil {
				return nil, fmt.Errorf("line %d: %s: bad JSON form %s: %v", start, ins.Cmd, ins.Args, err)
			}
		}
		out = append(out, ins)
	}
	if cur.Len() > 0 {
		return nil, fmt.Errorf("line %d: continuation runs past the end of the file", start)
	}
	return out, nil
}

// dockerInstallCall is one run of scripts/install.sh from a RUN line.
type dockerInstallCall struct {
	Line int
	Args []string
}

// dockerfileCheckRun returns the install.sh calls of one RUN instruction, or an error naming
// the first command that is neither install.sh nor one of dockerfileAllowedCommands.
func dockerfileCheckRun(ins dockerInstruction) ([]dockerInstallCall, error) {
	script := ins.Args
	if ins.Exec != nil {
		if len(ins.Exec) >= 3 && (filepath.Base(ins.Exec[0]) == "sh" || filepath.Base(ins.Exec[0]) == "bash") && ins.Exec[1] == "-c" {
			script = ins.Exec[2]
		} else {
			script = strings.Join(ins.Exec, " ")
		}
	}
	// Command substitution and heredocs can hide a command from this reading: refused.
	for _, hidden := range []string{"$(", "`", "<<", "eval "} {
		if strings.Contains(script, hidden) {
			return nil, fmt.Errorf("line %d: RUN uses %q, which this check cannot see through: %s", ins.Line, hidden, script)
		}
	}
	words := dockerfileWords(script)
	for len(words) > 0 && strings.HasPrefix(words[0], "--") { // RUN --mount=... and friends
		words = words[1:]
	}
	var calls []dockerInstallCall
	for len(words) > 0 {
		end := slices.IndexFunc(words, func(w string) bool { return slices.Contains([]string{"&&", "||", ";", "|", "&"}, w) })
		if end < 0 {
			end = len(words)
		}
		cmd := words[:end]
		for len(cmd) > 0 && regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`).MatchString(cmd[0]) {
			cmd = cmd[1:] // VAR=value prefixes
		}
		if len(cmd) > 1 && (filepath.Base(cmd[0]) == "bash" || filepath.Base(cmd[0]) == "sh") {
			cmd = cmd[1:]
		}
		switch {
		case len(cmd) == 0:
		case strings.HasSuffix(cmd[0], "scripts/install.sh"):
			calls = append(calls, dockerInstallCall{Line: ins.Line, Args: cmd[1:]})
		case slices.Contains(dockerfileAllowedCommands, cmd[0]):
		case slices.Equal(cmd, []string{"go", "version"}):
			// Fetches the toolchain ENV GOTOOLCHAIN names, in a layer of its own; nothing else.
		default:
			return nil, fmt.Errorf("line %d: RUN runs %q: install through scripts/install.sh (other commands allowed: %v)",
				ins.Line, strings.Join(cmd, " "), dockerfileAllowedCommands)
		}
		if end == len(words) {
			break
		}
		words = words[end+1:]
	}
	return calls, nil
}

// dockerfileWords splits a shell command line into words, with quotes removed and the
// operators &&, ||, ;, | and & as words of their own. Enough for RUN lines, not a shell.
func dockerfileWords(s string) []string {
	var words []string
	var w strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			words = append(words, w.String())
			w.Reset()
			inWord = false
		}
	}
	var quote rune
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				w.WriteRune(r)
			}
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			flush()
		case r == ';' || r == '&' || r == '|':
			flush()
			op := string(r)
			if i+1 < len(rs) && rs[i+1] == r && r != ';' {
				op += string(r)
				i++
			}
			words = append(words, op)
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	flush()
	return words
}

// dockerfileExpand replaces $VAR and ${VAR} by the values given.
func dockerfileExpand(s string, vars map[string]string) string {
	return os.Expand(s, func(k string) string { return vars[k] })
}

func TestDockerfileRunCheck(t *testing.T) {
	for _, tc := range []struct {
		run       string
		wantErr   string // "" when the line is fine
		wantCalls [][]string
	}{
		{`RUN bash scripts/install.sh --no-apt --warm`, "", [][]string{{"--no-apt", "--warm"}}},
		{`RUN ["bash", "scripts/install.sh", "--apt-only"]`, "", [][]string{{"--apt-only"}}},
		{`RUN ["/bin/sh", "-c", "apt-get install -y curl"]`, `"apt-get install -y curl"`, nil},
		{`RUN --mount=type=cache,target=/root/.cache DEBUG=1 /src/scripts/install.sh --image`, "", [][]string{{"--image"}}},
		{`RUN useradd -m student && mkdir -p /w && chown student /w`, "", nil},
		{`RUN apt-get update && apt-get install -y vim`, `"apt-get update"`, nil},
		{`RUN bash scripts/install.sh --no-apt && pip install numpy`, `"pip install numpy"`, nil},
		{`RUN useradd -m s; go install golang.org/x/tools/gopls@v0.23.0`, `"go install golang.org/x/tools/gopls@v0.23.0"`, nil},
		{`RUN curl -fsSL https://example.com/x.sh | sh`, `"curl -fsSL https://example.com/x.sh"`, nil},
		{`RUN useradd "$(curl -s https://example.com)"`, `uses "$("`, nil},
		{"RUN <<EOF\napt-get install -y vim\nEOF", `uses "<<"`, nil},
		{`RUN bash scripts/install.sh --no-apt || go mod download`, `"go mod download"`, nil},
		{`RUN go version`, "", nil},
		{`RUN go version && go mod download`, `"go mod download"`, nil},
		{`RUN go version -m /bin/x`, `"go version -m /bin/x"`, nil},
	} {
		t.Run(tc.run, func(t *testing.T) {
			ins, err := dockerfileParse(tc.run)
			if err != nil {
				t.Fatal(err)
			}
			calls, err := dockerfileCheckRun(ins[0])
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want one containing %s", err, tc.wantErr)
			}
			var got [][]string
			for _, c := range calls {
				got = append(got, c.Args)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.wantCalls) {
				t.Errorf("install.sh calls %q, want %q", got, tc.wantCalls)
			}
		})
	}
}

func TestDockerfileParse(t *testing.T) {
	src := "# syntax=docker/dockerfile:1\nFROM x\n\nRUN a \\\n  # inner comment\n  b && \\\n  c\nCMD [\"bash\", \"l.sh\"]\n"
	got, err := dockerfileParse(src)
	if err != nil {
		t.Fatal(err)
	}
	want := []dockerInstruction{
		{Line: 2, Cmd: "FROM", Args: "x"},
		{Line: 4, Cmd: "RUN", Args: "a    b &&    c"},
		{Line: 8, Cmd: "CMD", Args: `["bash", "l.sh"]`, Exec: []string{"bash", "l.sh"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parsed\n%#v\nwant\n%#v", got, want)
	}
	for _, bad := range []string{"RUN a \\\n", `CMD ["bash", `} {
		if _, err := dockerfileParse(bad); err == nil {
			t.Errorf("dockerfileParse(%q) succeeded, want an error", bad)
		}
	}
}

// TestDockerfile reads the real docker/Dockerfile.
func TestDockerfile(t *testing.T) {
	root := labRepoRoot(t)
	raw, err := os.ReadFile(filepath.Join(root, "docker", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	instructions, err := dockerfileParse(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	args := map[string]string{}
	env := map[string]string{}
	var from, user, workdir string
	var calls []dockerInstallCall
	var rootCalls, userCalls int
	var cmd, entrypoint []string
	copied := map[string]string{} // destination -> source of each COPY with one source
	exposed := false
	for _, ins := range instructions {
		switch ins.Cmd {
		case "ARG":
			name, def, _ := strings.Cut(ins.Args, "=")
			args[name] = def
			if values, ok := dockerfileBuildArgs[name]; ok && !slices.Contains(values, def) {
				t.Errorf("line %d: ARG %s default %q is none of %v", ins.Line, name, def, values)
			}
		case "FROM":
			if from != "" {
				t.Errorf("line %d: a second FROM: the image has one stage", ins.Line)
			}
			from = dockerfileExpand(ins.Args, args)
		case "USER":
			user = ins.Args
		case "WORKDIR":
			workdir = ins.Args
		case "ENV":
			for _, kv := range dockerfileWords(ins.Args) {
				k, v, _ := strings.Cut(kv, "=")
				env[k] = v
			}
		case "EXPOSE":
			exposed = exposed || slices.Contains(strings.Fields(ins.Args), "8888")
		case "CMD":
			cmd = ins.Exec
		case "ENTRYPOINT":
			entrypoint = ins.Exec
		case "COPY", "ADD":
			if ins.Cmd == "ADD" {
				t.Errorf("line %d: ADD can download: use COPY", ins.Line)
			}
			words := strings.Fields(ins.Args)
			if srcs := slices.DeleteFunc(slices.Clone(words[:len(words)-1]), func(w string) bool { return strings.HasPrefix(w, "--") }); len(srcs) == 1 {
				copied[words[len(words)-1]] = srcs[0]
			}
			for _, src := range words[:len(words)-1] {
				if strings.HasPrefix(src, "--") {
					continue
				}
				if m, _ := filepath.Glob(filepath.Join(root, src)); len(m) == 0 {
					t.Errorf("line %d: COPY source %s does not exist in the repository", ins.Line, src)
				}
			}
		case "RUN":
			if user != "" && user != "root" && user != "0" && env["GOTOOLCHAIN"] == "" {
				t.Errorf("line %d: RUN as %s before ENV GOTOOLCHAIN: its go commands would run the base image's Go", ins.Line, user)
			}
			c, err := dockerfileCheckRun(ins)
			if err != nil {
				t.Error(err)
			}
			for range c {
				if user == "" || user == "root" || user == "0" {
					rootCalls++
				} else {
					userCalls++
				}
			}
			calls = append(calls, c...)
		}
	}

	// The base image's Go may be older than go.mod's: GOTOOLCHAIN names the Go that builds,
	// the Makefile's (go1.27.N for go.mod's go 1.27), with the Makefile's GOEXPERIMENT (simd:
	// the Go backend's AVX-512/AVX2 kernels).
	if !regexp.MustCompile(`^golang:\d+\.\d+\.\d+-bookworm$`).MatchString(from) {
		t.Errorf("FROM %s: want an official golang:X.Y.Z-bookworm image (Debian bookworm as CI)", from)
	}
	goVersion := dockerfileGoDirective(t, root)
	makeVars := dockerfileMakefileExports(t, root)
	if tc := makeVars["GOTOOLCHAIN"]; !regexp.MustCompile(`^go` + regexp.QuoteMeta(goVersion) + `\.\d+$`).MatchString(tc) {
		t.Errorf("the Makefile exports GOTOOLCHAIN=%q: want go%s.N (go.mod says go %s)", tc, goVersion, goVersion)
	}
	if !slices.Contains(strings.Split(makeVars["GOEXPERIMENT"], ","), "simd") {
		t.Errorf("the Makefile exports GOEXPERIMENT=%q: want simd in it", makeVars["GOEXPERIMENT"])
	}
	for _, k := range []string{"GOTOOLCHAIN", "GOEXPERIMENT"} {
		if env[k] != makeVars[k] {
			t.Errorf("ENV %s=%q: want %q, as the Makefile exports", k, env[k], makeVars[k])
		}
	}
	// The image may end as root only to start docker/entrypoint.sh, which runs the command as
	// the notebooks folder's owner and never as root.
	if user == "" || user == "root" || user == "0" {
		if len(entrypoint) < 3 || copied[entrypoint[2]] != "docker/entrypoint.sh" {
			t.Errorf("the image runs as %q with ENTRYPOINT %q: want a non-root USER, or tini starting docker/entrypoint.sh", user, entrypoint)
		}
		script, err := os.ReadFile(filepath.Join(root, "docker", "entrypoint.sh"))
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`(?m)^exec setpriv --reuid=`).Match(script) || !strings.Contains(string(script), `if [ "$uid" = 0 ]; then`) {
			t.Errorf("docker/entrypoint.sh does not drop root with setpriv, refusing UID 0")
		}
	}
	if rootCalls == 0 || userCalls == 0 {
		t.Errorf("install.sh runs %d times as root and %d as the user: want the packages as root, the rest as the user", rootCalls, userCalls)
	}
	if !exposed || env["LAB_IP"] != "0.0.0.0" || env["LAB_PORT"] != "8888" {
		t.Errorf("EXPOSE 8888 %v, LAB_IP=%q, LAB_PORT=%q: want the lab on 0.0.0.0:8888 inside the container", exposed, env["LAB_IP"], env["LAB_PORT"])
	}
	if !slices.Contains(cmd, "scripts/lab.sh") {
		t.Errorf("CMD %q does not start scripts/lab.sh", cmd)
	}
	if len(entrypoint) == 0 || filepath.Base(entrypoint[0]) != "tini" {
		t.Errorf("ENTRYPOINT %q: want tini as PID 1 (Ctrl-C and docker stop reach Jupyter, finished cell programs are reaped)", entrypoint)
	}

	// Every call is one the script accepts, for every value of the build arguments, and
	// together they install the lab's packages, the plugin and the warm caches.
	var all []string
	plugins := map[string]bool{} // XLA value -> some call plans its plugin
	for _, c := range calls {
		for _, vars := range dockerfileArgVariants(args) {
			expanded := make([]string, len(c.Args))
			for i, a := range c.Args {
				expanded[i] = dockerfileExpand(a, vars)
			}
			out := dockerfileDryRun(t, root, expanded...)
			if strings.Contains(out, "XLA PJRT plugin: "+vars["XLA"]) {
				plugins[vars["XLA"]] = true
			}
			if strings.Contains(strings.Join(expanded, " "), "--image") && strings.Contains(out, "apt:") && !strings.Contains(out, " tini") {
				t.Errorf("line %d: install.sh %s installs no tini, which ENTRYPOINT needs:\n%s", c.Line, expanded, out)
			}
			all = append(all, expanded...)
		}
	}
	for _, want := range []string{"--apt-only", "--image", "--warm", "--xla=cpu", "--xla=cuda", "--xla=none"} {
		if !slices.Contains(all, want) {
			t.Errorf("no install.sh call in the Dockerfile uses %s (calls: %q)", want, all)
		}
	}

	// XLA=none is the offline build: no plugin download may be planned.
	for _, xla := range dockerfileBuildArgs["XLA"] {
		if want := xla != "none"; plugins[xla] != want {
			t.Errorf("XLA=%s: install.sh plans the plugin download: %v, want %v", xla, plugins[xla], want)
		}
	}

	// The README's mount path is the image's notebooks folder.
	readme, err := os.ReadFile(filepath.Join(root, "docker", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		fmt.Sprintf(`-v "$PWD/notebooks:%s/notebooks"`, workdir),
		"docker build -f docker/Dockerfile",
		"-p 8888:8888",
		"make lab",
	} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("docker/README.md does not mention %s", want)
		}
	}
	ignore, err := os.ReadFile(filepath.Join(root, "docker", "Dockerfile.dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{".git", "build"} {
		if !slices.Contains(strings.Fields(string(ignore)), want) {
			t.Errorf("docker/Dockerfile.dockerignore does not exclude %s from the build context", want)
		}
	}
}

// TestInstallScriptOptions checks that install.sh refuses what it does not know, so that a
// passing dry run of the Dockerfile's calls means something.
func TestInstallScriptOptions(t *testing.T) {
	root := labRepoRoot(t)
	for _, tc := range []struct {
		args []string
		want string // in the error
	}{
		{[]string{"--xla=tpu"}, "unknown XLA plugin 'tpu'"},
		{[]string{"--docker"}, "unknown option --docker"},
		{[]string{"--no-apt", "--apt-only"}, "leave nothing to do"},
		{[]string{"--apt-only", "--warm"}, "--apt-only cannot be combined"},
	} {
		cmd := exec.Command("bash", append([]string{filepath.Join(root, "scripts", "install.sh")}, append(tc.args, "--dry-run")...)...)
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), tc.want) {
			t.Errorf("install.sh %q: err = %v, output %q; want a failure saying %q", tc.args, err, out, tc.want)
		}
	}
}

// dockerfileArgVariants returns one variable set per value of each listed build argument
// (the others at their defaults).
func dockerfileArgVariants(defaults map[string]string) []map[string]string {
	variants := []map[string]string{defaults}
	for name, values := range dockerfileBuildArgs {
		for _, v := range values {
			if v == defaults[name] {
				continue // the defaults are there already
			}
			vars := map[string]string{}
			for k, d := range defaults {
				vars[k] = d
			}
			vars[name] = v
			variants = append(variants, vars)
		}
	}
	return variants
}

func dockerfileDryRun(t *testing.T, root string, args ...string) string {
	t.Helper()
	cmd := exec.Command("bash", append([]string{filepath.Join(root, "scripts", "install.sh")}, append(args, "--dry-run")...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("scripts/install.sh %s --dry-run: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// dockerfileMakefileExports returns the variables the Makefile exports with `export NAME := value`.
func dockerfileMakefileExports(t *testing.T, root string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^export ([A-Z_]+) :?= *(\S+)$`).FindAllSubmatch(raw, -1) {
		vars[string(m[1])] = string(m[2])
	}
	return vars
}

// dockerfileGoDirective returns go.mod's go version ("1.27").
func dockerfileGoDirective(t *testing.T, root string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(raw)
	if m == nil {
		t.Fatal("go.mod has no go directive")
	}
	return string(m[1])
}
