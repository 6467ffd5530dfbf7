package optim

import (
	"bytes"
	"encoding/json"
	"math"
	"os/exec"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
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
// counters after every Step.
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
	if err := exec.Command("/usr/bin/python3", "-c", "import torch").Run(); err != nil {
		t.Skipf("skipping: `/usr/bin/python3 -c 'import torch'` failed (%v); install Debian's python3-torch", err)
	}
	cmd := exec.Command("/usr/bin/python3", "-c", torchLBFGSScript)
	cmd.Stdin = bytes.NewReader(in)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("torch script failed: %v\n%s", err, stderr.String())
	}
	var got struct {
		Torch string        `json:"torch"`
		Cases [][]torchCase `json:"cases"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("torch output: %v\n%s", err, out)
	}
	t.Logf("torch %s", got.Torch)
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
			x := append([]float64(nil), c.x0...)
			worst := 0.0
			for step, want := range got.Cases[i] {
				loss, err := opt.Step(x, rosenbrock)
				if err != nil {
					t.Fatal(err)
				}
				if opt.FuncEvals() != want.FuncEvals || opt.Iterations() != want.NIter {
					t.Fatalf("step %d: func_evals=%d n_iter=%d, torch %d and %d", step+1,
						opt.FuncEvals(), opt.Iterations(), want.FuncEvals, want.NIter)
				}
				if !lbfgsCloseRel(loss, want.Loss, 1e-10) {
					t.Errorf("step %d: loss %.17g, torch %.17g", step+1, loss, want.Loss)
				}
				for j := range x {
					worst = math.Max(worst, math.Abs(x[j]-want.X[j]))
					if !lbfgsCloseRel(x[j], want.X[j], 1e-10) {
						t.Fatalf("step %d: x[%d]=%.17g, torch %.17g", step+1, j, x[j], want.X[j])
					}
				}
			}
			last, _ := rosenbrock(x)
			t.Logf("%d steps, %d evaluations, final loss %.3g, max |x - x_torch| = %.2g",
				c.steps, opt.FuncEvals(), last, worst)
		})
	}
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
