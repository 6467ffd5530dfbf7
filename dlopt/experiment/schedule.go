package experiment

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/dlopt/course/dlopt/optim"
	"github.com/dlopt/course/dlopt/optim/schedule"
)

// ScheduleSpec is any schedule of dlopt/optim/schedule, named the way its library names it, for
// [Config.LRSchedule]; it is plain data, so that a checkpoint records it and a resumed run
// rebuilds the same schedule. `dlopt schedule --spec` evaluates the same fields.
type ScheduleSpec struct {
	// Library is "torch" (a torch.optim.lr_scheduler class, e.g. "SequentialLR") or "optax" (an
	// optax schedule, e.g. "warmup_cosine_decay_schedule").
	Library string `json:"library"`
	// Class is the class (torch) or function (optax) name, see schedule.TorchNames and
	// schedule.OptaxNames.
	Class string `json:"class"`
	// Kwargs are the library's keyword arguments, with its names and defaults. A torch
	// scheduler starts from Config.LearningRate (the optimizer's lr, torch's base_lr); an optax
	// schedule gives the learning rate itself (init_value, peak_value, ...).
	Kwargs map[string]any `json:"kwargs,omitempty"`
}

func (s ScheduleSpec) String() string {
	kw, _ := json.Marshal(s.Kwargs) // keys sorted
	if len(s.Kwargs) == 0 {
		kw = []byte("{}")
	}
	return s.Library + ":" + s.Class + string(kw)
}

// build returns the pure schedule of the spec for a run of totalSteps steps: a torch
// scheduler is stepped through them once and tabulated, so that a resumed run reads the value
// of any step.
func (s ScheduleSpec) build(baseLR float64, totalSteps int) (schedule.Schedule, error) {
	switch s.Library {
	case optim.Optax:
		return schedule.FromOptax(s.Class, s.Kwargs)
	case optim.Torch:
		sc, err := schedule.FromTorch(s.Class, s.Kwargs, baseLR)
		if err != nil {
			return nil, err
		}
		values, _, err := schedule.Values(sc, totalSteps, nil)
		if err != nil {
			return nil, fmt.Errorf("%w: schedule %s over the run's %d steps: %v", ErrInvalidConfig, s, totalSteps, err)
		}
		return schedule.Func(func(step int) float64 { return values[min(step, len(values)-1)] }), nil
	}
	return nil, fmt.Errorf("schedule %s: library %q is unknown, allowed are %s and %s", s, s.Library, optim.Torch, optim.Optax)
}

// check builds the schedule once, to report bad names and arguments before the data loads.
func (s ScheduleSpec) check() error {
	if s.Library == optim.Optax {
		if _, err := schedule.FromOptax(s.Class, s.Kwargs); err != nil {
			return fmt.Errorf("schedule spec %s: %w", s, err)
		}
		return nil
	}
	sc, err := schedule.FromTorch(s.Class, s.Kwargs, 1)
	if err != nil {
		return fmt.Errorf("schedule spec %s: %w", s, err)
	}
	if sc.NeedsMetric() {
		return fmt.Errorf("schedule spec %s needs a metric after every step, which Train does not pass: "+
			"give a schedule of the step only", s)
	}
	return nil
}

// optaxSpec reports whether c's schedule is an optax spec, which gives the learning rate itself.
func (c Config) optaxSpec() bool { return c.LRSchedule != nil && c.LRSchedule.Library == optim.Optax }

// warmupPresets are the presets that use Config.Warmup; horizonPresets those that span
// Config.ScheduleEpochs.
var (
	warmupPresets  = []string{ScheduleWarmupConstant, ScheduleWarmupCosine, ScheduleWarmupLinear}
	horizonPresets = []string{ScheduleCosine, ScheduleWarmupCosine, ScheduleWarmupLinear}
)

// validateSchedule adds the problems of the schedule fields to bad; the checks that need the
// number of steps per epoch are in [Config.schedule].
func (c Config) validateSchedule(bad func(format string, args ...any)) {
	if c.LRSchedule != nil {
		if c.Schedule != "" {
			bad("schedule %q and schedule spec %s are both given: give one", c.Schedule, *c.LRSchedule)
		}
		if c.Warmup != 0 || c.ScheduleEpochs != 0 {
			bad("warmup %d and schedule epochs %d are for the presets: schedule spec %s has its own steps in its arguments",
				c.Warmup, c.ScheduleEpochs, *c.LRSchedule)
		}
		if l := c.LRSchedule.Library; l != optim.Torch && l != optim.Optax {
			bad("schedule spec %s: library %q is unknown, allowed are %s and %s", *c.LRSchedule, l, optim.Torch, optim.Optax)
		} else if err := c.LRSchedule.check(); err != nil {
			bad("%v", err)
		}
		if c.optaxSpec() && c.LearningRate != 0 {
			bad("learning rate %g is given twice: optax schedule %s gives the learning rate itself; leave LearningRate 0 (no --lr)",
				c.LearningRate, *c.LRSchedule)
		}
		return
	}
	if !slices.Contains(Schedules, c.Schedule) {
		bad("schedule %q is unknown: allowed are %s", c.Schedule, strings.Join(Schedules, ", "))
		return
	}
	switch {
	case c.Warmup < 0:
		bad("warmup %d steps is invalid: it must be >= 0", c.Warmup)
	case slices.Contains(warmupPresets, c.Schedule) && c.Warmup == 0:
		bad("schedule %q needs a warmup of >= 1 steps (Warmup, --warmup STEPS); without warmup use %s or %s", c.Schedule,
			ScheduleConstant, ScheduleCosine)
	case !slices.Contains(warmupPresets, c.Schedule) && c.Warmup != 0:
		bad("warmup %d steps is only for the schedules %s, not %q", c.Warmup, strings.Join(warmupPresets, ", "), c.Schedule)
	}
	switch {
	case c.ScheduleEpochs < 0:
		bad("schedule epochs %d is invalid: it must be >= 1, or 0 for Epochs", c.ScheduleEpochs)
	case c.ScheduleEpochs > 0 && !slices.Contains(horizonPresets, c.Schedule):
		bad("schedule epochs %d is only for the schedules %s, not %q", c.ScheduleEpochs, strings.Join(horizonPresets, ", "), c.Schedule)
	}
}

