package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dlopt/course/dlopt/optim"
)

const optimizerOracle = "../../dlopt/optim/testdata/optimizers-torch2.11-optax0.2.8.json"

// TestTrajectoryCommandOracle feeds oracle entries of registered optimizers to
// `dlopt trajectory` (the first through standard input, the others as files) and compares the
// printed trajectory with PyTorch's or optax's at the float64 tolerance.
func TestTrajectoryCommandOracle(t *testing.T) {
	raw, err := os.ReadFile(optimizerOracle)
	if err != nil {
		t.Fatal(err)
	}
	type entry struct {
		Name, Class, Factory string
		Kwargs               map[string]any
		ParamShape           []int       `json:"param_shape"`
		Trajectory           [][]float64 `json:"trajectory"`
		EvalTrajectory       [][]float64 `json:"eval_trajectory"`
	}
	var oracle struct {
		Problem struct {
			X0    []float64   `json:"x0"`
			Grads [][]float64 `json:"grads"`
		}
		Torch, Optax struct{ Entries []entry }
	}
	if err := json.Unmarshal(raw, &oracle); err != nil {
		t.Fatal(err)
	}
	cases := map[string][]entry{"torch": oracle.Torch.Entries, "optax": oracle.Optax.Entries}
	dir := t.TempDir()
	first := true
	ran := 0
	for library, entries := range cases {
		for _, e := range entries {
			name := e.Class
			if library == "optax" {
				name = strings.Fields(e.Factory)[0]
				if strings.Contains(e.Factory, "'nesterov': True") {
					name = name[:strings.LastIndex(name, ".")+1] + "n" + name[strings.LastIndex(name, ".")+1:]
				}
			}
			name = name[strings.LastIndex(name, ".")+1:]
			if !slices.Contains(optim.Names(library), name) {
				continue
			}
			ran++
			spec, _ := json.Marshal(map[string]any{"library": library, "optimizer": name, "kwargs": e.Kwargs,
				"param_shape": e.ParamShape, "x0": oracle.Problem.X0, "grads": oracle.Problem.Grads, "dtype": "float64"})
			var stdout, stderr bytes.Buffer
			var code int
			if first {
				first = false
				trajectoryStdin = bytes.NewReader(spec)
				code = run([]string{"trajectory", "--spec", "-"}, &stdout, &stderr)
				trajectoryStdin = os.Stdin
			} else {
				path := filepath.Join(dir, library+"_"+e.Name+".json")
				if err := os.WriteFile(path, spec, 0o644); err != nil {
					t.Fatal(err)
				}
				code = run([]string{"trajectory", "--spec", path}, &stdout, &stderr)
			}
			if code != 0 {
				t.Errorf("%s/%s: exit code %d; stderr: %s", library, e.Name, code, stderr.String())
				continue
			}
			var got struct {
				Trajectory     [][]float64 `json:"trajectory"`
				EvalTrajectory [][]float64 `json:"eval_trajectory"`
			}
			if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
				t.Errorf("%s/%s: output %q: %v", library, e.Name, stdout.String(), err)
				continue
			}
			checkRows(t, library+"/"+e.Name+" trajectory", got.Trajectory, e.Trajectory)
			if e.EvalTrajectory != nil {
				checkRows(t, library+"/"+e.Name+" eval_trajectory", got.EvalTrajectory, e.EvalTrajectory)
			}
		}
	}
	if ran == 0 {
		t.Fatal("no oracle entry has a registered optimizer")
	}
}

func checkRows(t *testing.T, what string, got, want [][]float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, want %d", what, len(got), len(want))
		return
	}
	for i := range want {
		for j := range want[i] {
			if j >= len(got[i]) {
				t.Errorf("%s: row %d has %d values, want %d", what, i, len(got[i]), len(want[i]))
				return
			}
			d := math.Abs(got[i][j] - want[i][j])
			if d > 1e-12 && d > 1e-10*math.Abs(want[i][j]) {
				t.Errorf("%s: step %d index %d: got %.17g want %.17g", what, i+1, j, got[i][j], want[i][j])
				return
			}
		}
	}
}

