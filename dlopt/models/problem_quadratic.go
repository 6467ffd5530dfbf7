package models

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/gomlx/gomlx/core/graph"
)

// Quadratic is the test problem f(x) = 1/2 x^T A x - b^T x + c with A symmetric positive
// definite, built from its eigen-decomposition so that every constant is known:
// A = Q diag(Eigenvalues) Q^T, L = max eigenvalue (smoothness), Mu = min eigenvalue (strong
// convexity), the minimiser XStar and the minimum FStar = c - 1/2 b^T XStar.
// Matrices are row-major: A[i*Dim+j]. It is a [Problem]: host and graph gradients, GradStep
// and GradGraph for optim's run functions.
type Quadratic struct {
	Dim         int
	A           []float64 // [Dim, Dim]
	B           []float64 // [Dim]
	C           float64
	Eigenvalues []float64 // ascending
	Q           []float64 // [Dim, Dim] orthogonal; column j is the eigenvector of Eigenvalues[j]
	L, Mu       float64
	XStar       []float64
	FStar       float64
}

// NewQuadratic builds a quadratic with the given (positive, finite) eigenvalues, a random
// orthogonal eigenbasis Q (a product of two Householder reflections) and a random minimiser
// XStar ~ N(0, I), then b = A XStar and c = 0, all from seed.
func NewQuadratic(eigenvalues []float64, seed uint64) (*Quadratic, error) {
	d := len(eigenvalues)
	if d == 0 {
		return nil, fmt.Errorf("models.NewQuadratic: no eigenvalues")
	}
	for i, l := range eigenvalues {
		if !(l > 0) || math.IsInf(l, 0) {
			return nil, fmt.Errorf("models.NewQuadratic: eigenvalue %d is %g, want positive and finite", i, l)
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0x9a))
	q := &Quadratic{Dim: d, Eigenvalues: slices.Sorted(slices.Values(eigenvalues))}
	q.Q = matMul(householder(randNormal(rng, d)), householder(randNormal(rng, d)), d, d, d)
	q.A = make([]float64, d*d)
	for i := range d {
		for j := range d {
			var s float64
			for k, l := range q.Eigenvalues {
				s += q.Q[i*d+k] * l * q.Q[j*d+k]
			}
			q.A[i*d+j] = s
		}
	}
	for i := range d { // exactly symmetric, whatever the rounding
		for j := range i {
			q.A[j*d+i] = q.A[i*d+j]
		}
	}
	q.L, q.Mu = q.Eigenvalues[d-1], q.Eigenvalues[0]
	q.XStar = randNormal(rng, d)
	q.B = matVec(q.A, d, d, q.XStar)
	q.FStar = q.C - 0.5*dot(q.B, q.XStar)
	return q, nil
}

// NewIllConditionedQuadratic builds a quadratic of dimension dim whose eigenvalues are spaced
// geometrically from mu to l (so its condition number is l/mu; dim 1 gets just l).
func NewIllConditionedQuadratic(dim int, l, mu float64, seed uint64) (*Quadratic, error) {
	if dim < 1 || !(mu > 0) || !(l >= mu) || math.IsInf(l, 0) {
		return nil, fmt.Errorf("models.NewIllConditionedQuadratic: dim=%d, L=%g, mu=%g: want dim >= 1 and 0 < mu <= L < Inf", dim, l, mu)
	}
	if dim == 1 {
		return NewQuadratic([]float64{l}, seed)
	}
	eig := make([]float64, dim)
	for i := range eig {
		eig[i] = mu * math.Pow(l/mu, float64(i)/float64(dim-1))
	}
	eig[0], eig[dim-1] = mu, l // exact ends, free of Pow's rounding
	return NewQuadratic(eig, seed)
}

