package optim

import (
	"math"
	"strings"
	"testing"

	"github.com/dlopt/course/dlopt"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// TestContribRejectsBadHyperparameters checks that the optimizers of the contrib files reject
// bad values at construction, with an error naming the value and what is allowed.
func TestContribRejectsBadHyperparameters(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		library, name string
		kwargs        map[string]any
		want          []string
	}{
		{Optax, "lion", map[string]any{"learning_rate": -1.0}, []string{"learning_rate = -1", "[0, +inf)"}},
		{Optax, "lion", map[string]any{"learning_rate": 0.1, "b2": 1.0}, []string{"b2 = 1", "[0, 1)"}},
		{Optax, "lion", map[string]any{"learning_rate": 0.1, "lr": 0.1}, []string{`unknown keyword(s) "lr"`, "learning_rate"}},
		{Optax, "lion", map[string]any{"learning_rate": 0.1, "mask": []any{true}}, []string{`"mask"`, "null"}},
		{Optax, "lamb", map[string]any{"learning_rate": 0.1, "eps": 0.0}, []string{"eps = 0", "(0, +inf)"}},
		{Optax, "lars", map[string]any{"learning_rate": 0.1, "trust_coefficient": nan}, []string{"trust_coefficient = NaN"}},
		{Optax, "yogi", map[string]any{"learning_rate": 0.1, "b1": 1.5}, []string{"b1 = 1.5", "[0, 1)"}},
		{Optax, "adabelief", map[string]any{"learning_rate": 0.1, "eps_root": -1e-16}, []string{"eps_root = -1e-16"}},
		{Optax, "novograd", map[string]any{"learning_rate": 0.1, "b2": -0.25}, []string{"b2 = -0.25"}},
		{Optax, "sm3", map[string]any{"learning_rate": 0.1, "momentum": 1.0}, []string{"momentum = 1", "[0, 1)"}},
		{Optax, "fromage", map[string]any{"learning_rate": 0.1, "min_norm": -1.0}, []string{"min_norm = -1"}},
		{Optax, "adan", map[string]any{"learning_rate": 0.1, "b3": 2.0}, []string{"b3 = 2"}},
		{Optax, "rprop", map[string]any{"learning_rate": 0.1, "eta_minus": 1.5}, []string{"eta_minus = 1.5", "(0, 1)"}},
		{Optax, "rprop", map[string]any{"learning_rate": 0.1, "min_step_size": 2.0, "max_step_size": 1.0}, []string{"min_step_size = 2", "max_step_size = 1"}},
		{Optax, "signum", map[string]any{"learning_rate": 0.1, "beta": 1.0}, []string{"beta = 1"}},
		{Optax, "optimistic_gradient_descent", map[string]any{"learning_rate": 0.1, "alpha": -1.0}, []string{"alpha = -1"}},
		{Optax, "adafactor", map[string]any{"learning_rate": 0.1, "decay_rate": 0.0}, []string{"decay_rate = 0", "(0, +inf)"}},
		{Optax, "adafactor", map[string]any{"clipping_threshold": -1.0}, []string{"clipping_threshold = -1"}},
		{Torch, "Adafactor", map[string]any{"lr": 0.1, "beta2_decay": 0.5}, []string{"beta2_decay = 0.5", "(-inf, 0]"}},
		{Torch, "Adafactor", map[string]any{"lr": 0.1, "eps": []any{"x", 1e-3}}, []string{"eps[0]"}},
		{Optax, "muon", map[string]any{"learning_rate": 0.1, "ns_steps": 0.0}, []string{"ns_steps = 0", "[1, 99]"}},
		{Optax, "muon", map[string]any{"learning_rate": 0.1, "preconditioning": "spectral"}, []string{`preconditioning = "spectral"`, "frobenius"}},
		{Optax, "muon", map[string]any{"learning_rate": 0.1, "ns_coeffs": []any{1.0, 2.0}}, []string{"ns_coeffs", "[a, b, c]"}},
		{Optax, "prodigy", map[string]any{"estim_lr0": 0.0}, []string{"estim_lr0 = 0", "(0, +inf)"}},
		{Optax, "prodigy", map[string]any{"safeguard_warmup": true}, []string{"safeguard_warmup"}},
		{Optax, "schedule_free_adamw", map[string]any{"b1": 0.0}, []string{"b1 = 0", "(0, 1)"}},
		{Optax, "schedule_free_sgd", map[string]any{"warmup_steps": -3.0}, []string{"warmup_steps = -3"}},
		{Optax, "dadapt_adamw", map[string]any{"betas": []any{0.9, 1.0}}, []string{"b2 = 1"}},
		{Optax, "adopt", map[string]any{"learning_rate": 0.1, "clip_value_fn": "lambda x: x"}, []string{`"clip_value_fn"`}},
		{Optax, "ademamix", map[string]any{"learning_rate": 0.1, "alpha": -5.0}, []string{"alpha = -5"}},
		{Optax, "simplified_ademamix", map[string]any{"learning_rate": 0.1, "b1": 1.0}, []string{"b1 = 1"}},
		{Optax, "cocob", map[string]any{"alpha": 0.0}, []string{"alpha = 0", "(0, +inf)"}},
		{Optax, "acprop", map[string]any{"learning_rate": 0.1, "eps": -1.0}, []string{"eps = -1"}},
		{Optax, "madgrad", map[string]any{"learning_rate": 0.1, "momentum": 1.0}, []string{"momentum = 1"}},
		{Optax, "dog", map[string]any{"init_step": []any{"guess", 1e-6}}, []string{`"guess"`, "heuristic"}},
		{Optax, "dog", map[string]any{"eps": 0.0}, []string{"eps = 0"}},
		{Optax, "dowg", map[string]any{"init_estim_sq_dist": -1.0}, []string{"init_estim_sq_dist = -1"}},
	} {
		t.Run(tc.library+"/"+tc.name, func(t *testing.T) {
			_, err := New(tc.library, tc.name, tc.kwargs)
			if err == nil {
				t.Fatalf("New(%q, %q, %v) accepted bad hyperparameters", tc.library, tc.name, tc.kwargs)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	if _, err := New(Torch, "Muon", map[string]any{"lr": 0.1, "adjust_lr_fn": "none"}); err == nil || !strings.Contains(err.Error(), `adjust_lr_fn = "none"`) {
		t.Errorf("torch Muon adjust_lr_fn=none: error %v", err)
	}
	if _, err := New(Torch, "Muon", map[string]any{"learning_rate": 0.1}); err == nil || !strings.Contains(err.Error(), `"learning_rate"`) {
		t.Errorf("torch Muon learning_rate: error %v", err)
	}
}

// runVariables applies opt to several float64 variables at once (one graph, steps updates) and
// returns their final values.
func runVariables(t *testing.T, opt *Optimizer, x0 [][]float64, shapes [][]int, grads [][][]float64) [][]float64 {
	t.Helper()
	backend, err := dlopt.Backend()
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	vars := make([]*model.Variable, len(x0))
	for i := range x0 {
		vars[i] = store.RootScope().In("model").VariableWithValue(string(rune('a'+i)), tensors.FromFlatDataAndDimensions(append([]float64(nil), x0[i]...), shapes[i]...))
	}
	e, err := model.NewExec(backend, store, func(scope *model.Scope, dummy *Node) []*Node {
		for _, step := range grads {
			gs := make([]*Node, len(vars))
			for i := range vars {
				gs[i] = Reshape(Const(dummy.Graph(), step[i]), shapes[i]...)
			}
			opt.Apply(scope, vars, gs)
		}
		out := make([]*Node, len(vars))
		for i, v := range vars {
			out[i] = Reshape(v.NodeValue(dummy.Graph()), -1)
		}
		return out
	})
	if err != nil {
		t.Fatal(err)
	}
	outs, err := e.Exec(0.0)
	if err != nil {
		t.Fatal(err)
	}
	res := make([][]float64, len(outs))
	for i, o := range outs {
		res[i] = tensors.MustCopyFlatData[float64](o)
	}
	return res
}

// TestContribSplitVariables runs each optimizer on the oracle problem split into two variables
// (3 and 5 values) and on the same 8 values as one variable. Element-wise methods and the
// learning-rate-free methods, whose norms and inner products run over all variables together,
// give the same result; the layer-wise methods (LAMB, Novograd, Fromage) must not.
func TestContribSplitVariables(t *testing.T) {
	o := loadOracle(t)
	split := func(v []float64) [][]float64 { return [][]float64{v[:3], v[3:]} }
	var gSplit [][][]float64
	var gWhole [][][]float64
	for _, g := range o.Problem.Grads {
		gSplit = append(gSplit, split(g))
		gWhole = append(gWhole, [][]float64{g})
	}
	for _, tc := range []struct {
		name      string
		kwargs    map[string]any
		layerwise bool
	}{
		{"lion", map[string]any{"learning_rate": 0.1}, false},
		{"adan", map[string]any{"learning_rate": 0.1}, false},
		{"sm3", map[string]any{"learning_rate": 0.1}, false},
		{"cocob", nil, false},
		{"dog", nil, false},
		{"dowg", nil, false},
		{"prodigy", map[string]any{"estim_lr0": 1e-2}, false},
		{"dadapt_adamw", map[string]any{"estim_lr0": 1e-2}, false},
		{"schedule_free_adamw", map[string]any{"learning_rate": 0.1}, false},
		{"lamb", map[string]any{"learning_rate": 0.1}, true},
		{"novograd", map[string]any{"learning_rate": 0.1}, true},
		{"fromage", map[string]any{"learning_rate": 0.1}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			build := func() *Optimizer {
				opt, err := New(Optax, tc.name, tc.kwargs)
				if err != nil {
					t.Fatal(err)
				}
				return opt
			}
			parts := runVariables(t, build(), split(o.Problem.X0), [][]int{{3}, {5}}, gSplit)
			whole := runVariables(t, build(), [][]float64{o.Problem.X0}, [][]int{{8}}, gWhole)[0]
			joined := append(parts[0], parts[1]...)
			maxDiff := 0.0
			for i := range whole {
				maxDiff = math.Max(maxDiff, math.Abs(joined[i]-whole[i]))
			}
			if tc.layerwise && maxDiff < 1e-6 {
				t.Errorf("layer-wise %s gives the same result split and whole (max diff %.3g)", tc.name, maxDiff)
			}
			if !tc.layerwise && maxDiff > 1e-12 {
				t.Errorf("%s split in two variables differs from one variable by %.3g:\n  split %v\n  whole %v", tc.name, maxDiff, joined, whole)
			}
		})
	}
}

// TestContribTransposeSymmetry: the factored second moments (optax adafactor with factoring on,
// torch Adafactor, SM3) treat rows and columns alike, so optimizing Xᵀ with gradients Gᵀ must
// give the transposed trajectory. A 3x5 matrix exercises the axis bookkeeping that the oracle's
// 2x4 entries leave alone (the larger dimension first or second).
func TestContribTransposeSymmetry(t *testing.T) {
	const rows, cols = 3, 5
	transpose := func(v []float64, r, c int) []float64 {
		out := make([]float64, len(v))
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				out[j*r+i] = v[i*c+j]
			}
		}
		return out
	}
	x0 := make([]float64, rows*cols)
	var grads [][]float64
	for i := range x0 {
		x0[i] = math.Sin(float64(i+1)) * 2
	}
	for s := 0; s < 12; s++ {
		g := make([]float64, rows*cols)
		for i := range g {
			g[i] = math.Cos(float64(7*s+3*i)) * float64(1+i%4)
		}
		grads = append(grads, g)
	}
	var gradsT [][]float64
	for _, g := range grads {
		gradsT = append(gradsT, transpose(g, rows, cols))
	}
	for _, tc := range []struct {
		library, name string
		kwargs        map[string]any
	}{
		{Optax, "adafactor", map[string]any{"learning_rate": 0.1, "min_dim_size_to_factor": 1.0}},
		{Optax, "sm3", map[string]any{"learning_rate": 0.1}},
		{Torch, "Adafactor", map[string]any{"lr": 0.1, "weight_decay": 0.01}},
	} {
		t.Run(tc.library+"/"+tc.name, func(t *testing.T) {
			run := func(x []float64, shape []int, gs [][]float64) []float64 {
				opt, err := New(tc.library, tc.name, tc.kwargs)
				if err != nil {
					t.Fatal(err)
				}
				traj, err := RunGradients(opt, x, shape, gs, dtypes.Float64)
				if err != nil {
					t.Fatal(err)
				}
				return traj.Final()
			}
			a := run(x0, []int{rows, cols}, grads)
			b := transpose(run(transpose(x0, rows, cols), []int{cols, rows}, gradsT), cols, rows)
			moved := 0.0
			for i := range a {
				moved = math.Max(moved, math.Abs(a[i]-x0[i]))
				if math.Abs(a[i]-b[i]) > 1e-12*math.Max(1, math.Abs(a[i])) {
					t.Fatalf("index %d: %.17g on X, %.17g on Xᵀ", i, a[i], b[i])
				}
			}
			if moved < 1e-3 {
				t.Fatalf("the parameters barely moved (%.3g): the test would not see a bug", moved)
			}
		})
	}
}

// contribOption is an option the oracle leaves at its default, run on the oracle's problem.
type contribOption struct {
	library, name string
	shape         []int
	base, option  map[string]any
}

// contribOptions are the cases of TestContribOptions and of TestContribOptionsAgainstNumpy
// (keywords_test.go), which compares each run with the numpy reference.
var contribOptions = []contribOption{
	{Optax, "adafactor", []int{2, 4}, nil, map[string]any{"momentum": 0.9}},
	{Optax, "adafactor", []int{2, 4}, nil, map[string]any{"weight_decay_rate": 0.1}},
	{Optax, "adafactor", []int{2, 4}, nil, map[string]any{"learning_rate": 0.5, "clipping_threshold": nil, "multiply_by_parameter_scale": false}},
	{Optax, "adabelief", []int{8}, map[string]any{"learning_rate": 0.1}, map[string]any{"nesterov": true}},
	{Optax, "adopt", []int{8}, map[string]any{"learning_rate": 0.1}, map[string]any{"nesterov": true}},
	{Optax, "adopt", []int{8}, map[string]any{"learning_rate": 0.1}, map[string]any{"use_clipping": false}},
	{Optax, "lars", []int{8}, map[string]any{"learning_rate": 0.1}, map[string]any{"nesterov": true}},
	{Optax, "lars", []int{8}, map[string]any{"learning_rate": 0.1}, map[string]any{"trust_ratio_mask": false}},
	{Optax, "lars", []int{8}, map[string]any{"learning_rate": 0.1}, map[string]any{"weight_decay": 0.1}},
	{Optax, "dog", []int{8}, nil, map[string]any{"init_step": []any{"distance", 0.5}}},
	{Optax, "dog", []int{8}, nil, map[string]any{"init_step": []any{"learning_rate", 0.01}}},
	{Optax, "dog", []int{8}, nil, map[string]any{"weight_decay": 0.1}},
	{Optax, "dowg", []int{8}, nil, map[string]any{"init_estim_sq_dist": 0.5}},
	{Optax, "muon", []int{2, 4}, map[string]any{"learning_rate": 0.1}, map[string]any{"adaptive": true}},
	{Optax, "muon", []int{2, 4}, map[string]any{"learning_rate": 0.1}, map[string]any{"ns_coeffs": []any{[]any{3.0, -3.0, 1.0}, []any{2.0, -1.5, 0.5}}}},
	{Optax, "muon", []int{2, 4}, map[string]any{"learning_rate": 0.1}, map[string]any{"nesterov": false}},
	{Optax, "prodigy", []int{8}, map[string]any{"estim_lr0": 0.01}, map[string]any{"weight_decay": 0.1}},
	{Optax, "dadapt_adamw", []int{8}, map[string]any{"estim_lr0": 0.01}, map[string]any{"weight_decay": 0.1}},
	{Optax, "schedule_free_sgd", []int{8}, map[string]any{"learning_rate": 0.1}, map[string]any{"weight_decay": 0.1}},
	{Optax, "schedule_free_adamw", []int{8}, map[string]any{"learning_rate": 0.1}, map[string]any{"weight_lr_power": 0.0}},
	{Optax, "cocob", []int{8}, nil, map[string]any{"weight_decay": 0.1}},
	{Optax, "madgrad", []int{8}, map[string]any{"learning_rate": 0.1}, map[string]any{"weight_decay": 0.1}},
	{Optax, "novograd", []int{8}, map[string]any{"learning_rate": 0.1}, map[string]any{"weight_decay": 0.1}},
	{Torch, "Adafactor", []int{2, 4}, map[string]any{"lr": 0.1}, map[string]any{"maximize": true}},
	{Torch, "Adafactor", []int{8}, map[string]any{"lr": 0.1}, map[string]any{"eps": []any{0.1, 1e-3}}},
	{Torch, "Muon", []int{2, 4}, map[string]any{"lr": 0.1}, map[string]any{"nesterov": false}},
	{Torch, "Muon", []int{2, 4}, map[string]any{"lr": 0.1}, map[string]any{"adjust_lr_fn": "match_rms_adamw"}},
}

// TestContribOptions runs the options that the oracle leaves at their defaults: each must build,
// stay finite on the oracle problem and change the trajectory (an option silently ignored fails).
func TestContribOptions(t *testing.T) {
	o := loadOracle(t)
	for _, tc := range contribOptions {
		t.Run(tc.library+"/"+tc.name, func(t *testing.T) {
			run := func(kwargs map[string]any) []float64 {
				opt, err := New(tc.library, tc.name, kwargs)
				if err != nil {
					t.Fatal(err)
				}
				traj, err := RunGradients(opt, o.Problem.X0, tc.shape, o.Problem.Grads, dtypes.Float64)
				if err != nil {
					t.Fatal(err)
				}
				return traj.Final()
			}
			with := map[string]any{}
			for k, v := range tc.base {
				with[k] = v
			}
			for k, v := range tc.option {
				with[k] = v
			}
			a, b := run(tc.base), run(with)
			changed := false
			for i := range a {
				if math.IsNaN(b[i]) || math.IsInf(b[i], 0) {
					t.Fatalf("%v: x[%d] = %v", tc.option, i, b[i])
				}
				changed = changed || a[i] != b[i]
			}
			if !changed {
				t.Fatalf("%v does not change the trajectory", tc.option)
			}
		})
	}
}
