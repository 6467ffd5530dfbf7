package schedule

import (
	"fmt"
	"math"
)

// CosineAnnealingWarmRestarts is torch's CosineAnnealingWarmRestarts (SGDR):
// lr = eta_min + (base - eta_min)(1 + cos(pi T_cur / T_i))/2, where T_cur counts the steps
// since the last restart and the period T_i starts at T_0 and is multiplied by T_mult at each
// restart.
type CosineAnnealingWarmRestarts struct {
	lrScheduler
	t0, tMult, tI int
	tCur          float64 // a float, as torch's step(epoch) can make it fractional
	etaMin        float64
}

// NewCosineAnnealingWarmRestarts attaches torch's CosineAnnealingWarmRestarts; t0 >= 1,
// tMult >= 1, etaMin finite.
func NewCosineAnnealingWarmRestarts(g *Group, t0, tMult int, etaMin float64) (*CosineAnnealingWarmRestarts, error) {
	const name = "CosineAnnealingWarmRestarts"
	if t0 < 1 {
		return nil, fmt.Errorf("%s: T_0=%d must be an integer >= 1", name, t0)
	}
	if tMult < 1 {
		return nil, fmt.Errorf("%s: T_mult=%d must be an integer >= 1", name, tMult)
	}
	if err := checkFinite(name, "eta_min", etaMin); err != nil {
		return nil, err
	}
	s := &CosineAnnealingWarmRestarts{t0: t0, tI: t0, tMult: tMult, etaMin: etaMin, tCur: -1}
	return s, s.attach(name, g, s)
}

func (s *CosineAnnealingWarmRestarts) getLR() (float64, error) {
	return s.etaMin + (s.baseLR-s.etaMin)*(1+math.Cos(math.Pi*s.tCur/float64(s.tI)))/2, nil
}

func (s *CosineAnnealingWarmRestarts) stepNext() error {
	if s.lastEpoch < 0 {
		return s.stepAtEpoch(0)
	}
	s.tCur++
	if s.tCur >= float64(s.tI) {
		s.tCur -= float64(s.tI)
		s.tI *= s.tMult
	}
	s.lastEpoch++
	s.g.LR, _ = s.getLR()
	return nil
}

// stepAtEpoch is torch's step(epoch) for the epochs SequentialLR uses: 0, at a milestone.
// (torch's general branch for epoch >= T_0 is not reachable from this package.)
func (s *CosineAnnealingWarmRestarts) stepAtEpoch(epoch int) error {
	if epoch < 0 || epoch >= s.t0 {
		return fmt.Errorf("%s: step(epoch=%d) is only supported for 0 <= epoch < T_0=%d", s.name, epoch, s.t0)
	}
	s.tI, s.tCur = s.t0, float64(epoch)
	s.lastEpoch = epoch
	s.g.LR, _ = s.getLR()
	return nil
}

// CyclicConfig holds torch's CyclicLR arguments; [DefaultCyclicConfig] fills torch's defaults.
type CyclicConfig struct {
	BaseLR, MaxLR float64
	StepSizeUp    float64
	// StepSizeDown is the length of the decreasing half; 0 means "same as StepSizeUp" (torch: None).
	StepSizeDown float64
	Mode         string  // "triangular", "triangular2" or "exp_range"; ignored when ScaleFn is set
	Gamma        float64 // exp_range's factor gamma^iterations
	// ScaleFn is a custom amplitude scale (torch's scale_fn), evaluated on the cycle number or
	// on the iteration count according to ScaleMode ("cycle" or "iterations").
	ScaleFn       func(x float64) float64
	ScaleMode     string
	CycleMomentum bool
	BaseMomentum  float64
	MaxMomentum   float64
}

