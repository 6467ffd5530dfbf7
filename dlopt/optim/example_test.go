package optim_test

import (
	"fmt"
	"math"

	"github.com/dlopt/course/dlopt/optim"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
)

// A PyTorch configuration, ported verbatim, applied to a fixed gradient sequence.
func ExampleRunGradients() {
	opt, err := optim.New("torch", "SGD", map[string]any{"lr": 0.1, "momentum": 0.9})
	if err != nil {
		panic(err)
	}
	grads := [][]float64{{1, -2}, {1, -2}, {1, -2}}
	traj, err := optim.RunGradients(opt, []float64{0, 0}, []int{2}, grads, dtypes.Float64)
	if err != nil {
		panic(err)
	}
	for t, x := range traj.Params {
		fmt.Printf("step %d: %.4f\n", t+1, x)
	}
	// Output:
	// step 1: [-0.1000 0.2000]
	// step 2: [-0.2900 0.5800]
	// step 3: [-0.5610 1.1220]
}

// Unknown keywords are errors that list what the constructor accepts.
func ExampleNew_unknownKeyword() {
	_, err := optim.New("optax", "sgd", map[string]any{"lr": 0.1})
	fmt.Println(err)
	// Output:
	// optim: optax sgd: unknown keyword(s) "lr"; accepted: accumulator_dtype, learning_rate, momentum, nesterov
}

// The lecture's heavy-ball method on F(x) = ½·(4x₀² + x₁²), with the gradient computed in the
// graph: 10,000 steps run as a few graph executions.
func ExampleRunFunc() {
	opt, err := optim.HeavyBall(0.2, 0.5)
	if err != nil {
		panic(err)
	}
	grad := func(x *graph.Node) *graph.Node {
		return graph.Mul(x, graph.Const(x.Graph(), []float64{4, 1}))
	}
	traj, err := optim.RunFunc(opt, []float64{1, 1}, []int{2}, grad, 10_000, dtypes.Float64)
	if err != nil {
		panic(err)
	}
	fmt.Printf("after 1 step: %.3f\n", traj.Params[0])
	fmt.Printf("after 10000 steps: %.3f\n", traj.Final())
	// Output:
	// after 1 step: [0.200 0.800]
	// after 10000 steps: [0.000 0.000]
}

// Wrappers compose with any optimizer: here a NaN gradient is skipped, and Lookahead evaluates
// the model at its slow weights.
func ExampleSkipNonFinite() {
	sgd, _ := optim.SGD(optim.SGDConfig{LR: 0.5})
	la, _ := optim.WithLookahead(sgd, 2, 0.5)
	opt, err := optim.SkipNonFinite(la, 10)
	if err != nil {
		panic(err)
	}
	grads := [][]float64{{1}, {math.NaN()}, {1}, {1}}
	traj, err := optim.RunGradients(opt, []float64{0}, []int{1}, grads, dtypes.Float64)
	if err != nil {
		panic(err)
	}
	fmt.Println("fast weights:", traj.Params)
	fmt.Println("slow weights:", traj.Eval)
	// Output:
	// fast weights: [[-0.5] [-0.5] [-0.5] [-1]]
	// slow weights: [[0] [0] [-0.5] [-0.5]]
}
