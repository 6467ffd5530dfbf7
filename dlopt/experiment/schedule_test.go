package experiment

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/dlopt/course/dlopt/optim"
	"github.com/dlopt/course/dlopt/optim/schedule"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/train"
)

// usedLearningRates trains cfg on ds for its epochs and returns, for every step, the learning
// rate the optimizer's variable held while the step ran (read by a hook that runs before the
// schedule's hook writes the next step's), and the step records.
func usedLearningRates(t *testing.T, cfg Config, ds Datasets) (used []float64, steps []StepMetrics) {
	t.Helper()
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	rn, err := newRun(cfg, ds, Callbacks{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rn.result.Close()
	opt, ok := rn.opt.opt.(*optim.Optimizer)
	if !ok {
		t.Fatalf("optimizer %s is not a dlopt/optim one", cfg.Optimizer)
	}
	library, _, _ := ResolveOptimizer(cfg.Optimizer)
	key := learningRateKeyword(library)
	rn.loop.OnStep("read lr", schedule.HookPriority-1, func(*train.Loop, []*tensors.Tensor) error {
		v, err := opt.Hyper(rn.result.store, key)
		used = append(used, v)
		return err
	})
	for e := 1; e <= cfg.Epochs; e++ {
		m, err := rn.epoch(e)
		if err != nil {
			t.Fatal(err)
		}
		rn.result.History = append(rn.result.History, m)
	}
	return used, rn.result.Steps
}

// TestScheduleValuesAreUsed: for every preset and a torch and an optax schedule spec, the
// learning rate of each step record equals the schedule (computed by hand for the presets) and
// the one the optimizer used at that step.
func TestScheduleValuesAreUsed(t *testing.T) {
	ds := synthetic(t, 60, 4, 3) // batch 20: 3 steps per epoch, 6 in all
	const lr, total = 0.1, 6
	cosine := func(k, w, n int) float64 { return lr * (1 + math.Cos(math.Pi*float64(k-w)/float64(n-w))) / 2 }
	torchSpec := &ScheduleSpec{Library: "torch", Class: "SequentialLR", Kwargs: map[string]any{
		"schedulers": []any{[]any{"LinearLR", map[string]any{"start_factor": 0.1, "total_iters": 2}},
			[]any{"CosineAnnealingLR", map[string]any{"T_max": 4}}}, "milestones": []any{2}}}
	torchWant, _, err := schedule.Values(must(schedule.FromTorch(torchSpec.Class, torchSpec.Kwargs, lr)), total, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  Config
		want func(k int) float64
	}{
		{"constant", Config{Schedule: ScheduleConstant}, func(int) float64 { return lr }},
		{"cosine", Config{Schedule: ScheduleCosine}, func(k int) float64 { return cosine(k, 0, total) }},
		// optax.warmup_cosine_decay_schedule(0, lr, 2, 6): 0, lr/2, then the cosine over 4 steps.
		{"warmup_cosine", Config{Schedule: ScheduleWarmupCosine, Warmup: 2}, func(k int) float64 {
			if k < 2 {
				return lr * float64(k) / 2
			}
			return cosine(k, 2, total)
		}},
		{"warmup_cosine horizon 1 epoch", Config{Schedule: ScheduleWarmupCosine, Warmup: 1, ScheduleEpochs: 1}, func(k int) float64 {
			if k < 1 {
				return 0
			}
			return cosine(min(k, 3), 1, 3)
		}},
		{"warmup_linear", Config{Schedule: ScheduleWarmupLinear, Warmup: 2}, func(k int) float64 {
			if k < 2 {
				return lr * float64(k) / 2
			}
			return lr * float64(total-k) / (total - 2)
		}},
		{"warmup_constant", Config{Schedule: ScheduleWarmupConstant, Warmup: 4}, func(k int) float64 { return lr * min(float64(k)/4, 1) }},
		{"torch spec", Config{LRSchedule: torchSpec}, func(k int) float64 { return torchWant[k] }},
		{"optax spec", Config{LearningRate: -1, LRSchedule: &ScheduleSpec{Library: "optax", Class: "linear_schedule",
			Kwargs: map[string]any{"init_value": 0.2, "end_value": 0.05, "transition_steps": 3}}},
			func(k int) float64 { return 0.2 - 0.05*float64(min(k, 3)) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Model, cfg.Optimizer, cfg.Epochs, cfg.BatchSize = ModelLinear, "torch:SGD", 2, 20
			if cfg.LearningRate == 0 {
				cfg.LearningRate = lr
			} else if cfg.LearningRate < 0 {
				cfg.LearningRate = 0 // the optax spec gives the rate
			}
			used, steps := usedLearningRates(t, cfg, ds)
			if len(used) != total || len(steps) != total {
				t.Fatalf("%d rates read, %d step records; want %d", len(used), len(steps), total)
			}
			for k, s := range steps {
				want := tc.want(k)
				if math.Abs(s.LearningRate-want) > 1e-12 || math.Abs(used[k]-want) > 1e-6*max(want, 1e-3) {
					t.Errorf("step %d: recorded lr %g, optimizer used %g; want %g", k+1, s.LearningRate, used[k], want)
				}
			}
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestScheduleConfigErrors: warmup and horizon settings that do not fit the schedule, or the
// run, are configuration errors naming the value and what is allowed.
func TestScheduleConfigErrors(t *testing.T) {
	ds := synthetic(t, 60, 4, 3) // batch 20: 3 steps per epoch
	spec := &ScheduleSpec{Library: "optax", Class: "cosine_decay_schedule", Kwargs: map[string]any{"init_value": 0.1, "decay_steps": 6}}
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"warmup with constant", Config{Warmup: 3}, `warmup 3 steps is only for the schedules warmup_constant, warmup_cosine, warmup_linear, not "constant"`},
		{"warmup_cosine without warmup", Config{Schedule: ScheduleWarmupCosine}, `schedule "warmup_cosine" needs a warmup of >= 1 steps`},
		{"negative warmup", Config{Schedule: ScheduleWarmupCosine, Warmup: -1}, "warmup -1 steps is invalid: it must be >= 0"},
		{"warmup as long as the run", Config{Schedule: ScheduleWarmupCosine, Warmup: 6, Epochs: 2},
			"warmup 6 steps is invalid: it must be less than the schedule's 6 steps (2 epochs of 3)"},
		{"warmup_constant as long as the run", Config{Schedule: ScheduleWarmupConstant, Warmup: 3, Epochs: 1},
			"warmup 3 steps is invalid: it must be less than the run's 3 steps"},
		{"horizon with constant", Config{ScheduleEpochs: 2}, `schedule epochs 2 is only for the schedules cosine, warmup_cosine, warmup_linear, not "constant"`},
		{"unknown preset", Config{Schedule: "linear"}, `schedule "linear" is unknown: allowed are constant, cosine, warmup_constant, warmup_cosine, warmup_linear`},
		{"spec and preset", Config{Schedule: ScheduleCosine, LRSchedule: spec}, "are both given"},
		{"optax spec and lr", Config{LearningRate: 0.1, LRSchedule: spec}, "learning rate 0.1 is given twice"},
		{"spec with warmup", Config{Warmup: 2, LRSchedule: spec}, "warmup 2 and schedule epochs 0 are for the presets"},
		{"spec of unknown library", Config{LRSchedule: &ScheduleSpec{Library: "keras", Class: "x"}}, `library "keras" is unknown`},
		{"spec with a bad class", Config{LRSchedule: &ScheduleSpec{Library: "torch", Class: "CosineLR"}}, "CosineLR"},
		{"spec needing a metric", Config{LRSchedule: &ScheduleSpec{Library: "torch", Class: "ReduceLROnPlateau"}}, "needs a metric after every step"},
		{"spec shorter than the run", Config{Epochs: 2, LRSchedule: &ScheduleSpec{Library: "torch", Class: "OneCycleLR",
			Kwargs: map[string]any{"max_lr": 0.1, "total_steps": 4}}}, "over the run's 6 steps"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.BatchSize = 20
			_, err := Train(cfg, ds, Callbacks{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("error %v is not an ErrInvalidConfig", err)
			}
		})
	}
}
