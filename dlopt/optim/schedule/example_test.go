package schedule_test

import (
	"fmt"

	"github.com/dlopt/course/dlopt/optim/schedule"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/ml/model"
)

// torch's StepLR halves the rate every 3 steps; the values are those in force at each step.
func ExampleNewStepLR() {
	s, err := schedule.NewStepLR(schedule.NewGroup(0.1), 3, 0.5)
	if err != nil {
		panic(err)
	}
	lr, _, _ := schedule.Values(s, 8, nil)
	fmt.Println(lr)
	// Output: [0.1 0.1 0.1 0.05 0.05 0.05 0.025 0.025]
}

// A torch configuration ported verbatim: OneCycleLR also cycles the momentum. (torch 1.13
// prints the same values for this configuration.)
func ExampleFromTorch() {
	s, err := schedule.FromTorch("OneCycleLR", map[string]any{"max_lr": 1.0, "total_steps": 5, "anneal_strategy": "linear"}, 0.1)
	if err != nil {
		panic(err)
	}
	lr, momentum, _ := schedule.Values(s, 5, nil)
	fmt.Printf("lr       %.4f\nmomentum %.4f\n", lr, momentum)
	// Output:
	// lr       [0.0400 0.8571 0.5714 0.2857 0.0000]
	// momentum [0.9500 0.8643 0.8929 0.9214 0.9500]
}

// Warmup then cosine decay, optax style: a pure function of the step.
func ExampleWarmupCosineDecay() {
	s, err := schedule.WarmupCosineDecay(0, 1, 2, 6, 0, 1)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.3f\n", schedule.ScheduleValues(s, 7))
	// Output: [0.000 0.500 1.000 0.854 0.500 0.146 0.000]
}

// The step size of Theorem 1 for L = 1, Delta0 = 2, sigma^2 = 1: 1/(1 + sqrt((K+1)/4)), so
// 1/2, 1/6 and 1/51 for K = 3, 99, 9999; 1/L without noise.
func ExampleTheorem1StepSize() {
	for _, K := range []int{3, 99, 9999} {
		gamma, err := schedule.Theorem1StepSize(1, 2, 1, K)
		if err != nil {
			panic(err)
		}
		fmt.Printf("K=%-5d gamma=%.6f\n", K, gamma)
	}
	noiseless, _ := schedule.Theorem1StepSize(1, 2, 0, 100)
	fmt.Println("sigma^2=0:", noiseless)
	_, err := schedule.Theorem1StepSize(-1, 1, 0.5, 10)
	fmt.Println(err)
	// Output:
	// K=3     gamma=0.500000
	// K=99    gamma=0.166667
	// K=9999  gamma=0.019608
	// sigma^2=0: 1
	// Theorem1StepSize: L=-1 must be > 0 (the smoothness constant)
}

// Any scalar hyperparameter kept in a GoMLX context can be set from a schedule between steps;
// DriveSchedule does this before every step of a train.Loop.
func ExampleSetVariable() {
	store := model.NewStore()
	beta1 := schedule.Target{Scope: "/optimizers/adam", Name: "beta1", DType: dtypes.Float32}
	warm, _ := schedule.Linear(0.5, 0.9, 4, 0)
	for step := range 5 {
		if err := schedule.SetVariable(store, beta1, warm.Value(step)); err != nil {
			panic(err)
		}
		v := store.GetVariable(model.JoinPath(beta1.Scope, beta1.Name)).MustValue().Value()
		fmt.Printf("%.1f ", v)
	}
	fmt.Println()
	// Output: 0.5 0.6 0.7 0.8 0.9
}
