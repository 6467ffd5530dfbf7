package schedule

import (
	"fmt"
	"math"
	"sort"
)

// This file has optax's schedules (optax.schedules, 0.2.x): pure functions of the step count,
// evaluated in float64. Where optax quietly turns a degenerate argument into a constant
// schedule (transition_steps <= 0, decay_rate == 0) the same happens here, as documented per
// function; arguments optax would silently clip (a negative transition_begin) or that give NaN
// (empty interpolation intervals) are errors instead.

// Linear is optax.linear_schedule: init for k < begin, then linear to end over transitionSteps
// steps, then end. transitionSteps == 0 gives the constant init (as in optax).
func Linear(init, end float64, transitionSteps, transitionBegin int) (Schedule, error) {
	return polynomial("Linear", init, end, 1, transitionSteps, transitionBegin)
}

// Polynomial is optax.polynomial_schedule:
// (init - end) * (1 - clip(k - begin, 0, T)/T)^power + end. T == 0 gives the constant init.
func Polynomial(init, end, power float64, transitionSteps, transitionBegin int) (Schedule, error) {
	return polynomial("Polynomial", init, end, power, transitionSteps, transitionBegin)
}

func polynomial(who string, init, end, power float64, steps, begin int) (Schedule, error) {
	for _, p := range []struct {
		n string
		v float64
	}{{"init_value", init}, {"end_value", end}, {"power", power}} {
		if err := checkFinite(who, p.n, p.v); err != nil {
			return nil, err
		}
	}
	if err := checkSteps(who, steps, begin); err != nil {
		return nil, err
	}
	if steps == 0 {
		return Constant(init), nil
	}
	return Func(func(k int) float64 {
		c := min(max(k-begin, 0), steps)
		frac := 1 - float64(c)/float64(steps)
		return (init-end)*math.Pow(frac, power) + end
	}), nil
}

func checkSteps(who string, steps, begin int) error {
	if steps < 0 {
		return fmt.Errorf("%s: transition_steps=%d must be >= 0 (0 means constant)", who, steps)
	}
	if begin < 0 {
		return fmt.Errorf("%s: transition_begin=%d must be >= 0", who, begin)
	}
	return nil
}

// WarmupConstant is optax.warmup_constant_schedule: linear from init to peak over warmupSteps,
// then peak.
func WarmupConstant(init, peak float64, warmupSteps int) (Schedule, error) {
	return polynomial("WarmupConstant", init, peak, 1, warmupSteps, 0)
}

// CosineDecay is optax.cosine_decay_schedule:
// init * ((1 - alpha) * (0.5 (1 + cos(pi min(k, T)/T)))^exponent + alpha); decaySteps >= 1.
func CosineDecay(init float64, decaySteps int, alpha, exponent float64) (Schedule, error) {
	const who = "CosineDecay"
	if decaySteps < 1 {
		return nil, fmt.Errorf("%s: decay_steps=%d must be >= 1", who, decaySteps)
	}
	for _, p := range []struct {
		n string
		v float64
	}{{"init_value", init}, {"alpha", alpha}, {"exponent", exponent}} {
		if err := checkFinite(who, p.n, p.v); err != nil {
			return nil, err
		}
	}
	t := float64(decaySteps)
	return Func(func(k int) float64 {
		c := math.Min(float64(k), t)
		cd := 0.5 * (1 + math.Cos(math.Pi*c/t))
		return init * ((1-alpha)*math.Pow(cd, exponent) + alpha)
	}), nil
}

// ExponentialDecayConfig holds optax.exponential_decay's arguments.
type ExponentialDecayConfig struct {
	Init            float64
	TransitionSteps int     // > 0; 0 gives the constant Init (as in optax)
	DecayRate       float64 // >= 0; 0 gives the constant Init (as in optax)
	TransitionBegin int
	Staircase       bool     // decay by whole periods: floor((k - begin)/T)
	EndValue        *float64 // a lower bound when DecayRate < 1, an upper bound otherwise
}

// ExponentialDecay is optax.exponential_decay: init for k <= begin, then
// init * rate^((k - begin)/T) (the exponent floored with Staircase), clipped at EndValue.
func ExponentialDecay(c ExponentialDecayConfig) (Schedule, error) {
	const who = "ExponentialDecay"
	if err := checkFinite(who, "init_value", c.Init); err != nil {
		return nil, err
	}
	if err := checkNonNegative(who, "decay_rate", c.DecayRate); err != nil {
		return nil, err
	}
	if err := checkSteps(who, c.TransitionSteps, c.TransitionBegin); err != nil {
		return nil, err
	}
	if c.EndValue != nil {
		if err := checkFinite(who, "end_value", *c.EndValue); err != nil {
			return nil, err
		}
	}
	if c.TransitionSteps == 0 || c.DecayRate == 0 {
		return Constant(c.Init), nil
	}
	return Func(func(k int) float64 {
		d := k - c.TransitionBegin
		p := float64(d) / float64(c.TransitionSteps)
		if c.Staircase {
			p = math.Floor(p)
		}
		v := c.Init
		if d > 0 {
			v = c.Init * math.Pow(c.DecayRate, p)
		}
		if c.EndValue != nil {
			if c.DecayRate < 1 {
				v = math.Max(v, *c.EndValue)
			} else {
				v = math.Min(v, *c.EndValue)
			}
		}
		return v
	}), nil
}

