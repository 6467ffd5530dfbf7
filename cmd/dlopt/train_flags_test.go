package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dlopt/course/dlopt/experiment"
	"github.com/gomlx/compute/dtypes"
)

// flagRunArgs are the settings of the flag tests: a linear model on 300 training images.
var flagRunArgs = []string{"--model", "linear", "--optimizer", "torch:SGD", "--lr", "0.05", "--epochs", "1", "--batch", "100",
	"--seed", "3", "--dtype", "float64", "--train-limit", "300", "--test-limit", "100"}

// flagRunConfig is the experiment.Config that flagRunArgs describe.
func flagRunConfig() experiment.Config {
	return experiment.Config{Model: "linear", Optimizer: "torch:SGD", LearningRate: 0.05, Epochs: 1, BatchSize: 100,
		Seed: 3, DType: dtypes.Float64, TrainLimit: 300, TestLimit: 100}
}

// trainCLI runs `dlopt train` with flagRunArgs and extra, and returns its test loss (from
// metrics.csv), stdout and stderr.
func trainCLI(t *testing.T, stderr *os.File, extra ...string) (testLoss float64, stdout, errText string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "run")
	var outBuf, errBuf bytes.Buffer
	args := append(append([]string{}, flagRunArgs...), extra...)
	args = append(args, "--out", out)
	var code int
	if stderr != nil {
		code = runTrain(args, &outBuf, stderr)
	} else {
		code = runTrain(args, &outBuf, &errBuf)
	}
	if code != 0 {
		t.Fatalf("dlopt train %v: exit %d\n%s\n%s", args, code, outBuf.String(), errBuf.String())
	}
	f, err := os.Open(filepath.Join(out, metricsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("%s: %v rows, %v", metricsFile, len(rows), err)
	}
	col := -1
	for i, name := range rows[0] {
		if name == "test_loss" {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("%s has no test_loss column: %v", metricsFile, rows[0])
	}
	if testLoss, err = strconv.ParseFloat(rows[1][col], 64); err != nil {
		t.Fatal(err)
	}
	return testLoss, outBuf.String(), errBuf.String()
}

// libraryTestLoss trains cfg with the library and returns the final test loss.
func libraryTestLoss(t *testing.T, cfg experiment.Config) float64 {
	t.Helper()
	ds, err := experiment.LoadFashionMNIST()
	if err != nil {
		t.Fatal(err)
	}
	result, err := experiment.Train(cfg, ds, experiment.Callbacks{})
	if err != nil {
		t.Fatal(err)
	}
	defer result.Close()
	return result.Final().TestLoss
}

// sameLoss compares losses as metrics.csv prints them (at least 6 significant digits).
func sameLoss(a, b float64) bool { return abs(a-b) <= 1e-5*abs(b) }

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestTrainFlagNorm checks that --norm reaches the run: unit and standardize give different
// test losses, each the one the library gives with that Normalization (which
// dlopt/experiment's TestEvaluationAtAveragedParameters checks by hand).
func TestTrainFlagNorm(t *testing.T) {
	if _, err := experiment.LoadFashionMNIST(); err != nil {
		t.Skipf("no Fashion-MNIST (make setup): %v", err)
	}
	losses := map[string]float64{}
	for _, norm := range experiment.Normalizations {
		got, _, _ := trainCLI(t, nil, "--norm", norm)
		cfg := flagRunConfig()
		cfg.Normalization = norm
		if want := libraryTestLoss(t, cfg); !sameLoss(got, want) {
			t.Errorf("--norm %s: test loss %.8g, the library with Normalization %q gives %.8g", norm, got, norm, want)
		}
		losses[norm] = got
	}
	if sameLoss(losses[experiment.NormUnit], losses[experiment.NormStandardize]) {
		t.Errorf("--norm unit and --norm standardize give the same test loss %.8g: the flag has no effect", losses[experiment.NormUnit])
	}
	if got, _, _ := trainCLI(t, nil); !sameLoss(got, losses[experiment.DefaultNormalization]) {
		t.Errorf("no --norm: test loss %.8g, want the default %s's %.8g", got, experiment.DefaultNormalization, losses[experiment.DefaultNormalization])
	}
}

// TestTrainFlagBackend checks --backend: the named backend is the one reported and used (the
// pure-Go backend with sequential ops computes what the Go backend with its default options
// does, whatever DLOPT_BACKEND selects), and an unknown one is an error naming it.
func TestTrainFlagBackend(t *testing.T) {
	if _, err := experiment.LoadFashionMNIST(); err != nil {
		t.Skipf("no Fashion-MNIST (make setup): %v", err)
	}
	want, _, _ := trainCLI(t, nil, "--backend", "go")
	got, stdout, _ := trainCLI(t, nil, "--backend", "go:ops_sequential")
	if !strings.Contains(stdout, "backend go:ops_sequential\n") {
		t.Errorf("--backend go:ops_sequential: the run reports another backend:\n%s", stdout)
	}
	if !sameLoss(got, want) {
		t.Errorf("--backend go:ops_sequential: test loss %.8g, --backend go %.8g", got, want)
	}
	var outBuf, errBuf bytes.Buffer
	args := append(append([]string{}, flagRunArgs...), "--backend", "abacus", "--out", filepath.Join(t.TempDir(), "x"))
	if code := runTrain(args, &outBuf, &errBuf); code != 2 || !strings.Contains(errBuf.String(), "abacus") {
		t.Errorf("--backend abacus: exit %d, stderr %q; want exit 2 (a usage error) naming the backend", code, errBuf.String())
	}
}
