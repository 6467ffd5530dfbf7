package decentral

import (
	"gonum.org/v1/gonum/mat"
)

// Quadratic is an objective whose local gradients are affine, grad f_i(x) = H_i x - c_i, so the
// fixed points of the algorithms solve linear equations. *LeastSquares is one.
type Quadratic interface {
	Objective
	Hessian(i int) mat.Symmetric
	Linear(i int) mat.Vector
}

// DSGDFixedPoint solves exactly for the models X* (n x d, row i worker i's) at which full-gradient
// D-SGD with constant step a stays put on a quadratic, for a static topology:
//
//	adapt-then-combine (DSGD):         X = W (X - a (H X - C))  <=>  [I - (W⊗I)(I - aH)] x = a (W⊗I) c
//	combine-then-adapt (DSGDCombineFirst): X = W X - a (H X - C)  <=>  [I - W⊗I + aH] x = a c
//
// with x, c the stacked rows and H = diag(H_1..H_n). On heterogeneous data X* is not 1 x*^T:
// summing the CTA equation over workers gives sum_i grad f_i(x_i*) = 0, not grad f(xbar*) = 0,
// and the workers disagree by O(a/(1-rho)); both put xbar* at a distance O(a) from x* for small
// a. Errors: another algorithm, a time-varying topology (it has no fixed point, only a cycle), a
// bad step, or a singular system.
func DSGDFixedPoint(q Quadratic, t Topology, algorithm string, step float64) ([][]float64, error) {
	switch {
	case algorithm != DSGD && algorithm != DSGDCombineFirst:
		return nil, kindErrorf(ErrInvalidValue, "fixed point: algorithm %q; the closed form is for %q and %q (exact diffusion and gradient tracking stop at 1 x*^T)", algorithm, DSGD, DSGDCombineFirst)
	case t == nil || t.Workers() != q.Workers():
		return nil, kindErrorf(ErrInvalidValue, "fixed point: topology must have the objective's %d workers", q.Workers())
	case t.TimeVarying():
		return nil, kindErrorf(ErrInvalidValue, "fixed point: topology %s varies with the round; D-SGD on it ends in a cycle, not a fixed point", t.Name())
	case !(step > 0):
		return nil, kindErrorf(ErrInvalidValue, "fixed point: step must be > 0, got %v", step)
	}
	n, d := q.Workers(), q.Dim()
	w := t.Mixing(0)
	// wk is W⊗I, h is diag(H_i), c the stacked c_i.
	wk, h := mat.NewDense(n*d, n*d, nil), mat.NewDense(n*d, n*d, nil)
	c := mat.NewVecDense(n*d, nil)
	for i := range n {
		for j := range n {
			for k := range d {
				wk.Set(i*d+k, j*d+k, w[i][j])
			}
		}
		for k := range d {
			c.SetVec(i*d+k, q.Linear(i).AtVec(k))
			for l := range d {
				h.Set(i*d+k, i*d+l, q.Hessian(i).At(k, l))
			}
		}
	}
	eye := mat.NewDiagDense(n*d, nil)
	for k := range n * d {
		eye.SetDiag(k, 1)
	}
	var lhs mat.Dense
	rhs := mat.NewVecDense(n*d, nil)
	if algorithm == DSGD {
		var inner mat.Dense
		inner.Scale(-step, h)
		inner.Add(eye, &inner) // I - aH
		lhs.Mul(wk, &inner)
		lhs.Sub(eye, &lhs)
		rhs.MulVec(wk, c)
		rhs.ScaleVec(step, rhs)
	} else {
		lhs.Scale(step, h)
		lhs.Add(eye, &lhs)
		lhs.Sub(&lhs, wk)
		rhs.ScaleVec(step, c)
	}
	var x mat.VecDense
	if err := x.SolveVec(&lhs, rhs); err != nil {
		return nil, kindErrorf(ErrInvalidValue, "fixed point: the linear system is singular (%v)", err)
	}
	out := make([][]float64, n)
	for i := range out {
		out[i] = x.RawVector().Data[i*d : (i+1)*d]
	}
	return out, nil
}

// Mean is the average of the rows of x.
func Mean(x [][]float64) []float64 {
	m := make([]float64, len(x[0]))
	for _, row := range x {
		for k, v := range row {
			m[k] += v / float64(len(x))
		}
	}
	return m
}
