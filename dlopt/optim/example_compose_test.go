package optim_test

import (
	"errors"
	"fmt"

	"github.com/dlopt/course/dlopt/models"
	"github.com/dlopt/course/dlopt/optim"
	"github.com/gomlx/compute/dtypes"
)

// An optimizer composed from links, optax-style: clipping, Adam's direction with optax's
// defaults (nil), decoupled weight decay and the learning rate, run on Rosenbrock's banana with
// the gradient computed in the graph.
func ExampleNewOptimizer() {
	opt, err := optim.NewOptimizer("clipped_adamw",
		optim.ClipByGlobalNorm(optim.Value(10)),
		optim.ScaleByAdam(nil, nil, nil, nil, false),
		optim.AddDecayedWeights(optim.Value(1e-4)),
		optim.ScaleByLearningRate(optim.Value(0.02)))
	if err != nil {
		panic(err)
	}
	fmt.Println("hyperparameters:", opt.Hypers())
	banana := models.Rosenbrock{Dim: 2, B: 100}
	traj, err := optim.RunFunc(opt, []float64{-1.5, 2}, []int{2}, banana.GradGraph, 3000, dtypes.Float64)
	if err != nil {
		panic(err)
	}
	fmt.Printf("f(x0) = %.1f, after %d steps f = %.1e at %.3f\n", banana.Value(traj.X0), traj.Steps(), banana.Value(traj.Final()), traj.Final())
	// Output:
	// hyperparameters: [b1 b2 eps eps_root learning_rate max_norm weight_decay]
	// f(x0) = 12.5, after 3000 steps f = 5.7e-06 at [1.000 1.000]
}

// The same optimizer as PyTorch names and configures it; nil keyword arguments are the
// library's defaults.
func ExampleNew() {
	opt, err := optim.New("torch", "AdamW", nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(opt.Name(), opt.Hypers())
	// Output:
	// AdamW [beta1 beta2 eps lr weight_decay]
}

// Stochastic gradients drawn in Go, one per step, on a least-squares problem whose noise level
// is known: the oracle's GradStep is the gradient function RunHostFunc takes.
func ExampleRunHostFunc() {
	p, err := models.NewNoisyLeastSquares(models.NoisyLeastSquaresConfig{Dim: 2, Samples: 20, L: 4, Mu: 0.5, Sigma2: 0.01, Seed: 1})
	if err != nil {
		panic(err)
	}
	opt, err := optim.SGD(optim.SGDConfig{LR: 0.1})
	if err != nil {
		panic(err)
	}
	traj, err := optim.RunHostFunc(opt, []float64{0, 0}, []int{2}, p.Oracle(7).GradStep, 100, dtypes.Float64)
	if err != nil {
		panic(err)
	}
	fmt.Printf("f - f*: %.3f at x0, %.5f after %d steps\n", p.Delta0(traj.X0), p.Delta0(traj.Final()), traj.Steps())
	// Output:
	// f - f*: 0.635 at x0, 0.00006 after 100 steps
}

// A learning rate too large for the curvature: by default the run stops at the first
// non-finite step, returning the trajectory up to there with an error naming the step.
func ExampleRunFunc_nonFinite() {
	opt, err := optim.SGD(optim.SGDConfig{LR: 1.5})
	if err != nil {
		panic(err)
	}
	q, err := models.NewQuadratic([]float64{1, 10}, 1)
	if err != nil {
		panic(err)
	}
	traj, err := optim.RunFunc(opt, []float64{1, 1}, []int{2}, q.GradGraph, 1000, dtypes.Float32)
	fmt.Println(errors.Is(err, optim.ErrNonFinite), traj.Steps() == traj.NonFiniteStep)
	fmt.Println(err)
	// Output:
	// true true
	// optim: run SGD: step 35: the parameters are no longer finite: x[0] = -Inf
}

// To show a method diverging, ContinueOnNonFinite runs every step asked for and only records
// where the parameters stopped being finite.
func ExampleContinueOnNonFinite() {
	opt, err := optim.SGD(optim.SGDConfig{LR: 1.5})
	if err != nil {
		panic(err)
	}
	q, err := models.NewQuadratic([]float64{1, 10}, 1)
	if err != nil {
		panic(err)
	}
	traj, err := optim.RunFunc(opt, []float64{1, 1}, []int{2}, q.GradGraph, 1000, dtypes.Float32, optim.ContinueOnNonFinite())
	fmt.Println(err, traj.Steps(), traj.NonFiniteStep, traj.Final())
	// Output:
	// <nil> 1000 35 [NaN NaN]
}

// Iterates starts with x0, as plots need (viz.PathOf takes it as it is).
func ExampleTrajectory_Iterates() {
	opt, err := optim.SGD(optim.SGDConfig{LR: 0.5})
	if err != nil {
		panic(err)
	}
	traj, err := optim.RunGradients(opt, []float64{1, 1}, []int{2}, [][]float64{{1, 0}, {0, 1}}, dtypes.Float64)
	if err != nil {
		panic(err)
	}
	fmt.Println(traj.Iterates())
	// Output:
	// [[1 1] [0.5 1] [0.5 0.5]]
}
