package main

import (
	"bytes"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// stepRates reads the lr column of steps.csv in out.
func stepRates(t *testing.T, out string) []float64 {
	t.Helper()
	f, err := os.Open(filepath.Join(out, stepsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) < 2 || rows[0][3] != "lr" {
		t.Fatalf("%s: %v, %v", stepsFile, rows, err)
	}
	var lr []float64
	for _, row := range rows[1:] {
		v, err := strconv.ParseFloat(row[3], 64)
		if err != nil {
			t.Fatal(err)
		}
		lr = append(lr, v)
	}
	return lr
}

// TestTrainWarmupExtendAndInitFrom: a warmup_cosine run prints the resolved optimizer and the
// schedule first and records the schedule's rates in steps.csv; --resume --epochs extends it,
// saying that the horizon is kept (the rate stays 0); --init-from starts a new run from its
// weights, and refuses another model naming both.
func TestTrainWarmupExtendAndInitFrom(t *testing.T) {
	base := []string{"--model", "linear", "--optimizer", "adam", "--lr", "0.01", "--batch", "50", "--seed", "2",
		"--train-limit", "300", "--test-limit", "100"} // 6 steps per epoch
	out := filepath.Join(t.TempDir(), "run")
	run := func(want int, args ...string) (string, string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := runTrain(args, &stdout, &stderr); code != want {
			t.Fatalf("train %q: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", args, code, want, stdout.String(), stderr.String())
		}
		return stdout.String(), stderr.String()
	}
	stdout, _ := run(0, append(base, "--schedule", "warmup_cosine", "--warmup", "2", "--epochs", "1", "--out", out)...)
	if first := strings.SplitN(stdout, "\n", 2)[0]; !strings.HasPrefix(first,
		"training linear with optax:adam, warmup_cosine schedule (peak lr 0.01, 2 warmup steps), 1 epochs") {
		t.Errorf("first line %q does not name the resolved optimizer and the schedule", first)
	}
	// optax.warmup_cosine_decay_schedule(0, 0.01, 2, 6): 0, 0.005, then 0.005 (1 + cos(pi (k-2)/4)).
	want := []float64{0, 0.005, 0.01, 0.005 * (1 + math.Cos(math.Pi/4)), 0.005, 0.005 * (1 + math.Cos(3*math.Pi/4))}
	lr := stepRates(t, out)
	for k := range want {
		if k >= len(lr) || math.Abs(lr[k]-want[k]) > 1e-12 {
			t.Fatalf("steps.csv lr %v, want %v", lr, want)
		}
	}

	stdout, _ = run(0, "--resume", "--out", out, "--epochs", "2")
	if !strings.Contains(stdout, "extending the run from 1 to 2 epochs (1 done); the warmup_cosine schedule keeps its horizon of 1 epochs: "+
		"the learning rate is 0 after it, from epoch 2 on (--schedule-epochs 2 re-plans it") {
		t.Errorf("extending: output does not say what happens to the schedule:\n%s", stdout)
	}
	lr = stepRates(t, out)
	if len(lr) != 12 || lr[5] != want[5] || lr[6] != 0 || lr[11] != 0 {
		t.Errorf("extended steps.csv lr %v: want the first epoch's rates, then 0 for 6 more steps", lr)
	}

	// Re-planned: a warmup_cosine over 3 epochs (18 steps) from step 13 on.
	stdout, _ = run(0, "--resume", "--out", out, "--epochs", "3", "--schedule-epochs", "3")
	if !strings.Contains(stdout, "extending the run from 2 to 3 epochs (2 done); the warmup_cosine schedule is re-planned over 3 epochs (it spanned 1)") {
		t.Errorf("re-planning: output does not say so:\n%s", stdout)
	}
	lr = stepRates(t, out)
	if replanned := 0.005 * (1 + math.Cos(math.Pi*10/16)); len(lr) != 18 || math.Abs(lr[12]-replanned) > 1e-12 {
		t.Errorf("re-planned steps.csv lr %v: want step 13 at %g", lr, replanned)
	}

	ckpts, _ := filepath.Glob(filepath.Join(out, checkpointsDir, "ckpt-*"))
	if len(ckpts) == 0 {
		t.Fatal("no checkpoint")
	}
	latest := ckpts[len(ckpts)-1]
	_, stderr := run(2, "--model", "mlp", "--init-from", latest, "--out", filepath.Join(t.TempDir(), "misfit"), "--train-limit", "300", "--test-limit", "100")
	if !strings.Contains(stderr, "its model is linear, Float32, this run's is mlp with hidden layers [256 256], Float32") {
		t.Errorf("--init-from with another model: stderr %q does not name both models", stderr)
	}
	stdout, _ = run(0, append(base, "--init-from", latest, "--epochs", "1", "--out", filepath.Join(t.TempDir(), "phase2"))...)
	if !strings.Contains(stdout, "starting from the model weights of "+latest) {
		t.Errorf("--init-from: output does not say where the weights come from:\n%s", stdout)
	}
}

// TestTrainScheduleFlagErrors: schedule flags that do not fit exit 2 naming the problem.
func TestTrainScheduleFlagErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--warmup", "3"}, `warmup 3 steps is only for the schedules warmup_constant, warmup_cosine, warmup_linear, not "constant"`},
		{[]string{"--schedule", "warmup_cosine"}, `schedule "warmup_cosine" needs a warmup of >= 1 steps`},
		{[]string{"--schedule", "cosine", "--schedule-spec", `{"library": "optax", "class": "constant_schedule", "kwargs": {"value": 0.1}}`}, "both given"},
		{[]string{"--schedule-spec", `{"lib": "optax"}`}, "is not a JSON object with library, class and kwargs"},
		{[]string{"--lr", "0.1", "--schedule-spec", `{"library": "optax", "class": "constant_schedule", "kwargs": {"value": 0.1}}`}, "learning rate 0.1 is given twice"},
		{[]string{"--schedule-epochs", "-1", "--schedule", "cosine"}, "schedule epochs -1 is invalid"},
	} {
		var stdout, stderr bytes.Buffer
		args := append([]string{"--out", out}, tc.args...)
		if code := runTrain(args, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("train %q: exit %d, stderr %q; want 2 and %q", args, code, stderr.String(), tc.want)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("rejected commands created %s", out)
	}
}

// TestTrainAllowNonFinite: a diverging run stops at the step that left a parameter non-finite,
// naming it; --allow-nonfinite lets it go on until the loss is NaN.
func TestTrainAllowNonFinite(t *testing.T) {
	args := []string{"--model", "mlp", "--hidden", "8", "--optimizer", "torch:SGD", "--opt-args", `{"momentum": 0.9, "nesterov": true}`,
		"--lr", "3e38", "--batch", "50", "--train-limit", "300", "--test-limit", "100"}
	for _, tc := range []struct {
		extra []string
		want  string
	}{
		{nil, "parameter /mlp/"},
		{[]string{"--allow-nonfinite"}, "the batch loss is NaN; AllowNonFinite lets a run go on"},
	} {
		var stdout, stderr bytes.Buffer
		a := append(append(append([]string{}, args...), tc.extra...), "--out", filepath.Join(t.TempDir(), "run"))
		if code := runTrain(a, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("train %q: exit %d, stderr %q; want 1 and %q", a, code, stderr.String(), tc.want)
		}
	}
}
