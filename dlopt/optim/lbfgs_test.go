package optim

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/dlopt/course/internal/torchblas"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// rosenbrock is the n-dimensional Rosenbrock function
// f(x) = Σ_i 100 (x_{i+1} - x_i²)² + (1 - x_i)², with its gradient. The torch side of
// TestLBFGSMatchesTorch evaluates the same expressions in the same order, so the comparison
// measures the optimizers, not two gradient codes.
func rosenbrock(x []float64) (float64, []float64) {
	f := 0.0
	g := make([]float64, len(x))
	for i := 0; i+1 < len(x); i++ {
		a := x[i+1] - x[i]*x[i]
		b := 1 - x[i]
		f += 100*a*a + b*b
		g[i] += -400*x[i]*a - 2*b
		g[i+1] += 200 * a
	}
	return f, g
}

// torchLBFGSScript runs torch.optim.LBFGS for each case of the JSON on stdin and prints, per
// case, the parameters, the returned loss and torch's func_evals/n_iter counters after each step.
const torchLBFGSScript = `
import json, sys, torch
spec = json.load(sys.stdin)
def rosen(x):
    f = 0.0
    g = [0.0] * len(x)
    for i in range(len(x) - 1):
        a = x[i+1] - x[i]*x[i]
        b = 1 - x[i]
        f += 100*a*a + b*b
        g[i] += -400*x[i]*a - 2*b
        g[i+1] += 200*a
    return f, g
out = []
for case in spec["cases"]:
    p = torch.tensor(case["x0"], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([p], **case["kwargs"])
    def closure():
        f, g = rosen(p.detach().tolist())
        p.grad = torch.tensor(g, dtype=torch.float64)
        return f
    steps = []
    for _ in range(case["steps"]):
        loss = opt.step(closure)
        st = opt.state[p]
        steps.append({"x": p.detach().tolist(), "loss": float(loss),
                      "func_evals": st["func_evals"], "n_iter": st["n_iter"]})
    out.append(steps)
print(json.dumps({"torch": torch.__version__, "cases": out}))
`

type lbfgsCase struct {
	name   string
	cfg    LBFGSConfig
	kwargs map[string]any // the same configuration in torch's keywords
	x0     []float64
	steps  int
}

func lbfgsCases() []lbfgsCase {
	withCfg := func(f func(*LBFGSConfig)) LBFGSConfig {
		c := DefaultLBFGSConfig()
		f(&c)
		return c
	}
	return []lbfgsCase{
		{"fixed step lr=0.02", withCfg(func(c *LBFGSConfig) { c.LR = 0.02 }), map[string]any{"lr": 0.02},
			[]float64{-1.2, 1, -0.5, 0.8}, 6},
		{"fixed step, history 3, max_iter 7", withCfg(func(c *LBFGSConfig) { c.LR = 0.05; c.HistorySize = 3; c.MaxIter = 7 }),
			map[string]any{"lr": 0.05, "history_size": 3, "max_iter": 7}, []float64{0.3, -0.4, 1.5}, 8},
		{"strong_wolfe defaults", withCfg(func(c *LBFGSConfig) { c.LineSearchFn = "strong_wolfe" }),
			map[string]any{"line_search_fn": "strong_wolfe"}, []float64{-1.2, 1, -1.2, 1, 0.5, -0.3}, 6},
		{"strong_wolfe, history 2, max_iter 5, max_eval 7, tolerance_change 1e-6", withCfg(func(c *LBFGSConfig) {
			c.LineSearchFn, c.HistorySize, c.MaxIter, c.MaxEval, c.ToleranceChange = "strong_wolfe", 2, 5, 7, 1e-6
		}), map[string]any{"line_search_fn": "strong_wolfe", "history_size": 2, "max_iter": 5, "max_eval": 7, "tolerance_change": 1e-6},
			[]float64{2, 2, -1.5, 0.5, 1.1}, 10},
		{"strong_wolfe lr=3", withCfg(func(c *LBFGSConfig) { c.LineSearchFn, c.LR = "strong_wolfe", 3 }),
			map[string]any{"line_search_fn": "strong_wolfe", "lr": 3}, []float64{-2, 3}, 4},
	}
}

