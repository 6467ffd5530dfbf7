package experiment

import (
	"math"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/dlopt/course/dlopt"
	"github.com/dlopt/course/dlopt/data"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/ml/model"
)

// standardizedByHand returns (p/255 - mean)/std for every pixel of ds, with mean and std the
// population statistics of train's pixels scaled to [0, 1], computed here from the raw bytes
// (not with data.Standardization).
func standardizedByHand(train, ds *data.Dataset) []float64 {
	var sum, sumSq float64
	for _, p := range train.Pixels {
		x := float64(p) / 255
		sum += x
		sumSq += x * x
	}
	n := float64(len(train.Pixels))
	mean := sum / n
	std := math.Sqrt(sumSq/n - mean*mean)
	out := make([]float64, len(ds.Pixels))
	for i, p := range ds.Pixels {
		out[i] = (float64(p)/255 - mean) / std
	}
	return out
}

// crossEntropyByHand is the mean softmax cross-entropy of the linear model with weights X
// [classes][features] and biases b on inputs [N·features] with labels, in float64.
func crossEntropyByHand(X [][]float64, b, inputs []float64, labels []uint8) float64 {
	features := len(X[0])
	var total float64
	for i, label := range labels {
		x := inputs[i*features : (i+1)*features]
		logits := make([]float64, len(X))
		maxLogit := math.Inf(-1)
		for c := range X {
			s := b[c]
			for j, w := range X[c] {
				s += w * x[j]
			}
			logits[c] = s
			maxLogit = math.Max(maxLogit, s)
		}
		var z float64
		for _, l := range logits {
			z += math.Exp(l - maxLogit)
		}
		total += maxLogit + math.Log(z) - logits[label]
	}
	return total / float64(len(labels))
}

// linearVariables returns the linear model's X and b as found in store: with within "", the
// model's own (the trainable ones, /linear/X and /linear/b); otherwise the optimizer state
// kept for them under a scope segment named within (ASGD's average: /optim/ASGD/1_asgd/ax/linear).
func linearVariables(t *testing.T, store *model.Store, within string) ([][]float64, []float64) {
	t.Helper()
	var X [][]float64
	var b []float64
	for v := range store.IterVariables() {
		scope := v.Scope()
		if !strings.HasSuffix(scope, "/linear") {
			continue
		}
		if within == "" && !v.Trainable || within != "" && !strings.Contains(scope, "/"+within+"/") {
			continue
		}
		switch v.Name() {
		case "X":
			X = toFloat64Matrix(v.MustValue().Value())
		case "b":
			b = toFloat64Vector(v.MustValue().Value())
		}
	}
	if X == nil || b == nil {
		var names []string
		for v := range store.IterVariables() {
			names = append(names, v.Path())
		}
		t.Fatalf("linear model variables (within %q) not found among %v", within, names)
	}
	return X, b
}

// toFloat64Matrix converts a [][]float32 or [][]float64 tensor value.
func toFloat64Matrix(v any) [][]float64 {
	if m, ok := v.([][]float64); ok {
		return m
	}
	m32 := v.([][]float32)
	out := make([][]float64, len(m32))
	for i, row := range m32 {
		out[i] = toFloat64Vector(row)
	}
	return out
}

// toFloat64Vector converts a []float32 or []float64 tensor value.
func toFloat64Vector(v any) []float64 {
	if x, ok := v.([]float64); ok {
		return x
	}
	x32 := v.([]float32)
	out := make([]float64, len(x32))
	for i, x := range x32 {
		out[i] = float64(x)
	}
	return out
}

