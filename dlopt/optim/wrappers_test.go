package optim

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/dlopt/course/dlopt"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/ml/model"
)

var (
	wrapX0    = []float64{0.5, -1.25, 2}
	wrapGrads = [][]float64{{1, -2, 0.5}, {0.3, 4, -1}, {-2, 0.1, 3}, {0.7, -0.6, 0.2}, {1.5, 1, -2}, {-0.4, 0.9, 0.8}}
)

func run3(t *testing.T, opt *Optimizer, grads [][]float64) *Trajectory {
	t.Helper()
	traj, err := RunGradients(opt, wrapX0, []int{3}, grads, dtypes.Float64)
	if err != nil {
		t.Fatal(err)
	}
	return traj
}

func sameRows(t *testing.T, what string, got, want [][]float64, tol float64) {
	t.Helper()
	if msg := compareRows(got, want, tol); msg != "" {
		t.Errorf("%s: %s", what, msg)
	}
}

func compareRows(got, want [][]float64, tol float64) string {
	if len(got) != len(want) {
		return "different lengths"
	}
	for k := range want {
		for i := range want[k] {
			if d := math.Abs(got[k][i] - want[k][i]); !(d <= tol*max(1, math.Abs(want[k][i]))) {
				return "step " + itoa(k+1) + ": got " + ftoa(got[k]) + ", want " + ftoa(want[k])
			}
		}
	}
	return ""
}

// TestWrappersMatchBuiltins checks wrappers against the built-in options they generalize.
func TestWrappersMatchBuiltins(t *testing.T) {
	must := mustOpt(t)
	tests := []struct {
		name          string
		wrapped, want *Optimizer
	}{
		{"maximize", must(WithMaximize(sgd(t, 0.1))), must(New(Torch, "SGD", map[string]any{"lr": 0.1, "maximize": true}))},
		{"coupled weight decay", must(WithWeightDecay(must(New(Torch, "Adam", map[string]any{"lr": 0.1})), 0.01, false)),
			must(New(Torch, "Adam", map[string]any{"lr": 0.1, "weight_decay": 0.01}))},
		{"decoupled weight decay", must(WithWeightDecay(must(New(Torch, "Adam", map[string]any{"lr": 0.1})), 0.01, true)),
			must(New(Torch, "AdamW", map[string]any{"lr": 0.1, "weight_decay": 0.01}))},
	}
	for _, tt := range tests {
		sameRows(t, tt.name, run3(t, tt.wrapped, wrapGrads).Params, run3(t, tt.want, wrapGrads).Params, 1e-13)
	}
	// optax's sgd with decoupled decay: p ← p - lr·g - lr·wd·p, by hand.
	traj := run3(t, must(WithWeightDecay(must(New(Optax, "sgd", map[string]any{"learning_rate": 0.1})), 0.5, true)), wrapGrads)
	p := slices.Clone(wrapX0)
	var want [][]float64
	for _, g := range wrapGrads {
		for i := range p {
			p[i] = p[i] - 0.1*g[i] - 0.1*0.5*p[i]
		}
		want = append(want, slices.Clone(p))
	}
	sameRows(t, "optax sgd with decoupled decay", traj.Params, want, 1e-13)
}

// TestClipping checks the three clipping links on SGD with lr 1 (the step is minus the
// clipped gradient).
func TestClipping(t *testing.T) {
	must := mustOpt(t)
	grads := [][]float64{{3, 4, 0}, {0.3, 0.4, 0}}
	tests := []struct {
		name string
		link *Transform
		want [][]float64 // steps
	}{
		{"global norm", ClipByGlobalNorm(Value(1)), [][]float64{{-0.6, -0.8, 0}, {-0.3, -0.4, 0}}},
		{"value", ClipByValue(Value(0.35)), [][]float64{{-0.35, -0.35, 0}, {-0.3, -0.35, 0}}},
		{"variable norm", ClipByNorm(Value(2.5)), [][]float64{{-1.5, -2, 0}, {-0.3, -0.4, 0}}},
	}
	for _, tt := range tests {
		opt := must(Prepend(sgd(t, 1), tt.link))
		traj := run3(t, opt, grads)
		prev := wrapX0
		for k, row := range traj.Params {
			step := make([]float64, 3)
			for i := range row {
				step[i] = row[i] - prev[i]
			}
			prev = row
			sameRows(t, tt.name+" step "+itoa(k+1), [][]float64{step}, [][]float64{tt.want[k]}, 1e-12)
		}
	}
	// Per-variable norm: each variable is clipped by its own norm, unlike the global norm.
	opt := must(Prepend(sgd(t, 1), ClipByNorm(Value(1))))
	tv := newTwoVars(t, opt, [][]float64{{0, 0}}, []float64{0})
	w, b := tv.step(t, [][]float64{{3, 4}}, []float64{0.5})
	sameRows(t, "per-variable norm", [][]float64{w[0], b}, [][]float64{{-0.6, -0.8}, {-0.5}}, 1e-12)
}

