package optim

import (
	"math"
	"strings"
	"testing"
)

// TestSetHyperBetweenSteps changes the learning rate from the host between two steps (what a
// schedule does) and checks validation of the new value.
func TestSetHyperBetweenSteps(t *testing.T) {
	opt := mustOpt(t)(New(Torch, "SGD", map[string]any{"lr": 0.1}))
	tv := newTwoVars(t, opt, [][]float64{{1, 1}}, []float64{0})
	tv.step(t, [][]float64{{1, 2}}, []float64{1})
	if err := opt.SetHyper(tv.scope, "lr", 0.5); err != nil {
		t.Fatal(err)
	}
	if lr, err := opt.Hyper(tv.scope, "lr"); err != nil || lr != 0.5 {
		t.Errorf("Hyper(lr) = %v, %v; want 0.5", lr, err)
	}
	w, b := tv.step(t, [][]float64{{1, 2}}, []float64{1})
	if want := 1 - 0.1 - 0.5; math.Abs(w[0][0]-want) > 1e-15 || math.Abs(b[0]-(-0.6)) > 1e-15 {
		t.Errorf("after lr 0.1 then 0.5: weights %v biases %v, want %v and -0.6", w, b, want)
	}
	tests := []struct {
		name      string
		value     float64
		wantInErr string
	}{
		{"lr", -1, "lr = -1 is invalid: allowed range is [0, +inf)"},
		{"lr", math.Inf(1), "lr = +Inf"},
		{"momentum", 0.9, `no hyperparameter "momentum"; it has lr`},
	}
	for _, tt := range tests {
		err := opt.SetHyper(tv.scope, tt.name, tt.value)
		if err == nil || !strings.Contains(err.Error(), tt.wantInErr) {
			t.Errorf("SetHyper(%s, %v) = %v, want an error containing %q", tt.name, tt.value, err, tt.wantInErr)
		}
	}
}

// TestHyperValidation checks that building rejects bad values of every kind the issue names,
// through both the registry and the typed constructors.
func TestHyperValidation(t *testing.T) {
	tests := []struct {
		library, name string
		kwargs        map[string]any
		wantInErr     string
	}{
		{Torch, "Adam", map[string]any{"lr": -0.001}, "lr = -0.001"},
		{Torch, "Adam", map[string]any{"betas": []any{0.9, 1.0}}, "beta2 = 1 is invalid: allowed range is [0, 1)"},
		{Torch, "Adam", map[string]any{"betas": []any{-0.1, 0.9}}, "beta1 = -0.1"},
		{Torch, "Adam", map[string]any{"eps": 0.0}, "eps = 0 is invalid: allowed range is (0, +inf)"},
		{Torch, "Adam", map[string]any{"betas": []any{0.9}}, "betas needs 2 values, got 1"},
		{Torch, "RMSprop", map[string]any{"alpha": math.NaN()}, "alpha = NaN"},
		{Torch, "Adagrad", map[string]any{"initial_accumulator_value": -1.0}, "initial_accumulator_value = -1"},
		{Torch, "Rprop", map[string]any{"etas": []any{1.5, 1.2}}, "etas"},
		{Optax, "adam", map[string]any{}, `keyword "learning_rate" is required`},
		{Optax, "adam", map[string]any{"learning_rate": 0.1, "b2": 1.5}, "b2 = 1.5"},
		{Optax, "adamw", map[string]any{"learning_rate": 0.1, "mask": "biases"}, `"mask"`},
		{Optax, "rmsprop", map[string]any{"learning_rate": 0.1, "eps": -1e-8}, "eps = -1e-08"},
	}
	for _, tt := range tests {
		_, err := New(tt.library, tt.name, tt.kwargs)
		if err == nil || !strings.Contains(err.Error(), tt.wantInErr) {
			t.Errorf("New(%s, %s, %v) = %v, want an error containing %q", tt.library, tt.name, tt.kwargs, err, tt.wantInErr)
		}
	}
	if _, err := Adam(AdamConfig{LR: 0.1, Beta1: 0.9, Beta2: 0.999, Eps: 0}); err == nil || !strings.Contains(err.Error(), "eps = 0") {
		t.Errorf("Adam with eps 0: %v", err)
	}
	if _, err := HeavyBall(0.1, 1); err == nil || !strings.Contains(err.Error(), "beta = 1") {
		t.Errorf("HeavyBall with beta 1: %v", err)
	}
}

// TestClear checks that Clear removes the optimizer's state and hyperparameters from the
// context, and that training afterwards starts afresh (Adam's first step again).
func TestClear(t *testing.T) {
	opt := mustOpt(t)(New(Torch, "Adam", map[string]any{"lr": 0.1}))
	tv := newTwoVars(t, opt, [][]float64{{0, 0}}, []float64{0})
	w1, _ := tv.step(t, [][]float64{{1, -1}}, []float64{1})
	countVars := func() int {
		n := 0
		for range tv.store.Scope(opt.Scope()).IterVariables() {
			n++
		}
		return n
	}
	if countVars() == 0 {
		t.Fatal("no optimizer variables after a step")
	}
	if err := opt.Clear(tv.scope); err != nil {
		t.Fatal(err)
	}
	if n := countVars(); n != 0 {
		t.Errorf("%d optimizer variables left after Clear", n)
	}
	tv.build(t, opt) // graphs compiled before Clear still refer to the deleted variables
	w2, _ := tv.step(t, [][]float64{{1, -1}}, []float64{1})
	// Adam's first step moves each coordinate by lr (up to eps): the second "first step" too.
	if d := (w2[0][0] - w1[0][0]) - w1[0][0]; math.Abs(d) > 1e-9 {
		t.Errorf("after Clear the step was %v, want a first Adam step %v", w2[0][0]-w1[0][0], w1[0][0])
	}
}
