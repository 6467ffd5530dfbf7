package models_test

import (
	"fmt"

	"github.com/dlopt/course/dlopt/models"
	"github.com/dlopt/course/dlopt/optim"
	"github.com/gomlx/compute/dtypes"
)

// Every test problem gives its gradient in the graph (GradGraph, for optim.RunFunc) and on the
// host (GradStep, for optim.RunHostFunc): here heavy-ball momentum on the Rosenbrock banana,
// both ways, reaching the same point.
func ExampleProblem() {
	banana := models.Rosenbrock{Dim: 2, B: 100}
	x0 := []float64{-1.2, 1}
	for _, run := range []func(*optim.Optimizer) (*optim.Trajectory, error){
		func(opt *optim.Optimizer) (*optim.Trajectory, error) {
			return optim.RunFunc(opt, x0, []int{2}, banana.GradGraph, 500, dtypes.Float64)
		},
		func(opt *optim.Optimizer) (*optim.Trajectory, error) {
			return optim.RunHostFunc(opt, x0, []int{2}, banana.GradStep, 500, dtypes.Float64)
		},
	} {
		opt, err := optim.HeavyBall(1e-3, 0.9)
		if err != nil {
			panic(err)
		}
		traj, err := run(opt)
		if err != nil {
			panic(err)
		}
		fmt.Printf("f = %.1f at x0, %.1e at %.3f\n", banana.Value(traj.X0), banana.Value(traj.Final()), traj.Final())
	}
	_, _, err := banana.ValueAndGrad([]float64{1, 2, 3})
	fmt.Println(err)
	// Output:
	// f = 24.2 at x0, 1.8e-03 at [0.957 0.916]
	// f = 24.2 at x0, 1.8e-03 at [0.957 0.916]
	// models.Rosenbrock: len(x) = 3, want Dim = 2
}
