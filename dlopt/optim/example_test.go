package optim_test

import (
	"fmt"
	"math"

	"github.com/dlopt/course/dlopt"
	"github.com/dlopt/course/dlopt/optim"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
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

// Parameter groups: AdamW-style decay on the weights only, and plain SGD on the biases, in one
// optimizer applied to a GoMLX context (as train.Trainer would through UpdateGraph).
func ExamplePerGroup() {
	must := func(o *optim.Optimizer, err error) *optim.Optimizer {
		if err != nil {
			panic(err)
		}
		return o
	}
	opt := must(optim.PerGroup("model", func(v *model.Variable) string { return v.Name() },
		map[string]*optim.Optimizer{
			"weights": must(optim.New("torch", "SGD", map[string]any{"lr": 0.1, "weight_decay": 0.5})),
			"biases":  must(optim.New("torch", "SGD", map[string]any{"lr": 0.1})),
		}))
	store := model.NewStore()
	dense := store.RootScope().In("dense")
	w := dense.VariableWithValue("weights", []float64{1, 1})
	b := dense.VariableWithValue("biases", []float64{1})
	step := model.MustNewExec(dlopt.MustBackend(), store, func(scope *model.Scope, g *graph.Graph) []*graph.Node {
		grads := []*graph.Node{graph.Const(g, []float64{0, 1}), graph.Const(g, []float64{1})}
		opt.Apply(scope, []*model.Variable{w, b}, grads)
		return []*graph.Node{w.NodeValue(g), b.NodeValue(g)}
	})
	out := step.MustExec()
	fmt.Println("weights:", out[0].Value(), "biases:", out[1].Value())
	// Output:
	// weights: [0.95 0.85] biases: [0.9]
}
