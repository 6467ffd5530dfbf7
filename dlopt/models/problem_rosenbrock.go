package models

import (
	"fmt"

	"github.com/gomlx/gomlx/core/graph"
)

// Rosenbrock is the chained Rosenbrock function
//
//	f(x) = sum_{i=0}^{Dim-2} (1 - x_i)^2 + B (x_{i+1} - x_i^2)^2,
//
// (Dim = 2, B = 100 is the classic banana), with minimiser (1, ..., 1) and minimum 0. It is a
// [Problem]: host and graph gradients, GradStep and GradGraph for optim's run functions.
type Rosenbrock struct {
	Dim int     // at least 2
	B   float64 // curvature of the valley, positive; the classic value is 100
}

// Validate reports Dim < 2 or B <= 0.
func (r Rosenbrock) Validate() error {
	if r.Dim < 2 || !(r.B > 0) {
		return fmt.Errorf("models.Rosenbrock: Dim=%d, B=%g: want Dim >= 2 and B > 0", r.Dim, r.B)
	}
	return nil
}

// Minimiser returns (1, ..., 1), where f is 0.
func (r Rosenbrock) Minimiser() []float64 {
	x := make([]float64, r.Dim)
	for i := range x {
		x[i] = 1
	}
	return x
}

// FStar is the minimum, 0.
func (r Rosenbrock) FStar() float64 { return 0 }

func (r Rosenbrock) check(fn string, x []float64) {
	if err := r.Validate(); err != nil {
		panic(err)
	}
	if len(x) != r.Dim {
		panic(fmt.Sprintf("models.Rosenbrock.%s: len(x) = %d, want Dim = %d", fn, len(x), r.Dim))
	}
}

// Value returns f(x). It panics if len(x) != Dim or the problem is invalid (ValueAndGrad
// returns errors instead).
func (r Rosenbrock) Value(x []float64) float64 {
	r.check("Value", x)
	var f float64
	for i := range r.Dim - 1 {
		a, v := 1-x[i], x[i+1]-x[i]*x[i]
		f += a*a + r.B*v*v
	}
	return f
}

// Grad returns grad f(x). It panics if len(x) != Dim or the problem is invalid (ValueAndGrad
// returns errors instead).
func (r Rosenbrock) Grad(x []float64) []float64 {
	r.check("Grad", x)
	g := make([]float64, r.Dim)
	for i := range r.Dim - 1 {
		v := x[i+1] - x[i]*x[i]
		g[i] += -2*(1-x[i]) - 4*r.B*x[i]*v
		g[i+1] += 2 * r.B * v
	}
	return g
}

// ValueGraph builds f(x) for x of shape [Dim]. The shifted copies x[:-1] and x[1:] are taken
// with constant selection matrices instead of slices, whose gradient the pure-Go backend lacks.
func (r Rosenbrock) ValueGraph(x *graph.Node) *graph.Node {
	if err := r.Validate(); err != nil {
		panic(err)
	}
	checkVectorNode("Rosenbrock.ValueGraph", x, r.Dim)
	head, tail := r.selections(x)
	xi, xNext := graph.Einsum("ij,j->i", head, x), graph.Einsum("ij,j->i", tail, x)
	a := graph.OneMinus(xi)
	v := graph.Sub(xNext, graph.Mul(xi, xi))
	return graph.ReduceAllSum(graph.Add(graph.Mul(a, a), graph.MulScalar(graph.Mul(v, v), r.B)))
}
