package schedule

import (
	"fmt"
	"math"
)

// LambdaLR is torch's LambdaLR: lr_t = initial_lr * f(t).
type LambdaLR struct {
	lrScheduler
	f func(epoch int) float64
}

// NewLambdaLR attaches torch's LambdaLR with factor function f to the group.
func NewLambdaLR(g *Group, f func(epoch int) float64) (*LambdaLR, error) {
	if f == nil {
		return nil, fmt.Errorf("LambdaLR: lr_lambda is nil: want a func(epoch int) float64")
	}
	s := &LambdaLR{f: f}
	return s, s.attach("LambdaLR", g, s)
}

func (s *LambdaLR) getLR() (float64, error) { return s.baseLR * s.f(s.lastEpoch), nil }

// MultiplicativeLR is torch's MultiplicativeLR: lr_t = lr_{t-1} * f(t) for t > 0.
type MultiplicativeLR struct {
	lrScheduler
	f func(epoch int) float64
}

// NewMultiplicativeLR attaches torch's MultiplicativeLR with factor function f to the group.
func NewMultiplicativeLR(g *Group, f func(epoch int) float64) (*MultiplicativeLR, error) {
	if f == nil {
		return nil, fmt.Errorf("MultiplicativeLR: lr_lambda is nil: want a func(epoch int) float64")
	}
	s := &MultiplicativeLR{f: f}
	return s, s.attach("MultiplicativeLR", g, s)
}

func (s *MultiplicativeLR) getLR() (float64, error) {
	if s.lastEpoch > 0 {
		return s.g.LR * s.f(s.lastEpoch), nil
	}
	return s.g.LR, nil
}

// StepLR is torch's StepLR: multiply by gamma every stepSize steps.
type StepLR struct {
	lrScheduler
	stepSize int
	gamma    float64
}

// NewStepLR attaches torch's StepLR to the group; stepSize >= 1, gamma >= 0.
func NewStepLR(g *Group, stepSize int, gamma float64) (*StepLR, error) {
	if stepSize < 1 {
		return nil, fmt.Errorf("StepLR: step_size=%d must be an integer >= 1", stepSize)
	}
	if err := checkNonNegative("StepLR", "gamma", gamma); err != nil {
		return nil, err
	}
	s := &StepLR{stepSize: stepSize, gamma: gamma}
	return s, s.attach("StepLR", g, s)
}

func (s *StepLR) getLR() (float64, error) {
	if s.lastEpoch == 0 || s.lastEpoch%s.stepSize != 0 {
		return s.g.LR, nil
	}
	return s.g.LR * s.gamma, nil
}

func (s *StepLR) closedFormLR() float64 {
	return s.baseLR * math.Pow(s.gamma, float64(floorDiv(s.lastEpoch, s.stepSize)))
}

// MultiStepLR is torch's MultiStepLR: multiply by gamma at each milestone (by gamma^m where a
// milestone is listed m times).
type MultiStepLR struct {
	lrScheduler
	milestones []int // sorted
	gamma      float64
}

// NewMultiStepLR attaches torch's MultiStepLR; milestones must be non-decreasing and >= 0.
func NewMultiStepLR(g *Group, milestones []int, gamma float64) (*MultiStepLR, error) {
	for i, m := range milestones {
		if m < 0 {
			return nil, fmt.Errorf("MultiStepLR: milestones[%d]=%d must be >= 0", i, m)
		}
		if i > 0 && m < milestones[i-1] {
			return nil, fmt.Errorf("MultiStepLR: milestones must be non-decreasing: milestones[%d]=%d < milestones[%d]=%d", i, m, i-1, milestones[i-1])
		}
	}
	if err := checkNonNegative("MultiStepLR", "gamma", gamma); err != nil {
		return nil, err
	}
	s := &MultiStepLR{milestones: append([]int(nil), milestones...), gamma: gamma}
	return s, s.attach("MultiStepLR", g, s)
}

func (s *MultiStepLR) getLR() (float64, error) {
	count := 0
	for _, m := range s.milestones {
		if m == s.lastEpoch {
			count++
		}
	}
	if count == 0 {
		return s.g.LR, nil
	}
	return s.g.LR * math.Pow(s.gamma, float64(count)), nil
}

