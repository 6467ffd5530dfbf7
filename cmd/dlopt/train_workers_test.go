package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dlopt/course/dlopt/experiment"
)

// TestTrainWorkersUsageErrors: bad workers' flags exit 2 naming the value and what is allowed,
// before any data is read.
func TestTrainWorkersUsageErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--workers", "0"}, []string{"--workers 0 is invalid", ">= 1"}},
		{[]string{"--workers", "8", "--topology", "mesh"}, []string{`"mesh"`, "ring, torus, star, complete, exponential, one-peer, all-reduce"}},
		{[]string{"--workers", "8", "--topology", "torus"}, []string{"torus needs n = m*m", "n=8"}},
		{[]string{"--workers", "8", "--algorithm", "admm"}, []string{`"admm"`, "dsgd, dsgd-cta, exact-diffusion, gradient-tracking"}},
		{[]string{"--workers", "8", "--sharding", "pathological"}, []string{`"pathological"`, "iid, label-skew, dirichlet"}},
		{[]string{"--workers", "8", "--optimizer", "lamb"}, []string{`"lamb"`, "couple the workers"}},
		{[]string{"--topology", "ring"}, []string{`topology "ring" needs workers > 1 (workers is 1)`}},
		{[]string{"--workers", "4", "--shard-classes", "3"}, []string{"shard classes 3 is only for label-skew"}},
		{[]string{"--workers", "4", "--sharding", "dirichlet", "--shard-alpha", "-0.5"}, []string{"shard alpha -0.5", "dirichlet needs a finite alpha > 0"}},
		{[]string{"--workers", "4", "--sharding", "dirichlet", "--shard-alpha", "0"}, []string{"--shard-alpha 0 is invalid"}},
		{[]string{"--workers", "4", "--sharding", "label-skew", "--shard-classes", "0"}, []string{"--shard-classes 0 is invalid"}},
	} {
		var stdout, stderr bytes.Buffer
		args := append([]string{"--out", out}, tc.args...)
		code := runTrain(args, &stdout, &stderr)
		for _, w := range tc.want {
			if code != 2 || !strings.Contains(stderr.String(), w) {
				t.Errorf("train %q: exit %d, stderr %q; want 2 and %q", args, code, stderr.String(), w)
			}
		}
		// The error alone, on one line: no flag list after it.
		if lines := strings.Count(stderr.String(), "\n"); lines != 1 || strings.Contains(stderr.String(), "usage:") {
			t.Errorf("train %q: stderr has %d lines, want the error alone:\n%s", args, lines, stderr.String())
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("rejected commands created %s", out)
	}
}

// TestTrainWorkersRun trains 4 workers on part of Fashion-MNIST: the epoch lines report the
// consensus error, metrics.csv has its column, and --resume refuses another worker count.
func TestTrainWorkersRun(t *testing.T) {
	if _, err := experiment.LoadFashionMNIST(); err != nil {
		t.Fatalf("%v\nInstall the data with `make setup` (Debian package dataset-fashion-mnist).", err)
	}
	out := filepath.Join(t.TempDir(), "out")
	var stdout, stderr bytes.Buffer
	args := []string{"--out", out, "--quiet", "--model", "mlp", "--hidden", "16", "--optimizer", "SGD", "--lr", "0.05",
		"--batch", "16", "--train-limit", "640", "--test-limit", "200", "--epochs", "2",
		"--workers", "4", "--topology", "one-peer", "--algorithm", "exact-diffusion", "--sharding", "label-skew"}
	if code := runTrain(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"4 simulated workers in one batched graph: exact-diffusion over a one-peer topology, label-skew (2 class chunks per worker) shards",
		"epoch 2:", "(average of 4 workers), consensus error "} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
		}
	}
	csv, err := os.ReadFile(filepath.Join(out, metricsFile))
	if err != nil {
		t.Fatal(err)
	}
	history, err := experiment.ReadCSV(bytes.NewReader(csv))
	if err != nil || len(history) != 2 || history[1].Workers != 4 || !(history[1].ConsensusError > 0) {
		t.Errorf("metrics.csv: %v, %v; want 2 epochs of 4 workers with a consensus error > 0", history, err)
	}
	stderr.Reset()
	if code := runTrain([]string{"--out", out, "--resume", "--workers", "2"}, &bytes.Buffer{}, &stderr); code != 2 ||
		!strings.Contains(stderr.String(), "--workers 2 contradicts the checkpoint's workers 4") {
		t.Errorf("--resume with another worker count: exit %d, stderr %q", code, stderr.String())
	}
}
