package schedule

import (
	"fmt"
	"math"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
)

// Target names a scalar hyperparameter variable of a GoMLX context: any hyperparameter an
// optimizer keeps as a context variable (learning rate, momentum, betas, weight decay) can be
// driven by a schedule through it.
type Target struct {
	Scope string // absolute scope, e.g. "/optimizers"
	Name  string // variable name, e.g. "learning_rate"
	// DType is used only when the variable does not exist yet (before the first training
	// step builds the graph): it is then created with this dtype, which must be the one the
	// optimizer will ask for. An existing variable keeps its own dtype.
	DType dtypes.DType
}

func (t Target) String() string { return t.Scope + "/" + t.Name }

func (t Target) check() error {
	if !strings.HasPrefix(t.Scope, context.RootScope) {
		return fmt.Errorf("schedule target %q: scope %q must be absolute (start with %q)", t, t.Scope, context.RootScope)
	}
	if t.Name == "" {
		return fmt.Errorf("schedule target %q: empty variable name", t)
	}
	if !t.DType.IsFloat() {
		return fmt.Errorf("schedule target %q: dtype %s must be a floating point type", t, t.DType)
	}
	return nil
}

// SetVariable sets the scalar variable named by t in ctx to v from the host, creating it (not
// trainable) if it does not exist. The optimizer reads the new value at its next step.
func SetVariable(ctx *context.Context, t Target, v float64) error {
	if err := t.check(); err != nil {
		return err
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("schedule target %q: value %v is not finite", t, v)
	}
	variable := ctx.GetVariableByScopeAndName(t.Scope, t.Name)
	if variable == nil {
		ctx.InAbsPath(t.Scope).Checked(false).
			VariableWithValue(t.Name, shapes.CastAsDType(v, t.DType)).SetTrainable(false)
		return nil
	}
	shape := variable.Shape()
	if !shape.IsScalar() {
		return fmt.Errorf("schedule target %q: variable has shape %s, want a scalar", t, shape)
	}
	return variable.SetValue(tensors.FromAnyValue(shapes.CastAsDType(v, shape.DType)))
}

// HookPriority is the priority of the hooks registered by [DriveSchedule] and
// [DriveScheduler]: early, so that hooks that save checkpoints see the value for the next step.
const HookPriority train.Priority = -100

// DriveSchedule makes loop set the target variable to s.Value(step) before every training step:
// at the start of each run for loop.LoopStep, and after each step for the next one. A pure
// schedule follows the global step, so a resumed run continues where it left off.
func DriveSchedule(loop *train.Loop, s Schedule, t Target) error {
	if err := t.check(); err != nil {
		return err
	}
	if s == nil {
		return fmt.Errorf("DriveSchedule(%s): schedule is nil", t)
	}
	ctx := loop.Trainer.Context()
	name := "schedule " + t.String()
	loop.OnStart(name, HookPriority, func(loop *train.Loop, _ train.Dataset) error {
		return SetVariable(ctx, t, s.Value(loop.LoopStep))
	})
	loop.OnStep(name, HookPriority, func(loop *train.Loop, _ []*tensors.Tensor) error {
		return SetVariable(ctx, t, s.Value(loop.LoopStep+1))
	})
	return nil
}

// SchedulerTargets says where [DriveScheduler] writes a torch-style scheduler's values.
type SchedulerTargets struct {
	LR Target
	// Momentum, if set, receives the cycled momentum (SGD's momentum or Adam's beta1) of
	// CyclicLR/OneCycleLR; it is an error to set it for a scheduler that does not cycle it.
	Momentum *Target
	// Metric gives ReduceLROnPlateau its metric after each step; nil uses the batch loss
	// (metrics[0] of the train step).
	Metric func(loop *train.Loop, metrics []*tensors.Tensor) (float64, error)
}

// DriveScheduler makes loop drive the targets from a torch-style scheduler: they are set to
// the scheduler's values at the start of each run, and after each training step the scheduler
// is stepped (with the metric if it needs one) and the new values are written. The scheduler
// holds its own state: it counts the steps it has seen, not the global step.
func DriveScheduler(loop *train.Loop, s Scheduler, targets SchedulerTargets) error {
	if s == nil {
		return fmt.Errorf("DriveScheduler: scheduler is nil")
	}
	if err := targets.LR.check(); err != nil {
		return err
	}
	if targets.Momentum != nil {
		if err := targets.Momentum.check(); err != nil {
			return err
		}
		if _, cycled := s.Momentum(); !cycled {
			return fmt.Errorf("DriveScheduler: a momentum target %q was given, but the scheduler does not cycle momentum", targets.Momentum)
		}
	}
	ctx := loop.Trainer.Context()
	write := func() error {
		if err := SetVariable(ctx, targets.LR, s.LR()); err != nil {
			return err
		}
		if targets.Momentum != nil {
			m, _ := s.Momentum()
			return SetVariable(ctx, *targets.Momentum, m)
		}
		return nil
	}
	name := "scheduler " + targets.LR.String()
	loop.OnStart(name, HookPriority, func(*train.Loop, train.Dataset) error { return write() })
	loop.OnStep(name, HookPriority, func(loop *train.Loop, metrics []*tensors.Tensor) error {
		var err error
		if s.NeedsMetric() {
			var m float64
			if targets.Metric != nil {
				m, err = targets.Metric(loop, metrics)
			} else if len(metrics) == 0 {
				err = fmt.Errorf("no train metrics to take the loss from")
			} else {
				m = shapes.ConvertTo[float64](metrics[0].Value())
			}
			if err != nil {
				return fmt.Errorf("%s: metric: %w", name, err)
			}
			err = s.Step(m)
		} else {
			err = s.Step()
		}
		if err != nil {
			return err
		}
		return write()
	})
	return nil
}