func (s *MultiStepLR) closedFormLR() float64 {
	passed := 0 // bisect_right: milestones <= last_epoch
	for _, m := range s.milestones {
		if m <= s.lastEpoch {
			passed++
		}
	}
	return s.baseLR * math.Pow(s.gamma, float64(passed))
}

// ConstantLR is torch's ConstantLR: factor * lr until totalIters steps, then lr.
type ConstantLR struct {
	lrScheduler
	factor     float64
	totalIters int
}

// NewConstantLR attaches torch's ConstantLR; factor in (0, 1] (torch 1.13 divides by it when
// restoring the rate), totalIters >= 1.
func NewConstantLR(g *Group, factor float64, totalIters int) (*ConstantLR, error) {
	if !(factor > 0 && factor <= 1) {
		return nil, fmt.Errorf("ConstantLR: factor=%v must be in (0, 1] (torch 1.13 divides by it at total_iters)", factor)
	}
	if totalIters < 1 {
		return nil, fmt.Errorf("ConstantLR: total_iters=%d must be an integer >= 1", totalIters)
	}
	s := &ConstantLR{factor: factor, totalIters: totalIters}
	return s, s.attach("ConstantLR", g, s)
}

func (s *ConstantLR) getLR() (float64, error) {
	switch {
	case s.lastEpoch == 0:
		return s.g.LR * s.factor, nil
	case s.lastEpoch != s.totalIters:
		return s.g.LR, nil
	default:
		return s.g.LR * (1.0 / s.factor), nil
	}
}

func (s *ConstantLR) closedFormLR() float64 {
	reached := 0.0
	if s.lastEpoch >= s.totalIters {
		reached = 1
	}
	return s.baseLR * (s.factor + reached*(1-s.factor))
}

// LinearLR is torch's LinearLR: the factor moves linearly from startFactor to endFactor over
// totalIters steps.
type LinearLR struct {
	lrScheduler
	start, end float64
	totalIters int
}

// NewLinearLR attaches torch's LinearLR; startFactor in (0, 1] (torch 1.13 divides by it),
// endFactor in [0, 1], totalIters >= 1.
func NewLinearLR(g *Group, startFactor, endFactor float64, totalIters int) (*LinearLR, error) {
	if !(startFactor > 0 && startFactor <= 1) {
		return nil, fmt.Errorf("LinearLR: start_factor=%v must be in (0, 1] (torch 1.13 divides by it at step 1)", startFactor)
	}
	if !(endFactor >= 0 && endFactor <= 1) {
		return nil, fmt.Errorf("LinearLR: end_factor=%v must be in [0, 1]", endFactor)
	}
	if totalIters < 1 {
		return nil, fmt.Errorf("LinearLR: total_iters=%d must be an integer >= 1", totalIters)
	}
	s := &LinearLR{start: startFactor, end: endFactor, totalIters: totalIters}
	return s, s.attach("LinearLR", g, s)
}

func (s *LinearLR) getLR() (float64, error) {
	if s.lastEpoch == 0 {
		return s.g.LR * s.start, nil
	}
	if s.lastEpoch > s.totalIters {
		return s.g.LR, nil
	}
	d := s.end - s.start
	return s.g.LR * (1.0 + d/(float64(s.totalIters)*s.start+float64(s.lastEpoch-1)*d)), nil
}

func (s *LinearLR) closedFormLR() float64 {
	return s.baseLR * (s.start + (s.end-s.start)*float64(min(s.totalIters, s.lastEpoch))/float64(s.totalIters))
}

// ExponentialLR is torch's ExponentialLR: multiply by gamma every step.
type ExponentialLR struct {
	lrScheduler
	gamma float64
}

// NewExponentialLR attaches torch's ExponentialLR; gamma >= 0.
func NewExponentialLR(g *Group, gamma float64) (*ExponentialLR, error) {
	if err := checkNonNegative("ExponentialLR", "gamma", gamma); err != nil {
		return nil, err
	}
	s := &ExponentialLR{gamma: gamma}
	return s, s.attach("ExponentialLR", g, s)
}

func (s *ExponentialLR) getLR() (float64, error) {
	if s.lastEpoch == 0 {
		return s.g.LR, nil
	}
	return s.g.LR * s.gamma, nil
}