// TestAccumulateGradients checks that k=3 accumulation applies the inner optimizer to the mean
// of each 3 gradients, and keeps everything still in between.
func TestAccumulateGradients(t *testing.T) {
	must := mustOpt(t)
	acc := must(AccumulateGradients(must(New(Torch, "Adam", map[string]any{"lr": 0.1})), 3))
	got := run3(t, acc, wrapGrads).Params
	var means [][]float64
	for k := 0; k+3 <= len(wrapGrads); k += 3 {
		m := make([]float64, 3)
		for j := range 3 {
			for i := range m {
				m[i] += wrapGrads[k+j][i] / 3
			}
		}
		means = append(means, m)
	}
	want := run3(t, must(New(Torch, "Adam", map[string]any{"lr": 0.1})), means).Params
	sameRows(t, "step 1 (waiting)", got[0:1], [][]float64{wrapX0}, 0)
	sameRows(t, "step 2 (waiting)", got[1:2], [][]float64{wrapX0}, 0)
	sameRows(t, "step 3", got[2:3], want[0:1], 1e-12)
	sameRows(t, "steps 4-5 (waiting)", got[3:5], [][]float64{want[0], want[0]}, 0)
	sameRows(t, "step 6", got[5:6], want[1:2], 1e-12)
}

// TestSkipNonFinite checks that a NaN gradient leaves parameters and state untouched (the run
// equals one without that gradient), is counted, and that the limit lets updates through.
func TestSkipNonFinite(t *testing.T) {
	must := mustOpt(t)
	nan := math.NaN()
	withNaN := slices.Clone(wrapGrads)
	withNaN = slices.Insert(withNaN, 2, []float64{1, nan, 0})
	skip := must(SkipNonFinite(must(New(Torch, "Adam", map[string]any{"lr": 0.1})), 3))
	got := run3(t, skip, withNaN).Params
	want := run3(t, must(New(Torch, "Adam", map[string]any{"lr": 0.1})), wrapGrads).Params
	want = slices.Insert(want, 2, want[1])
	sameRows(t, "skipping one NaN", got, want, 1e-13)

	// Counters, through a context we keep.
	skip2 := must(SkipNonFinite(sgd(t, 0.1), 1))
	tv := newTwoVars(t, skip2, [][]float64{{1, 2}}, []float64{3})
	tv.step(t, [][]float64{{1, 1}}, []float64{math.Inf(1)})
	w, b := tv.step(t, [][]float64{{1, 1}}, []float64{nan})
	if total, consecutive, err := NonFiniteCounts(tv.scope, skip2); err != nil || total != 2 || consecutive != 2 {
		t.Errorf("after two bad steps: total %d, consecutive %d, err %v; want 2, 2", total, consecutive, err)
	}
	if !math.IsNaN(b[0]) || w[0][0] != 1-0.1 {
		t.Errorf("second bad step in a row (limit 1) should be applied anyway: weights %v (want 0.9 first), biases %v (want NaN)", w, b)
	}
}

