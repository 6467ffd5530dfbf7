package models

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

func TestQuadraticConstants(t *testing.T) {
	q, err := NewIllConditionedQuadratic(6, 100, 0.5, 1)
	if err != nil {
		t.Fatal(err)
	}
	d := q.Dim
	if q.L != 100 || q.Mu != 0.5 || q.Condition() != 200 {
		t.Fatalf("L=%g, Mu=%g, condition %g; want 100, 0.5, 200", q.L, q.Mu, q.Condition())
	}
	// Q is orthogonal and A Q = Q diag(lambda).
	qtq := matMul(transpose(q.Q, d, d), q.Q, d, d, d)
	aq := matMul(q.A, q.Q, d, d, d)
	for i := range d {
		for j := range d {
			want := 0.0
			if i == j {
				want = 1
			}
			if math.Abs(qtq[i*d+j]-want) > 1e-14 {
				t.Fatalf("(Q^T Q)[%d,%d] = %g", i, j, qtq[i*d+j])
			}
			if diff := aq[i*d+j] - q.Q[i*d+j]*q.Eigenvalues[j]; math.Abs(diff) > 1e-12*q.L {
				t.Fatalf("(A Q - Q diag(lambda))[%d,%d] = %g", i, j, diff)
			}
			if q.A[i*d+j] != q.A[j*d+i] {
				t.Fatalf("A is not symmetric at [%d,%d]", i, j)
			}
		}
	}
	assertClose(t, "grad f(x*)", q.Grad(q.XStar), make([]float64, d), 1e-12)
	assertClose(t, "f(x*)", []float64{q.Value(q.XStar)}, []float64{q.FStar}, 1e-13)
	// f(x) - f* = 1/2 (x - x*)^T A (x - x*) everywhere, and the gradient is L-Lipschitz.
	rng := rand.New(rand.NewPCG(2, 2))
	for range 5 {
		x, y := randNormal(rng, d), randNormal(rng, d)
		e := make([]float64, d)
		for i := range e {
			e[i] = x[i] - q.XStar[i]
		}
		assertClose(t, "f(x) - f*", []float64{q.Value(x) - q.FStar}, []float64{0.5 * dot(e, matVec(q.A, d, d, e))}, 1e-12)
		gx, gy := q.Grad(x), q.Grad(y)
		var num, den float64
		for i := range gx {
			num += (gx[i] - gy[i]) * (gx[i] - gy[i])
			den += (x[i] - y[i]) * (x[i] - y[i])
		}
		if math.Sqrt(num) > q.L*math.Sqrt(den)*(1+1e-12) {
			t.Fatalf("||grad f(x) - grad f(y)|| = %g > L ||x - y|| = %g", math.Sqrt(num), q.L*math.Sqrt(den))
		}
	}
	for _, bad := range [][]float64{{}, {1, 0}, {1, -2}, {math.Inf(1)}, {math.NaN()}} {
		if _, err := NewQuadratic(bad, 1); err == nil {
			t.Errorf("NewQuadratic(%v) accepted", bad)
		}
	}
	if _, err := NewIllConditionedQuadratic(3, 1, 2, 1); err == nil {
		t.Error("L < mu accepted")
	}
}

func transpose(a []float64, r, c int) []float64 {
	out := make([]float64, r*c)
	for i := range r {
		for j := range c {
			out[j*r+i] = a[i*c+j]
		}
	}
	return out
}

