package dlopt_test

import (
	"fmt"

	"github.com/dlopt/course/dlopt"
	"github.com/gomlx/gomlx/pkg/core/graph"
)

// Importing dlopt is all it takes: the gradient of a matrix product is then itself made of
// matrix products. Here f(W) = Σ x·W, whose gradient is xᵀ·1, the column sums of x per row of W.
func Example_matrixProductGradient() {
	backend, err := dlopt.NewBackend("go")
	if err != nil {
		fmt.Println(err)
		return
	}
	gradient := func(x, w *graph.Node) *graph.Node {
		return graph.Gradient(graph.ReduceAllSum(graph.Dot(x, w)), w)[0]
	}
	x := [][]float64{{1, 2}, {3, 4}, {5, 6}}
	w := [][]float64{{1, 0, 2}, {0, 1, 3}}
	fmt.Println(dlopt.CurrentDotGradient(), graph.MustExecOnce(backend, gradient, x, w).Value())
	// Output: fast [[9 9 9] [12 12 12]]
}

// NewBackend never panics: a configuration it cannot satisfy is an error saying what to do.
func ExampleNewBackend() {
	if _, err := dlopt.NewBackend("tpu"); err != nil {
		fmt.Println(err)
	}
	backend, err := dlopt.NewBackend("go")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(backend.Name())
	// Output:
	// dlopt: unknown backend "tpu" in configuration "tpu": allowed are "go" (pure Go, the default) and "xla:PLUGIN" with PLUGIN one of cpu, cuda or an absolute path to a PJRT plugin .so
	// SimpleGo (go)
}