// WarmupExponentialDecay is optax.warmup_exponential_decay_schedule: linear from init to
// c.Init (the peak) over warmupSteps, then [ExponentialDecay] of c restarted at 0.
func WarmupExponentialDecay(init float64, warmupSteps int, c ExponentialDecayConfig) (Schedule, error) {
	warm, err := polynomial("WarmupExponentialDecay", init, c.Init, 1, warmupSteps, 0)
	if err != nil {
		return nil, err
	}
	decay, err := ExponentialDecay(c)
	if err != nil {
		return nil, err
	}
	return Join([]Schedule{warm, decay}, []int{warmupSteps})
}

// WarmupCosineDecay is optax.warmup_cosine_decay_schedule: linear from init to peak over
// warmupSteps, then cosine decay from peak with alpha = end/peak over decaySteps - warmupSteps
// steps (decaySteps counts the warmup), with the given exponent (optax's default is 1).
func WarmupCosineDecay(init, peak float64, warmupSteps, decaySteps int, end, exponent float64) (Schedule, error) {
	const who = "WarmupCosineDecay"
	if err := checkFinite(who, "end_value", end); err != nil {
		return nil, err
	}
	if decaySteps <= warmupSteps {
		return nil, fmt.Errorf("%s: decay_steps=%d must be > warmup_steps=%d (it includes the warmup)", who, decaySteps, warmupSteps)
	}
	warm, err := polynomial(who, init, peak, 1, warmupSteps, 0)
	if err != nil {
		return nil, err
	}
	alpha := 0.0
	if peak != 0 {
		alpha = end / peak
	}
	decay, err := CosineDecay(peak, decaySteps-warmupSteps, alpha, exponent)
	if err != nil {
		return nil, err
	}
	return Join([]Schedule{warm, decay}, []int{warmupSteps})
}

// WarmupCosineConfig is one cycle of [SGDR]: the arguments of [WarmupCosineDecay].
type WarmupCosineConfig struct {
	Init, Peak              float64
	WarmupSteps, DecaySteps int
	End                     float64
	Exponent                float64 // optax's default is 1
}

// SGDR is optax.sgdr_schedule: the cycles' warmup-cosine schedules joined one after the other,
// each lasting its DecaySteps.
func SGDR(cycles []WarmupCosineConfig) (Schedule, error) {
	if len(cycles) == 0 {
		return nil, fmt.Errorf("SGDR: needs at least one cycle")
	}
	var parts []Schedule
	var bounds []int
	step := 0
	for i, c := range cycles {
		s, err := WarmupCosineDecay(c.Init, c.Peak, c.WarmupSteps, c.DecaySteps, c.End, c.Exponent)
		if err != nil {
			return nil, fmt.Errorf("SGDR: cycle %d: %w", i, err)
		}
		parts = append(parts, s)
		step += c.DecaySteps
		bounds = append(bounds, step)
	}
	return Join(parts, bounds[:len(bounds)-1])
}

// Join is optax.join_schedules: schedules[0] before boundaries[0], then schedules[i+1]
// evaluated at k - boundaries[i] from boundaries[i] on.
func Join(schedules []Schedule, boundaries []int) (Schedule, error) {
	if len(schedules) == 0 || len(boundaries) != len(schedules)-1 {
		return nil, fmt.Errorf("Join: needs one boundary fewer than schedules: got %d schedules and %d boundaries", len(schedules), len(boundaries))
	}
	for i, s := range schedules {
		if s == nil {
			return nil, fmt.Errorf("Join: schedule %d is nil", i)
		}
	}
	if !sort.IntsAreSorted(boundaries) {
		return nil, fmt.Errorf("Join: boundaries %v must be non-decreasing", boundaries)
	}
	ss, bs := append([]Schedule(nil), schedules...), append([]int(nil), boundaries...)
	return Func(func(k int) float64 {
		v := ss[0].Value(k)
		for i, b := range bs {
			if k >= b {
				v = ss[i+1].Value(k - b)
			}
		}
		return v
	}), nil
}

// PiecewiseConstant is optax.piecewise_constant_schedule: init times the product of the scales
// of all boundaries b <= k. Scales must be >= 0.
func PiecewiseConstant(init float64, boundariesAndScales map[int]float64) (Schedule, error) {
	bounds, scales, err := sortedScales("PiecewiseConstant", init, boundariesAndScales)
	if err != nil {
		return nil, err
	}
	return Func(func(k int) float64 {
		v := init
		for i, b := range bounds {
			if k >= b {
				v = scales[i] * v
			}
		}
		return v
	}), nil
}

