package schedule

import (
	"fmt"
	"math"
)

// PlateauConfig holds torch's ReduceLROnPlateau arguments; [DefaultPlateauConfig] fills
// torch's defaults.
type PlateauConfig struct {
	Mode          string  // "min" (the metric should go down) or "max"
	Factor        float64 // new lr = lr * Factor, in [0, 1)
	Patience      int     // bad steps tolerated before a reduction
	Threshold     float64 // what counts as an improvement, see ThresholdMode
	ThresholdMode string  // "rel": best*(1 -/+ Threshold); "abs": best -/+ Threshold
	Cooldown      int     // steps after a reduction during which bad steps are not counted
	MinLR         float64 // lower bound on the rate
	Eps           float64 // reductions smaller than Eps are skipped
}

// DefaultPlateauConfig returns torch 1.13's ReduceLROnPlateau defaults.
func DefaultPlateauConfig() PlateauConfig {
	return PlateauConfig{Mode: "min", Factor: 0.1, Patience: 10, Threshold: 1e-4, ThresholdMode: "rel", Eps: 1e-8}
}

// ReduceLROnPlateau is torch's ReduceLROnPlateau: Step(metric) counts the steps without
// improvement over the best metric seen, and after more than Patience of them multiplies the
// rate by Factor (not below MinLR, and only if the change exceeds Eps), then waits Cooldown steps.
type ReduceLROnPlateau struct {
	cfg                  PlateauConfig
	g                    *Group
	best                 float64
	numBad, cooldownLeft int
	lastEpoch            int
}

// NewReduceLROnPlateau attaches torch's ReduceLROnPlateau to the group. Unlike the other
// schedulers it does not change the rate at construction.
func NewReduceLROnPlateau(g *Group, cfg PlateauConfig) (*ReduceLROnPlateau, error) {
	const name = "ReduceLROnPlateau"
	if cfg.Mode != "min" && cfg.Mode != "max" {
		return nil, fmt.Errorf("%s: mode=%q must be \"min\" or \"max\"", name, cfg.Mode)
	}
	if cfg.ThresholdMode != "rel" && cfg.ThresholdMode != "abs" {
		return nil, fmt.Errorf("%s: threshold_mode=%q must be \"rel\" or \"abs\"", name, cfg.ThresholdMode)
	}
	if !(cfg.Factor >= 0 && cfg.Factor < 1) {
		return nil, fmt.Errorf("%s: factor=%v must be in [0, 1)", name, cfg.Factor)
	}
	if cfg.Patience < 0 {
		return nil, fmt.Errorf("%s: patience=%d must be >= 0", name, cfg.Patience)
	}
	if cfg.Cooldown < 0 {
		return nil, fmt.Errorf("%s: cooldown=%d must be >= 0", name, cfg.Cooldown)
	}
	for _, p := range []struct {
		n string
		v float64
	}{{"threshold", cfg.Threshold}, {"min_lr", cfg.MinLR}, {"eps", cfg.Eps}} {
		if err := checkNonNegative(name, p.n, p.v); err != nil {
			return nil, err
		}
	}
	if g == nil {
		return nil, fmt.Errorf("%s: the parameter group is nil (use schedule.NewGroup(lr))", name)
	}
	s := &ReduceLROnPlateau{cfg: cfg, g: g}
	s.reset()
	return s, nil
}

func (s *ReduceLROnPlateau) reset() {
	s.best = math.Inf(1)
	if s.cfg.Mode == "max" {
		s.best = math.Inf(-1)
	}
	s.cooldownLeft, s.numBad = 0, 0
}

// LR implements [Scheduler].
func (s *ReduceLROnPlateau) LR() float64 { return s.g.LR }

// Momentum implements [Scheduler].
func (s *ReduceLROnPlateau) Momentum() (float64, bool) { return s.g.Momentum, s.g.MomentumCycled }

// Group is the parameter group it drives.
func (s *ReduceLROnPlateau) Group() *Group { return s.g }

// NeedsMetric implements [Scheduler]: true.
func (s *ReduceLROnPlateau) NeedsMetric() bool { return true }

// Step implements [Scheduler]; it needs exactly one metric. A NaN metric counts as no
// improvement, as in torch.
func (s *ReduceLROnPlateau) Step(metrics ...float64) error {
	if len(metrics) != 1 {
		return fmt.Errorf("ReduceLROnPlateau: Step needs exactly one metric, got %d", len(metrics))
	}
	current := metrics[0]
	s.lastEpoch++
	if s.isBetter(current) {
		s.best, s.numBad = current, 0
	} else {
		s.numBad++
	}
	if s.cooldownLeft > 0 {
		s.cooldownLeft--
		s.numBad = 0
	}
	if s.numBad > s.cfg.Patience {
		oldLR := s.g.LR
		newLR := math.Max(oldLR*s.cfg.Factor, s.cfg.MinLR)
		if oldLR-newLR > s.cfg.Eps {
			s.g.LR = newLR
		}
		s.cooldownLeft, s.numBad = s.cfg.Cooldown, 0
	}
	return nil
}

func (s *ReduceLROnPlateau) isBetter(a float64) bool {
	th := s.cfg.Threshold
	switch {
	case s.cfg.Mode == "min" && s.cfg.ThresholdMode == "rel":
		return a < s.best*(1.0-th)
	case s.cfg.Mode == "min":
		return a < s.best-th
	case s.cfg.ThresholdMode == "rel":
		return a > s.best*(th+1.0)
	default:
		return a > s.best+th
	}
}
