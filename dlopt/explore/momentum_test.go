package explore

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// spectralRadius of a 2x2 matrix, by gonum's eigen decomposition: a computation independent
// of rootRadius's closed form.
func spectralRadius(a, b, c, d float64) float64 {
	var e mat.Eigen
	if !e.Factorize(mat.NewDense(2, 2, []float64{a, b, c, d}), mat.EigenNone) {
		panic("eigen decomposition failed")
	}
	r := 0.0
	for _, z := range e.Values(nil) {
		r = math.Max(r, math.Hypot(real(z), imag(z)))
	}
	return r
}

func TestMomentumTheoryIsTheIterationMatrixSpectralRadius(t *testing.T) {
	mu, L := 1.0, 25.0
	for _, gamma := range []float64{0.002, 0.03, 0.06, 0.1, 0.16} {
		for _, beta := range []float64{0, 0.3, 0.5, 0.9} {
			got := MomentumTheory(mu, L, gamma, beta)
			var want [3]float64
			for _, lam := range []float64{mu, L} {
				a := 1 - gamma*lam
				want[0] = math.Max(want[0], math.Abs(a))
				// (x_{k+1}, x_k) = M (x_k, x_{k-1}) for heavy ball and for Nesterov.
				want[1] = math.Max(want[1], spectralRadius(1+beta-gamma*lam, -beta, 1, 0))
				want[2] = math.Max(want[2], spectralRadius((1+beta)*a, -beta*a, 1, 0))
			}
			for i := range got {
				if math.Abs(got[i]-want[i]) > 1e-7 {
					t.Errorf("γ = %g, β = %g: %s rate %.10f, eigenvalues give %.10f", gamma, beta, MomentumMethods[i], got[i], want[i])
				}
			}
		}
	}
}

func TestMeasuredRate(t *testing.T) {
	for _, tc := range []struct {
		name string
		rho  float64
		d    func(k float64) float64
	}{
		{"geometric", 0.9, func(k float64) float64 { return 3 * math.Pow(0.9, k) }},
		{"oscillating", 0.8, func(k float64) float64 { return math.Pow(0.8, k) * math.Abs(math.Cos(1.1*k)) }},
		{"diverging", 1.5, func(k float64) float64 { return math.Pow(1.5, k) }},
		{"underflowing", 0.01, func(k float64) float64 { return math.Pow(0.01, k) }},
	} {
		d := make([]float64, 201)
		for k := range d {
			d[k] = tc.d(float64(k))
		}
		if got := MeasuredRate(d); math.Abs(got-tc.rho) > 2e-3*tc.rho {
			t.Errorf("%s: measured %.5f, want %.5f", tc.name, got, tc.rho)
		}
	}
	if got := MeasuredRate([]float64{1, 0.5, 0.25}); !math.IsNaN(got) {
		t.Errorf("3 points: measured %g, want NaN (too short)", got)
	}
}

func TestMomentumRunMeasuresTheTheory(t *testing.T) {
	c := DefaultMomentum()
	for _, gb := range [][2]float64{{0.04, 0.5}, {0.06, 0.3}, {0.1, 0.3}} {
		r, err := c.Run(gb[0], gb[1])
		if err != nil {
			t.Fatal(err)
		}
		if len(r.HeavyBall) != c.Steps+1 || r.HeavyBall[0][0] != c.X0[0] {
			t.Fatalf("heavy ball: %d iterates from %v, want %d from x₀", len(r.HeavyBall), r.HeavyBall[0], c.Steps+1)
		}
		// The library's heavy ball against the lecture's recurrence, from scratch.
		prev, x := c.X0, c.X0
		for k := 1; k <= c.Steps; k++ {
			next := [2]float64{x[0] - gb[0]*c.Mu*x[0] + gb[1]*(x[0]-prev[0]), x[1] - gb[0]*c.L*x[1] + gb[1]*(x[1]-prev[1])}
			prev, x = x, next
			if d := math.Hypot(r.HeavyBall[k][0]-x[0], r.HeavyBall[k][1]-x[1]); d > 1e-9*math.Max(1, math.Hypot(x[0], x[1])) {
				t.Fatalf("γ, β = %v: heavy ball step %d is %v, the recurrence gives %v", gb, k, r.HeavyBall[k], x)
			}
		}
		for i, rate := range r.Rates {
			if math.Abs(rate.Measured-rate.Theory) > 0.01*rate.Theory {
				t.Errorf("γ, β = %v: %s measured %.4f, theory %.4f", gb, MomentumMethods[i], rate.Measured, rate.Theory)
			}
		}
	}
}