// horizonEpochs is the number of epochs a preset with a horizon spans.
func (c Config) horizonEpochs() int {
	if c.ScheduleEpochs > 0 {
		return c.ScheduleEpochs
	}
	return c.Epochs
}

// ScheduleHorizon is the number of epochs over which c's preset decays (cosine,
// warmup_cosine: ScheduleEpochs, else Epochs), or 0 when the schedule has no horizon (constant,
// warmup_constant, a schedule spec, whose steps are in its arguments).
func (c Config) ScheduleHorizon() int {
	if !c.hasHorizon() {
		return 0
	}
	return c.horizonEpochs()
}

// hasHorizon reports whether c's schedule depends on the planned number of epochs.
func (c Config) hasHorizon() bool {
	return c.LRSchedule == nil && slices.Contains(horizonPresets, c.Schedule)
}

// schedule returns the learning rate of every step (from 0) of c, with stepsPerEpoch steps per
// epoch, and whether it is constant (then no hook drives the optimizer).
func (c Config) schedule(stepsPerEpoch int) (s schedule.Schedule, constant bool, err error) {
	total := c.Epochs * stepsPerEpoch
	if c.LRSchedule != nil {
		s, err = c.LRSchedule.build(c.LearningRate, total)
		return s, false, err
	}
	horizon := c.horizonEpochs() * stepsPerEpoch
	switch c.Schedule {
	case ScheduleConstant:
		return schedule.Constant(c.LearningRate), true, nil
	case ScheduleCosine:
		s, err = schedule.CosineDecay(c.LearningRate, horizon, 0, 1)
	case ScheduleWarmupConstant:
		if c.Warmup >= total {
			return nil, false, fmt.Errorf("%w: warmup %d steps is invalid: it must be less than the run's %d steps (%d epochs of %d)",
				ErrInvalidConfig, c.Warmup, total, c.Epochs, stepsPerEpoch)
		}
		s, err = schedule.WarmupConstant(0, c.LearningRate, c.Warmup)
	case ScheduleWarmupCosine, ScheduleWarmupLinear:
		if c.Warmup >= horizon {
			return nil, false, fmt.Errorf("%w: warmup %d steps is invalid: it must be less than the schedule's %d steps (%d epochs of %d)",
				ErrInvalidConfig, c.Warmup, horizon, c.horizonEpochs(), stepsPerEpoch)
		}
		if c.Schedule == ScheduleWarmupCosine {
			s, err = schedule.WarmupCosineDecay(0, c.LearningRate, c.Warmup, horizon, 0, 1)
		} else {
			s, err = warmupLinear(c.LearningRate, c.Warmup, horizon)
		}
	default:
		err = fmt.Errorf("%w: schedule %q is unknown", ErrInvalidConfig, c.Schedule)
	}
	return s, false, err
}

// warmupLinear rises from 0 to peak over warmup steps and falls back to 0 at step total.
func warmupLinear(peak float64, warmup, total int) (schedule.Schedule, error) {
	up, err := schedule.Linear(0, peak, warmup, 0)
	if err != nil {
		return nil, err
	}
	down, err := schedule.Linear(peak, 0, total-warmup, 0)
	if err != nil {
		return nil, err
	}
	return schedule.Join([]schedule.Schedule{up, down}, []int{warmup})
}

// ScheduleDescription says in words which learning-rate schedule cfg (with defaults filled in)
// runs, for the first line of a run's output, e.g. "warmup_cosine schedule (peak lr 0.001,
// 100 warmup steps)".
func ScheduleDescription(cfg Config) string {
	if cfg.LRSchedule != nil {
		return "schedule " + cfg.LRSchedule.String()
	}
	var parts []string
	if cfg.Schedule != ScheduleConstant {
		parts = append(parts, fmt.Sprintf("peak lr %g", cfg.LearningRate))
	} else {
		parts = append(parts, fmt.Sprintf("lr %g", cfg.LearningRate))
	}
	if cfg.Warmup > 0 {
		parts = append(parts, fmt.Sprintf("%d warmup steps", cfg.Warmup))
	}
	if cfg.ScheduleEpochs > 0 {
		parts = append(parts, fmt.Sprintf("horizon %d epochs", cfg.ScheduleEpochs))
	}
	return fmt.Sprintf("%s schedule (%s)", cfg.Schedule, strings.Join(parts, ", "))
}

// initialLearningRate is the rate the optimizer is built with: the schedule overwrites it before
// the first step, but an optax spec leaves Config.LearningRate 0, which no optimizer takes.
func (c Config) initialLearningRate() float64 {
	if c.LearningRate > 0 && !math.IsInf(c.LearningRate, 0) {
		return c.LearningRate
	}
	return DefaultLearningRate
}
