package models

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// NoisyLeastSquares is the least-squares problem f(x) = 1/(2m) ||M x - y||^2 with a stochastic
// gradient oracle whose constants are known exactly, for checking SGD's convergence theorem:
//
//   - smoothness L = largest eigenvalue of A = M^T M / m (Quadratic.L), strong convexity Mu;
//   - oracle g(x) = grad f(x) + (Sigma/sqrt(Dim)) xi with xi ~ N(0, I) drawn afresh at every call,
//     so g is unbiased and its noise variance E||g(x) - grad f(x)||^2 = Sigma^2 exactly, the same
//     at every x (Sigma2 below);
//   - f* and x* in closed form, so Delta0 = f(x0) - f* is exact.
//
// M is built as U S V^T with U [m, Dim] orthonormal columns, S = diag(sqrt(m lambda_j)) and V
// orthogonal, so that M^T M / m = V diag(lambda) V^T has exactly the requested eigenvalues;
// y = M x_true + noise. The embedded Quadratic is the same f written as 1/2 x^T A x - b^T x + c
// (b = M^T y / m, c = ||y||^2 / (2m)) and gives Value, Grad, GradGraph, L, Mu, XStar, FStar:
// the exact gradient of f, a [Problem]. Oracle gives the noisy one (GradientOracle.GradStep
// for optim.RunHostFunc).
type NoisyLeastSquares struct {
	*Quadratic
	Samples int       // m, the number of rows of M
	M       []float64 // [Samples, Dim] row-major
	Y       []float64 // [Samples]
	Sigma2  float64   // noise variance of the oracle, E||g(x) - grad f(x)||^2
}

// NoisyLeastSquaresConfig describes a [NoisyLeastSquares] problem.
type NoisyLeastSquaresConfig struct {
	Dim, Samples int     // Samples >= Dim >= 1
	L, Mu        float64 // extreme eigenvalues of M^T M / m, 0 < Mu <= L; spaced geometrically
	Sigma2       float64 // oracle noise variance, >= 0
	Residual     float64 // standard deviation of y's noise around M x_true (makes f* > 0), >= 0
	Seed         uint64
}

// NewNoisyLeastSquares builds the problem described by cfg.
func NewNoisyLeastSquares(cfg NoisyLeastSquaresConfig) (*NoisyLeastSquares, error) {
	if cfg.Dim < 1 || cfg.Samples < cfg.Dim {
		return nil, fmt.Errorf("models.NewNoisyLeastSquares: Dim=%d, Samples=%d: want Samples >= Dim >= 1", cfg.Dim, cfg.Samples)
	}
	if !(cfg.Sigma2 >= 0) || math.IsInf(cfg.Sigma2, 0) || !(cfg.Residual >= 0) || math.IsInf(cfg.Residual, 0) {
		return nil, fmt.Errorf("models.NewNoisyLeastSquares: Sigma2=%g, Residual=%g: want both finite and >= 0", cfg.Sigma2, cfg.Residual)
	}
	q, err := NewIllConditionedQuadratic(cfg.Dim, cfg.L, cfg.Mu, cfg.Seed)
	if err != nil {
		return nil, fmt.Errorf("models.NewNoisyLeastSquares: %w", err)
	}
	m, d := cfg.Samples, cfg.Dim
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x15))
	// U = the first d columns of a Householder reflection of R^m: orthonormal columns.
	hu := householder(randNormal(rng, m))
	// M = U S V^T with V = q.Q, so M^T M / m = V diag(lambda) V^T = q.A.
	p := &NoisyLeastSquares{Quadratic: q, Samples: m, M: make([]float64, m*d), Y: make([]float64, m), Sigma2: cfg.Sigma2}
	for i := range m {
		for j := range d {
			var s float64
			for k := range d {
				s += hu[i*m+k] * math.Sqrt(float64(m)*q.Eigenvalues[k]) * q.Q[j*d+k]
			}
			p.M[i*d+j] = s
		}
	}
	xTrue := randNormal(rng, d)
	p.Y = matVec(p.M, m, d, xTrue)
	for i := range p.Y {
		p.Y[i] += cfg.Residual * rng.NormFloat64()
	}
	// b = M^T y / m, c = ||y||^2/(2m); the minimiser solves A x = b:
	// x* = V diag(1/sqrt(m lambda)) U^T y, and f* = (||y||^2 - ||U^T y||^2) / (2m).
	q.B = make([]float64, d)
	for j := range d {
		for i := range m {
			q.B[j] += p.M[i*d+j] * p.Y[i] / float64(m)
		}
	}
	q.C = dot(p.Y, p.Y) / (2 * float64(m))
	uty := make([]float64, d)
	for k := range d {
		for i := range m {
			uty[k] += hu[i*m+k] * p.Y[i]
		}
	}
	for j := range d {
		q.XStar[j] = 0
		for k := range d {
			q.XStar[j] += q.Q[j*d+k] * uty[k] / math.Sqrt(float64(m)*q.Eigenvalues[k])
		}
	}
	q.FStar = math.Max(0, (dot(p.Y, p.Y)-dot(uty, uty))/(2*float64(m)))
	return p, nil
}

