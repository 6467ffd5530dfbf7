package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dlopt/course/dlopt/experiment"
	"github.com/gomlx/compute/dtypes"
)

// TestTrainCommandUsageErrors runs the subcommand in-process: every bad flag exits 2 with the
// bad value named in one line (no flag list), before any data is read or directory created.
func TestTrainCommandUsageErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--model", "vgg"}, `model "vgg" is unknown: allowed are linear, mlp, cnn`},
		{[]string{"--lr", "-1"}, "learning rate -1 is invalid"},
		{[]string{"--lr", "0"}, "learning rate 0 is invalid"},
		{[]string{"--lr", "nan"}, "learning rate NaN is invalid"},
		{[]string{"--epochs", "0"}, "epochs 0 is invalid"},
		{[]string{"--batch", "0"}, "batch size 0 is invalid"},
		{[]string{"--batch", "-8"}, "batch size -8 is invalid"},
		{[]string{"--optimizer", "Adamm"}, `optimizer "Adamm" is unknown`},
		{[]string{"--opt-args", `{"momentum": 0.9} {}`}, "not a JSON object"},
		{[]string{"--opt-args", `[1]`}, "not a JSON object"},
		{[]string{"--dtype", "bfloat16"}, "allowed are float32 and float64"},
		{[]string{"--hidden", "1,,2"}, "comma-separated integers"},
		{[]string{"positional"}, `unexpected argument "positional"`},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		args := append([]string{"--out", out}, tc.args...)
		code := runTrain(args, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), tc.want) || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("train %q: exit %d, stderr %q; want 2 and one line with %q", args, code, stderr.String(), tc.want)
		}
		if stdout.Len() != 0 {
			t.Errorf("train %q wrote to stdout: %q", args, stdout.String())
		}
	}
	var stderr bytes.Buffer
	if code := runTrain(nil, &bytes.Buffer{}, &stderr); code != 2 || !strings.Contains(stderr.String(), "--out DIR is required") {
		t.Errorf("train without --out: exit %d, stderr %q", code, stderr.String())
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("rejected commands created %s", out)
	}
}

// TestTrainCommandRun trains a small MLP on part of Fashion-MNIST with flags of every kind
// and checks the lines and files the command writes.
func TestTrainCommandRun(t *testing.T) {
	if _, err := experiment.LoadFashionMNIST(); err != nil {
		t.Fatalf("%v\nInstall the data with `make setup` (Debian package dataset-fashion-mnist).", err)
	}
	out := filepath.Join(t.TempDir(), "run")
	var stdout, stderr bytes.Buffer
	code := runTrain([]string{"--model", "mlp", "--hidden", "32", "--optimizer", "SGD", "--opt-args", `{"momentum": 0.9}`,
		"--lr", "0.05", "--schedule", "cosine", "--epochs", "1", "--batch", "100", "--seed", "1", "--dtype", "float64",
		"--train-limit", "1000", "--test-limit", "200", "--out", out}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	// The bare "SGD" is printed qualified: the output says which library ran.
	if !strings.Contains(stdout.String(), "training mlp with torch:SGD, cosine schedule (peak lr 0.05), 1 epochs, batch 100, seed 1, backend ") ||
		!strings.Contains(stdout.String(), "epoch 1: train loss") {
		t.Errorf("unexpected output:\n%s", stdout.String())
	}
	// stderr is not a terminal here: no progress bar.
	if stderr.Len() != 0 {
		t.Errorf("stderr not empty without a terminal: %q", stderr.String())
	}
	for _, f := range []string{metricsFile, curvesFile, stepsFile, stepCurveFile, confusionFile} {
		if info, err := os.Stat(filepath.Join(out, f)); err != nil || info.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	// metrics.csv names the library whose SGD ran, as the first line does.
	if metrics, err := os.ReadFile(filepath.Join(out, metricsFile)); err != nil ||
		!strings.Contains(string(metrics), ",optimizer\n") || !strings.Contains(string(metrics), ",torch:SGD\n") {
		t.Errorf("metrics.csv does not name torch:SGD in its optimizer column (%v):\n%s", err, metrics)
	}
}

func TestParseHelpers(t *testing.T) {
	if w, err := parseWidths(" 128, 64 "); err != nil || len(w) != 2 || w[0] != 128 || w[1] != 64 {
		t.Errorf("parseWidths = %v, %v", w, err)
	}
	if w, err := parseWidths(""); err != nil || w != nil {
		t.Errorf("parseWidths(\"\") = %v, %v; want nil (the default)", w, err)
	}
	for s, want := range map[string]dtypes.DType{"float32": dtypes.Float32, "F64": dtypes.Float64} {
		if d, err := parseDType(s); err != nil || d != want {
			t.Errorf("parseDType(%q) = %s, %v", s, d, err)
		}
	}
}

func TestProgressBar(t *testing.T) {
	var buf bytes.Buffer
	p := &progressBar{w: &buf}
	p.update(experiment.Progress{Epoch: 2, Epochs: 3, Step: 5, Steps: 10, BatchLoss: 0.25, LearningRate: 0.001})
	p.update(experiment.Progress{Epoch: 2, Epochs: 3, Step: 6, Steps: 10, BatchLoss: 0.2}) // within 100 ms: skipped
	p.update(experiment.Progress{Epoch: 2, Epochs: 3, Step: 10, Steps: 10, BatchLoss: 0.125, LearningRate: 2.5e-5})
	got := buf.String()
	want := "\r\033[Kepoch 2/3 [===============               ] 5/10 batch loss 0.2500 lr 0.001" +
		"\r\033[Kepoch 2/3 [==============================] 10/10 batch loss 0.1250 lr 2.5e-05"
	if got != want {
		t.Errorf("progress bar wrote %q, want %q", got, want)
	}
	p.clear()
	if !strings.HasSuffix(buf.String(), "\r\033[K") {
		t.Errorf("clear did not erase the line: %q", buf.String())
	}
	var nilBar *progressBar
	nilBar.clear() // no bar (not a terminal): nothing to do, no panic
}
