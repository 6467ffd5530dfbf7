package models

import (
	"fmt"

	"github.com/gomlx/gomlx/core/graph"
)

// Problem is what every test problem offers an optimizer, on the host and in the graph, in the
// forms dlopt/optim's run functions take directly:
//
//	optim.RunFunc(opt, x0, []int{p.Dim}, p.GradGraph, steps, dtypes.Float64)
//	optim.RunHostFunc(opt, x0, []int{p.Dim}, p.GradStep, steps, dtypes.Float64)
//
// Value and Grad cannot return errors: they panic on an x of the wrong length or an invalid
// problem (a nil *Quadratic, a Rosenbrock with Dim 1), with a message naming it; ValueAndGrad
// returns those as errors instead. The graph functions
// panic on a wrong shape at graph-build time, as GoMLX functions do (RunFunc turns that into
// an error, RunHostFunc a panic of GradStep).
type Problem interface {
	// Dimension is the number of coordinates of x.
	Dimension() int
	// Value returns f(x); it panics if len(x) != Dimension().
	Value(x []float64) float64
	// Grad returns ∇f(x); it panics if len(x) != Dimension().
	Grad(x []float64) []float64
	// ValueAndGrad returns f(x) and ∇f(x), or an error naming a wrong length.
	ValueAndGrad(x []float64) (float64, []float64, error)
	// GradStep is Grad in the form optim.RunHostFunc takes (the step is ignored: the gradient
	// is exact; see GradientOracle.GradStep for a noisy one).
	GradStep(x []float64, step int) []float64
	// ValueGraph builds f(x) for x of shape [Dimension()] in any float dtype.
	ValueGraph(x *graph.Node) *graph.Node
	// GradGraph builds ∇f(x) in the graph, of x's shape and dtype: optim.RunFunc's GradFunc.
	GradGraph(x *graph.Node) *graph.Node
}

var (
	_ Problem = Rosenbrock{}
	_ Problem = (*Quadratic)(nil)
	_ Problem = (*NoisyLeastSquares)(nil)
)

// Dimension is Dim.
func (r Rosenbrock) Dimension() int { return r.Dim }

// ValueAndGrad returns f(x) and ∇f(x), or an error for an invalid problem or a wrong length.
func (r Rosenbrock) ValueAndGrad(x []float64) (float64, []float64, error) {
	if err := r.Validate(); err != nil {
		return 0, nil, err
	}
	if len(x) != r.Dim {
		return 0, nil, fmt.Errorf("models.Rosenbrock: len(x) = %d, want Dim = %d", len(x), r.Dim)
	}
	return r.Value(x), r.Grad(x), nil
}

// GradStep is Grad for optim.RunHostFunc.
func (r Rosenbrock) GradStep(x []float64, _ int) []float64 { return r.Grad(x) }

// GradGraph builds ∇f(x) for x of shape [Dim]: with v_i = x_{i+1} - x_i², coordinate i gets
// -2(1 - x_i) - 4B·x_i·v_i from term i and 2B·v_{i-1} from term i-1.
func (r Rosenbrock) GradGraph(x *graph.Node) *graph.Node {
	if err := r.Validate(); err != nil {
		panic(err)
	}
	checkVectorNode("Rosenbrock.GradGraph", x, r.Dim)
	head, tail := r.selections(x)
	xi, xNext := graph.Einsum("ij,j->i", head, x), graph.Einsum("ij,j->i", tail, x)
	v := graph.Sub(xNext, graph.Mul(xi, xi))
	dHead := graph.Sub(graph.MulScalar(graph.OneMinus(xi), -2), graph.MulScalar(graph.Mul(xi, v), 4*r.B))
	dTail := graph.MulScalar(v, 2*r.B)
	// Scatter the per-term derivatives back to the coordinates: head^T·dHead + tail^T·dTail.
	return graph.Add(graph.Einsum("ij,i->j", head, dHead), graph.Einsum("ij,i->j", tail, dTail))
}

// selections returns the constant [Dim-1, Dim] matrices picking x[:-1] and x[1:], in x's dtype
// (slices have no gradient on the pure-Go backend; products do).
func (r Rosenbrock) selections(x *graph.Node) (head, tail *graph.Node) {
	n := r.Dim
	h, t := make([]float64, (n-1)*n), make([]float64, (n-1)*n)
	for i := range n - 1 {
		h[i*n+i], t[i*n+i+1] = 1, 1
	}
	g, dt := x.Graph(), x.DType()
	return graph.ConvertDType(graph.Reshape(graph.Const(g, h), n-1, n), dt),
		graph.ConvertDType(graph.Reshape(graph.Const(g, t), n-1, n), dt)
}

// Dimension is Dim (0 for a nil *Quadratic).
func (q *Quadratic) Dimension() int {
	if q == nil {
		return 0
	}
	return q.Dim
}

// ValueAndGrad returns f(x) and ∇f(x), or an error for an invalid problem (a nil *Quadratic,
// say) or a wrong length.
func (q *Quadratic) ValueAndGrad(x []float64) (float64, []float64, error) {
	if err := q.Validate(); err != nil {
		return 0, nil, err
	}
	if len(x) != q.Dim {
		return 0, nil, fmt.Errorf("models.Quadratic: len(x) = %d, want Dim = %d", len(x), q.Dim)
	}
	return q.Value(x), q.Grad(x), nil
}

// GradStep is Grad for optim.RunHostFunc.
func (q *Quadratic) GradStep(x []float64, _ int) []float64 { return q.Grad(x) }

// GradGraph builds ∇f(x) = A x - b for x of shape [Dim].
func (q *Quadratic) GradGraph(x *graph.Node) *graph.Node {
	q.mustValidate()
	checkVectorNode("Quadratic.GradGraph", x, q.Dim)
	g, dt := x.Graph(), x.DType()
	a := graph.ConvertDType(graph.Reshape(graph.Const(g, q.A), q.Dim, q.Dim), dt)
	return graph.Sub(graph.Einsum("ij,j->i", a, x), graph.ConvertDType(graph.Const(g, q.B), dt))
}

// GradStep is Grad (one noisy gradient) in the form optim.RunHostFunc takes: each call draws
// fresh noise, so a run is reproducible from the oracle's seed.
func (o *GradientOracle) GradStep(x []float64, _ int) []float64 { return o.Grad(x) }
