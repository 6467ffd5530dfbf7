package optim

import (
	"math"
	"testing"

	"github.com/dlopt/course/dlopt"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
)

// TestTrainerDropIn trains a linear least-squares model with GoMLX's train.Trainer and
// torch-configured SGD with momentum, and compares the weights with the same algorithm written
// out by hand in Go: the optimizer is a drop-in optimizers.Interface.
func TestTrainerDropIn(t *testing.T) {
	xs := [][]float64{{1, 2}, {-1, 0.5}, {0.3, -2}, {2, 1}}
	ys := [][]float64{{1}, {-2}, {0.5}, {3}}
	opt := mustOpt(t)(New(Torch, "SGD", map[string]any{"lr": 0.05, "momentum": 0.9, "weight_decay": 0.01}))
	ctx := context.New()
	model := func(ctx *context.Context, _ any, inputs []*Node) []*Node {
		w := ctx.In("linear").VariableWithValue("w", [][]float64{{0.1}, {-0.2}})
		return []*Node{Dot(inputs[0], w.ValueGraph(inputs[0].Graph()))}
	}
	trainer := train.NewTrainer(dlopt.MustBackend(), ctx, model, losses.MeanSquaredError, opt, nil, nil)
	x, y := tensors.FromValue(xs), tensors.FromValue(ys)

	w := []float64{0.1, -0.2}
	buf := []float64{0, 0}
	for step := 1; step <= 8; step++ {
		if _, err := trainer.TrainStep(nil, []*tensors.Tensor{x}, []*tensors.Tensor{y}); err != nil {
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
	got := ctx.In("linear").GetVariable("w").MustValue().Value().([][]float64)
	for j := range w {
		if math.Abs(got[j][0]-w[j]) > 1e-12 {
			t.Fatalf("after 8 trainer steps w = %v, by hand %v", got, w)
		}
	}
}
