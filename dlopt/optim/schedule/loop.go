package schedule

import (
	"fmt"
	"math"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
)

// Target names a scalar hyperparameter variable of a GoMLX model store: any hyperparameter an
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
	if !strings.HasPrefix(t.Scope, model.RootScopePath) {
		return fmt.Errorf("schedule target %q: scope %q must be absolute (start with %q)", t, t.Scope, model.RootScopePath)
	}
	if t.Name == "" {
		return fmt.Errorf("schedule target %q: empty variable name", t)
	}
	if !t.DType.IsFloat() {
		return fmt.Errorf("schedule target %q: dtype %s must be a floating point type", t, t.DType)
	}
	return nil
}

// SetVariable sets the scalar variable named by t in store (a *model.Store or *model.Scope) to
// v from the host, creating it (not trainable) if it does not exist. The optimizer reads the new
// value at its next step.
func SetVariable(store model.StoreProvider, t Target, v float64) error {
	if err := t.check(); err != nil {
		return err
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("schedule target %q: value %v is not finite", t, v)
	}
	path := model.JoinPath(t.Scope, t.Name)
	variable := store.Store().GetVariable(path)
	if variable == nil {
		created, err := store.Store().CreateVariable(path, tensors.MustFromAnyValue(shapes.CastAsDType(v, t.DType)))
		if err != nil {
			return fmt.Errorf("schedule target %q: %w", t, err)
		}
		created.SetTrainable(false)
		return nil
	}
	shape := variable.Shape()
	if !shape.IsScalar() {
		return fmt.Errorf("schedule target %q: variable has shape %s, want a scalar", t, shape)
	}
	return variable.SetValue(tensors.MustFromAnyValue(shapes.CastAsDType(v, shape.DType)))
}

// Setter writes a hyperparameter's value from the host between training steps: a closure over
// an optimizer's own setter (which may also check the value's range), or [VariableSetter].
type Setter func(value float64) error

// VariableSetter returns a Setter that writes the variable named by t in store ([SetVariable]).
func VariableSetter(store model.StoreProvider, t Target) (Setter, error) {
	if store == nil || store.Store() == nil {
		return nil, fmt.Errorf("VariableSetter(%s): the model store is nil", t)
	}
	if err := t.check(); err != nil {
		return nil, err
	}
	return func(v float64) error { return SetVariable(store, t, v) }, nil
}

// HookPriority is the priority of the hooks registered by [DriveSchedule] and
// [DriveScheduler]: early, so that hooks that save checkpoints see the value for the next step.
const HookPriority train.Priority = -100

// DriveSchedule makes loop set a hyperparameter to s.Value(step) before every training step:
// at the start of each run for loop.LoopStep, and after each step for the next one. A pure
// schedule follows the global step, so a resumed run continues where it left off. name
// identifies the hook in errors.
func DriveSchedule(loop *train.Loop, name string, s Schedule, set Setter) error {
	if loop == nil || s == nil || set == nil {
		return fmt.Errorf("DriveSchedule(%q): loop, schedule and setter must not be nil", name)
	}
	hook := "schedule " + name
	loop.OnStart(hook, HookPriority, func(loop *train.Loop, _ train.Dataset) error {
		return set(s.Value(loop.LoopStep))
	})
	loop.OnStep(hook, HookPriority, func(loop *train.Loop, _ []*tensors.Tensor) error {
		return set(s.Value(loop.LoopStep + 1))
	})
	return nil
}

// SchedulerSetters says where [DriveScheduler] writes a torch-style scheduler's values.
type SchedulerSetters struct {
	LR Setter
	// Momentum, if set, receives the cycled momentum (SGD's momentum or Adam's beta1) of
	// CyclicLR/OneCycleLR; it is an error to set it for a scheduler that does not cycle it.
	Momentum Setter
	// Metric gives ReduceLROnPlateau its metric after each step; nil uses the batch loss
	// (metrics[0] of the train step).
	Metric func(loop *train.Loop, metrics []*tensors.Tensor) (float64, error)
}

// DriveScheduler makes loop drive hyperparameters from a torch-style scheduler: they are set to
// the scheduler's values at the start of each run, and after each training step the scheduler
// is stepped (with the metric if it needs one) and the new values are written. The scheduler
// holds its own state: it counts the steps it has seen, not the global step. name identifies
// the hook in errors.
func DriveScheduler(loop *train.Loop, name string, s Scheduler, set SchedulerSetters) error {
	if loop == nil || s == nil || set.LR == nil {
		return fmt.Errorf("DriveScheduler(%q): loop, scheduler and the LR setter must not be nil", name)
	}
	if set.Momentum != nil {
		if _, cycled := s.Momentum(); !cycled {
			return fmt.Errorf("DriveScheduler(%q): a momentum setter was given, but the scheduler does not cycle momentum", name)
		}
	}
	write := func() error {
		if err := set.LR(s.LR()); err != nil {
			return err
		}
		if set.Momentum != nil {
			m, _ := s.Momentum()
			return set.Momentum(m)
		}
		return nil
	}
	hook := "scheduler " + name
	loop.OnStart(hook, HookPriority, func(*train.Loop, train.Dataset) error { return write() })
	loop.OnStep(hook, HookPriority, func(loop *train.Loop, metrics []*tensors.Tensor) error {
		var err error
		if s.NeedsMetric() {
			var m float64
			if set.Metric != nil {
				m, err = set.Metric(loop, metrics)
			} else if len(metrics) == 0 {
				err = fmt.Errorf("no train metrics to take the loss from")
			} else {
				m = shapes.ConvertTo[float64](metrics[0].Value())
			}
			if err != nil {
				return fmt.Errorf("%s: metric: %w", hook, err)
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
