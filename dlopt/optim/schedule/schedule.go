package schedule

import (
	"fmt"
	"math"
)

// Schedule is a pure function of the step count, the way optax defines schedules: Value(k) is
// the hyperparameter in force for the optimizer step with index k (k = 0 is the first step).
// Pure schedules can be evaluated in any order and restarted at any step.
type Schedule interface {
	Value(step int) float64
}

// Func adapts a plain Go function to a [Schedule].
type Func func(step int) float64

// Value implements [Schedule].
func (f Func) Value(step int) float64 { return f(step) }

// Constant is the Schedule that is always v.
func Constant(v float64) Schedule { return Func(func(int) float64 { return v }) }

// Scheduler is a stateful, torch-style scheduler (torch.optim.lr_scheduler): it is driven step
// by step. LR is the learning rate in force for the next optimizer step; Step is called after
// each optimizer step (torch's scheduler.step()) and moves LR on.
//
// Torch's schedulers keep their state in the optimizer's parameter group, which several
// schedulers may share (ChainedScheduler, SequentialLR); here that state is a [*Group].
type Scheduler interface {
	// LR is the learning rate to use for the next optimizer step.
	LR() float64
	// Momentum is the momentum (or Adam's beta1) to use for the next optimizer step, and
	// whether this scheduler cycles it (CyclicLR and OneCycleLR with cycle_momentum).
	Momentum() (value float64, cycled bool)
	// Step advances the scheduler by one optimizer step. Only schedulers for which NeedsMetric
	// is true take a metric (exactly one); the others take none. It fails when stepped with
	// the wrong number of metrics or, for OneCycleLR, beyond total_steps.
	Step(metrics ...float64) error
	// NeedsMetric reports whether Step needs the monitored metric (ReduceLROnPlateau).
	NeedsMetric() bool
}

// Group is the part of a torch optimizer parameter group (optimizer.param_groups[i]) that
// schedulers read and write: the learning rate, the "initial_lr" set by the first scheduler,
// and the momentum (beta1 for Adam-like optimizers) that cyclic schedulers drive.
// Schedulers built on the same Group interact exactly as torch schedulers on one optimizer do.
type Group struct {
	LR        float64
	InitialLR float64 // torch's group["initial_lr"], valid when HasInitialLR
	// HasInitialLR is set by the first scheduler attached to the group (torch: setdefault).
	HasInitialLR bool
	Momentum     float64
	// MomentumCycled is set by schedulers that drive Momentum.
	MomentumCycled bool

	// OneCycleLR's own entries of the group (torch stores them in the group too).
	oneCycleMaxLR, oneCycleMinLR         float64
	oneCycleMaxMomentum, oneCycleBaseMom float64
}

// NewGroup returns a parameter group whose learning rate is lr.
func NewGroup(lr float64) *Group { return &Group{LR: lr} }

// Values runs a Scheduler for n steps and returns the learning rate in force at steps 0..n-1
// (read before each optimizer step, Step called after it), with the momentum when cycled.
// metrics[t] is passed to Step after step t when the scheduler needs a metric.
func Values(s Scheduler, n int, metrics []float64) (lr, momentum []float64, err error) {
	if n < 0 {
		return nil, nil, fmt.Errorf("schedule.Values: number of steps %d must be >= 0", n)
	}
	if s.NeedsMetric() && len(metrics) < n {
		return nil, nil, fmt.Errorf("schedule.Values: the scheduler needs one metric per step: got %d metrics for %d steps", len(metrics), n)
	}
	lr = make([]float64, n)
	if _, cycled := s.Momentum(); cycled {
		momentum = make([]float64, n)
	}
	for t := range n {
		lr[t] = s.LR()
		if momentum != nil {
			momentum[t], _ = s.Momentum()
		}
		if s.NeedsMetric() {
			err = s.Step(metrics[t])
		} else {
			err = s.Step()
		}
		if err != nil {
			return nil, nil, fmt.Errorf("step %d: %w", t, err)
		}
	}
	return lr, momentum, nil
}

// ScheduleValues evaluates a Schedule at steps 0..n-1.
func ScheduleValues(s Schedule, n int) []float64 {
	out := make([]float64, max(n, 0))
	for k := range out {
		out[k] = s.Value(k)
	}
	return out
}

// Stepping turns a pure Schedule into a Scheduler that starts at step 0, so that host code can
// drive pure and torch-style schedules the same way.
func Stepping(s Schedule) Scheduler { return &stepping{s: s} }

type stepping struct {
	s    Schedule
	step int
}

func (p *stepping) LR() float64               { return p.s.Value(p.step) }
func (p *stepping) Momentum() (float64, bool) { return 0, false }
func (p *stepping) NeedsMetric() bool         { return false }
func (p *stepping) Step(metrics ...float64) error {
	if err := noMetrics("schedule", metrics); err != nil {
		return err
	}
	p.step++
	return nil
}

func noMetrics(name string, metrics []float64) error {
	if len(metrics) != 0 {
		return fmt.Errorf("%s: Step takes no metric (got %d); only ReduceLROnPlateau is driven by a metric", name, len(metrics))
	}
	return nil
}

// checkFinite rejects NaN and infinities for a named parameter.
func checkFinite(who, name string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("%s: %s=%v must be a finite number", who, name, v)
	}
	return nil
}
