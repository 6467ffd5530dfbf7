package optim_test

import (
	"fmt"

	"github.com/dlopt/course/dlopt/optim"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
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