// DefaultCyclicConfig returns torch 1.13's CyclicLR defaults for the given bounds.
func DefaultCyclicConfig(baseLR, maxLR float64) CyclicConfig {
	return CyclicConfig{BaseLR: baseLR, MaxLR: maxLR, StepSizeUp: 2000, Mode: "triangular", Gamma: 1,
		ScaleMode: "cycle", CycleMomentum: true, BaseMomentum: 0.8, MaxMomentum: 0.9}
}

// CyclicLR is torch's CyclicLR: the rate goes linearly from BaseLR up to MaxLR in StepSizeUp
// steps and back down in StepSizeDown steps, the amplitude scaled per cycle or per iteration;
// the momentum, when cycled, moves the opposite way between MaxMomentum and BaseMomentum.
type CyclicLR struct {
	lrScheduler
	cfg                  CyclicConfig
	totalSize, stepRatio float64
	scale                func(x float64) float64
	scaleOnCycle         bool
	baseMomentum, maxMom float64
}

// NewCyclicLR attaches torch's CyclicLR to the group.
func NewCyclicLR(g *Group, cfg CyclicConfig) (*CyclicLR, error) {
	const name = "CyclicLR"
	for _, p := range []struct {
		n string
		v float64
	}{{"base_lr", cfg.BaseLR}, {"max_lr", cfg.MaxLR}, {"gamma", cfg.Gamma}} {
		if err := checkNonNegative(name, p.n, p.v); err != nil {
			return nil, err
		}
	}
	if !(cfg.StepSizeUp > 0) || math.IsInf(cfg.StepSizeUp, 0) {
		return nil, fmt.Errorf("%s: step_size_up=%v must be > 0", name, cfg.StepSizeUp)
	}
	down := cfg.StepSizeDown
	if down == 0 {
		down = cfg.StepSizeUp
	}
	if !(down > 0) || math.IsInf(down, 0) {
		return nil, fmt.Errorf("%s: step_size_down=%v must be > 0 (or unset)", name, cfg.StepSizeDown)
	}
	s := &CyclicLR{cfg: cfg, totalSize: cfg.StepSizeUp + down}
	s.stepRatio = cfg.StepSizeUp / s.totalSize
	if cfg.ScaleFn != nil {
		if cfg.ScaleMode != "cycle" && cfg.ScaleMode != "iterations" {
			return nil, fmt.Errorf("%s: scale_mode=%q must be \"cycle\" or \"iterations\"", name, cfg.ScaleMode)
		}
		s.scale, s.scaleOnCycle = cfg.ScaleFn, cfg.ScaleMode == "cycle"
	} else {
		switch cfg.Mode {
		case "triangular":
			s.scale, s.scaleOnCycle = func(float64) float64 { return 1 }, true
		case "triangular2":
			s.scale, s.scaleOnCycle = func(x float64) float64 { return 1 / math.Pow(2, x-1) }, true
		case "exp_range":
			s.scale = func(x float64) float64 { return math.Pow(cfg.Gamma, x) }
		default:
			return nil, fmt.Errorf("%s: mode=%q must be one of triangular, triangular2, exp_range (or give a scale function)", name, cfg.Mode)
		}
	}
	if cfg.CycleMomentum {
		if err := checkMomenta(name, cfg.BaseMomentum, cfg.MaxMomentum); err != nil {
			return nil, err
		}
	}
	if g == nil {
		return nil, fmt.Errorf("%s: the parameter group is nil (use schedule.NewGroup(lr))", name)
	}
	g.LR = cfg.BaseLR // torch sets the group's lr to base_lr before attaching
	if cfg.CycleMomentum {
		g.Momentum, g.MomentumCycled = cfg.BaseMomentum, true
		s.baseMomentum, s.maxMom = g.Momentum, cfg.MaxMomentum
	}
	if err := s.attach(name, g, s); err != nil {
		return nil, err
	}
	s.baseLR = cfg.BaseLR // torch replaces base_lrs after the initial step
	return s, nil
}