func sortedScales(who string, init float64, m map[int]float64) (bounds []int, scales []float64, err error) {
	if err := checkFinite(who, "init_value", init); err != nil {
		return nil, nil, err
	}
	for b := range m {
		bounds = append(bounds, b)
	}
	sort.Ints(bounds)
	for _, b := range bounds {
		s := m[b]
		if err := checkNonNegative(who, fmt.Sprintf("scale at boundary %d", b), s); err != nil {
			return nil, nil, err
		}
		scales = append(scales, s)
	}
	return bounds, scales, nil
}

// PiecewiseInterpolate is optax.piecewise_interpolate_schedule: the value at boundary b_i is
// init times the product of the scales of boundaries <= b_i, interpolated in between
// ("linear" or "cosine") from step 0 on, and the last value from the last boundary on (0 for
// negative steps). Boundaries must be >= 1 (a boundary at 0 makes optax return NaN).
func PiecewiseInterpolate(kind string, init float64, boundariesAndScales map[int]float64) (Schedule, error) {
	const who = "PiecewiseInterpolate"
	var interp func(start, end, pct float64) float64
	switch kind {
	case "linear":
		interp = func(start, end, pct float64) float64 { return (end-start)*pct + start }
	case "cosine":
		interp = func(start, end, pct float64) float64 { return end + (start-end)/2.0*(math.Cos(math.Pi*pct)+1) }
	default:
		return nil, fmt.Errorf("%s: interpolate_type=%q must be \"linear\" or \"cosine\"", who, kind)
	}
	bs, scales, err := sortedScales(who, init, boundariesAndScales)
	if err != nil {
		return nil, err
	}
	if len(bs) > 0 && bs[0] < 1 {
		return nil, fmt.Errorf("%s: boundary %d must be >= 1 (optax gives NaN for an empty first interval)", who, bs[0])
	}
	bounds := append([]int{0}, bs...)
	values := []float64{init}
	for i, s := range scales {
		values = append(values, values[i]*s)
	}
	last := len(bounds) - 1
	return Func(func(k int) float64 {
		if k >= bounds[last] {
			return values[last]
		}
		for i := range last {
			if bounds[i] <= k && k < bounds[i+1] {
				pct := float64(k-bounds[i]) / float64(bounds[i+1]-bounds[i])
				return interp(values[i], values[i+1], pct)
			}
		}
		return 0 // k < 0: no interval holds it, as in optax
	}), nil
}

// LinearOneCycle is optax.linear_onecycle_schedule: linear from peak/div up to peak at
// int(pctStart*T), back to peak/div at int(pctFinal*T), then down to
// peak/(div*finalDiv) at T. Optax's defaults: pctStart 0.3, pctFinal 0.85, div 25,
// finalDiv 1e4.
func LinearOneCycle(transitionSteps int, peak, pctStart, pctFinal, div, finalDiv float64) (Schedule, error) {
	const who = "LinearOneCycle"
	if err := checkOneCycle(who, transitionSteps, peak, div, finalDiv, pctStart, pctFinal); err != nil {
		return nil, err
	}
	t := float64(transitionSteps)
	m := map[int]float64{}
	// In optax's dict literal a later key overwrites an equal earlier one.
	m[int(pctStart*t)] = div
	m[int(pctFinal*t)] = 1.0 / div
	m[transitionSteps] = 1.0 / finalDiv
	s, err := PiecewiseInterpolate("linear", peak/div, m)
	if err != nil {
		return nil, fmt.Errorf("%s: int(pct_start*transition_steps) must be >= 1: %w", who, err)
	}
	return s, nil
}

// CosineOneCycle is optax.cosine_onecycle_schedule: cosine from peak/div up to peak at
// int(pctStart*T), then down to peak/(div*finalDiv) at T. Optax's defaults: pctStart 0.3,
// div 25, finalDiv 1e4.
func CosineOneCycle(transitionSteps int, peak, pctStart, div, finalDiv float64) (Schedule, error) {
	const who = "CosineOneCycle"
	if err := checkOneCycle(who, transitionSteps, peak, div, finalDiv, pctStart); err != nil {
		return nil, err
	}
	m := map[int]float64{}
	m[int(pctStart*float64(transitionSteps))] = div
	m[transitionSteps] = 1.0 / (div * finalDiv)
	s, err := PiecewiseInterpolate("cosine", peak/div, m)
	if err != nil {
		return nil, fmt.Errorf("%s: int(pct_start*transition_steps) must be >= 1: %w", who, err)
	}
	return s, nil
}

func checkOneCycle(who string, steps int, peak, div, finalDiv float64, pcts ...float64) error {
	if steps < 1 {
		return fmt.Errorf("%s: transition_steps=%d must be >= 1", who, steps)
	}
	if err := checkFinite(who, "peak_value", peak); err != nil {
		return err
	}
	for _, p := range []struct {
		n string
		v float64
	}{{"div_factor", div}, {"final_div_factor", finalDiv}} {
		if !(p.v > 0) || math.IsInf(p.v, 0) {
			return fmt.Errorf("%s: %s=%v must be a finite number > 0", who, p.n, p.v)
		}
	}
	for _, p := range pcts {
		if !(p >= 0 && p <= 1) {
			return fmt.Errorf("%s: pct=%v must be in [0, 1]", who, p)
		}
	}
	return nil
}
