package optim

import (
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/compute/dtypes"
)

// TestTorchMuonAdjustLR checks adjust_lr_fn by the relation torch's source defines
// (torch/optim/_muon.py, _adjust_lr and _single_tensor_muon): the step is
// p ← (1 - lr·wd)·p - lr·s·O, where only s depends on adjust_lr_fn ("original":
// √max(1, A/B); "match_rms_adamw": 0.2·√max(A, B)) and O does not depend on lr. So a run with
// match_rms_adamw equals a run with "original" (which the oracle checks against torch 2.11) at
// lr' = lr·s/s_orig and wd' = wd·lr/lr'. "spectral_unclamped" (√(A/B) in dlopt) is checked the
// same way against its own doc, as the torch source read has no such option.
func TestTorchMuonAdjustLR(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 14))
	for _, shape := range [][]int{{2, 4}, {4, 2}, {3, 3}} {
		rows, cols := float64(shape[0]), float64(shape[1])
		n := shape[0] * shape[1]
		x0 := make([]float64, n)
		for i := range x0 {
			x0[i] = rng.NormFloat64()
		}
		grads := make([][]float64, 12)
		for k := range grads {
			grads[k] = make([]float64, n)
			for i := range grads[k] {
				grads[k][i] = rng.NormFloat64()
			}
		}
		orig := math.Sqrt(max(1, rows/cols))
		for fn, s := range map[string]float64{"match_rms_adamw": 0.2 * math.Sqrt(max(rows, cols)), "spectral_unclamped": math.Sqrt(rows / cols)} {
			lr, wd := 0.1, 0.1
			got, err := RunGradients(mustOpt(t)(New(Torch, "Muon", kw("lr", lr, "weight_decay", wd, "adjust_lr_fn", fn))), x0, shape, grads, dtypes.Float64)
			if err != nil {
				t.Fatal(err)
			}
			lr2 := lr * s / orig
			want, err := RunGradients(mustOpt(t)(New(Torch, "Muon", kw("lr", lr2, "weight_decay", wd*lr/lr2, "adjust_lr_fn", "original"))), x0, shape, grads, dtypes.Float64)
			if err != nil {
				t.Fatal(err)
			}
			if msg := compareTrajectories(got.Params, want.Params, dtypes.Float64); msg != "" {
				t.Errorf("shape %v, adjust_lr_fn %s (scale %.4g): %s", shape, fn, s, msg)
			}
		}
	}
}

// TestTorchMaximizeNegatesGradients checks maximize on every torch class that reads it by the
// relation torch's source defines (each torch/optim/*.py step starts with
// `grad = grad if not maximize else -grad`): a run with maximize=True on gradients g equals a
// run without it on -g. It is the reference for the classes torch 1.13 lacks or lacks maximize
// in (RAdam, NAdam, Adafactor); the others are also compared live.
func TestTorchMaximizeNegatesGradients(t *testing.T) {
	x0, shape, grads := keywordProblem()
	negated := make([][]float64, len(grads))
	for k, g := range grads {
		negated[k] = make([]float64, len(g))
		for i, v := range g {
			negated[k][i] = -v
		}
	}
	checked := 0
	for _, name := range Names(Torch) {
		if !slices.Contains(readKeywords(Torch, name), "maximize") {
			continue
		}
		checked++
		base := kw("lr", 0.05)
		if slices.Contains(readKeywords(Torch, name), "weight_decay") {
			base["weight_decay"] = 0.02 // it acts after the negation: the relation must hold with it
		}
		with := maps.Clone(base)
		with["maximize"] = true
		got, err := RunGradients(mustOpt(t)(New(Torch, name, with)), x0, shape, grads, dtypes.Float64)
		if err != nil {
			t.Fatal(err)
		}
		want, err := RunGradients(mustOpt(t)(New(Torch, name, base)), x0, shape, negated, dtypes.Float64)
		if err != nil {
			t.Fatal(err)
		}
		if msg := compareTrajectories(got.Params, want.Params, dtypes.Float64); msg != "" {
			t.Errorf("%s: maximize=True on g differs from maximize=False on -g: %s", name, msg)
		}
		plain, err := RunGradients(mustOpt(t)(New(Torch, name, base)), x0, shape, grads, dtypes.Float64)
		if err != nil {
			t.Fatal(err)
		}
		if !trajectoriesDiffer(plain.Params, got.Params) {
			t.Errorf("%s: maximize=True changes nothing", name)
		}
	}
	if checked < 12 {
		t.Errorf("only %d torch classes read maximize", checked)
	}
}
