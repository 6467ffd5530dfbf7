package models_test

import (
	"fmt"

	"github.com/dlopt/course/dlopt"
	"github.com/dlopt/course/dlopt/models"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
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

// The lecture's two-layer network on one input, in plain Go: forward pass, then the slide's
// backward pass.
func ExampleTwoLayerF64() {
	net, err := models.NewTwoLayerF64(3, 4, 2, models.Tanh, models.SquaredLoss, 1)
	if err != nil {
		panic(err)
	}
	xi, y := []float64{1, -0.5, 2}, []float64{0, 1}
	pass := net.Forward(xi, y)
	grads := net.Backward(pass)
	fmt.Printf("h: %d values, z: %d, yhat: %d, loss %.4f\n", len(pass.H), len(pass.Z), len(pass.Yhat), pass.Loss)
	fmt.Printf("dL/dX1: %d = 4x3 values, dL/dX2: %d = 2x4 values\n", len(grads.DX1), len(grads.DX2))
	// Output:
	// h: 4 values, z: 4, yhat: 2, loss 1.5166
	// dL/dX1: 12 = 4x3 values, dL/dX2: 8 = 2x4 values
}

// The constants the SGD convergence theorem needs, for a noisy least-squares problem.
func ExampleNoisyLeastSquares() {
	p, err := models.NewNoisyLeastSquares(models.NoisyLeastSquaresConfig{
		Dim: 10, Samples: 50, L: 4, Mu: 0.01, Sigma2: 1, Seed: 1})
	if err != nil {
		panic(err)
	}
	x0 := make([]float64, p.Dim)
	th := models.SGDTheorem{L: p.L, Delta0: p.Delta0(x0), Sigma2: p.Sigma2, K: 999}
	fmt.Printf("L = %g, mu = %g, sigma^2 = %g\n", p.L, p.Mu, p.Sigma2)
	fmt.Printf("step %.4f, bound on the mean squared gradient norm %.4f\n", th.StepSize(), th.Bound())
	g := p.Oracle(7).Grad(x0) // one stochastic gradient
	fmt.Println(len(g), "coordinates")
	// Output:
	// L = 4, mu = 0.01, sigma^2 = 1
	// step 0.0252, bound on the mean squared gradient norm 0.2365
	// 10 coordinates
}

// The linear classifier's scores for a batch of images, in the lecture's notation.
func ExampleLinear() {
	backend := dlopt.MustBackend()
	store := model.NewStore()
	linear := models.Linear{Classes: 10, Bias: true}
	scores := model.MustCallOnce(backend, store, func(scope *model.Scope, g *graph.Graph) *graph.Node {
		batch := graph.Zeros(g, shapes.Make(dtypes.Float32, 4, 28, 28)) // H: 4 images, d = 784
		return linear.Logits(scope, batch)
	})
	fmt.Println("scores H X^T:", scores.Shape())
	fmt.Println("X:", store.GetVariable("/linear/X").Shape())
	// Output:
	// scores H X^T: (Float32)[4, 10]
	// X: (Float32)[10, 784]
}
