package models

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
)

// TestNormalCDFGraph: the graph's Phi agrees with math.Erfc (what Activation.F64 uses) over
// every branch of the algorithm, tails included, and its gradient is the normal density, finite
// everywhere (infinities included). The graph is math.Erfc's algorithm: without SIMD kernels it
// gives the same bits; the Go backend's SIMD Exp (float64) is off by ~1e-14 relative, more for
// large arguments (6e-14 at exp(-700)), hence the tolerance, and returns ~4e-310 where the
// result is subnormal (Phi(x) for x < -37.5), hence the absolute floor.
func TestNormalCDFGraph(t *testing.T) {
	var x []float64
	for i := range 4001 {
		x = append(x, -40+80*float64(i)/4000) // all the branches of erfc(-x/sqrt 2), both signs
	}
	for _, v := range []float64{0, 1e-300, -1e-300, 1e-20, 0.25 * math.Sqrt2, 0.84375 * math.Sqrt2, -0.84375 * math.Sqrt2,
		1.25 * math.Sqrt2, -1.25 * math.Sqrt2, math.Sqrt2 / 0.35, -math.Sqrt2 / 0.35, 6 * math.Sqrt2, -6 * math.Sqrt2,
		28 * math.Sqrt2, -28 * math.Sqrt2, -37.5, 39.9, math.Inf(1), math.Inf(-1)} {
		x = append(x, v, math.Nextafter(v, 0), math.Nextafter(v, math.Inf(1)))
	}
	outs := graph.MustExecOnceN(backend(t), func(x *graph.Node) (*graph.Node, *graph.Node) {
		phi := normalCDFGraph(x)
		return phi, graph.Gradient(graph.ReduceAllSum(phi), x)[0]
	}, x)
	phi, grad := flat64(t, outs[0]), flat64(t, outs[1])
	for i, xi := range x {
		want := 0.5 * math.Erfc(-xi/math.Sqrt2)
		tol := 2e-14 + 5e-17*xi*xi
		if math.IsInf(xi, 0) {
			tol = 0
		}
		if d := math.Abs(phi[i] - want); !(d <= tol*want || d < 1e-300) {
			t.Errorf("Phi(%.17g) = %.17g, math.Erfc gives %.17g (relative error %.3g)", xi, phi[i], want, d/want)
		}
		pdf := math.Exp(-xi*xi/2) / math.Sqrt(2*math.Pi)
		if d := math.Abs(grad[i] - pdf); !(d <= tol*pdf || d < 1e-300) {
			t.Errorf("Phi'(%.17g) = %.17g, want the density %.17g", xi, grad[i], pdf)
		}
	}
	nan := graph.MustExecOnce(backend(t), normalCDFGraph, []float64{math.NaN()})
	if v := flat64(t, nan)[0]; !math.IsNaN(v) {
		t.Errorf("Phi(NaN) = %g, want NaN", v)
	}
}
