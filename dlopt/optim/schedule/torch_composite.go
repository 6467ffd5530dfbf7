package schedule

import (
	"fmt"
	"sort"
)

// grouped is implemented by every torch-style scheduler of this package.
type grouped interface {
	Group() *Group
}

// ChainedScheduler is torch's ChainedScheduler: each Step steps every child in order; the
// children share one parameter group, so their effects compose (multiply, for the recursive
// forms). As an extension of torch 1.13, a ReduceLROnPlateau child gets the metric passed to Step.
type ChainedScheduler struct {
	children []Scheduler
	g        *Group
}

// NewChainedScheduler chains schedulers that were all built on the same group, in the order
// they were built.
func NewChainedScheduler(children ...Scheduler) (*ChainedScheduler, error) {
	if len(children) == 0 {
		return nil, fmt.Errorf("ChainedScheduler: needs at least one scheduler")
	}
	c := &ChainedScheduler{children: children}
	for i, ch := range children {
		gr, ok := ch.(grouped)
		if !ok {
			return nil, fmt.Errorf("ChainedScheduler: scheduler %d (%T) is not a torch-style scheduler of this package", i, ch)
		}
		if i == 0 {
			c.g = gr.Group()
		} else if gr.Group() != c.g {
			return nil, fmt.Errorf("ChainedScheduler: schedulers 0 and %d drive different parameter groups; build them all on one Group", i)
		}
	}
	return c, nil
}

// LR implements [Scheduler].
func (c *ChainedScheduler) LR() float64 { return c.g.LR }

// Momentum implements [Scheduler].
func (c *ChainedScheduler) Momentum() (float64, bool) { return c.g.Momentum, c.g.MomentumCycled }

// Group is the shared parameter group.
func (c *ChainedScheduler) Group() *Group { return c.g }

// NeedsMetric implements [Scheduler]: true when a child needs one.
func (c *ChainedScheduler) NeedsMetric() bool {
	for _, ch := range c.children {
		if ch.NeedsMetric() {
			return true
		}
	}
	return false
}

// Step implements [Scheduler].
func (c *ChainedScheduler) Step(metrics ...float64) error {
	if c.NeedsMetric() {
		if len(metrics) != 1 {
			return fmt.Errorf("ChainedScheduler: a child is ReduceLROnPlateau: Step needs exactly one metric, got %d", len(metrics))
		}
	} else if err := noMetrics("ChainedScheduler", metrics); err != nil {
		return err
	}
	for i, ch := range c.children {
		var err error
		if ch.NeedsMetric() {
			err = ch.Step(metrics...)
		} else {
			err = ch.Step()
		}
		if err != nil {
			return fmt.Errorf("ChainedScheduler: scheduler %d: %w", i, err)
		}
	}
	return nil
}

// SequentialLR is torch's SequentialLR: scheduler i runs between milestones[i-1] and
// milestones[i]; at a milestone the next scheduler restarts with step(0) (its closed form at
// epoch 0 where torch has one). Construction resets the group's rate to initial_lr, moves every
// child back one step and redoes the first child's initial step, as torch does.
type SequentialLR struct {
	children   []member
	milestones []int
	lastEpoch  int
	g          *Group
}

// NewSequentialLR sequences schedulers built on the same group (not ReduceLROnPlateau, and not
// composites: torch 1.13 cannot restart those).
func NewSequentialLR(children []Scheduler, milestones []int) (*SequentialLR, error) {
	const name = "SequentialLR"
	if len(children) == 0 {
		return nil, fmt.Errorf("%s: needs at least one scheduler", name)
	}
	if len(milestones) != len(children)-1 {
		return nil, fmt.Errorf("%s: needs one milestone fewer than schedulers: got %d schedulers and %d milestones", name, len(children), len(milestones))
	}
	if !sort.IntsAreSorted(milestones) {
		return nil, fmt.Errorf("%s: milestones %v must be non-decreasing", name, milestones)
	}
	s := &SequentialLR{milestones: append([]int(nil), milestones...)}
	for i, ch := range children {
		m, ok := ch.(member)
		if !ok {
			return nil, fmt.Errorf("%s: scheduler %d (%T) cannot be sequenced: use a basic torch scheduler (not ReduceLROnPlateau, ChainedScheduler or SequentialLR)", name, i, ch)
		}
		if i > 0 && m.base().g != s.children[0].base().g {
			return nil, fmt.Errorf("%s: schedulers 0 and %d drive different parameter groups; build them all on one Group", name, i)
		}
		s.children = append(s.children, m)
	}
	s.g = s.children[0].base().g
	s.g.LR = s.g.InitialLR
	for _, ch := range s.children {
		ch.base().lastEpoch--
	}
	if err := s.children[0].base().initialStep(); err != nil {
		return nil, fmt.Errorf("%s: scheduler 0: %w", name, err)
	}
	return s, nil
}

// LR implements [Scheduler].
func (s *SequentialLR) LR() float64 { return s.g.LR }

// Momentum implements [Scheduler].
func (s *SequentialLR) Momentum() (float64, bool) { return s.g.Momentum, s.g.MomentumCycled }

// Group is the shared parameter group.
func (s *SequentialLR) Group() *Group { return s.g }

// NeedsMetric implements [Scheduler].
func (s *SequentialLR) NeedsMetric() bool { return false }

// Step implements [Scheduler].
func (s *SequentialLR) Step(metrics ...float64) error {
	if err := noMetrics("SequentialLR", metrics); err != nil {
		return err
	}
	s.lastEpoch++
	idx := sort.SearchInts(s.milestones, s.lastEpoch+1) // bisect_right
	ch := s.children[idx].base()
	var err error
	if idx > 0 && s.milestones[idx-1] == s.lastEpoch {
		err = ch.stepAt(0)
	} else {
		err = ch.step()
	}
	if err != nil {
		return fmt.Errorf("SequentialLR: scheduler %d: %w", idx, err)
	}
	return nil
}