func (s *ExponentialLR) closedFormLR() float64 {
	return s.baseLR * math.Pow(s.gamma, float64(s.lastEpoch))
}

// PolynomialLR is torch's PolynomialLR: lr * (1 - t/totalIters)^power, then constant.
type PolynomialLR struct {
	lrScheduler
	totalIters int
	power      float64
}

// NewPolynomialLR attaches torch's PolynomialLR; totalIters >= 1, power >= 0.
func NewPolynomialLR(g *Group, totalIters int, power float64) (*PolynomialLR, error) {
	if totalIters < 1 {
		return nil, fmt.Errorf("PolynomialLR: total_iters=%d must be an integer >= 1", totalIters)
	}
	if err := checkNonNegative("PolynomialLR", "power", power); err != nil {
		return nil, err
	}
	s := &PolynomialLR{totalIters: totalIters, power: power}
	return s, s.attach("PolynomialLR", g, s)
}

func (s *PolynomialLR) getLR() (float64, error) {
	if s.lastEpoch == 0 || s.lastEpoch > s.totalIters {
		return s.g.LR, nil
	}
	n := float64(s.totalIters)
	decay := math.Pow((1.0-float64(s.lastEpoch)/n)/(1.0-float64(s.lastEpoch-1)/n), s.power)
	return s.g.LR * decay, nil
}

func (s *PolynomialLR) closedFormLR() float64 {
	return s.baseLR * math.Pow(1.0-float64(min(s.totalIters, s.lastEpoch))/float64(s.totalIters), s.power)
}

// CosineAnnealingLR is torch's CosineAnnealingLR in its recursive form, which equals the closed
// form eta_min + (base - eta_min)(1 + cos(pi t / T_max))/2 only while nothing else changes the
// rate; past T_max it keeps following the recursion (the rate climbs back up, and its values
// differ from the closed form in the last digits).
type CosineAnnealingLR struct {
	lrScheduler
	tMax   int
	etaMin float64
}

// NewCosineAnnealingLR attaches torch's CosineAnnealingLR; tMax >= 1, etaMin finite.
func NewCosineAnnealingLR(g *Group, tMax int, etaMin float64) (*CosineAnnealingLR, error) {
	if tMax < 1 {
		return nil, fmt.Errorf("CosineAnnealingLR: T_max=%d must be an integer >= 1", tMax)
	}
	if err := checkFinite("CosineAnnealingLR", "eta_min", etaMin); err != nil {
		return nil, err
	}
	s := &CosineAnnealingLR{tMax: tMax, etaMin: etaMin}
	return s, s.attach("CosineAnnealingLR", g, s)
}

func (s *CosineAnnealingLR) getLR() (float64, error) {
	t, tMax := float64(s.lastEpoch), float64(s.tMax)
	switch {
	case s.lastEpoch == 0:
		return s.g.LR, nil
	case s.stepCount == 1 && s.lastEpoch > 0:
		return s.etaMin + (s.baseLR-s.etaMin)*(1+math.Cos(t*math.Pi/tMax))/2, nil
	case floorMod(s.lastEpoch-1-s.tMax, 2*s.tMax) == 0:
		return s.g.LR + (s.baseLR-s.etaMin)*(1-math.Cos(math.Pi/tMax))/2, nil
	}
	return (1+math.Cos(math.Pi*t/tMax))/(1+math.Cos(math.Pi*(t-1)/tMax))*(s.g.LR-s.etaMin) + s.etaMin, nil
}

func (s *CosineAnnealingLR) closedFormLR() float64 {
	return s.etaMin + (s.baseLR-s.etaMin)*(1+math.Cos(math.Pi*float64(s.lastEpoch)/float64(s.tMax)))/2
}

// floorDiv and floorMod are Python's // and % on integers (rounding toward -inf).
func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int) int { return a - b*floorDiv(a, b) }

func checkNonNegative(who, name string, v float64) error {
	if err := checkFinite(who, name, v); err != nil {
		return err
	}
	if v < 0 {
		return fmt.Errorf("%s: %s=%v must be >= 0", who, name, v)
	}
	return nil
}
