package optim

import (
	"math"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// quadraticGrad is the gradient A(x - c) of F(x) = ½(x-c)ᵀA(x-c), an ill-conditioned 2-D
// quadratic whose minimizer c is away from zero (so relative errors are meaningful).
func quadraticGrad(x *Node) *Node {
	g := x.Graph()
	a := Const(g, [][]float64{{3, 0.5}, {0.5, 0.2}})
	c := Const(g, []float64{1, -2})
	return ConvertDType(Dot(a, Sub(ConvertDType(x, dtypes.Float64), c)).Product(), x.DType())
}

// maxRelDiff returns the largest |a-b|/max(|b|, tiny) over two trajectories.
func maxRelDiff(t *testing.T, a, b [][]float64) float64 {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("trajectories of %d and %d steps", len(a), len(b))
	}
	worst := 0.0
	for k := range a {
		for i := range a[k] {
			worst = max(worst, math.Abs(a[k][i]-b[k][i])/max(math.Abs(b[k][i]), 1e-300))
		}
	}
	return worst
}

// TestHeavyBallIsPyTorchForm checks the lecture's identity: the heavy-ball iterates and the
// PyTorch-form momentum iterates coincide (float64, 1000 steps, relative 1e-12).
func TestHeavyBallIsPyTorchForm(t *testing.T) {
	x0 := []float64{-3, 4}
	for _, tc := range []struct{ gamma, beta float64 }{{0.1, 0.9}, {0.3, 0.5}, {0.05, 0.99}} {
		hb, err := HeavyBall(tc.gamma, tc.beta)
		if err != nil {
			t.Fatal(err)
		}
		pt, err := MomentumPyTorchForm(tc.gamma, tc.beta)
		if err != nil {
			t.Fatal(err)
		}
		a, err := RunFunc(hb, x0, []int{2}, quadraticGrad, 1000, dtypes.Float64)
		if err != nil {
			t.Fatal(err)
		}
		b, err := RunFunc(pt, x0, []int{2}, quadraticGrad, 1000, dtypes.Float64)
		if err != nil {
			t.Fatal(err)
		}
		if d := maxRelDiff(t, a.Params, b.Params); d > 1e-12 {
			t.Errorf("γ=%v β=%v: heavy-ball and PyTorch form differ by %.3g relative (> 1e-12)", tc.gamma, tc.beta, d)
		}
		if moved := math.Abs(a.Final()[0] - x0[0]); moved < 1 {
			t.Errorf("γ=%v β=%v: the iterates barely moved (%v): the comparison would be vacuous", tc.gamma, tc.beta, moved)
		}
	}
}

// TestNAGIsTorchNesterov shows how NAG relates to torch's nesterov=True: torch's parameters are
// NAG's look-ahead points y_k, so with the gradient taken at the parameters the two sequences
// coincide; NAG's iterates x_k (its evaluation parameters) satisfy y_k = x_k + β(x_k - x_{k-1}).
func TestNAGIsTorchNesterov(t *testing.T) {
	const gamma, beta, steps = 0.1, 0.9, 1000
	x0 := []float64{-3, 4}
	nag, err := NAG(gamma, beta)
	if err != nil {
		t.Fatal(err)
	}
	torch, err := New(Torch, "SGD", map[string]any{"lr": gamma, "momentum": beta, "nesterov": true})
	if err != nil {
		t.Fatal(err)
	}
	a, err := RunFunc(nag, x0, []int{2}, quadraticGrad, steps, dtypes.Float64)
	if err != nil {
		t.Fatal(err)
	}
	b, err := RunFunc(torch, x0, []int{2}, quadraticGrad, steps, dtypes.Float64)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxRelDiff(t, a.Params, b.Params); d > 1e-10 {
		t.Errorf("NAG look-ahead points and torch nesterov=True parameters differ by %.3g relative", d)
	}
	for k := 1; k < steps; k++ {
		for i := range 2 {
			x, xPrev, y := a.Eval[k][i], a.Eval[k-1][i], a.Params[k][i]
			if want := x + beta*(x-xPrev); math.Abs(y-want) > 1e-12*max(1, math.Abs(y)) {
				t.Fatalf("step %d: y = %.17g, x + β(x - x_prev) = %.17g", k+1, y, want)
			}
		}
	}
	// And NAG is not heavy-ball: the look-ahead gradient changes the path.
	hb, _ := HeavyBall(gamma, beta)
	c, err := RunFunc(hb, x0, []int{2}, quadraticGrad, steps, dtypes.Float64)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxRelDiff(t, c.Params[:10], a.Eval[:10]); d < 1e-3 {
		t.Errorf("NAG and heavy-ball agree to %.3g in the first steps: the test problem does not tell them apart", d)
	}
}

// TestRunHostFuncMatchesRunFunc runs heavy-ball with the quadratic's gradient computed on the
// host and in the graph: the trajectories agree to rounding.
func TestRunHostFuncMatchesRunFunc(t *testing.T) {
	hostGrad := func(x []float64, _ int) []float64 {
		d := []float64{x[0] - 1, x[1] + 2}
		return []float64{3*d[0] + 0.5*d[1], 0.5*d[0] + 0.2*d[1]}
	}
	a, err := RunHostFunc(mustOpt(t)(HeavyBall(0.1, 0.9)), []float64{-3, 4}, []int{2}, hostGrad, 200, dtypes.Float64)
	if err != nil {
		t.Fatal(err)
	}
	b, err := RunFunc(mustOpt(t)(HeavyBall(0.1, 0.9)), []float64{-3, 4}, []int{2}, quadraticGrad, 200, dtypes.Float64)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxRelDiff(t, a.Params, b.Params); d > 1e-12 {
		t.Errorf("host and graph gradients give trajectories %.3g apart", d)
	}
	if _, err := RunHostFunc(mustOpt(t)(HeavyBall(0.1, 0.9)), []float64{1, 2}, []int{2}, func([]float64, int) []float64 { return []float64{1} }, 3, dtypes.Float64); err == nil {
		t.Error("a gradient of the wrong length: no error")
	}
}
