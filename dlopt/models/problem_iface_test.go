package models

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/dlopt/course/dlopt/optim"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
)

// everyProblem lists one instance of each test problem, of dimension 5.
func everyProblem(t *testing.T) map[string]Problem {
	t.Helper()
	q, err := NewIllConditionedQuadratic(5, 10, 1, 4)
	if err != nil {
		t.Fatal(err)
	}
	ls, err := NewNoisyLeastSquares(NoisyLeastSquaresConfig{Dim: 5, Samples: 12, L: 4, Mu: 0.1, Sigma2: 1, Residual: 0.3, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]Problem{"quadratic": q, "least squares": ls, "rosenbrock": Rosenbrock{Dim: 5, B: 100}}
}

// TestProblemGradients: on every problem, the graph gradient agrees with the host gradient in
// float64 and float32, and GradStep and ValueAndGrad with Grad and Value.
func TestProblemGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for name, p := range everyProblem(t) {
		x := randNormal(rng, p.Dimension())
		want := p.Grad(x)
		g64 := graph.MustExecOnce(backend(t), p.GradGraph, x)
		assertClose(t, name+" GradGraph float64", flat64(t, g64), want, 1e-12)
		x32 := make([]float32, len(x))
		for i, v := range x {
			x32[i] = float32(v)
		}
		g32 := graph.MustExecOnce(backend(t), p.GradGraph, x32)
		if g32.DType() != dtypes.Float32 {
			t.Errorf("%s GradGraph of float32 x has dtype %s", name, g32.DType())
		}
		assertClose(t, name+" GradGraph float32", flat64(t, g32), want, 1e-4)
		if got := p.GradStep(x, 3); !slices.Equal(got, want) {
			t.Errorf("%s GradStep = %v, Grad = %v", name, got, want)
		}
		f, g, err := p.ValueAndGrad(x)
		if err != nil || f != p.Value(x) || !slices.Equal(g, want) {
			t.Errorf("%s ValueAndGrad = %v, %v, %v; want Value and Grad", name, f, g, err)
		}
	}
}

// TestProblemWrongLength: ValueAndGrad returns an error naming the lengths; Value and Grad
// panic with the same facts; GradGraph panics at graph-build time naming the shape.
func TestProblemWrongLength(t *testing.T) {
	for name, p := range everyProblem(t) {
		x := make([]float64, p.Dimension()+1)
		if _, _, err := p.ValueAndGrad(x); err == nil || !strings.Contains(err.Error(), "len(x) = 6, want Dim = 5") {
			t.Errorf("%s ValueAndGrad of 6 values: err = %v, want the lengths named", name, err)
		}
		expectPanic(t, name+" Value", func() { p.Value(x) }, "len(x) = 6", "5")
		expectPanic(t, name+" Grad", func() { p.Grad(x) }, "len(x) = 6", "5")
		expectPanic(t, name+" GradGraph", func() {
			graph.MustExecOnce(backend(t), p.GradGraph, x)
		}, "[6]", "[5]")
	}
}

// TestProblemsRunDirectly: the problems' methods plug into optim's run functions without an
// adapter, and the graph and host runs agree; a wrong x0 length is an error, not a crash.
func TestProblemsRunDirectly(t *testing.T) {
	for name, p := range everyProblem(t) {
		x0 := make([]float64, p.Dimension())
		x0[0] = -1
		newOpt := func() *optim.Optimizer {
			opt, err := optim.SGD(optim.SGDConfig{LR: 1e-4, Momentum: 0.9})
			if err != nil {
				t.Fatal(err)
			}
			return opt
		}
		inGraph, err := optim.RunFunc(newOpt(), x0, []int{p.Dimension()}, p.GradGraph, 20, dtypes.Float64)
		if err != nil {
			t.Fatal(name, err)
		}
		onHost, err := optim.RunHostFunc(newOpt(), x0, []int{p.Dimension()}, p.GradStep, 20, dtypes.Float64)
		if err != nil {
			t.Fatal(name, err)
		}
		assertClose(t, name+" RunFunc vs RunHostFunc", inGraph.Final(), onHost.Final(), 1e-12)
		if slices.Equal(inGraph.Final(), x0) {
			t.Errorf("%s: the run did not move from x0", name)
		}
		// x0 of the wrong length for the problem, with a matching shape: the panic in the
		// problem's gradient comes back as an error naming the step.
		bad := make([]float64, p.Dimension()-1)
		if _, err := optim.RunHostFunc(newOpt(), bad, []int{len(bad)}, p.GradStep, 3, dtypes.Float64); err == nil ||
			!strings.Contains(err.Error(), "step 1") || !strings.Contains(err.Error(), "len(x) = 4") {
			t.Errorf("%s: RunHostFunc with a 4-value x0: err = %v, want the problem's message at step 1", name, err)
		}
		if _, err := optim.RunFunc(newOpt(), bad, []int{len(bad)}, p.GradGraph, 3, dtypes.Float64); err == nil || !strings.Contains(err.Error(), "[5]") {
			t.Errorf("%s: RunFunc with a 4-value x0: err = %v, want the problem's shape message", name, err)
		}
	}
}
