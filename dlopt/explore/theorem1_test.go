package explore

import (
	"math"
	"strings"
	"testing"
)

func TestTheorem1RunStaysUnderTheBound(t *testing.T) {
	c := DefaultTheorem1()
	for _, tc := range []struct {
		sigma2 float64
		K      int
		runs   int
	}{{1, 1000, 4}, {0, 100, 4}, {4, 2000, 2}} {
		r, err := c.Run(tc.sigma2, tc.K)
		if err != nil {
			t.Fatal(err)
		}
		if r.Runs != tc.runs || len(r.Average) != tc.K+1 {
			t.Errorf("σ² = %g, K = %d: %d runs, %d averages; want %d runs (step budget), %d", tc.sigma2, tc.K, r.Runs, len(r.Average), tc.runs, tc.K+1)
		}
		// Theorem 1's step and bound, written out here.
		L, d0, k1 := r.L, r.Delta0, float64(tc.K+1)
		gamma := 1 / L
		if tc.sigma2 > 0 {
			gamma = 1 / (math.Sqrt(k1*L*tc.sigma2/(2*d0)) + L)
		}
		bound := math.Sqrt(8*L*d0*tc.sigma2/k1) + 2*L*d0/k1
		if math.Abs(r.Gamma-gamma) > 1e-15 || math.Abs(r.Bound-bound) > 1e-12 {
			t.Errorf("σ² = %g, K = %d: step %g, bound %g; want %g, %g", tc.sigma2, tc.K, r.Gamma, r.Bound, gamma, bound)
		}
		if !(r.Average[tc.K] > 0 && r.Average[tc.K] <= r.Bound) {
			t.Errorf("σ² = %g, K = %d: measured %g, bound %g", tc.sigma2, tc.K, r.Average[tc.K], r.Bound)
		}
	}
	for _, tc := range []struct {
		c      Theorem1Config
		sigma2 float64
		K      int
		want   string
	}{
		{c, -1, 100, "Sigma2=-1"},
		{c, 1, 0, "K = 0: allowed are 1..1000000"},
		{Theorem1Config{Problem: c.Problem, Seeds: 0, StepBudget: 10}, 1, 10, "Seeds = 0"},
	} {
		if _, err := tc.c.Run(tc.sigma2, tc.K); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Run(%g, %d): error %v, want %q", tc.sigma2, tc.K, err, tc.want)
		}
	}
}

func TestAdaptiveRuns(t *testing.T) {
	c := DefaultAdaptive()
	// torch:SGD on the matrix quadratic is W_ij ← (1 - lr·λ_ij)·W_ij, in closed form.
	r, err := c.Run(ProblemMatrixQuadratic, "torch:SGD", 0.03)
	if err != nil {
		t.Fatal(err)
	}
	for i, lam := range c.MatrixCurvature {
		if want := math.Pow(1-0.03*lam, float64(c.Steps)); math.Abs(r.Iterates[c.Steps][i]-want) > 1e-12 {
			t.Errorf("SGD W[%d] after %d steps = %g, want %g", i, c.Steps, r.Iterates[c.Steps][i], want)
		}
	}
	// On Rosenbrock the written-out gradient must be f's: one SGD step from x₀ is x₀ - lr·∇f(x₀).
	c.Steps = 1
	r, err = c.Run(ProblemRosenbrock, "torch:SGD", 1e-3)
	if err != nil {
		t.Fatal(err)
	}
	g := c.Rosenbrock.Grad(c.RosenbrockStart[:])
	for i := range g {
		if want := c.RosenbrockStart[i] - 1e-3*g[i]; math.Abs(r.Iterates[1][i]-want) > 1e-12 {
			t.Errorf("Rosenbrock SGD step: x[%d] = %g, want %g", i, r.Iterates[1][i], want)
		}
	}
	if r.Loss[0] != c.Rosenbrock.Value(c.RosenbrockStart[:]) {
		t.Errorf("loss at x₀ = %g, want f(x₀) = %g", r.Loss[0], c.Rosenbrock.Value(c.RosenbrockStart[:]))
	}
	for _, tc := range []struct{ problem, optimizer, want string }{
		{"ackley", "torch:Adam", `problem "ackley": allowed are "Rosenbrock" and "matrix quadratic"`},
		{ProblemRosenbrock, "Adamw", `"torch:AdamW" or "optax:adamw"`},
		{ProblemRosenbrock, "torch:Adamm", "Adamm"},
	} {
		if _, err := c.Run(tc.problem, tc.optimizer, 0.1); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Run(%q, %q): error %v, want %q", tc.problem, tc.optimizer, err, tc.want)
		}
	}
}