func TestMomentumRejectsBadInput(t *testing.T) {
	c := DefaultMomentum()
	for _, tc := range []struct {
		gamma, beta float64
		want        string
	}{
		{0, 0.5, "γ = 0: must be positive"},
		{0.04, 1, "β = 1: allowed are 0 ≤ β < 1"},
		{0.04, math.NaN(), "β = NaN"},
	} {
		if _, err := c.Run(tc.gamma, tc.beta); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Run(%g, %g): error %v, want %q", tc.gamma, tc.beta, err, tc.want)
		}
	}
	bad := DefaultMomentum()
	bad.Mu = 30
	if err := Momentum(bad).Show(); err == nil || !strings.Contains(err.Error(), "μ = 30, L = 25: need 0 < μ ≤ L") {
		t.Errorf("Show with μ > L: error %v", err)
	}
	bad = DefaultMomentum()
	bad.Steps = 5
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "Steps = 5") {
		t.Errorf("Steps = 5: error %v", err)
	}
}

// TestDivergingRunsAreDrawn: the figures show methods diverging, so a run whose parameters
// overflow is drawn (the optim runs go on past the non-finite step) instead of failing the
// redraw; Adaptive's readout names the step.
func TestDivergingRunsAreDrawn(t *testing.T) {
	m := DefaultMomentum()
	m.Steps = 1000 // gradient descent at γL = 4 grows 3x per step: past float64's range by step ~650
	r, err := m.Run(0.16, 0.5)
	if err != nil {
		t.Fatalf("Momentum.Run(0.16, 0.5) with %d steps: %v, want the diverged run", m.Steps, err)
	}
	if last := r.GD[m.Steps]; !math.IsInf(last[1], 0) && !math.IsNaN(last[1]) {
		t.Errorf("gradient descent at γL = 4 after %d steps: x = %v, want x₂ (λ = L) overflowed", m.Steps, last)
	}
	if _, err := m.View(0.16, 0.5); err != nil {
		t.Errorf("Momentum.View(0.16, 0.5) with %d steps: %v", m.Steps, err)
	}

	a := DefaultAdaptive()
	run, err := a.Run(ProblemRosenbrock, "torch:SGD", 0.1) // the notebook's "SGD diverges at 0.1"
	if err != nil {
		t.Fatalf("Adaptive.Run(Rosenbrock, SGD, 0.1): %v, want the diverged run", err)
	}
	if run.NonFiniteStep < 1 || len(run.Iterates) != a.Steps+1 {
		t.Fatalf("SGD at lr 0.1 on Rosenbrock: NonFiniteStep %d, %d iterates: want > 0 and %d", run.NonFiniteStep, len(run.Iterates), a.Steps+1)
	}
	want := "diverged: the parameters are not finite from step " + strconv.Itoa(run.NonFiniteStep)
	if got := run.Readout(); !strings.Contains(got, want) || strings.Contains(got, "NaN") {
		t.Errorf("readout %q, want %q and no NaN", got, want)
	}
	if _, err := a.View(ProblemRosenbrock, "torch:SGD", 0.1); err != nil {
		t.Errorf("Adaptive.View(Rosenbrock, SGD, 0.1): %v", err)
	}
}