// Validate reports a nil *Quadratic or one whose A and B do not have Dim² and Dim entries: a
// Quadratic is built by NewQuadratic or NewIllConditionedQuadratic, not by hand.
func (q *Quadratic) Validate() error {
	if q == nil {
		return errors.New("models.Quadratic: the problem is a nil *Quadratic: build one with NewQuadratic or NewIllConditionedQuadratic")
	}
	if q.Dim < 1 || len(q.A) != q.Dim*q.Dim || len(q.B) != q.Dim {
		return fmt.Errorf("models.Quadratic: Dim = %d with len(A) = %d and len(B) = %d: want Dim >= 1, Dim² and Dim entries "+
			"(build one with NewQuadratic or NewIllConditionedQuadratic)", q.Dim, len(q.A), len(q.B))
	}
	return nil
}

// Condition returns the condition number L/Mu. It panics on an invalid problem (see Validate).
func (q *Quadratic) Condition() float64 {
	q.mustValidate()
	return q.L / q.Mu
}

func (q *Quadratic) mustValidate() {
	if err := q.Validate(); err != nil {
		panic(err)
	}
}

// Value returns f(x). It panics if len(x) != Dim or the problem is invalid (see Validate);
// ValueAndGrad returns errors instead.
func (q *Quadratic) Value(x []float64) float64 {
	q.checkLen("Value", x)
	return 0.5*dot(x, matVec(q.A, q.Dim, q.Dim, x)) - dot(q.B, x) + q.C
}

// Grad returns grad f(x) = A x - b. It panics if len(x) != Dim or the problem is invalid
// (ValueAndGrad returns errors instead).
func (q *Quadratic) Grad(x []float64) []float64 {
	q.checkLen("Grad", x)
	g := matVec(q.A, q.Dim, q.Dim, x)
	for i := range g {
		g[i] -= q.B[i]
	}
	return g
}

// ValueGraph builds f(x) for x of shape [Dim] (any float dtype; A, b, c become constants of it).
func (q *Quadratic) ValueGraph(x *graph.Node) *graph.Node {
	q.mustValidate()
	checkVectorNode("Quadratic.ValueGraph", x, q.Dim)
	g, dt := x.Graph(), x.DType()
	a := graph.ConvertDType(graph.Reshape(graph.Const(g, q.A), q.Dim, q.Dim), dt)
	b := graph.ConvertDType(graph.Const(g, q.B), dt)
	ax := graph.Einsum("ij,j->i", a, x)
	quad := graph.MulScalar(graph.ReduceAllSum(graph.Mul(x, ax)), 0.5)
	return graph.AddScalar(graph.Sub(quad, graph.ReduceAllSum(graph.Mul(b, x))), q.C)
}

func (q *Quadratic) checkLen(fn string, x []float64) {
	q.mustValidate()
	if len(x) != q.Dim {
		panic(fmt.Sprintf("models.Quadratic.%s: len(x) = %d, want Dim = %d", fn, len(x), q.Dim))
	}
}

// checkVectorNode panics unless x is a float vector [dim].
func checkVectorNode(fn string, x *graph.Node, dim int) {
	checkFloat(fn, "x", x, 1)
	if x.Rank() != 1 || x.Shape().Dimensions[0] != dim {
		panic(fmt.Errorf("models.%s: x has shape %s, want [%d]", fn, x.Shape(), dim))
	}
}

// householder returns I - 2 v v^T / (v^T v), [len(v), len(v)], symmetric and orthogonal.
func householder(v []float64) []float64 {
	n, vv := len(v), dot(v, v)
	h := make([]float64, n*n)
	for i := range n {
		for j := range n {
			h[i*n+j] = -2 * v[i] * v[j] / vv
		}
		h[i*n+i]++
	}
	return h
}

// matMul returns the product of a [r, k] and b [k, c], row-major.
func matMul(a, b []float64, r, k, c int) []float64 {
	out := make([]float64, r*c)
	for i := range r {
		for l := range k {
			ail := a[i*k+l]
			for j := range c {
				out[i*c+j] += ail * b[l*c+j]
			}
		}
	}
	return out
}

func dot(u, v []float64) float64 {
	var s float64
	for i, x := range u {
		s += x * v[i]
	}
	return s
}

func randNormal(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}
