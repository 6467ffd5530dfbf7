package tests

import (
	"bytes"
	"errors"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dlopt/course/dlopt/experiment"
)

// cliResult is what one run of the dlopt binary gave.
type cliResult struct {
	code           int
	stdout, stderr string
}

// cliBuild compiles cmd/dlopt into dir, as a user would with go build.
func cliBuild(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "dlopt")
	cmd := exec.Command("go", "build", "-o", bin, "../cmd/dlopt")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/dlopt: %v\n%s", err, out)
	}
	return bin
}

// cliRun runs the binary with args and extra environment variables ("KEY=value").
func cliRun(t *testing.T, bin string, env []string, args ...string) cliResult {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := cliResult{stdout: stdout.String(), stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		r.code = exitErr.ExitCode()
	default:
		t.Fatalf("running dlopt %q: %v", args, err)
	}
	if strings.Contains(r.stderr, "panic:") || strings.Contains(r.stderr, "goroutine ") {
		t.Errorf("dlopt %q panicked:\n%s", args, r.stderr)
	}
	return r
}

func TestCLI(t *testing.T) {
	dir := t.TempDir()
	bin := cliBuild(t, dir)

	t.Run("usage", func(t *testing.T) {
		r := cliRun(t, bin, nil)
		if r.code != 2 || !strings.Contains(r.stderr, "usage: dlopt COMMAND") {
			t.Errorf("dlopt without arguments: exit %d, stderr %q; want 2 and the usage", r.code, r.stderr)
		}
		for _, sub := range []string{"train", "backends"} {
			if !strings.Contains(r.stderr, "  "+sub+" ") {
				t.Errorf("usage does not list the %q command:\n%s", sub, r.stderr)
			}
		}
		if r := cliRun(t, bin, nil, "help"); r.code != 0 || !strings.Contains(r.stderr, "usage: dlopt COMMAND") {
			t.Errorf("dlopt help: exit %d, want 0 and the usage", r.code)
		}
		if r := cliRun(t, bin, nil, "fly"); r.code != 2 || !strings.Contains(r.stderr, `unknown command "fly"`) {
			t.Errorf("dlopt fly: exit %d, stderr %q; want 2 naming the command", r.code, r.stderr)
		}
	})

	t.Run("backends", func(t *testing.T) {
		r := cliRun(t, bin, []string{"DLOPT_BACKEND=", "GOMLX_BACKEND="}, "backends")
		if r.code != 0 {
			t.Fatalf("dlopt backends: exit %d, stderr %q", r.code, r.stderr)
		}
		// The pure-Go backend is always there and, with nothing set, the default (marked *);
		// the line says which of its kernels this binary runs (a GOEXPERIMENT=simd build: AVX-512
		// or AVX2 on amd64).
		if !strings.Contains(r.stdout, "* go ") || !strings.Contains(r.stdout, "Go backend: pure Go") ||
			!strings.Contains(r.stdout, "Go backend kernels in this binary: ") {
			t.Errorf("dlopt backends does not mark the Go backend (go) as the default:\n%s", r.stdout)
		}
		if r := cliRun(t, bin, nil, "backends", "extra"); r.code != 2 {
			t.Errorf("dlopt backends extra: exit %d, want 2", r.code)
		}
	})

	t.Run("train help", func(t *testing.T) {
		r := cliRun(t, bin, nil, "train", "-h")
		if r.code != 0 || !strings.Contains(r.stderr, "usage: dlopt train") || !strings.Contains(r.stderr, "-optimizer") {
			t.Errorf("dlopt train -h: exit %d, stderr %q; want 0 and the flags", r.code, r.stderr)
		}
	})

	t.Run("train bad flags", func(t *testing.T) {
		out := filepath.Join(dir, "never")
		tests := []struct {
			args []string
			want string // part of the message: the bad value, or what is missing
		}{
			{[]string{"--model", "resnet"}, `model "resnet" is unknown`},
			{[]string{"--optimizer", "adamz"}, `optimizer "adamz" is unknown`},
			{[]string{"--optimizer", "keras:adam"}, `unknown library "keras"`},
			{[]string{"--lr", "-0.1"}, "learning rate -0.1"},
			{[]string{"--lr", "0"}, "learning rate 0"},
			{[]string{"--lr", "NaN"}, "learning rate NaN"},
			{[]string{"--lr", "Inf"}, "learning rate +Inf"},
			{[]string{"--lr", "fast"}, `invalid value "fast" for flag -lr`},
			{[]string{"--epochs", "0"}, "epochs 0"},
			{[]string{"--epochs", "-3"}, "epochs -3"},
			{[]string{"--epochs", "1.5"}, `invalid value "1.5" for flag -epochs`},
			{[]string{"--batch", "0"}, "batch size 0"},
			{[]string{"--batch", "-1"}, "batch size -1"},
			{[]string{"--schedule", "step"}, `schedule "step" is unknown`},
			{[]string{"--norm", "minmax"}, `normalization "minmax" is unknown`},
			{[]string{"--hidden", "256,x"}, `--hidden "256,x"`},
			{[]string{"--model", "mlp", "--hidden", "256,0"}, "width 0"},
			{[]string{"--hidden", "64"}, "only for the mlp model"},
			{[]string{"--dtype", "int8"}, `--dtype "int8"`},
			{[]string{"--opt-args", "{momentum"}, "not a JSON object"},
			{[]string{"--train-limit", "-5"}, "train limit -5"},
			{[]string{"--frobnicate"}, "flag provided but not defined: -frobnicate"},
			{[]string{"extra"}, `unexpected argument "extra"`},
		}
		for _, tc := range tests {
			args := append([]string{"train", "--out", out}, tc.args...)
			r := cliRun(t, bin, nil, args...)
			if r.code != 2 {
				t.Errorf("dlopt %s: exit %d, want 2", strings.Join(args, " "), r.code)
			}
			// One line: a flag list after it would hide it.
			if !strings.Contains(r.stderr, tc.want) || strings.Count(r.stderr, "\n") != 1 || strings.Contains(r.stderr, "usage:") {
				t.Errorf("dlopt %s: stderr is not the one line naming the problem (%q):\n%s", strings.Join(args, " "), tc.want, r.stderr)
			}
		}
		// Settings that do not fit the data are usage errors too, found once the data is read.
		for _, args := range [][]string{{"--train-limit", "60001"}, {"--batch", "60001"}} {
			r := cliRun(t, bin, nil, append([]string{"train", "--out", filepath.Join(dir, "too-large")}, args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, "60001") || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("dlopt train %s: exit %d, stderr %q; want 2 and one line naming 60001", strings.Join(args, " "), r.code, r.stderr)
			}
		}
		r := cliRun(t, bin, nil, "train", "--model", "linear")
		if r.code != 2 || !strings.Contains(r.stderr, "--out DIR is required") {
			t.Errorf("dlopt train without --out: exit %d, stderr %q; want 2 saying --out is required", r.code, r.stderr)
		}
		for _, dir := range []string{out, filepath.Join(dir, "too-large")} {
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("a rejected command left its --out directory %s", dir)
			}
		}
	})

	t.Run("train runtime failures", func(t *testing.T) {
		tests := []struct {
			name string
			env  []string
			args []string
			want string
		}{
			{"missing data", []string{"DLOPT_DATA=" + filepath.Join(dir, "no-such-dir")}, nil, "dataset-fashion-mnist"},
			{"missing plugin", nil, []string{"--backend", "xla:" + filepath.Join(dir, "no-plugin.so")}, "no-plugin.so"},
			{"unusable out", nil, []string{"--out", filepath.Join(bin, "sub")}, "--out"},
			{"divergence", nil, []string{"--optimizer", "SGD", "--lr", "1e38"}, `training diverged: linear with optimizer "SGD" at learning rate 1e+38: at step `},
		}
		for _, tc := range tests {
			args := append([]string{"train", "--epochs", "1", "--train-limit", "256", "--test-limit", "100"}, tc.args...)
			if !slices.Contains(args, "--out") {
				args = append(args, "--out", filepath.Join(dir, "fail", "run")) // two new directories
			}
			r := cliRun(t, bin, tc.env, args...)
			if r.code != 1 || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("%s: exit %d, stderr %q; want 1 and a message mentioning %q", tc.name, r.code, r.stderr, tc.want)
			}
			// A failed run leaves no empty folder (the diverged one has nothing to keep: it
			// failed in its first epoch).
			if _, err := os.Stat(filepath.Join(dir, "fail")); !os.IsNotExist(err) {
				t.Errorf("%s: the failed run left its --out directory: %v", tc.name, err)
			}
		}
	})

	t.Run("train", func(t *testing.T) {
		out := filepath.Join(dir, "run")
		r := cliRun(t, bin, []string{"DLOPT_BACKEND=go"}, "train", "--model", "linear", "--optimizer", "Adam", "--lr", "0.002",
			"--epochs", "2", "--batch", "64", "--seed", "3", "--train-limit", "3000", "--test-limit", "1000", "--out", out)
		if r.code != 0 {
			t.Fatalf("dlopt train: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		t.Logf("dlopt train output:\n%s", r.stdout)
		for _, want := range []string{"epoch 1: train loss", "epoch 2: train loss", "test accuracy", "metrics.csv", "curves.png", "confusion.png"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("stdout does not contain %q", want)
			}
		}
		f, err := os.Open(filepath.Join(out, "metrics.csv"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		history, err := experiment.ReadCSV(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(history) != 2 {
			t.Fatalf("metrics.csv has %d epochs, want 2", len(history))
		}
		for i, m := range history {
			if m.Epoch != i+1 || !(m.TrainLoss > 0) || math.IsInf(m.TrainLoss, 0) || !(m.TestLoss > 0) || m.Seconds <= 0 {
				t.Errorf("metrics.csv row %d is malformed: %+v", i+1, m)
			}
			// 3000 examples of 10 classes: well above chance (0.1) after one epoch already.
			if m.TestAccuracy < 0.6 || m.TestAccuracy > 1 {
				t.Errorf("epoch %d test accuracy %.3f, want in [0.6, 1] for softmax regression on 3000 examples", m.Epoch, m.TestAccuracy)
			}
		}
		for _, name := range []string{"curves.png", "confusion.png"} {
			pngBytes, err := os.ReadFile(filepath.Join(out, name))
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(pngBytes))
			if err != nil {
				t.Fatalf("%s is not a PNG: %v", name, err)
			}
			if b := img.Bounds(); b.Dx() < 200 || b.Dy() < 100 {
				t.Errorf("%s is only %v", name, b)
			}
		}
	})
}
