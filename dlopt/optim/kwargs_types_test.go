package optim

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// hyperValue is the initial value of opt's hyperparameter name.
func hyperValue(t *testing.T, opt *Optimizer, name string) float64 {
	t.Helper()
	for _, h := range opt.hypers {
		if h.Name == name {
			return h.Value
		}
	}
	t.Fatalf("%s has no hyperparameter %q; it has %v", opt.Name(), name, opt.Hypers())
	return 0
}

// A float32 keyword means the decimal it prints as: 0.1, not 0.10000000149011612.
func TestKwargsFloat32IsItsDecimal(t *testing.T) {
	opt := mustOpt(t)(New(Torch, "SGD", kw("lr", float32(0.1), "momentum", float32(0.9))))
	if got := hyperValue(t, opt, "lr"); got != 0.1 {
		t.Errorf("lr = float32(0.1) became %v, want 0.1", got)
	}
	opt = mustOpt(t)(New(Torch, "Adam", kw("lr", 0.1, "betas", []float32{0.9, 0.999})))
	if b1, b2 := hyperValue(t, opt, "beta1"), hyperValue(t, opt, "beta2"); b1 != 0.9 || b2 != 0.999 {
		t.Errorf("betas = []float32{0.9, 0.999} became %v, %v", b1, b2)
	}
}

func TestKwargsBetasForms(t *testing.T) {
	for _, tc := range []struct {
		name  string
		betas any
	}{
		{"[]any", []any{0.8, 0.95}},
		{"[]float64", []float64{0.8, 0.95}},
		{"[2]float64", [2]float64{0.8, 0.95}},
		{"[]float32", []float32{0.8, 0.95}},
		{"[2]float32", [2]float32{0.8, 0.95}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opt, err := New(Torch, "Adam", kw("lr", 0.1, "betas", tc.betas))
			if err != nil {
				t.Fatalf("betas %#v: %v", tc.betas, err)
			}
			if b1, b2 := hyperValue(t, opt, "beta1"), hyperValue(t, opt, "beta2"); b1 != 0.8 || b2 != 0.95 {
				t.Errorf("betas %#v gave beta1 %v, beta2 %v; want 0.8, 0.95", tc.betas, b1, b2)
			}
		})
	}
}

func TestKwargsListErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		betas any
		want  string
	}{
		{"too short", []any{0.9}, `betas needs 2 values, got 1`},
		{"too long", [3]float64{0.9, 0.99, 0.999}, `betas needs 2 values, got 3`},
		{"not a list", 0.9, `wrong type: want a list of 2 numbers`},
		{"not numbers", []any{0.9, "x"}, `element 1 is "x"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(Torch, "Adam", kw("lr", 0.1, "betas", tc.betas))
			if !errors.Is(err, ErrBadKeyword) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("betas %#v: err = %v; want ErrBadKeyword saying %q", tc.betas, err, tc.want)
			}
		})
	}
}

// optaxLearningRateDefaults are the optax optimizers whose learning_rate has a default (optax
// 0.2.8's signatures); every other one requires it, as optax does.
var optaxLearningRateDefaults = []string{"adadelta", "adafactor", "cocob", "dadapt_adamw", "dog", "dowg",
	"prodigy", "schedule_free_adamw", "schedule_free_sgd"}

func TestOptaxLearningRateRequired(t *testing.T) {
	for _, name := range Names(Optax) {
		t.Run(name, func(t *testing.T) {
			_, err := New(Optax, name, nil)
			if slices.Contains(optaxLearningRateDefaults, name) {
				if err != nil {
					t.Errorf("optax.%s has a default learning rate, but New without one failed: %v", name, err)
				}
				return
			}
			if !errors.Is(err, ErrBadKeyword) || !strings.Contains(err.Error(), `"learning_rate" is required`) {
				t.Errorf("optax.%s without learning_rate: err = %v; want it required", name, err)
			}
		})
	}
}
