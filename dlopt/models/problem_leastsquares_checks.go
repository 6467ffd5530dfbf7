package models

import (
	"errors"
	"fmt"

	"github.com/gomlx/gomlx/core/graph"
)

// The methods below are the embedded Quadratic's, defined again so that a nil
// *NoisyLeastSquares (or one not built by NewNoisyLeastSquares) fails with a message naming it
// instead of a nil dereference inside the method promotion.

// Validate reports a nil *NoisyLeastSquares or one whose parts do not fit together: build one
// with NewNoisyLeastSquares.
func (p *NoisyLeastSquares) Validate() error {
	if p == nil {
		return errors.New("models.NoisyLeastSquares: the problem is a nil *NoisyLeastSquares: build one with NewNoisyLeastSquares")
	}
	if err := p.Quadratic.Validate(); err != nil {
		return fmt.Errorf("models.NoisyLeastSquares: its Quadratic: %w (build one with NewNoisyLeastSquares)", err)
	}
	if p.Samples < p.Dim || len(p.M) != p.Samples*p.Dim || len(p.Y) != p.Samples {
		return fmt.Errorf("models.NoisyLeastSquares: Samples = %d, Dim = %d with len(M) = %d and len(Y) = %d: "+
			"want Samples >= Dim, Samples·Dim and Samples entries (build one with NewNoisyLeastSquares)",
			p.Samples, p.Dim, len(p.M), len(p.Y))
	}
	return nil
}

// quadratic is the embedded Quadratic of a valid problem; it panics with Validate's error.
func (p *NoisyLeastSquares) quadratic() *Quadratic {
	if err := p.Validate(); err != nil {
		panic(err)
	}
	return p.Quadratic
}

// Dimension is Dim (0 for a nil problem).
func (p *NoisyLeastSquares) Dimension() int {
	if p == nil {
		return 0
	}
	return p.Quadratic.Dimension()
}

// Value returns f(x); it panics on a wrong length or an invalid problem.
func (p *NoisyLeastSquares) Value(x []float64) float64 { return p.quadratic().Value(x) }

// Grad returns ∇f(x) (exact; see Oracle for a noisy one); it panics on a wrong length or an
// invalid problem.
func (p *NoisyLeastSquares) Grad(x []float64) []float64 { return p.quadratic().Grad(x) }

// ValueAndGrad returns f(x) and ∇f(x), or an error for an invalid problem or a wrong length.
func (p *NoisyLeastSquares) ValueAndGrad(x []float64) (float64, []float64, error) {
	if err := p.Validate(); err != nil {
		return 0, nil, err
	}
	return p.Quadratic.ValueAndGrad(x)
}

// GradStep is Grad for optim.RunHostFunc.
func (p *NoisyLeastSquares) GradStep(x []float64, _ int) []float64 { return p.Grad(x) }

// ValueGraph builds f(x) for x of shape [Dim].
func (p *NoisyLeastSquares) ValueGraph(x *graph.Node) *graph.Node { return p.quadratic().ValueGraph(x) }

// GradGraph builds ∇f(x) for x of shape [Dim].
func (p *NoisyLeastSquares) GradGraph(x *graph.Node) *graph.Node { return p.quadratic().GradGraph(x) }

// Condition returns L/Mu.
func (p *NoisyLeastSquares) Condition() float64 { return p.quadratic().Condition() }
