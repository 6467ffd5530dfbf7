package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const scheduleOracle = "../../dlopt/optim/schedule/testdata/schedules-torch1.13.json"

// TestScheduleCommandOracle feeds every torch oracle entry to `dlopt schedule` (as a file, and
// the first one through standard input) and compares its output with torch's values.
func TestScheduleCommandOracle(t *testing.T) {
	raw, err := os.ReadFile(scheduleOracle)
	if err != nil {
		t.Fatal(err)
	}
	var oracle struct {
		Entries []map[string]json.RawMessage `json:"entries"`
	}
	if err := json.Unmarshal(raw, &oracle); err != nil {
		t.Fatal(err)
	}
	if len(oracle.Entries) == 0 {
		t.Fatal("no oracle entries")
	}
	dir := t.TempDir()
	for i, e := range oracle.Entries {
		var name string
		_ = json.Unmarshal(e["name"], &name)
		t.Run(name, func(t *testing.T) {
			var want struct{ LR, Momentum []float64 }
			_ = json.Unmarshal(e["lr"], &want.LR)
			_ = json.Unmarshal(e["momentum"], &want.Momentum)
			spec := map[string]json.RawMessage{}
			for _, k := range []string{"class", "kwargs", "base_lr", "steps", "metrics"} {
				if v, ok := e[k]; ok {
					spec[k] = v
				}
			}
			specJSON, _ := json.Marshal(spec)
			var stdout, stderr bytes.Buffer
			var code int
			if i == 0 {
				scheduleStdin = bytes.NewReader(specJSON)
				defer func() { scheduleStdin = os.Stdin }()
				code = run([]string{"schedule", "--spec", "-"}, &stdout, &stderr)
			} else {
				path := filepath.Join(dir, name+".json")
				if err := os.WriteFile(path, specJSON, 0o644); err != nil {
					t.Fatal(err)
				}
				code = run([]string{"schedule", "--spec", path}, &stdout, &stderr)
			}
			if code != 0 {
				t.Fatalf("exit code %d; stderr: %s", code, stderr.String())
			}
			var got struct {
				LR       []float64 `json:"lr"`
				Momentum []float64 `json:"momentum"`
			}
			dec := json.NewDecoder(&stdout)
			dec.DisallowUnknownFields()
			if err := dec.Decode(&got); err != nil {
				t.Fatalf("output: %v", err)
			}
			compareValues(t, "lr", got.LR, want.LR)
			compareValues(t, "momentum", got.Momentum, want.Momentum)
		})
	}
}

func compareValues(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if d := math.Abs(got[i] - want[i]); d > 1e-12*math.Abs(want[i]) {
			t.Errorf("%s[%d] = %.17g, torch %.17g", what, i, got[i], want[i])
		}
	}
}

// TestScheduleCommandSequentialTopLevel gives SequentialLR's schedulers and milestones at the
// top level of the spec, as the harness describes, and checks it equals the kwargs form.
func TestScheduleCommandSequentialTopLevel(t *testing.T) {
	dir := t.TempDir()
	outputs := make([]string, 2)
	for i, spec := range []string{
		`{"class": "SequentialLR", "base_lr": 0.1, "steps": 12, "schedulers": [["LinearLR", {"start_factor": 0.1, "total_iters": 5}], ["CosineAnnealingLR", {"T_max": 7}]], "milestones": [5]}`,
		`{"class": "SequentialLR", "base_lr": 0.1, "steps": 12, "kwargs": {"schedulers": [["LinearLR", {"start_factor": 0.1, "total_iters": 5}], ["CosineAnnealingLR", {"T_max": 7}]], "milestones": [5]}}`,
	} {
		path := filepath.Join(dir, "spec.json")
		if err := os.WriteFile(path, []byte(spec), 0o644); err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		if code := run([]string{"schedule", "--spec", path}, &stdout, &stderr); code != 0 {
			t.Fatalf("spec %d: exit %d: %s", i, code, stderr.String())
		}
		outputs[i] = stdout.String()
	}
	if outputs[0] != outputs[1] || !strings.HasPrefix(outputs[0], `{"lr":[0.010000000000000002,`) {
		t.Errorf("top level: %s\nkwargs:    %s", outputs[0], outputs[1])
	}
}

