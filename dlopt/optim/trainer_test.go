package optim

import (
	"math"
	"slices"
	"testing"

	"github.com/dlopt/course/dlopt"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/loss"
)

// TestTrainerDropIn trains a linear least-squares model with GoMLX's train.Trainer and
// torch-configured SGD with momentum, and compares the weights with the same algorithm written
// out by hand in Go: the optimizer is a drop-in optimizers.Interface.
func TestTrainerDropIn(t *testing.T) {
	xs := [][]float64{{1, 2}, {-1, 0.5}, {0.3, -2}, {2, 1}}
	ys := [][]float64{{1}, {-2}, {0.5}, {3}}
	opt := mustOpt(t)(New(Torch, "SGD", map[string]any{"lr": 0.05, "momentum": 0.9, "weight_decay": 0.01}))
	store := model.NewStore()
	modelFn := func(scope *model.Scope, _ any, inputs []*Node) []*Node {
		w := scope.In("linear").VariableWithValue("w", [][]float64{{0.1}, {-0.2}})
		return []*Node{Dot(inputs[0], w.NodeValue(inputs[0].Graph())).Product()}
	}
	trainer := train.NewTrainer(dlopt.MustBackend(), store, modelFn, loss.MeanSquaredError, opt, nil, nil)

	w := []float64{0.1, -0.2}
	buf := []float64{0, 0}
	for step := 1; step <= 8; step++ {
		// The trainer takes ownership of (and frees) a batch's tensors: new ones for each step.
		batch := train.Batch{Inputs: []*tensors.Tensor{tensors.FromValue(xs)}, Labels: []*tensors.Tensor{tensors.FromValue(ys)}}
		if _, err := trainer.TrainStep(batch); err != nil {
			t.Fatal(err)
		}
		// By hand: g = (2/n) Xᵀ(Xw - y) + wd·w; b ← μb + g (b = g at step 1); w ← w - lr·b.
		g := []float64{0.01 * w[0], 0.01 * w[1]}
		for r := range xs {
			res := xs[r][0]*w[0] + xs[r][1]*w[1] - ys[r][0]
			for j := range g {
				g[j] += 2 * res * xs[r][j] / float64(len(xs))
			}
		}
		for j := range w {
			if step == 1 {
				buf[j] = g[j]
			} else {
				buf[j] = 0.9*buf[j] + g[j]
			}
			w[j] -= 0.05 * buf[j]
		}
	}
	got := store.GetVariable("/linear/w").MustValue().Value().([][]float64)
	for j := range w {
		if math.Abs(got[j][0]-w[j]) > 1e-12 {
			t.Fatalf("after 8 trainer steps w = %v, by hand %v", got, w)
		}
	}
}

// TestSwapInEvalParams trains with a parameter EMA in train.Trainer, swaps the averaged weights
// in for evaluation and puts the trained ones back.
func TestSwapInEvalParams(t *testing.T) {
	must := mustOpt(t)
	opt := must(WithParamEMA(must(New(Torch, "SGD", map[string]any{"lr": 0.1})), 0.5))
	store := model.NewStore()
	modelFn := func(scope *model.Scope, _ any, inputs []*Node) []*Node {
		w := scope.In("linear").VariableWithValue("w", [][]float64{{0}})
		return []*Node{Dot(inputs[0], w.NodeValue(inputs[0].Graph())).Product()}
	}
	trainer := train.NewTrainer(dlopt.MustBackend(), store, modelFn, loss.MeanSquaredError, opt, nil, nil)
	for range 2 {
		batch := train.Batch{Inputs: []*tensors.Tensor{tensors.FromValue([][]float64{{1}})}, Labels: []*tensors.Tensor{tensors.FromValue([][]float64{{1}})}}
		if _, err := trainer.TrainStep(batch); err != nil {
			t.Fatal(err)
		}
	}
	// Loss (w-1)², gradient 2(w-1): w₁ = 0.2, w₂ = 0.36; EMA a₁ = 0.2, a₂ = 0.5·0.2 + 0.5·0.36.
	w := store.GetVariable("/linear/w")
	value := func() float64 { return w.MustValue().Value().([][]float64)[0][0] }
	trained := value()
	if math.Abs(trained-0.36) > 1e-15 {
		t.Fatalf("trained w = %v, want 0.36", trained)
	}
	restore, err := SwapInEvalParams(dlopt.MustBackend(), store, opt)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(value()-0.28) > 1e-15 {
		t.Errorf("evaluation w = %v, want the EMA 0.28", value())
	}
	if err := restore(); err != nil {
		t.Fatal(err)
	}
	if value() != trained {
		t.Errorf("restored w = %v, want the trained %v", value(), trained)
	}
}

// TestTrainerFloat32EveryOptimizer takes three train.Trainer steps of a float32 model (a 4×2
// matrix and a bias) with every oracle configuration: mixed dtypes (float64 hyperparameters,
// float32 variables) build and run, and the weights move and stay finite.
func TestTrainerFloat32EveryOptimizer(t *testing.T) {
	o := loadOracle(t)
	xs := [][]float32{{1, 2, -1, 0.5}, {0.3, -0.2, 2, 1}, {-1, 1, 1, -2}}
	ys := [][]float32{{1, 0}, {0, 1}, {1, 1}}
	for _, e := range append(slices.Clone(o.Torch.Entries), o.Optax.Entries...) {
		name := e.registryName()
		t.Run(e.Library+"/"+e.Name, func(t *testing.T) {
			opt, err := New(e.Library, name, e.Kwargs)
			if err != nil {
				t.Fatal(err)
			}
			store := model.NewStore()
			modelFn := func(scope *model.Scope, _ any, inputs []*Node) []*Node {
				g := inputs[0].Graph()
				dense := scope.In("dense")
				w := dense.VariableWithValue("weights", [][]float32{{0.1, -0.2}, {0.3, 0.1}, {-0.1, 0.2}, {0.05, 0.4}})
				out := Dot(inputs[0], w.NodeValue(g)).Product()
				if name == "Muon" { // torch.optim.Muon accepts only 2-D parameters, like PyTorch's
					return []*Node{out}
				}
				b := dense.VariableWithValue("biases", []float32{0.1, -0.1})
				return []*Node{Add(out, ExpandAxes(b.NodeValue(g), 0))}
			}
			trainer := train.NewTrainer(dlopt.MustBackend(), store, modelFn, loss.MeanSquaredError, opt, nil, nil)
			for range 3 {
				batch := train.Batch{Inputs: []*tensors.Tensor{tensors.FromValue(xs)}, Labels: []*tensors.Tensor{tensors.FromValue(ys)}}
				if _, err := trainer.TrainStep(batch); err != nil {
					t.Fatal(err)
				}
			}
			w := store.GetVariable("/dense/weights").MustValue().Value().([][]float32)
			if w[0][0] == 0.1 && w[1][1] == 0.1 {
				t.Errorf("weights did not move: %v", w)
			}
			for _, row := range w {
				for _, v := range row {
					if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
						t.Fatalf("non-finite weights %v", w)
					}
				}
			}
		})
	}
}
