package optim

import (
	"fmt"

	"github.com/dlopt/course/dlopt"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/core/tensors"
)

// GraphClosure turns a GoMLX loss of a float64 parameter vector of length n into an
// [LBFGSClosure]: one compiled graph (on [dlopt.Backend]) returns the loss and its gradient by
// GoMLX's reverse-mode autodiff, so LBFGS can minimise any function written with graph ops.
// An execution error inside the closure makes [LBFGS.Step] return it.
func GraphClosure(loss func(x *Node) *Node, n int) (LBFGSClosure, error) {
	if n < 1 {
		return nil, fmt.Errorf("optim: GraphClosure: n=%d: the parameter vector needs at least one element", n)
	}
	backend, err := dlopt.Backend()
	if err != nil {
		return nil, err
	}
	exec, err := NewExec(backend, func(x *Node) (*Node, *Node) {
		l := loss(x)
		if !l.Shape().IsScalar() {
			panic(fmt.Sprintf("optim: GraphClosure: the loss must be a scalar, got shape %s", l.Shape()))
		}
		return l, Gradient(l, x)[0]
	})
	if err != nil {
		return nil, err
	}
	return func(x []float64) (float64, []float64) {
		if len(x) != n {
			panic(lbfgsClosureError{fmt.Errorf("optim: GraphClosure: %d parameters, built for %d", len(x), n)})
		}
		l, g, err := exec.Exec2(tensors.FromFlatDataAndDimensions(append([]float64(nil), x...), n))
		if err != nil {
			panic(lbfgsClosureError{err})
		}
		return tensors.ToScalar[float64](l), tensors.MustCopyFlatData[float64](g)
	}, nil
}

// lbfgsClosureError carries an error out of a closure through a panic, for Step to return.
type lbfgsClosureError struct{ err error }