func TestScheduleCommandErrors(t *testing.T) {
	for _, tc := range []struct {
		name, spec string
		args       []string // instead of --spec FILE
		code       int
		wantErr    []string // all in stderr
	}{
		{"no spec flag", "", []string{}, 2, []string{"--spec FILE is required"}},
		{"stray argument", "", []string{"--spec", "x", "y"}, 2, []string{`unexpected argument "y"`}},
		{"missing file", "", []string{"--spec", "/nonexistent/spec.json"}, 2, []string{"no such file"}},
		{"bad json", `{"class": `, nil, 2, []string{"unexpected EOF"}},
		{"unknown field", `{"class": "StepLR", "steps": 3, "base_lr": 0.1, "epochs": 3}`, nil, 2, []string{`unknown field "epochs"`}},
		{"unknown class", `{"class": "WarmupLR", "steps": 3, "base_lr": 0.1}`, nil, 2, []string{`unknown torch scheduler "WarmupLR"`, "CosineAnnealingLR", "StepLR"}},
		{"unknown keyword", `{"class": "StepLR", "kwargs": {"step_size": 2, "decay": 0.5}, "steps": 3, "base_lr": 0.1}`, nil, 2, []string{`unknown keyword "decay"`, "step_size, gamma"}},
		{"wrong type", `{"class": "StepLR", "kwargs": {"step_size": "2"}, "steps": 3, "base_lr": 0.1}`, nil, 2, []string{"step_size=2 (string) must be an integer"}},
		{"fractional int", `{"class": "StepLR", "kwargs": {"step_size": 2.5}, "steps": 3, "base_lr": 0.1}`, nil, 2, []string{"step_size=2.5", "must be an integer"}},
		{"bad value", `{"class": "StepLR", "kwargs": {"step_size": 0}, "steps": 3, "base_lr": 0.1}`, nil, 2, []string{"step_size=0 must be an integer >= 1"}},
		{"negative gamma", `{"class": "ExponentialLR", "kwargs": {"gamma": -0.5}, "steps": 3, "base_lr": 0.1}`, nil, 2, []string{"gamma=-0.5 must be >= 0"}},
		{"missing required", `{"class": "CosineAnnealingLR", "steps": 3, "base_lr": 0.1}`, nil, 2, []string{`missing required keyword "T_max"`}},
		{"missing steps", `{"class": "StepLR", "kwargs": {"step_size": 2}, "base_lr": 0.1}`, nil, 2, []string{`"steps" is required`}},
		{"missing base_lr", `{"class": "StepLR", "kwargs": {"step_size": 2}, "steps": 3}`, nil, 2, []string{`"base_lr"`}},
		{"negative steps", `{"class": "StepLR", "kwargs": {"step_size": 2}, "steps": -1, "base_lr": 0.1}`, nil, 2, []string{"steps=-1"}},
		{"lambda from json", `{"class": "LambdaLR", "kwargs": {"lr_lambda": "lambda e: 0.9**e"}, "steps": 3, "base_lr": 0.1}`, nil, 2, []string{"cannot come from JSON"}},
		{"plateau without metrics", `{"class": "ReduceLROnPlateau", "steps": 3, "base_lr": 0.1, "metrics": [1, 2]}`, nil, 2, []string{"needs one metric per step", "2 values for 3 steps"}},
		{"metrics for StepLR", `{"class": "StepLR", "kwargs": {"step_size": 2}, "steps": 2, "base_lr": 0.1, "metrics": [1, 2]}`, nil, 2, []string{"takes no metrics"}},
		{"onecycle past total", `{"class": "OneCycleLR", "kwargs": {"max_lr": 1, "total_steps": 5}, "steps": 7, "base_lr": 0.1}`, nil, 2, []string{"step 5", "total_steps is 5"}},
		{"sequential milestones", `{"class": "SequentialLR", "schedulers": [["StepLR", {"step_size": 2}]], "milestones": [3], "steps": 3, "base_lr": 0.1}`, nil, 2, []string{"one milestone fewer"}},
		{"sequential child error", `{"class": "SequentialLR", "schedulers": [["StepLR", {"step_size": 2}], ["Nope", {}]], "milestones": [3], "steps": 3, "base_lr": 0.1}`, nil, 2, []string{"schedulers[1]", `unknown torch scheduler "Nope"`}},
		{"unknown library", `{"library": "jax", "class": "StepLR", "steps": 3, "base_lr": 0.1}`, nil, 2, []string{`library="jax" must be "torch" or "optax"`}},
		{"optax unknown", `{"library": "optax", "class": "StepLR", "steps": 3}`, nil, 2, []string{`unknown optax schedule "StepLR"`, "warmup_cosine_decay_schedule"}},
		{"optax base_lr", `{"library": "optax", "class": "constant_schedule", "kwargs": {"value": 1}, "steps": 3, "base_lr": 0.1}`, nil, 2, []string{"optax schedules take only class, kwargs and steps"}},
		{"optax bad value", `{"library": "optax", "class": "cosine_decay_schedule", "kwargs": {"init_value": 1, "decay_steps": -3}, "steps": 3}`, nil, 2, []string{"decay_steps=-3 must be >= 1"}},
		{"duplicate schedulers", `{"class": "ChainedScheduler", "schedulers": [], "kwargs": {"schedulers": []}, "steps": 3, "base_lr": 0.1}`, nil, 2, []string{"both at the top level and in kwargs"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if args == nil {
				path := filepath.Join(t.TempDir(), "spec.json")
				if err := os.WriteFile(path, []byte(tc.spec), 0o644); err != nil {
					t.Fatal(err)
				}
				args = []string{"--spec", path}
			}
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"schedule"}, args...), &stdout, &stderr)
			if code != tc.code {
				t.Errorf("exit code %d, want %d; stderr: %s", code, tc.code, stderr.String())
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout not empty on error: %s", stdout.String())
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr %q does not contain %q", stderr.String(), w)
				}
			}
		})
	}
}

// TestScheduleCommandOptax evaluates an optax schedule through the command: linear warmup
// 0 -> 1 over 2 steps, then cosine decay over 4 steps, 0.5 (1 + cos(pi j/4)) at step 2 + j.
func TestScheduleCommandOptax(t *testing.T) {
	scheduleStdin = strings.NewReader(`{"library": "optax", "class": "warmup_cosine_decay_schedule",
		"kwargs": {"init_value": 0, "peak_value": 1, "warmup_steps": 2, "decay_steps": 6}, "steps": 8}`)
	defer func() { scheduleStdin = os.Stdin }()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"schedule", "--spec", "-"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var got struct{ LR []float64 }
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := []float64{0, 0.5, 1}
	for j := 1; j <= 4; j++ {
		want = append(want, 0.5*(1+math.Cos(math.Pi*float64(j)/4)))
	}
	want = append(want, 0)
	compareValues(t, "lr", got.LR, want)
}