// TestMaskedAndPerGroup checks no decay on biases, and another learning rate for one group.
func TestMaskedAndPerGroup(t *testing.T) {
	must := mustOpt(t)
	notBias := func(v *model.Variable) bool { return v.Name() != "biases" }
	opt := must(NewOptimizer("masked_decay", Masked(AddDecayedWeights(NewHyper("weight_decay", 0.5, NonNegative)), notBias),
		ScaleByLearningRate(NewHyper("lr", 0.1, NonNegative))))
	tv := newTwoVars(t, opt, [][]float64{{1, 2}}, []float64{3})
	w, b := tv.step(t, [][]float64{{1, -1}}, []float64{1})
	sameRows(t, "masked decay", [][]float64{w[0], b}, [][]float64{{1 - 0.1*(1+0.5), 2 - 0.1*(-1+1)}, {3 - 0.1}}, 1e-15)

	groups := must(PerGroup("groups", func(v *model.Variable) string {
		if v.Name() == "biases" {
			return "bias"
		}
		return "weights"
	}, map[string]*Optimizer{"bias": sgd(t, 1), "weights": must(New(Torch, "SGD", map[string]any{"lr": 0.01, "momentum": 0.9}))}))
	tv = newTwoVars(t, groups, [][]float64{{1, 2}}, []float64{3})
	tv.step(t, [][]float64{{1, -1}}, []float64{1})
	w, b = tv.step(t, [][]float64{{1, -1}}, []float64{1})
	// weights: momentum buffer 1 then 1.9 → 1 - 0.01·(1 + 1.9); biases: plain SGD lr 1, twice.
	sameRows(t, "per-group", [][]float64{w[0], b}, [][]float64{{1 - 0.029, 2 + 0.029}, {1}}, 1e-14)
	if err := groups.SetHyper(tv.scope, "lr", 0.5); err != nil {
		t.Fatal(err)
	}
	w, b = tv.step(t, [][]float64{{0, 0}}, []float64{1})
	if math.Abs(b[0]-0.5) > 1e-15 {
		t.Errorf("SetHyper(lr) should reach the bias group: biases %v, want 0.5", b)
	}
	if math.Abs(w[0][0]-(1-0.029-0.5*0.9*1.9)) > 1e-14 {
		t.Errorf("SetHyper(lr) should reach the weights group: weights %v", w)
	}
}

// TestAveragingAndLookahead checks parameter EMA, SWA and Lookahead against hand-written loops
// around plain SGD.
func TestAveragingAndLookahead(t *testing.T) {
	must := mustOpt(t)
	const lr = 0.1
	sgdPath := func(grads [][]float64) [][]float64 {
		p := slices.Clone(wrapX0)
		var out [][]float64
		for _, g := range grads {
			for i := range p {
				p[i] -= lr * g[i]
			}
			out = append(out, slices.Clone(p))
		}
		return out
	}
	path := sgdPath(wrapGrads)

	ema := run3(t, must(WithParamEMA(sgd(t, lr), 0.8)), wrapGrads)
	avg := slices.Clone(path[0])
	for k, p := range path {
		if k > 0 {
			for i := range avg {
				avg[i] = 0.8*avg[i] + 0.2*p[i]
			}
		}
		sameRows(t, "EMA step "+itoa(k+1), ema.Eval[k:k+1], [][]float64{avg}, 1e-14)
	}
	sameRows(t, "EMA leaves the training path alone", ema.Params, path, 1e-15)

	swa := run3(t, must(WithSWA(sgd(t, lr), 2, 2)), wrapGrads)
	var swaAvg []float64
	n := 0.0
	for k, p := range path {
		if step := k + 1; step >= 2 && (step-2)%2 == 0 {
			if swaAvg == nil {
				swaAvg = slices.Clone(p)
			} else {
				for i := range swaAvg {
					swaAvg[i] += (p[i] - swaAvg[i]) / (n + 1)
				}
			}
			n++
		}
		want := swaAvg
		if want == nil {
			want = p
		}
		sameRows(t, "SWA step "+itoa(k+1), swa.Eval[k:k+1], [][]float64{want}, 1e-14)
	}

	la := run3(t, must(WithLookahead(sgd(t, lr), 3, 0.5)), wrapGrads)
	slow, fast := slices.Clone(wrapX0), slices.Clone(wrapX0)
	for k, g := range wrapGrads {
		for i := range fast {
			fast[i] -= lr * g[i]
		}
		if (k+1)%3 == 0 {
			for i := range slow {
				slow[i] += 0.5 * (fast[i] - slow[i])
			}
			copy(fast, slow)
		}
		sameRows(t, "Lookahead fast step "+itoa(k+1), la.Params[k:k+1], [][]float64{fast}, 1e-14)
		sameRows(t, "Lookahead slow step "+itoa(k+1), la.Eval[k:k+1], [][]float64{slow}, 1e-14)
	}
}

