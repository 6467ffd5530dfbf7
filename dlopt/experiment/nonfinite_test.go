package experiment

import (
	"errors"
	"math"
	"regexp"
	"testing"
)

// TestNonFiniteParameterStopsRun: an update that leaves a parameter infinite stops the run at
// that step, before any loss shows it, with an error naming the step and the parameter; with
// AllowNonFinite the same run goes on to its end and its step records show the divergence.
func TestNonFiniteParameterStopsRun(t *testing.T) {
	ds := synthetic(t, 40, 16, 3)
	cfg := Config{Model: ModelMLP, Hidden: []int{8}, Optimizer: "torch:SGD", LearningRate: 3e38, Epochs: 2, BatchSize: 10,
		OptimizerArgs: map[string]any{"momentum": 0.9, "nesterov": true}} // the first update, 1.9 lr g, overflows
	r, err := Train(cfg, ds, Callbacks{})
	if !errors.Is(err, ErrDiverged) || r == nil || len(r.Steps) != 1 {
		t.Fatalf("error %v, result %v; want ErrDiverged after step 1", err, r)
	}
	if loss := r.Steps[0].Loss; math.IsNaN(loss) || math.IsInf(loss, 0) {
		t.Errorf("step 1's loss is %g: the test needs a finite loss to see the parameter check work", loss)
	}
	want := regexp.MustCompile(`at step 1 \(epoch 1, batch 1 of 4\) parameter /mlp/\S+ became NaN or infinite in the update; .*--allow-nonfinite`)
	if !want.MatchString(err.Error()) {
		t.Errorf("error %q does not match %s", err, want)
	}
	t.Log(err)

	cfg.AllowNonFinite = true
	r, err = Train(cfg, ds, Callbacks{})
	if !errors.Is(err, ErrDiverged) || len(r.Steps) < 2 {
		t.Fatalf("with AllowNonFinite: error %v, %d steps; want the run past step 1, to its NaN loss", err, len(r.Steps))
	}
	if last := r.Steps[len(r.Steps)-1]; !math.IsNaN(last.Loss) || !regexp.MustCompile(`at step \d+ .* the batch loss is NaN; AllowNonFinite`).MatchString(err.Error()) {
		t.Errorf("with AllowNonFinite: last step %+v, error %v; want a NaN loss, named", last, err)
	}
}
