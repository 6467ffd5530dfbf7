package models

import (
	"testing"

	"github.com/dlopt/course/dlopt/data"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// trainFullBatch runs plain gradient descent (one full batch per step) on ds and returns the
// mean cross-entropy before and after.
func trainFullBatch(t *testing.T, m Model, ds *data.Dataset, flatten bool, steps int, lr float64) (before, after float64) {
	t.Helper()
	loader, err := data.NewLoader(ds, data.LoaderConfig{BatchSize: ds.N, Flatten: flatten, Repeat: true})
	if err != nil {
		t.Fatal(err)
	}
	evalLoader, err := data.NewLoader(ds, data.LoaderConfig{BatchSize: ds.N, Flatten: flatten})
	if err != nil {
		t.Fatal(err)
	}
	modelFn, err := ModelFn(m)
	if err != nil {
		t.Fatal(err)
	}
	trainer := train.NewTrainer(backend(t), model.NewStore(), modelFn, CrossEntropyLoss,
		optimizer.StochasticGradientDescent().WithLearningRate(lr).WithDecay(false).Done(), nil, nil)
	eval := func() float64 {
		metrics, err := trainer.Eval(evalLoader)
		if err != nil {
			t.Fatal(err)
		}
		return float64(tensors.MustCopyFlatData[float32](metrics[0])[0])
	}
	before = eval()
	if _, err := train.NewLoop(trainer).RunSteps(loader, steps); err != nil {
		t.Fatal(err)
	}
	return before, eval()
}

func syntheticDataset(t *testing.T, n, side, classes int) *data.Dataset {
	t.Helper()
	ds, err := data.Synthetic(data.SyntheticConfig{N: n, Height: side, Width: side, Classes: classes, Noise: 0.3, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// TestGradientDescentReducesLoss trains each model for a few hundred full-batch gradient
// steps on a synthetic dataset and wants the loss at most a fifth of where it started.
func TestGradientDescentReducesLoss(t *testing.T) {
	ds := syntheticDataset(t, 60, 8, 3)
	tests := []struct {
		name    string
		model   Model
		flatten bool
		steps   int
		lr      float64
	}{
		{"linear", Linear{Classes: 3, Bias: true}, true, 200, 0.5},
		{"mlp relu", MLP{Hidden: []int{16, 8}, Classes: 3, Activation: ReLU}, false, 200, 0.1},
		{"mlp tanh", MLP{Hidden: []int{16}, Classes: 3, Activation: Tanh}, true, 200, 0.1},
		{"two-layer sigmoid", TwoLayer{Hidden: 12, Classes: 3, Activation: Sigmoid}, true, 300, 0.5},
		{"cnn", CNN{Channels: [2]int{4, 8}, Kernel: 3, Hidden: 16, Classes: 3, Activation: ReLU}, false, 200, 0.05},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, after := trainFullBatch(t, tc.model, ds, tc.flatten, tc.steps, tc.lr)
			t.Logf("loss %.4f -> %.4f after %d steps", before, after, tc.steps)
			if !(after < before/5) {
				t.Fatalf("loss %g -> %g after %d steps of gradient descent: want below a fifth", before, after, tc.steps)
			}
		})
	}
}
