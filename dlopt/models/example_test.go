package models_test

import (
	"fmt"

	"github.com/dlopt/course/dlopt"
	"github.com/dlopt/course/dlopt/models"
	"github.com/gomlx/gomlx/pkg/core/graph"
)

// The lecture's two examples: a uniform guess costs 2 bits, a confident right guess 0.136 bits.
func ExampleCrossEntropyBits() {
	p := []float64{1, 0, 0, 0}
	uniform := []float64{0.25, 0.25, 0.25, 0.25}
	confident := []float64{0.91, 0.03, 0.03, 0.03}
	backend := dlopt.MustBackend()
	for _, q := range [][]float64{uniform, confident} {
		h := graph.MustExecOnce(backend, models.CrossEntropyBits, p, q)
		fmt.Printf("graph %.3f bits, plain Go %.3f bits\n", h.Value(), models.CrossEntropyBitsF64(p, q))
	}
	// Output:
	// graph 2.000 bits, plain Go 2.000 bits
	// graph 0.136 bits, plain Go 0.136 bits
}

// The loss of one example and its gradient softmax(s) - e_y, in plain Go.
func ExampleSoftmaxCrossEntropyF64() {
	loss, grad := models.SoftmaxCrossEntropyF64([]float64{2, 1, 0}, 0)
	fmt.Printf("loss %.4f, gradient %.4f\n", loss, grad)
	// Output:
	// loss 0.4076, gradient [-0.3348 0.2447 0.0900]
}
