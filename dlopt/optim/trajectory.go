package optim

import (
	"fmt"
	"math"
	"slices"
)

// Trajectory is what the "run it" functions ([RunGradients], [RunFunc], [RunHostFunc]) return:
// the starting point and the parameters after each step. Iterates gives them as one list
// x0, x1, ..., the form plots take (e.g. viz.PathOf).
type Trajectory struct {
	// Shape of the parameter; X0 and the rows of Params are flattened row-major.
	Shape []int
	// X0 is the starting point (a copy of the x0 the run was given).
	X0 []float64
	// Params[t] holds the parameters after step t+1 (x_{t+1}); it does not include X0.
	Params [][]float64
	// Eval[t] holds the evaluation parameters after step t+1 (schedule-free methods, averaging);
	// nil when the optimizer has none.
	Eval [][]float64
	// NonFiniteStep is the first step (1 for the first) after which a parameter or an
	// evaluation parameter was NaN or ±Inf; 0 when every one is finite. By default the run
	// stops there (the trajectory ends at that step, with an [ErrNonFinite] error); with
	// [ContinueOnNonFinite] it goes on past it.
	NonFiniteStep int
}

// Steps is the number of steps taken, len(Params).
func (t *Trajectory) Steps() int { return len(t.Params) }

// Final returns the parameters after the last step, or X0 if there were no steps.
func (t *Trajectory) Final() []float64 {
	if len(t.Params) == 0 {
		return t.X0
	}
	return t.Params[len(t.Params)-1]
}

// Iterates returns x0, x1, ..., x_Steps: X0 followed by Params (the rows are shared, not copied).
func (t *Trajectory) Iterates() [][]float64 {
	return append([][]float64{t.X0}, t.Params...)
}

// EvalIterates returns X0 followed by Eval (the evaluation parameters start at x0 too), or nil
// when the optimizer has no evaluation parameters.
func (t *Trajectory) EvalIterates() [][]float64 {
	if t.Eval == nil {
		return nil
	}
	return append([][]float64{t.X0}, t.Eval...)
}

// RunOption changes how [RunGradients], [RunFunc] and [RunHostFunc] run. When options
// conflict, the last one given wins.
type RunOption func(*runConfig)

type runConfig struct {
	continueOnNonFinite bool
}

// ContinueOnNonFinite makes a run go on past a step whose parameters (or evaluation parameters)
// are NaN or ±Inf, only recording the first such step in Trajectory.NonFiniteStep: for figures
// that show a method diverging, where the blown-up trajectory is the point. Without it a run
// stops there with an [ErrNonFinite] error (see [StopOnNonFinite]).
func ContinueOnNonFinite() RunOption { return func(c *runConfig) { c.continueOnNonFinite = true } }

// StopOnNonFinite is the default, spelled out (it also undoes an earlier [ContinueOnNonFinite]):
// a run stops at the first step whose parameters (or evaluation parameters) are not finite and
// returns the trajectory up to and including that step with an error naming the step, the
// coordinate and, when the run knows it, the gradient fed at that step; errors.Is(err,
// ErrNonFinite) holds.
func StopOnNonFinite() RunOption { return func(c *runConfig) { c.continueOnNonFinite = false } }

func newRunConfig(opts []RunOption) runConfig {
	var c runConfig
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c
}

// checkFinite scans the steps from step from+1 on (rows from, from+1, ...). It records the first
// non-finite step in t.NonFiniteStep and, unless c.continueOnNonFinite, cuts the trajectory after that
// step and returns an error naming it. gradient(step), when not nil, gives the gradient fed at
// that step, for the message.
func (t *Trajectory) checkFinite(from int, c runConfig, optName string, gradient func(step int) []float64) error {
	if t.NonFiniteStep != 0 {
		return nil
	}
	for row := from; row < len(t.Params); row++ {
		what, i, v := "x", firstNonFinite(t.Params[row]), 0.0
		if i >= 0 {
			v = t.Params[row][i]
		} else if row < len(t.Eval) {
			if i = firstNonFinite(t.Eval[row]); i >= 0 {
				what, v = "evaluation x", t.Eval[row][i]
			}
		}
		if i < 0 {
			continue
		}
		step := row + 1
		t.NonFiniteStep = step
		if c.continueOnNonFinite {
			return nil
		}
		t.Params = t.Params[:step:step]
		if t.Eval != nil {
			t.Eval = t.Eval[:step:step]
		}
		msg := fmt.Sprintf("run %s: step %d: the parameters are no longer finite: %s[%d] = %v", optName, step, what, i, v)
		if gradient != nil {
			if g := gradient(step); g != nil {
				if j := firstNonFinite(g); j >= 0 {
					msg += fmt.Sprintf(" (the gradient fed at this step has g[%d] = %v)", j, g[j])
				} else {
					msg += " (the gradient fed at this step was finite: the optimizer diverged)"
				}
			}
		}
		return kindErrorf(ErrNonFinite, "%s", msg)
	}
	return nil
}

// firstNonFinite returns the index of the first NaN or ±Inf in v, or -1.
func firstNonFinite(v []float64) int {
	return slices.IndexFunc(v, func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) })
}