// TestEvaluationAtAveragedParameters trains with torch's ASGD, averaging from step 2, and
// recomputes the reported test loss by hand (float64 softmax cross-entropy on inputs
// standardised here from the raw bytes) at ASGD's average, read from the optimizer's state
// "ax": the evaluation must be at the average, not at the trained weights, and the inputs it
// sees must be standardised with the training set's statistics. The trained weights give a
// visibly different loss, so evaluating at them (or at unstandardised inputs) fails.
func TestEvaluationAtAveragedParameters(t *testing.T) {
	ds := synthetic(t, 120, 6, 3)
	cfg := Config{Model: ModelLinear, Optimizer: "torch:ASGD", OptimizerArgs: map[string]any{"t0": 1, "lambd": 0.0},
		LearningRate: 0.3, Epochs: 2, BatchSize: 20, Seed: 5, DType: dtypes.Float64}
	var evaluated []float64
	result, err := Train(cfg, ds, Callbacks{OnEpoch: func(m EpochMetrics) error {
		evaluated = append(evaluated, m.TestLoss)
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer result.Close()
	inputs := standardizedByHand(ds.Train, ds.Test)
	avgX, avgB := linearVariables(t, result.Store(), "ax")
	want := crossEntropyByHand(avgX, avgB, inputs, ds.Test.Labels)
	got := result.Final().TestLoss
	if math.Abs(got-want) > 1e-9*math.Abs(want) {
		t.Errorf("reported test loss %.12g, by hand at the averaged parameters %.12g", got, want)
	}
	modelX, modelB := linearVariables(t, result.Store(), "")
	if atModel := crossEntropyByHand(modelX, modelB, inputs, ds.Test.Labels); math.Abs(atModel-want) > 1e-9*math.Abs(want) {
		t.Errorf("after the last epoch the model's variables should hold the average (Result.Store's doc): loss %.12g there, %.12g at the average", atModel, want)
	}
	if len(evaluated) != 2 || evaluated[1] != got {
		t.Errorf("OnEpoch saw test losses %v, the history ends with %v", evaluated, got)
	}
}

// evalOnConfigBackendChild marks the process TestEvaluationOnConfigBackendOnly starts.
const evalOnConfigBackendChild = "DLOPT_TEST_EVAL_ON_CONFIG_BACKEND"

// TestEvaluationOnConfigBackendOnly: optimizers evaluated at other parameters than they train
// (schedule-free, ASGD's average) train, evaluate and predict on Config.Backend without touching
// dlopt.Backend(): in a child process whose $DLOPT_BACKEND names a backend that does not exist
// (so any use of the default backend fails), runs with Config.Backend "go" succeed.
func TestEvaluationOnConfigBackendOnly(t *testing.T) {
	if os.Getenv(evalOnConfigBackendChild) == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestEvaluationOnConfigBackendOnly$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), evalOnConfigBackendChild+"=1", dlopt.BackendEnv+"=tpu", dlopt.GoMLXBackendEnv+"=")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestEvaluationOnConfigBackendOnly") {
			t.Fatalf("child with $%s=tpu: %v\n%s", dlopt.BackendEnv, err, out)
		}
		t.Logf("child with $%s=tpu:\n%s", dlopt.BackendEnv, out)
		return
	}
	if _, err := dlopt.Backend(); err == nil {
		t.Fatalf("$%s=%q: the default backend works, the test proves nothing", dlopt.BackendEnv, os.Getenv(dlopt.BackendEnv))
	}
	ds := synthetic(t, 120, 6, 3)
	for _, cfg := range []Config{
		{Model: ModelMLP, Hidden: []int{8}, Optimizer: "optax:schedule_free_adamw", LearningRate: 0.01, Epochs: 2, BatchSize: 30, Seed: 1},
		{Model: ModelLinear, Optimizer: "torch:ASGD", OptimizerArgs: map[string]any{"t0": 1}, LearningRate: 0.1, Epochs: 2, BatchSize: 30, Seed: 1},
	} {
		cfg.Backend = "go"
		r, err := Train(cfg, ds, Callbacks{})
		if err != nil {
			t.Fatalf("%s on Config.Backend %q: %v", cfg.Optimizer, cfg.Backend, err)
		}
		if _, err := r.Predict(ds.Test); err != nil {
			t.Errorf("%s: Predict: %v", cfg.Optimizer, err)
		}
		t.Logf("%s: %v", cfg.Optimizer, r.Final())
		r.Close()
	}
}