// TestWrapperErrors checks argument validation of the wrappers.
func TestWrapperErrors(t *testing.T) {
	must := mustOpt(t)
	if _, err := AccumulateGradients(sgd(t, 0.1), 0); err == nil {
		t.Error("AccumulateGradients(k=0): no error")
	}
	if _, err := WithSWA(sgd(t, 0.1), 0, 1); err == nil {
		t.Error("WithSWA(start=0): no error")
	}
	if _, err := WithLookahead(sgd(t, 0.1), 5, 1.5); err == nil {
		t.Error("WithLookahead(alpha=1.5): no error")
	}
	if _, err := Prepend(sgd(t, 0.1), ClipByGlobalNorm(Value(-1))); err == nil {
		t.Error("ClipByGlobalNorm(Value(-1)): no error")
	}
	inner := sgd(t, 0.1)
	must(WithMaximize(inner))
	if _, err := WithMaximize(inner); err == nil {
		t.Error("wrapping an optimizer twice: no error")
	}
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "was wrapped") {
				t.Errorf("using a wrapped optimizer: panic %v, want one that says it was wrapped", r)
			}
		}()
		inner.HasEval()
	}()
	nag := must(NAG(0.1, 0.9))
	if _, err := WithWeightDecay(nag, 0.1, true); err == nil {
		t.Error("decoupled decay on an optimizer without lr: no error")
	}
}

// TestSkipNonFiniteComposesWithEveryOptimizer wraps every registered oracle configuration in
// SkipNonFinite and feeds a NaN gradient in the middle: the run must equal the unwrapped run
// without that gradient, bit for bit (the wrapper undoes every state write of every link). It
// also checks that AccumulateGradients over one step changes nothing.
func TestSkipNonFiniteComposesWithEveryOptimizer(t *testing.T) {
	o := loadOracle(t)
	grads := o.Problem.Grads[:8]
	bad := make([]float64, len(o.Problem.X0))
	bad[1] = math.NaN()
	withNaN := slices.Insert(slices.Clone(grads), 3, bad)
	for _, e := range append(slices.Clone(o.Torch.Entries), o.Optax.Entries...) {
		name := e.registryName()
		if !slices.Contains(Names(e.Library), name) {
			continue
		}
		t.Run(e.Library+"/"+e.Name, func(t *testing.T) {
			plain := mustOpt(t)(New(e.Library, name, e.Kwargs))
			wrapped := mustOpt(t)(SkipNonFinite(mustOpt(t)(New(e.Library, name, e.Kwargs)), 5))
			want, err := RunGradients(plain, o.Problem.X0, e.ParamShape, grads, dtypes.Float64)
			if err != nil {
				t.Fatal(err)
			}
			got, err := RunGradients(wrapped, o.Problem.X0, e.ParamShape, withNaN, dtypes.Float64)
			if err != nil {
				t.Fatal(err)
			}
			wantParams := slices.Insert(slices.Clone(want.Params), 3, want.Params[2])
			sameRows(t, "parameters", got.Params, wantParams, 0)
			if want.Eval != nil {
				sameRows(t, "evaluation parameters", got.Eval, slices.Insert(slices.Clone(want.Eval), 3, want.Eval[2]), 0)
			}
			// Accumulating over k=1 step is the optimizer itself.
			acc := mustOpt(t)(AccumulateGradients(mustOpt(t)(New(e.Library, name, e.Kwargs)), 1))
			got, err = RunGradients(acc, o.Problem.X0, e.ParamShape, grads, dtypes.Float64)
			if err != nil {
				t.Fatal(err)
			}
			sameRows(t, "AccumulateGradients(k=1)", got.Params, want.Params, 0)
		})
	}
}

