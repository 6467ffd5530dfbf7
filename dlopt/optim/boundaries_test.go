package optim

import (
	"slices"
	"testing"

	"github.com/dlopt/course/dlopt"
)

// TestValidationBoundaries checks the edges of the validated ranges, where a comparison bent by
// one (< for <=) changes the answer: the survivors of a mutation run (make mutation).
func TestValidationBoundaries(t *testing.T) {
	for _, tc := range []struct {
		library, name string
		kwargs        map[string]any
		ok            bool
	}{
		// Closed upper ends are accepted (ClosedUnitInterval: [0, 1]).
		{Torch, "SGD", kw("lr", 0.1, "momentum", 0.9, "dampening", 1.0), true},
		{Optax, "lion", kw("learning_rate", 0.1, "b1", 1.0), true},
		// Rprop's step sizes may be equal; its etas must satisfy 0 < eta_minus < 1 < eta_plus.
		{Optax, "rprop", kw("learning_rate", 0.1, "min_step_size", 0.1, "max_step_size", 0.1), true},
		{Torch, "Rprop", kw("lr", 0.1, "step_sizes", []any{0.1, 0.1}), true},
		{Torch, "Rprop", kw("lr", 0.1, "etas", []any{0.0, 1.2}), false},
		{Torch, "Rprop", kw("lr", 0.1, "etas", []any{1.0, 1.2}), false},
		{Torch, "Rprop", kw("lr", 0.1, "etas", []any{0.5, 1.0}), false},
		{Torch, "Rprop", kw("lr", 0.1, "etas", []any{0.01, 1.01}), true},
		// Newton–Schulz steps: 1..99 (torch and optax refuse 100 and more).
		{Optax, "muon", kw("learning_rate", 0.1, "ns_steps", 99), true},
		{Optax, "muon", kw("learning_rate", 0.1, "ns_steps", 100), false},
		{Optax, "muon", kw("learning_rate", 0.1, "ns_steps", 1), true},
		{Optax, "muon", kw("learning_rate", 0.1, "ns_steps", 0), false},
	} {
		_, err := New(tc.library, tc.name, tc.kwargs)
		if (err == nil) != tc.ok {
			t.Errorf("%s", caseName(keywordCase{Lib: tc.library, Name: tc.name, Kwargs: tc.kwargs}))
			if tc.ok {
				t.Errorf("  rejected: %v", err)
			} else {
				t.Errorf("  accepted, want an error")
			}
		}
	}
}

// TestSwapInEvalParamsRestoresAll swaps schedule-free's evaluation parameters into a context
// with two trainable variables and checks that restore puts both trained values back.
func TestSwapInEvalParamsRestoresAll(t *testing.T) {
	opt := mustOpt(t)(New(Optax, "schedule_free_sgd", kw("learning_rate", 0.5)))
	tv := newTwoVars(t, opt, [][]float64{{1, 2}, {3, 4}}, []float64{0.5, -0.5})
	var w [][]float64
	var b []float64
	for range 3 {
		w, b = tv.step(t, [][]float64{{0.3, -0.2}, {0.1, 0.4}}, []float64{1, -2})
	}
	restore, err := SwapInEvalParams(dlopt.MustBackend(), tv.store, opt)
	if err != nil {
		t.Fatal(err)
	}
	swappedW := tv.vars[0].MustValue().Value().([][]float64)
	swappedB := tv.vars[1].MustValue().Value().([]float64)
	if slices.Equal(swappedB, b) || slices.Equal(swappedW[0], w[0]) {
		t.Fatalf("the swap changed nothing (%v, %v): the test would not see a bad restore", swappedW, swappedB)
	}
	if err := restore(); err != nil {
		t.Fatal(err)
	}
	gotW := tv.vars[0].MustValue().Value().([][]float64)
	gotB := tv.vars[1].MustValue().Value().([]float64)
	if !slices.Equal(gotW[0], w[0]) || !slices.Equal(gotW[1], w[1]) || !slices.Equal(gotB, b) {
		t.Errorf("after restore: weights %v, biases %v; trained %v, %v", gotW, gotB, w, b)
	}
}