// TestLBFGSMatchesTorch runs Debian's PyTorch (/usr/bin/python3) live on the same Rosenbrock
// problems and compares the iterate, the returned loss and torch's evaluation and iteration
// counters after every Step, against torch on every BLAS configuration of this machine
// (torchblas.Configs: OpenBLAS with the core it detects, forced to HASWELL and SKYLAKEX where
// the CPU allows, Debian's reference BLAS), each named in the log.
//
// The tolerance is derived from float64 rounding, not chosen: torch's dot products go to BLAS
// ddot, and each kernel sums in its own order (one accumulator, 2-8 SIMD lanes, with or without
// FMA), so its result differs from dlopt's sequential sum in the last bits, and L-BFGS amplifies
// that step by step. The test reruns dlopt with its dot product summed in each of those orders
// (lbfgsDotOrders); the spread of those runs at each step is what rounding alone does there.
// Torch must agree within lbfgsRoundingSafety times that spread, plus a few ulps.
func TestLBFGSMatchesTorch(t *testing.T) {
	cases := lbfgsCases()
	type torchCase struct {
		X         []float64 `json:"x"`
		Loss      float64   `json:"loss"`
		FuncEvals int       `json:"func_evals"`
		NIter     int       `json:"n_iter"`
	}
	var spec struct {
		Cases []map[string]any `json:"cases"`
	}
	for _, c := range cases {
		spec.Cases = append(spec.Cases, map[string]any{"x0": c.x0, "kwargs": c.kwargs, "steps": c.steps})
	}
	in, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := exec.Command(torchblas.DebianPython, "-c", "import torch").Run(); err != nil {
		t.Skipf("skipping: `%s -c 'import torch'` failed (%v); install Debian's python3-torch", torchblas.DebianPython, err)
	}
	configs, err := torchblas.Configs(torchblas.DebianPython)
	if err != nil {
		t.Fatal(err)
	}
	for _, blas := range configs {
		cmd := exec.Command(torchblas.DebianPython, "-c", torchLBFGSScript)
		cmd.Env = append(os.Environ(), append([]string{"OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1"}, blas.Env...)...)
		cmd.Stdin = bytes.NewReader(in)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("torch script on %s failed: %v\n%s", blas.Info, err, stderr.String())
		}
		var got struct {
			Torch string        `json:"torch"`
			Cases [][]torchCase `json:"cases"`
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("torch output: %v\n%s", err, out)
		}
		t.Run(blas.Name, func(t *testing.T) {
			t.Logf("torch %s on %s", got.Torch, blas.Info)
			for i, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					// Built from torch's keywords, it must be the typed configuration.
					opt, err := NewLBFGSFromKwargs(c.kwargs)
					if err != nil {
						t.Fatal(err)
					}
					want, err := NewLBFGS(c.cfg)
					if err != nil {
						t.Fatal(err)
					}
					if opt.Config() != want.Config() {
						t.Fatalf("NewLBFGSFromKwargs(%v) = %+v, want %+v", c.kwargs, opt.Config(), want.Config())
					}
					ours := runLBFGS(t, c, len(got.Cases[i]), nil)
					spread := lbfgsRoundingSpread(t, c, ours)
					worst, worstRatio := 0.0, 0.0
					for step, want := range got.Cases[i] {
						st := ours[step]
						if st.FuncEvals != want.FuncEvals || st.NIter != want.NIter {
							t.Fatalf("step %d: func_evals=%d n_iter=%d, torch %d and %d", step+1,
								st.FuncEvals, st.NIter, want.FuncEvals, want.NIter)
						}
						if d, tol := math.Abs(st.Loss-want.Loss), lbfgsTolerance(spread[step].loss, want.Loss); d > tol {
							t.Errorf("step %d: loss %.17g, torch %.17g: off by %.3g, tolerance %.3g (rounding spread %.3g)",
								step+1, st.Loss, want.Loss, d, tol, spread[step].loss)
						}
						for j := range st.X {
							d, tol := math.Abs(st.X[j]-want.X[j]), lbfgsTolerance(spread[step].x, want.X[j])
							worst = math.Max(worst, d)
							worstRatio = math.Max(worstRatio, d/tol)
							if d > tol {
								t.Fatalf("step %d: x[%d]=%.17g, torch %.17g: off by %.3g, tolerance %.3g (rounding spread %.3g)",
									step+1, j, st.X[j], want.X[j], d, tol, spread[step].x)
							}
						}
					}
					last := ours[len(ours)-1]
					t.Logf("%d steps, %d evaluations, final loss %.3g, max |x - x_torch| = %.2g (%.2g of the tolerance)",
						c.steps, last.FuncEvals, last.Loss, worst, worstRatio)
				})
			}
		})
	}
}

// lbfgsRoundingSafety covers summation orders lbfgsDotOrders does not list. On the course
// machine torch's distance is at most the spread (a quarter of the tolerance) on all four BLAS
// configurations, and 0 on the reference BLAS, which sums in dlopt's order; one multiply-add
// rounded twice instead of fused already exceeds the tolerance.
const lbfgsRoundingSafety = 4