func (s *CyclicLR) getLR() (float64, error) {
	t := float64(s.lastEpoch)
	cycle := math.Floor(1 + t/s.totalSize)
	x := 1.0 + t/s.totalSize - cycle
	var scaleFactor float64
	if x <= s.stepRatio {
		scaleFactor = x / s.stepRatio
	} else {
		scaleFactor = (x - 1) / (s.stepRatio - 1)
	}
	arg := t
	if s.scaleOnCycle {
		arg = cycle
	}
	amp := s.scale(arg)
	lr := s.baseLR + (s.cfg.MaxLR-s.baseLR)*scaleFactor*amp
	if s.cfg.CycleMomentum {
		s.g.Momentum = s.maxMom - (s.maxMom-s.baseMomentum)*scaleFactor*amp
	}
	return lr, nil
}

// OneCycleConfig holds torch's OneCycleLR arguments; [DefaultOneCycleConfig] fills torch's
// defaults. TotalSteps may instead be given as Epochs * StepsPerEpoch.
type OneCycleConfig struct {
	MaxLR                 float64
	TotalSteps            int
	Epochs, StepsPerEpoch int
	PctStart              float64
	AnnealStrategy        string // "cos" or "linear"
	CycleMomentum         bool
	BaseMomentum          float64
	MaxMomentum           float64
	DivFactor             float64
	FinalDivFactor        float64
	ThreePhase            bool
}

// DefaultOneCycleConfig returns torch 1.13's OneCycleLR defaults.
func DefaultOneCycleConfig(maxLR float64, totalSteps int) OneCycleConfig {
	return OneCycleConfig{MaxLR: maxLR, TotalSteps: totalSteps, PctStart: 0.3, AnnealStrategy: "cos",
		CycleMomentum: true, BaseMomentum: 0.85, MaxMomentum: 0.95, DivFactor: 25, FinalDivFactor: 1e4}
}

type oneCyclePhase struct {
	endStep          float64
	startLR, endLR   *float64
	startMom, endMom *float64
}

// OneCycleLR is torch's OneCycleLR: warm up from MaxLR/DivFactor to MaxLR over PctStart of
// the steps, then anneal to MaxLR/(DivFactor*FinalDivFactor) (with ThreePhase: back to the
// initial rate first, then down), cosine or linear; momentum (beta1) cycled the opposite way.
type OneCycleLR struct {
	lrScheduler
	cfg        OneCycleConfig
	totalSteps int
	phases     []oneCyclePhase
	anneal     func(start, end, pct float64) float64
}