// TestWrappersKeepEvaluationParameters checks that wrappers report evaluation parameters exactly
// when the wrapped optimizer has them, and pass them through (per group for PerGroup).
func TestWrappersKeepEvaluationParameters(t *testing.T) {
	must := mustOpt(t)
	adam := func() *Optimizer { return must(New(Torch, "Adam", map[string]any{"lr": 0.1})) }
	asgd := func() *Optimizer { return must(New(Torch, "ASGD", map[string]any{"lr": 0.1, "t0": 0})) }
	tests := []struct {
		name string
		opt  *Optimizer
		want bool
	}{
		{"Adam", adam(), false},
		{"SkipNonFinite(Adam)", must(SkipNonFinite(adam(), 1)), false},
		{"AccumulateGradients(Adam)", must(AccumulateGradients(adam(), 2)), false},
		{"Prepend(Adam)", must(Prepend(adam(), ClipByValue(Value(1)))), false},
		{"SkipNonFinite(ASGD)", must(SkipNonFinite(asgd(), 1)), true},
		{"WithParamEMA(Adam)", must(WithParamEMA(adam(), 0.9)), true},
	}
	for _, tt := range tests {
		if got := tt.opt.HasEval(); got != tt.want {
			t.Errorf("%s: HasEval() = %v, want %v", tt.name, got, tt.want)
		}
	}
	// PerGroup: the weights' group has an average (ASGD), the biases' group does not.
	groups := must(PerGroup("groups", func(v *model.Variable) string { return v.Name() },
		map[string]*Optimizer{"weights": asgd(), "biases": adam()}))
	tv := newTwoVars(t, groups, [][]float64{{1, 2}}, []float64{3})
	tv.step(t, [][]float64{{1, 1}}, []float64{1})
	tv.step(t, [][]float64{{1, 1}}, []float64{1})
	w, b := tv.step(t, [][]float64{{-1, 2}}, []float64{1})
	ew, eb := tv.eval(t)
	if eb[0] != b[0] {
		t.Errorf("biases (Adam) evaluate at %v, want their parameters %v", eb, b)
	}
	if ew[0][0] == w[0][0] {
		t.Errorf("weights (ASGD, t0 = 0, averaging from step 3) evaluate at their parameters %v: want the average", w)
	}
}

// TestRenamed checks that two Adams on one context keep their state apart once renamed.
func TestRenamed(t *testing.T) {
	must := mustOpt(t)
	a := must(Renamed(must(New(Torch, "Adam", map[string]any{"lr": 0.1})), "generator"))
	b := must(Renamed(must(New(Torch, "Adam", map[string]any{"lr": 0.1})), "discriminator"))
	if a.Scope() == b.Scope() || a.Scope() != "/optim/generator" {
		t.Fatalf("scopes %q and %q", a.Scope(), b.Scope())
	}
	store := model.NewStore()
	scope := store.RootScope()
	tv := &twoVars{store: store, scope: scope, vars: []*model.Variable{
		scope.In("g").VariableWithValue("w", []float64{1}), scope.In("d").VariableWithValue("w", []float64{1}),
	}}
	e := model.MustNewExec(dlopt.MustBackend(), store, func(scope *model.Scope, g *Node) []*Node {
		a.Apply(scope, tv.vars[:1], []*Node{g})
		b.Apply(scope, tv.vars[1:], []*Node{Neg(g)})
		return []*Node{tv.vars[0].NodeValue(g.Graph()), tv.vars[1].NodeValue(g.Graph())}
	})
	for range 3 {
		out := e.MustExec([]float64{1})
		ga, gb := out[0].Value().([]float64)[0], out[1].Value().([]float64)[0]
		// Mirror images: each Adam saw only its own gradients.
		if math.Abs((ga-1)+(gb-1)) > 1e-15 {
			t.Fatalf("generator %v and discriminator %v are not mirror images", ga, gb)
		}
	}
	if _, err := Renamed(must(New(Torch, "SGD", nil)), "a/b"); err == nil {
		t.Error("a name with '/': no error")
	}
}
