package schedule

import "fmt"

// lrScheduler reproduces torch 1.13's _LRScheduler machinery: last_epoch, _step_count, the
// base learning rate taken from group["initial_lr"], the initial step made by the constructor,
// and step() = {last_epoch += 1; group["lr"] = get_lr()}. The concrete scheduler supplies
// get_lr (the recursive, "chainable" form) and, where torch has one, the closed form that
// step(epoch) uses (SequentialLR calls step(0) at each milestone).
type lrScheduler struct {
	name      string
	g         *Group
	lastEpoch int
	stepCount int
	baseLR    float64
	impl      chainable
}

// chainable is torch's get_lr: the new learning rate from the state after last_epoch moved.
type chainable interface {
	getLR() (float64, error)
}

// closedForm is torch's _get_closed_form_lr, used by step(epoch).
type closedForm interface {
	closedFormLR() float64
}

// customStepper is implemented by schedulers that override torch's step()
// (CosineAnnealingWarmRestarts).
type customStepper interface {
	stepNext() error
	stepAtEpoch(epoch int) error
}

// member is what the composite schedulers need of their children.
type member interface {
	Scheduler
	base() *lrScheduler
}

// attach runs _LRScheduler.__init__ with last_epoch=-1: it records initial_lr in the group if
// no scheduler did before, takes it as the base learning rate, and makes the initial step.
func (b *lrScheduler) attach(name string, g *Group, impl chainable) error {
	if g == nil {
		return fmt.Errorf("%s: the parameter group is nil (use schedule.NewGroup(lr))", name)
	}
	if err := checkFinite(name, "the group's lr", g.LR); err != nil {
		return err
	}
	b.name, b.g, b.impl = name, g, impl
	if !g.HasInitialLR {
		g.InitialLR, g.HasInitialLR = g.LR, true
	}
	b.baseLR = g.InitialLR
	b.lastEpoch = -1
	return b.initialStep()
}

func (b *lrScheduler) base() *lrScheduler { return b }

// initialStep is torch's _initial_step: reset the step count, then step.
func (b *lrScheduler) initialStep() error {
	b.stepCount = 0
	return b.step()
}

// step is torch's scheduler.step() without arguments.
func (b *lrScheduler) step() error {
	if c, ok := b.impl.(customStepper); ok {
		return c.stepNext()
	}
	b.stepCount++
	b.lastEpoch++
	lr, err := b.impl.getLR()
	if err != nil {
		return err
	}
	b.g.LR = lr
	return nil
}

// stepAt is torch's scheduler.step(epoch): the closed form where the scheduler has one,
// otherwise get_lr at that epoch.
func (b *lrScheduler) stepAt(epoch int) error {
	if c, ok := b.impl.(customStepper); ok {
		return c.stepAtEpoch(epoch)
	}
	b.stepCount++
	b.lastEpoch = epoch
	var lr float64
	if c, ok := b.impl.(closedForm); ok {
		lr = c.closedFormLR()
	} else {
		var err error
		if lr, err = b.impl.getLR(); err != nil {
			return err
		}
	}
	b.g.LR = lr
	return nil
}

// LR implements [Scheduler]: the group's learning rate.
func (b *lrScheduler) LR() float64 { return b.g.LR }

// Momentum implements [Scheduler]: the group's momentum, if a scheduler cycles it.
func (b *lrScheduler) Momentum() (float64, bool) { return b.g.Momentum, b.g.MomentumCycled }

// NeedsMetric implements [Scheduler].
func (b *lrScheduler) NeedsMetric() bool { return false }

// Step implements [Scheduler]: torch's scheduler.step().
func (b *lrScheduler) Step(metrics ...float64) error {
	if err := noMetrics(b.name, metrics); err != nil {
		return err
	}
	return b.step()
}

// LastEpoch is torch's last_epoch: the number of Step calls made since construction.
func (b *lrScheduler) LastEpoch() int { return b.lastEpoch }

// Group is the parameter group this scheduler drives.
func (b *lrScheduler) Group() *Group { return b.g }