// ResidualValue returns f(x) = 1/(2m) ||M x - y||^2 computed from the residual (the embedded
// Quadratic's Value is the same function, expanded).
func (p *NoisyLeastSquares) ResidualValue(x []float64) float64 {
	p.quadratic().checkLen("ResidualValue", x)
	r := matVec(p.M, p.Samples, p.Dim, x)
	var s float64
	for i, v := range r {
		s += (v - p.Y[i]) * (v - p.Y[i])
	}
	return s / (2 * float64(p.Samples))
}

// Delta0 returns f(x0) - f*.
func (p *NoisyLeastSquares) Delta0(x0 []float64) float64 { return p.Value(x0) - p.quadratic().FStar }

// GradientOracle draws the stochastic gradients of a [NoisyLeastSquares] problem, from its
// own seeded generator: the same seed gives the same sequence of noise vectors.
type GradientOracle struct {
	p     *NoisyLeastSquares
	rng   *rand.Rand
	scale float64
	Calls int // number of gradients drawn so far
}

// Oracle returns a gradient oracle with its own noise stream.
// It panics on an invalid problem (see Validate).
func (p *NoisyLeastSquares) Oracle(seed uint64) *GradientOracle {
	p.quadratic()
	return &GradientOracle{p: p, rng: rand.New(rand.NewPCG(seed, 0x0c)), scale: math.Sqrt(p.Sigma2 / float64(p.Dim))}
}

// Grad returns g(x) = grad f(x) + (Sigma/sqrt(Dim)) xi, xi ~ N(0, I). It panics if
// len(x) != Dim.
func (o *GradientOracle) Grad(x []float64) []float64 {
	if o == nil {
		panic(errors.New("models.GradientOracle: nil *GradientOracle: get one from NoisyLeastSquares.Oracle"))
	}
	g := o.p.Grad(x)
	for i := range g {
		g[i] += o.scale * o.rng.NormFloat64()
	}
	o.Calls++
	return g
}

// StochasticLossGraph builds, for x of shape [Dim], a scalar whose gradient with respect to x
// is the oracle's g(x): f(x) + (Sigma/sqrt(Dim)) xi^T x with xi ~ N(0, I) drawn from scope's
// random generator at every execution (and xi held constant for differentiation). Its value
// is f(x) plus that noise term, not f(x): report ValueGraph for the objective.
// Use it to run GoMLX optimizers on the stochastic problem.
func (p *NoisyLeastSquares) StochasticLossGraph(scope *model.Scope, x *graph.Node) *graph.Node {
	p.quadratic()
	checkVectorNode("NoisyLeastSquares.StochasticLossGraph", x, p.Dim)
	xi := graph.StopGradient(scope.RandomNormal(x.Graph(), shapes.Make(x.DType(), p.Dim)))
	noise := graph.MulScalar(graph.ReduceAllSum(graph.Mul(xi, x)), math.Sqrt(p.Sigma2/float64(p.Dim)))
	return graph.Add(p.ValueGraph(x), noise)
}

// SGDTheorem is the convergence bound of SGD with a constant step on an L-smooth function
// whose stochastic gradients are unbiased with noise variance at most Sigma2: with the step
// StepSize() = [ (2 Delta0 / ((K+1) L Sigma2))^(-1/2) + L ]^(-1), the iterates satisfy
//
//	1/(K+1) sum_{k=0}^{K} E||grad f(x_k)||^2 <= sqrt(8 L Delta0 Sigma2 / (K+1)) + 2 L Delta0 / (K+1) = Bound().
//
// Delta0 = f(x_0) - f*. With Sigma2 = 0 the step is 1/L (gradient descent).
type SGDTheorem struct {
	L, Delta0, Sigma2 float64
	K                 int // number of steps minus one: iterates x_0 ... x_K
}

// Validate reports L <= 0, Delta0 < 0, Sigma2 < 0, K < 0 or non-finite values.
func (th SGDTheorem) Validate() error {
	vals := []float64{th.L, th.Delta0, th.Sigma2}
	if !(th.L > 0) || !(th.Delta0 >= 0) || !(th.Sigma2 >= 0) || th.K < 0 || slices.ContainsFunc(vals, func(v float64) bool { return math.IsInf(v, 0) }) {
		return fmt.Errorf("models.SGDTheorem: L=%g, Delta0=%g, Sigma2=%g, K=%d: want L > 0, Delta0 >= 0, Sigma2 >= 0 (finite), K >= 0",
			th.L, th.Delta0, th.Sigma2, th.K)
	}
	return nil
}

// StepSize returns the theorem's constant step gamma.
func (th SGDTheorem) StepSize() float64 {
	if th.Sigma2 == 0 || th.Delta0 == 0 {
		return 1 / th.L
	}
	return 1 / (math.Sqrt(float64(th.K+1)*th.L*th.Sigma2/(2*th.Delta0)) + th.L)
}

// Bound returns the theorem's bound on the average expected squared gradient norm.
func (th SGDTheorem) Bound() float64 {
	k1 := float64(th.K + 1)
	return math.Sqrt(8*th.L*th.Delta0*th.Sigma2/k1) + 2*th.L*th.Delta0/k1
}
