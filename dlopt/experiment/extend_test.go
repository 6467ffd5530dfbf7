package experiment

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestExtendRunIsBitExact: a run planned for 2 epochs, finished or interrupted, then resumed
// with 3 epochs equals an uninterrupted 3-epoch run bit for bit when the schedule is the same
// function of the step: constant, or a cosine whose horizon is kept at 2 epochs (ScheduleEpochs).
// A schedule-free optimizer is included: its final checkpoint must hold the trained parameters.
func TestExtendRunIsBitExact(t *testing.T) {
	ds := synthetic(t, 90, 4, 3) // batch 30: 3 steps per epoch
	tests := []struct {
		name   string
		cfg    Config
		stopAt int // 0: the 2-epoch run finishes
	}{
		{"constant finished", Config{Optimizer: "torch:SGD", OptimizerArgs: map[string]any{"momentum": 0.9}, LearningRate: 0.05}, 0},
		{"constant interrupted", Config{Optimizer: "Adam", LearningRate: 0.01}, 4},
		{"cosine horizon kept", Config{Optimizer: "optax:adam", LearningRate: 0.01, Schedule: ScheduleWarmupCosine, Warmup: 2, ScheduleEpochs: 2}, 0},
		{"schedule-free finished", Config{Optimizer: "optax:schedule_free_adamw", LearningRate: 0.01}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Model, cfg.BatchSize, cfg.Seed = ModelLinear, 30, 5
			straight := cfg
			straight.Epochs = 3
			straight.Checkpoint = Checkpointing{Dir: filepath.Join(t.TempDir(), "straight")}
			want, err := Train(straight, ds, Callbacks{})
			if err != nil {
				t.Fatal(err)
			}
			short := cfg
			short.Epochs = 2
			short.Checkpoint = Checkpointing{Dir: filepath.Join(t.TempDir(), "short")}
			step := 0
			_, err = Train(short, ds, Callbacks{OnStep: func(p Progress) { step = p.GlobalStep }, Stop: func() bool { return tc.stopAt > 0 && step == tc.stopAt }})
			if (tc.stopAt > 0) != errors.Is(err, ErrInterrupted) || (tc.stopAt == 0 && err != nil) {
				t.Fatalf("the 2-epoch run: %v", err)
			}
			extended := short
			extended.Epochs, extended.Checkpoint.Resume = 3, true
			got, err := Train(extended, ds, Callbacks{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(withoutWallTime(got.History), withoutWallTime(want.History)) || !slices.Equal(got.Steps, want.Steps) {
				t.Errorf("extended run's metrics differ:\n%v\nuninterrupted:\n%v", got.History, want.History)
			}
			if name := sameVariables(finalVariables(t, got), finalVariables(t, want)); name != "" {
				t.Errorf("final variable %s differs from the uninterrupted 3-epoch run's", name)
			}
		})
	}
}

// TestExtendRunErrors: extending a run whose schedule has a horizon needs the horizon said, and
// no run can be cut below the epochs it has trained.
func TestExtendRunErrors(t *testing.T) {
	ds := synthetic(t, 60, 4, 3)
	cfg := Config{Optimizer: "torch:SGD", LearningRate: 0.1, Schedule: ScheduleCosine, Epochs: 2, BatchSize: 20,
		Checkpoint: Checkpointing{Dir: t.TempDir()}}
	if _, err := Train(cfg, ds, Callbacks{}); err != nil {
		t.Fatal(err)
	}
	cfg.Checkpoint.Resume = true
	for _, tc := range []struct {
		epochs, horizon int
		want            string
	}{
		{4, 0, "its cosine schedule spans 2 epochs, this run's would span 4: set ScheduleEpochs (--schedule-epochs) to 2"},
		{1, 0, "epochs 1 is too few: the checkpoint has trained 2 epochs"},
	} {
		c := cfg
		c.Epochs, c.ScheduleEpochs = tc.epochs, tc.horizon
		_, err := Train(c, ds, Callbacks{})
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("epochs %d, schedule epochs %d: error %v, want one containing %q", tc.epochs, tc.horizon, err, tc.want)
		}
	}
	// Re-planned over 4 epochs: the rate jumps from the old cosine's 0 to the new one's middle.
	c := cfg
	c.Epochs, c.ScheduleEpochs = 4, 4
	r, err := Train(c, ds, Callbacks{})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Steps[6].LearningRate; !(got > 0.049 && got < 0.051) {
		t.Errorf("re-planned schedule: step 7's lr is %g, want 0.05 (the middle of a 4-epoch cosine)", got)
	}
}

// TestResumeFinishedScheduleFree: a finished schedule-free run, resumed with nothing left to
// train, classifies as the original did: its final checkpoint holds the trained parameters
// and the evaluation ones are swapped in at the end of both runs.
func TestResumeFinishedScheduleFree(t *testing.T) {
	ds := synthetic(t, 60, 4, 3)
	cfg := Config{Optimizer: "optax:schedule_free_adamw", LearningRate: 0.05, Epochs: 2, BatchSize: 20, Checkpoint: Checkpointing{Dir: t.TempDir()}}
	first, err := Train(cfg, ds, Callbacks{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := first.Predict(ds.Test)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Checkpoint.Resume = true
	again, err := Train(cfg, ds, Callbacks{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := again.Predict(ds.Test)
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("resumed finished run predicts %v (%v), want %v", got, err, want)
	}
}