// TestTrajectoryCommandErrors checks that bad specs exit 2 (a wrong request) with a message on stderr
// that names the problem.
func TestTrajectoryCommandErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, spec string
		args       []string
		wantCode   int
		wantInErr  string
	}{
		{"unknown optimizer", `{"library":"torch","optimizer":"Adamm","x0":[1],"grads":[[1]]}`, nil, 2, `unknown torch optimizer "Adamm"`},
		{"unknown keyword", `{"library":"optax","optimizer":"adam","kwargs":{"learning_rate":0.1,"beta1":0.9},"x0":[1],"grads":[[1]]}`, nil, 2, `unknown keyword(s) "beta1"`},
		{"unknown library", `{"library":"jax","optimizer":"adam","x0":[1],"grads":[[1]]}`, nil, 2, `unknown library "jax"`},
		{"bad dtype", `{"library":"torch","optimizer":"SGD","x0":[1],"grads":[[1]],"dtype":"float16"}`, nil, 2, `dtype "float16"`},
		{"short gradient", `{"library":"torch","optimizer":"SGD","x0":[1,2],"grads":[[1]]}`, nil, 2, "gradient 0 has 1 values"},
		{"shape mismatch", `{"library":"torch","optimizer":"SGD","param_shape":[3],"x0":[1,2],"grads":[]}`, nil, 2, "x0 has 2 values"},
		{"unknown field", `{"library":"torch","optimizer":"SGD","x0":[1],"grads":[[1]],"steps":3}`, nil, 2, `unknown field "steps"`},
		{"no spec", "", []string{"trajectory"}, 2, "--spec FILE is required"},
		{"bad flag", "", []string{"trajectory", "--spec-file", "x"}, 2, "flag provided but not defined"},
		{"missing file", "", []string{"trajectory", "--spec", filepath.Join(dir, "none.json")}, 2, "none.json"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if args == nil {
				path := filepath.Join(dir, "spec"+string(rune('a'+i))+".json")
				if err := os.WriteFile(path, []byte(tt.spec), 0o644); err != nil {
					t.Fatal(err)
				}
				args = []string{"trajectory", "--spec", path}
			}
			var stdout, stderr bytes.Buffer
			code := run(args, &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d; stderr: %s", code, tt.wantCode, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.wantInErr) {
				t.Errorf("stderr %q does not mention %q", stderr.String(), tt.wantInErr)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout should be empty on error, got %q", stdout.String())
			}
		})
	}
}

// TestTrajectoryCommandNonFinite: a run whose parameters overflow fails with exit 1 (a valid
// spec whose run diverged) naming the step and the spec field that lets it go on; with
// "continue_on_nonfinite": true it prints every step, non-finite values as null, and the step.
func TestTrajectoryCommandNonFinite(t *testing.T) {
	// SGD with lr 1 from 1e308: step 1 stays finite, step 2 (gradient -1e308) overflows to +Inf.
	const diverging = `{"library":"torch","optimizer":"SGD","kwargs":{"lr":1},"x0":[1e308],"grads":[[1],[-1e308],[1]]`
	dir := t.TempDir()
	for i, tt := range []struct {
		name, spec, wantOut, wantErr string
		wantCode                     int
	}{
		{"stops by default", diverging + `}`, "", "step 2: the parameters are no longer finite: x[0] = +Inf", 1},
		{"stop spelled out", diverging + `,"continue_on_nonfinite":false}`, "", `"continue_on_nonfinite": true`, 1},
		{"continues", diverging + `,"continue_on_nonfinite":true}`, `{"trajectory":[[1e+308],[null],[null]],"nonfinite_step":2}`, "", 0},
		{"finite run has no step", `{"library":"torch","optimizer":"SGD","kwargs":{"lr":1},"x0":[1],"grads":[[1]],"continue_on_nonfinite":true}`,
			`{"trajectory":[[0]]}`, "", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "spec"+string(rune('a'+i))+".json")
			if err := os.WriteFile(path, []byte(tt.spec), 0o644); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			code := run([]string{"trajectory", "--spec", path}, &stdout, &stderr)
			if code != tt.wantCode || strings.TrimSpace(stdout.String()) != tt.wantOut || !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("exit %d, stdout %q, stderr %q: want exit %d, stdout %q, stderr containing %q",
					code, stdout.String(), stderr.String(), tt.wantCode, tt.wantOut, tt.wantErr)
			}
		})
	}
}