// NewOneCycleLR attaches torch's OneCycleLR to the group.
func NewOneCycleLR(g *Group, cfg OneCycleConfig) (*OneCycleLR, error) {
	const name = "OneCycleLR"
	s := &OneCycleLR{cfg: cfg}
	switch {
	case cfg.TotalSteps > 0:
		s.totalSteps = cfg.TotalSteps
	case cfg.TotalSteps < 0:
		return nil, fmt.Errorf("%s: total_steps=%d must be an integer >= 1", name, cfg.TotalSteps)
	case cfg.Epochs < 1 || cfg.StepsPerEpoch < 1:
		return nil, fmt.Errorf("%s: give total_steps >= 1, or epochs >= 1 and steps_per_epoch >= 1 (got epochs=%d, steps_per_epoch=%d)", name, cfg.Epochs, cfg.StepsPerEpoch)
	default:
		s.totalSteps = cfg.Epochs * cfg.StepsPerEpoch
	}
	if !(cfg.PctStart >= 0 && cfg.PctStart <= 1) {
		return nil, fmt.Errorf("%s: pct_start=%v must be in [0, 1]", name, cfg.PctStart)
	}
	switch cfg.AnnealStrategy {
	case "cos":
		s.anneal = func(start, end, pct float64) float64 { return end + (start-end)/2.0*(math.Cos(math.Pi*pct)+1) }
	case "linear":
		s.anneal = func(start, end, pct float64) float64 { return (end-start)*pct + start }
	default:
		return nil, fmt.Errorf("%s: anneal_strategy=%q must be \"cos\" or \"linear\"", name, cfg.AnnealStrategy)
	}
	if err := checkNonNegative(name, "max_lr", cfg.MaxLR); err != nil {
		return nil, err
	}
	for _, p := range []struct {
		n string
		v float64
	}{{"div_factor", cfg.DivFactor}, {"final_div_factor", cfg.FinalDivFactor}} {
		if !(p.v > 0) || math.IsInf(p.v, 0) {
			return nil, fmt.Errorf("%s: %s=%v must be a finite number > 0", name, p.n, p.v)
		}
	}
	if cfg.CycleMomentum {
		if err := checkMomenta(name, cfg.BaseMomentum, cfg.MaxMomentum); err != nil {
			return nil, err
		}
	}
	if g == nil {
		return nil, fmt.Errorf("%s: the parameter group is nil (use schedule.NewGroup(lr))", name)
	}
	// torch writes these into the parameter group before attaching.
	g.InitialLR, g.HasInitialLR = cfg.MaxLR/cfg.DivFactor, true
	g.oneCycleMaxLR = cfg.MaxLR
	g.oneCycleMinLR = g.InitialLR / cfg.FinalDivFactor
	if cfg.CycleMomentum {
		g.Momentum, g.MomentumCycled = cfg.MaxMomentum, true
		g.oneCycleMaxMomentum, g.oneCycleBaseMom = cfg.MaxMomentum, cfg.BaseMomentum
	}
	n := float64(s.totalSteps)
	initial, maxLR, minLR := &g.InitialLR, &g.oneCycleMaxLR, &g.oneCycleMinLR
	maxM, baseM := &g.oneCycleMaxMomentum, &g.oneCycleBaseMom
	if cfg.ThreePhase {
		s.phases = []oneCyclePhase{
			{cfg.PctStart*n - 1, initial, maxLR, maxM, baseM},
			{2*cfg.PctStart*n - 2, maxLR, initial, baseM, maxM},
			{n - 1, initial, minLR, maxM, maxM},
		}
	} else {
		s.phases = []oneCyclePhase{
			{cfg.PctStart*n - 1, initial, maxLR, maxM, baseM},
			{n - 1, maxLR, minLR, baseM, maxM},
		}
	}
	return s, s.attach(name, g, s)
}

func (s *OneCycleLR) getLR() (float64, error) {
	step := s.lastEpoch
	if step > s.totalSteps {
		return 0, fmt.Errorf("OneCycleLR: tried to step %d times; total_steps is %d", step+1, s.totalSteps)
	}
	t := float64(step)
	start := 0.0
	for i, p := range s.phases {
		if t <= p.endStep || i == len(s.phases)-1 {
			if p.endStep == start {
				return 0, fmt.Errorf("OneCycleLR: phase %d is empty (it starts and ends at step %v; torch divides by zero here): change pct_start=%v or total_steps=%d", i+1, start, s.cfg.PctStart, s.totalSteps)
			}
			pct := (t - start) / (p.endStep - start)
			if s.cfg.CycleMomentum {
				s.g.Momentum = s.anneal(*p.startMom, *p.endMom, pct)
			}
			return s.anneal(*p.startLR, *p.endLR, pct), nil
		}
		start = p.endStep
	}
	return 0, fmt.Errorf("OneCycleLR: no phase for step %d", step) // unreachable: the last phase always matches
}

func checkMomenta(who string, base, maxM float64) error {
	if !(base >= 0 && base <= 1) {
		return fmt.Errorf("%s: base_momentum=%v must be in [0, 1]", who, base)
	}
	if !(maxM >= 0 && maxM <= 1) {
		return fmt.Errorf("%s: max_momentum=%v must be in [0, 1]", who, maxM)
	}
	return nil
}