// lbfgsTolerance is the allowed |got - want| for a value whose rounding spread is spread: the
// safety factor times the spread, and at least 4 ulps of want (of 1 near zero).
func lbfgsTolerance(spread, want float64) float64 {
	const ulp = 0x1p-52
	return max(lbfgsRoundingSafety*spread, 4*ulp*math.Max(math.Abs(want), 1))
}

// lbfgsStepState is dlopt's state after one Step.
type lbfgsStepState struct {
	X                []float64
	Loss             float64
	FuncEvals, NIter int
}

// runLBFGS runs steps Steps of case c, with dot as the dot product when it is not nil.
func runLBFGS(t *testing.T, c lbfgsCase, steps int, dot func(a, b []float64) float64) []lbfgsStepState {
	t.Helper()
	opt, err := NewLBFGS(c.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if dot != nil {
		opt.dot = dot
	}
	x := append([]float64(nil), c.x0...)
	var states []lbfgsStepState
	for range steps {
		loss, err := opt.Step(x, rosenbrock)
		if err != nil {
			t.Fatal(err)
		}
		states = append(states, lbfgsStepState{append([]float64(nil), x...), loss, opt.FuncEvals(), opt.Iterations()})
	}
	return states
}

// lbfgsDotOrders sums a dot product the ways BLAS ddot kernels do: the reference BLAS adds in
// order (as lbfgsDot does); SIMD kernels keep 2, 4 or 8 partial sums, with or without FMA, and
// add them at the end.
var lbfgsDotOrders = map[string]func(a, b []float64) float64{
	"reversed":    func(a, b []float64) float64 { return lanesDot(a, b, 1, false, true) },
	"fma":         func(a, b []float64) float64 { return lanesDot(a, b, 1, true, false) },
	"2 lanes":     func(a, b []float64) float64 { return lanesDot(a, b, 2, false, false) },
	"4 lanes":     func(a, b []float64) float64 { return lanesDot(a, b, 4, false, false) },
	"4 lanes+fma": func(a, b []float64) float64 { return lanesDot(a, b, 4, true, false) },
	"8 lanes+fma": func(a, b []float64) float64 { return lanesDot(a, b, 8, true, false) },
}

// lanesDot sums a·b in lanes partial sums (element i into lane i mod lanes), with fused
// multiply-adds if fma, from the last element if reversed, then adds the lanes pairwise.
func lanesDot(a, b []float64, lanes int, fma, reversed bool) float64 {
	acc := make([]float64, lanes)
	for k := range a {
		i := k
		if reversed {
			i = len(a) - 1 - k
		}
		if fma {
			acc[k%lanes] = math.FMA(a[i], b[i], acc[k%lanes])
		} else {
			acc[k%lanes] += a[i] * b[i]
		}
	}
	for n := lanes; n > 1; n /= 2 {
		for i := range n / 2 {
			acc[i] += acc[i+n/2]
		}
	}
	return acc[0]
}

// lbfgsSpread is how far rounding alone moves one Step's results: the largest distance of x's
// entries and of the loss between dlopt's run and its reruns in lbfgsDotOrders.
type lbfgsSpread struct{ x, loss float64 }

// lbfgsRoundingSpread reruns case c with each summation order and returns the spread per
// step. An order that changes the line search's decisions (evaluation counts) would make the
// problem unfit for a last-bits comparison: that is a failure of the test's design.
func lbfgsRoundingSpread(t *testing.T, c lbfgsCase, ours []lbfgsStepState) []lbfgsSpread {
	t.Helper()
	spread := make([]lbfgsSpread, len(ours))
	for name, dot := range lbfgsDotOrders {
		for step, st := range runLBFGS(t, c, len(ours), dot) {
			if st.FuncEvals != ours[step].FuncEvals || st.NIter != ours[step].NIter {
				t.Fatalf("summing dot products %s changes step %d's evaluations: the case is too ill-conditioned to compare last bits", name, step+1)
			}
			spread[step].loss = math.Max(spread[step].loss, math.Abs(st.Loss-ours[step].Loss))
			for j := range st.X {
				spread[step].x = math.Max(spread[step].x, math.Abs(st.X[j]-ours[step].X[j]))
			}
		}
	}
	return spread
}

// closeRel reports whether got is within tol of want, relative to max(|want|, 1).
func lbfgsCloseRel(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Max(math.Abs(want), 1)
}

func TestLBFGSRejectsBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*LBFGSConfig)
		want string
	}{
		{"negative lr", func(c *LBFGSConfig) { c.LR = -1 }, "lr=-1"},
		{"NaN lr", func(c *LBFGSConfig) { c.LR = math.NaN() }, "lr=NaN"},
		{"zero max_iter", func(c *LBFGSConfig) { c.MaxIter = 0 }, "max_iter=0"},
		{"negative max_eval", func(c *LBFGSConfig) { c.MaxEval = -2 }, "max_eval=-2"},
		{"negative tolerance_grad", func(c *LBFGSConfig) { c.ToleranceGrad = -1e-3 }, "tolerance_grad=-0.001"},
		{"zero history", func(c *LBFGSConfig) { c.HistorySize = 0 }, "history_size=0"},
		{"unknown line search", func(c *LBFGSConfig) { c.LineSearchFn = "armijo" }, `line_search_fn="armijo"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultLBFGSConfig()
			tc.edit(&cfg)
			_, err := NewLBFGS(cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewLBFGS error = %v, want one naming %s", err, tc.want)
			}
		})
	}
}

func TestLBFGSFromKwargsRejects(t *testing.T) {
	for _, tc := range []struct {
		kwargs map[string]any
		want   string
	}{
		{map[string]any{"learning_rate": 1.0}, `unknown keyword(s) "learning_rate"`},
		{map[string]any{"max_eval": 0.0}, "max_eval=0"},
		{map[string]any{"history_size": 2.5}, "history_size"},
		{map[string]any{"line_search_fn": "backtracking"}, `line_search_fn="backtracking"`},
	} {
		_, err := NewLBFGSFromKwargs(tc.kwargs)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewLBFGSFromKwargs(%v) error = %v, want one naming %s", tc.kwargs, err, tc.want)
		}
	}
	opt, err := NewLBFGSFromKwargs(map[string]any{"max_iter": 8.0, "max_eval": nil})
	if err != nil {
		t.Fatal(err)
	}
	if opt.Config().MaxEval != 10 {
		t.Errorf("max_eval=None with max_iter=8: %d, want torch's 8*5//4 = 10", opt.Config().MaxEval)
	}
}

// TestLBFGSConvergesOnRosenbrock checks the optimizer on its own: with strong-Wolfe line
// search it reaches the minimiser (1, ..., 1) of a 10-dimensional Rosenbrock function.
func TestLBFGSConvergesOnRosenbrock(t *testing.T) {
	cfg := DefaultLBFGSConfig()
	cfg.LineSearchFn = "strong_wolfe"
	cfg.MaxIter = 200
	opt, err := NewLBFGS(cfg)
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{-1.2, 1, -1.2, 1, -1.2, 1, -1.2, 1, -1.2, 1}
	if _, err := opt.Step(x, rosenbrock); err != nil {
		t.Fatal(err)
	}
	for i, v := range x {
		if math.Abs(v-1) > 1e-6 {
			t.Fatalf("x[%d] = %v after %d iterations, want 1", i, v, opt.Iterations())
		}
	}
}

// TestLBFGSGraphClosure minimises the Rosenbrock function written with graph ops, its gradient
// coming from GoMLX's autodiff, and compares with the hand-written gradient: same iterates up to
// rounding, same minimiser.
func TestLBFGSGraphClosure(t *testing.T) {
	closure, err := GraphClosure(func(x *Node) *Node {
		// x[:-1] and x[1:] as products with constant selection matrices (simplego has no
		// gradient for slices).
		n := x.Shape().Dimensions[0]
		first, next := make([][]float64, n-1), make([][]float64, n-1)
		for i := range first {
			first[i], next[i] = make([]float64, n), make([]float64, n)
			first[i][i], next[i][i+1] = 1, 1
		}
		head, tail := MatMul(Const(x.Graph(), first), x), MatMul(Const(x.Graph(), next), x)
		a := Sub(tail, Mul(head, head))
		b := OneMinus(head)
		return ReduceAllSum(Add(MulScalar(Mul(a, a), 100), Mul(b, b)))
	}, 4)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultLBFGSConfig()
	cfg.LineSearchFn = "strong_wolfe"
	cfg.MaxIter = 100
	run := func(f LBFGSClosure) []float64 {
		opt, err := NewLBFGS(cfg)
		if err != nil {
			t.Fatal(err)
		}
		x := []float64{-1.2, 1, -0.5, 0.8}
		if _, err := opt.Step(x, f); err != nil {
			t.Fatal(err)
		}
		return x
	}
	a, b := run(closure), run(rosenbrock)
	for i := range a {
		if math.Abs(a[i]-1) > 1e-6 || math.Abs(a[i]-b[i]) > 1e-8 {
			t.Fatalf("x[%d] = %.12g with the graph closure, %.12g by hand, want 1", i, a[i], b[i])
		}
	}
	opt, _ := NewLBFGS(cfg)
	if _, err := opt.Step([]float64{1, 2}, closure); err == nil || !strings.Contains(err.Error(), "2 parameters, built for 4") {
		t.Fatalf("wrong length: error %v", err)
	}
}