func TestRosenbrock(t *testing.T) {
	r := Rosenbrock{Dim: 4, B: 100}
	if v := r.Value(r.Minimiser()); v != 0 {
		t.Fatalf("f(1,...,1) = %g", v)
	}
	assertClose(t, "grad at minimiser", r.Grad(r.Minimiser()), make([]float64, 4), 0)
	if v := (Rosenbrock{Dim: 2, B: 100}).Value([]float64{-1.2, 1}); math.Abs(v-24.2) > 1e-12 {
		t.Fatalf("classic start (-1.2, 1): f = %.15g, want 24.2", v)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	x := randNormal(rng, 4)
	g := r.Grad(x)
	for i := range x {
		const eps = 1e-6
		orig := x[i]
		x[i] = orig + eps
		plus := r.Value(x)
		x[i] = orig - eps
		minus := r.Value(x)
		x[i] = orig
		if fd := (plus - minus) / (2 * eps); math.Abs(fd-g[i]) > 1e-6*math.Max(1, math.Abs(fd)) {
			t.Fatalf("df/dx%d = %.10g, central difference %.10g", i, g[i], fd)
		}
	}
	if err := (Rosenbrock{Dim: 1, B: 100}).Validate(); err == nil {
		t.Error("Dim 1 accepted")
	}
}

// TestProblemGraphs checks each problem's graph value against the plain-Go value, and its
// autodiff gradient against the plain-Go gradient, in float64.
func TestProblemGraphs(t *testing.T) {
	q, _ := NewIllConditionedQuadratic(5, 10, 1, 4)
	ls, err := NewNoisyLeastSquares(NoisyLeastSquaresConfig{Dim: 5, Samples: 12, L: 4, Mu: 0.1, Sigma2: 1, Residual: 0.3, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	r := Rosenbrock{Dim: 5, B: 100}
	rng := rand.New(rand.NewPCG(6, 6))
	x := randNormal(rng, 5)
	for _, p := range []struct {
		name  string
		value func([]float64) float64
		grad  func([]float64) []float64
		graph func(*graph.Node) *graph.Node
	}{
		{"quadratic", q.Value, q.Grad, q.ValueGraph},
		{"least squares", ls.Value, ls.Grad, ls.ValueGraph},
		{"rosenbrock", r.Value, r.Grad, r.ValueGraph},
	} {
		outs := graph.MustExecOnceN(backend(t), func(x *graph.Node) (*graph.Node, *graph.Node) {
			f := p.graph(x)
			return f, graph.Gradient(f, x)[0]
		}, x)
		assertClose(t, p.name+" graph value", flat64(t, outs[0]), []float64{p.value(x)}, 1e-13)
		assertClose(t, p.name+" autodiff gradient", flat64(t, outs[1]), p.grad(x), 1e-12)
	}
}

func TestNoisyLeastSquaresConstants(t *testing.T) {
	p, err := NewNoisyLeastSquares(NoisyLeastSquaresConfig{Dim: 8, Samples: 30, L: 5, Mu: 0.05, Sigma2: 2, Residual: 0.5, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	d, m := p.Dim, p.Samples
	// M^T M / m is exactly the quadratic's A.
	mtm := matMul(transpose(p.M, m, d), p.M, d, m, d)
	for i := range mtm {
		mtm[i] /= float64(m)
	}
	assertClose(t, "M^T M / m vs A", mtm, p.A, 1e-13)
	assertClose(t, "grad f(x*)", p.Grad(p.XStar), make([]float64, d), 1e-12)
	assertClose(t, "f* from the residual", []float64{p.ResidualValue(p.XStar)}, []float64{p.FStar}, 1e-12)
	if !(p.FStar > 0) {
		t.Fatalf("f* = %g, want positive with a residual", p.FStar)
	}
	rng := rand.New(rand.NewPCG(8, 8))
	x0 := randNormal(rng, d)
	assertClose(t, "expanded vs residual value", []float64{p.Value(x0)}, []float64{p.ResidualValue(x0)}, 1e-13)
	if got, want := p.Delta0(x0), p.ResidualValue(x0)-p.FStar; math.Abs(got-want) > 1e-12 {
		t.Fatalf("Delta0 = %g, want %g", got, want)
	}
	bad := []NoisyLeastSquaresConfig{
		{Dim: 4, Samples: 3, L: 1, Mu: 1},
		{Dim: 2, Samples: 3, L: 1, Mu: 1, Sigma2: -1},
		{Dim: 2, Samples: 3, L: 1, Mu: 2},
		{Dim: 2, Samples: 3, L: 1, Mu: 1, Residual: math.NaN()},
	}
	for _, cfg := range bad {
		if _, err := NewNoisyLeastSquares(cfg); err == nil {
			t.Errorf("accepted %+v", cfg)
		}
	}
}

// TestOracleNoiseVariance measures E||g(x) - grad f(x)||^2 at two points and wants Sigma2
// within 5 standard errors; the noise must also be unbiased and the stream seeded.
func TestOracleNoiseVariance(t *testing.T) {
	const sigma2, d, n = 3.0, 10, 20000
	p, err := NewNoisyLeastSquares(NoisyLeastSquaresConfig{Dim: d, Samples: 20, L: 2, Mu: 0.1, Sigma2: sigma2, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	// ||noise||^2 is sigma2/d times a chi-square with d degrees of freedom: the standard error
	// of its mean over n draws is sigma2 * sqrt(2 / (d n)).
	stdErr := sigma2 * math.Sqrt(2.0/(d*n))
	rng := rand.New(rand.NewPCG(10, 10))
	for _, x := range [][]float64{make([]float64, d), randNormal(rng, d)} {
		oracle := p.Oracle(11)
		grad := p.Grad(x)
		var sumSq float64
		mean := make([]float64, d)
		for range n {
			g := oracle.Grad(x)
			for i := range g {
				e := g[i] - grad[i]
				sumSq += e * e
				mean[i] += e / n
			}
		}
		if got := sumSq / n; math.Abs(got-sigma2) > 5*stdErr {
			t.Errorf("empirical noise variance %g, want %g (standard error %g)", got, sigma2, stdErr)
		}
		// Each coordinate of the mean noise has standard deviation sqrt(sigma2/d/n).
		for i, v := range mean {
			if math.Abs(v) > 5*math.Sqrt(sigma2/d/n) {
				t.Errorf("mean noise[%d] = %g: biased", i, v)
			}
		}
		if oracle.Calls != n {
			t.Errorf("Calls = %d, want %d", oracle.Calls, n)
		}
	}
	a, b := p.Oracle(1).Grad(make([]float64, d)), p.Oracle(1).Grad(make([]float64, d))
	assertClose(t, "same seed, same draw", a, b, 0)
}

// TestStochasticLossGraphGradient checks that the graph's stochastic loss has the oracle's
// statistics: mean gradient grad f(x) and noise variance Sigma2.
func TestStochasticLossGraphGradient(t *testing.T) {
	const sigma2, d, n = 2.0, 4, 2000
	p, err := NewNoisyLeastSquares(NoisyLeastSquaresConfig{Dim: d, Samples: 6, L: 1, Mu: 0.5, Sigma2: sigma2, Seed: 12})
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{0.5, -1, 2, 0}
	exec := model.MustNewExec(backend(t), model.NewStore(), func(scope *model.Scope, x *graph.Node) *graph.Node {
		return graph.Gradient(p.StochasticLossGraph(scope, x), x)[0]
	})
	grad := p.Grad(x)
	var sumSq float64
	for range n {
		g := flat64(t, exec.MustCall1(x))
		for i := range g {
			sumSq += (g[i] - grad[i]) * (g[i] - grad[i])
		}
	}
	if got, stdErr := sumSq/n, sigma2*math.Sqrt(2.0/(d*n)); math.Abs(got-sigma2) > 5*stdErr {
		t.Fatalf("graph oracle noise variance %g, want %g (standard error %g)", got, sigma2, stdErr)
	}
}

// TestSGDTheoremHolds runs SGD with the theorem's step on a noisy least-squares problem and
// checks the average squared gradient norm, averaged over runs, against the bound.
func TestSGDTheoremHolds(t *testing.T) {
	p, err := NewNoisyLeastSquares(NoisyLeastSquaresConfig{Dim: 10, Samples: 40, L: 4, Mu: 0.01, Sigma2: 1, Residual: 0.2, Seed: 13})
	if err != nil {
		t.Fatal(err)
	}
	x0 := make([]float64, p.Dim)
	for i := range x0 {
		x0[i] = 3
	}
	th := SGDTheorem{L: p.L, Delta0: p.Delta0(x0), Sigma2: p.Sigma2, K: 999}
	if err := th.Validate(); err != nil {
		t.Fatal(err)
	}
	gamma, bound := th.StepSize(), th.Bound()
	const runs = 20
	var avg float64
	for run := range runs {
		oracle := p.Oracle(uint64(run))
		x := append([]float64(nil), x0...)
		for range th.K + 1 {
			gf := p.Grad(x)
			avg += dot(gf, gf) / float64((th.K+1)*runs)
			g := oracle.Grad(x)
			for i := range x {
				x[i] -= gamma * g[i]
			}
		}
	}
	t.Logf("gamma %.4g, average E||grad f||^2 %.4g, bound %.4g", gamma, avg, bound)
	if !(avg <= bound) {
		t.Fatalf("average squared gradient norm %g exceeds the theorem's bound %g", avg, bound)
	}
	// The step formula and the bound, against their definitions.
	k1 := float64(th.K + 1)
	wantGamma := 1 / (math.Pow(2*th.Delta0/(k1*th.L*th.Sigma2), -0.5) + th.L)
	assertClose(t, "step size", []float64{gamma}, []float64{wantGamma}, 1e-15)
	if gd := (SGDTheorem{L: 4, Delta0: 1, K: 9}); gd.StepSize() != 0.25 || gd.Bound() != 0.8 {
		t.Fatalf("noise-free: step %g bound %g, want 1/L = 0.25 and 2 L Delta0/(K+1) = 0.8", gd.StepSize(), gd.Bound())
	}
	if err := (SGDTheorem{L: 0, Delta0: 1, K: 1}).Validate(); err == nil {
		t.Fatal("L = 0 accepted")
	}
}
