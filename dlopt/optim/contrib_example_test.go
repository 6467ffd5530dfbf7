package optim_test

import (
	"fmt"

	"github.com/dlopt/course/dlopt/optim"
	"github.com/gomlx/compute/dtypes"
)

// Schedule-free SGD trains at one point and is evaluated at another, the running average of its
// base iterates: Trajectory.Eval holds the evaluation parameters (optax's
// schedule_free_eval_params).
func ExampleScheduleFreeSGD() {
	opt, err := optim.New("optax", "schedule_free_sgd", map[string]any{"learning_rate": 0.5})
	if err != nil {
		panic(err)
	}
	grads := [][]float64{{1}, {1}, {1}}
	traj, err := optim.RunGradients(opt, []float64{0}, []int{1}, grads, dtypes.Float64)
	if err != nil {
		panic(err)
	}
	for t := range traj.Params {
		fmt.Printf("step %d: trained at %.4f, evaluate at %.4f\n", t+1, traj.Params[t][0], traj.Eval[t][0])
	}
	// Output:
	// step 1: trained at -0.5000, evaluate at -0.5000
	// step 2: trained at -0.7750, evaluate at -0.7500
	// step 3: trained at -1.0500, evaluate at -1.0000
}

// Lion with optax's keyword names (its default weight_decay is 1e-3, set to 0 here): each
// coordinate moves by exactly the learning rate, or not at all, in the direction of
// -sign(0.1·g + 0.9·m). At step 2 the first coordinate's new gradient outweighs its momentum
// m = 0.01·3 and the step reverses.
func ExampleLion() {
	opt, err := optim.New("optax", "lion", map[string]any{"learning_rate": 0.1, "weight_decay": 0.0})
	if err != nil {
		panic(err)
	}
	grads := [][]float64{{3, -0.001}, {-1, -0.001}}
	traj, err := optim.RunGradients(opt, []float64{0, 0}, []int{2}, grads, dtypes.Float64)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.2f\n", traj.Params)
	// Output:
	// [[-0.10 0.10] [0.00 0.20]]
}
