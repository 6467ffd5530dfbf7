package optim

import (
	"fmt"
	"math"
)

// LBFGSClosure evaluates the objective at x and returns the loss and its gradient (a new slice
// of len(x)). It must not keep or modify x: the optimizer reuses it.
type LBFGSClosure func(x []float64) (loss float64, grad []float64)

// LBFGSConfig holds torch.optim.LBFGS's constructor arguments. Start from
// [DefaultLBFGSConfig]: its values are torch's defaults.
type LBFGSConfig struct {
	// LR is torch's lr: the initial step length of each iteration (default 1).
	LR float64
	// MaxIter is the number of L-BFGS iterations per Step (default 20).
	MaxIter int
	// MaxEval caps the closure evaluations per Step; 0 means torch's default MaxIter*5/4.
	MaxEval int
	// ToleranceGrad stops a Step once max|g| <= ToleranceGrad (default 1e-7).
	ToleranceGrad float64
	// ToleranceChange stops a Step when the loss or the step changes by less (default 1e-9).
	ToleranceChange float64
	// HistorySize is the number of (s, y) pairs kept (default 100).
	HistorySize int
	// LineSearchFn is "" (fixed step LR) or "strong_wolfe".
	LineSearchFn string
}

// DefaultLBFGSConfig returns torch.optim.LBFGS's defaults.
func DefaultLBFGSConfig() LBFGSConfig {
	return LBFGSConfig{LR: 1, MaxIter: 20, ToleranceGrad: 1e-7, ToleranceChange: 1e-9, HistorySize: 100}
}

// LBFGS is torch.optim.LBFGS (limited-memory BFGS, after minFunc) for a flat float64 parameter
// vector, reproducing torch's lbfgs.py step for step: the same two-loop recursion, the same
// curvature test (y·s > 1e-10), the same first step min(1, 1/‖g‖₁)·lr, and with
// LineSearchFn "strong_wolfe" the same bracketing and zoom with cubic interpolation
// (c1=1e-4, c2=0.9, at most 25 evaluations, bracket tolerance 1e-9).
//
// Unlike the gradient transformations of this package, LBFGS needs the objective itself, so it
// is driven by a closure, like torch's optimizer.step(closure).
type LBFGS struct {
	cfg LBFGSConfig
	// dot is the dot product of every step; tests swap in other summation orders (as BLAS
	// kernels use) to measure how far float64 rounding alone moves the iterates.
	dot func(a, b []float64) float64

	// State carried between Steps (torch keeps the same in optimizer.state).
	funcEvals, nIter int
	d                []float64
	t                float64
	oldDirs, oldStps [][]float64 // y_i and s_i, oldest first
	ro               []float64   // 1 / (y_i · s_i)
	hDiag            float64
	prevFlatGrad     []float64
	prevLoss         float64
}

// NewLBFGS validates cfg and returns an LBFGS optimizer.
func NewLBFGS(cfg LBFGSConfig) (*LBFGS, error) {
	if cfg.MaxEval == 0 {
		cfg.MaxEval = cfg.MaxIter * 5 / 4
	}
	switch {
	case !(cfg.LR >= 0) || math.IsInf(cfg.LR, 0):
		return nil, fmt.Errorf("optim: LBFGS lr=%v: must be a finite number >= 0", cfg.LR)
	case cfg.MaxIter < 1:
		return nil, fmt.Errorf("optim: LBFGS max_iter=%d: must be >= 1", cfg.MaxIter)
	case cfg.MaxEval < 1:
		return nil, fmt.Errorf("optim: LBFGS max_eval=%d: must be >= 1 (0 selects max_iter*5/4)", cfg.MaxEval)
	case !(cfg.ToleranceGrad >= 0):
		return nil, fmt.Errorf("optim: LBFGS tolerance_grad=%v: must be >= 0", cfg.ToleranceGrad)
	case !(cfg.ToleranceChange >= 0):
		return nil, fmt.Errorf("optim: LBFGS tolerance_change=%v: must be >= 0", cfg.ToleranceChange)
	case cfg.HistorySize < 1:
		return nil, fmt.Errorf("optim: LBFGS history_size=%d: must be >= 1", cfg.HistorySize)
	case cfg.LineSearchFn != "" && cfg.LineSearchFn != "strong_wolfe":
		return nil, fmt.Errorf("optim: LBFGS line_search_fn=%q: must be \"\" (none) or \"strong_wolfe\"", cfg.LineSearchFn)
	}
	return &LBFGS{cfg: cfg, dot: lbfgsDot}, nil
}

// Config returns the configuration in force (MaxEval resolved).
func (o *LBFGS) Config() LBFGSConfig { return o.cfg }

// FuncEvals returns the number of closure evaluations over all Steps so far.
func (o *LBFGS) FuncEvals() int { return o.funcEvals }

// Iterations returns the number of L-BFGS iterations over all Steps so far.
func (o *LBFGS) Iterations() int { return o.nIter }

// Step runs up to MaxIter L-BFGS iterations on x in place, exactly like torch's
// LBFGS.step(closure), and returns the loss at x before the Step.
func (o *LBFGS) Step(x []float64, closure LBFGSClosure) (loss float64, err error) {
	defer func() {
		if p := recover(); p != nil {
			ce, ok := p.(lbfgsClosureError)
			if !ok {
				panic(p)
			}
			loss, err = 0, ce.err
		}
	}()
	cfg := o.cfg
	eval := func(at []float64) (float64, []float64, error) {
		loss, g := closure(at)
		if len(g) != len(x) {
			return 0, nil, fmt.Errorf("optim: LBFGS closure returned a gradient of length %d for %d parameters", len(g), len(x))
		}
		return loss, g, nil
	}
	if o.prevFlatGrad != nil && len(o.prevFlatGrad) != len(x) {
		return 0, fmt.Errorf("optim: LBFGS Step with %d parameters, the previous Steps had %d", len(x), len(o.prevFlatGrad))
	}

	origLoss, flatGrad, err := eval(x)
	if err != nil {
		return 0, err
	}
	loss = origLoss
	currentEvals := 1
	o.funcEvals++
	if lbfgsMaxAbs(flatGrad) <= cfg.ToleranceGrad {
		return origLoss, nil
	}

	for nIter := 1; nIter <= cfg.MaxIter; nIter++ {
		o.nIter++

		// Direction: steepest descent on the very first iteration, else the two-loop recursion.
		if o.nIter == 1 {
			o.d = lbfgsScaled(-1, flatGrad)
			o.oldDirs, o.oldStps, o.ro = nil, nil, nil
			o.hDiag = 1
		} else {
			y := make([]float64, len(x))
			for i := range y {
				y[i] = flatGrad[i] - o.prevFlatGrad[i]
			}
			s := lbfgsScaled(o.t, o.d)
			if ys := o.dot(y, s); ys > 1e-10 {
				if len(o.oldDirs) == cfg.HistorySize {
					o.oldDirs, o.oldStps, o.ro = o.oldDirs[1:], o.oldStps[1:], o.ro[1:]
				}
				o.oldDirs = append(o.oldDirs, y)
				o.oldStps = append(o.oldStps, s)
				o.ro = append(o.ro, 1/ys)
				o.hDiag = ys / o.dot(y, y)
			}
			al := make([]float64, len(o.oldDirs))
			q := lbfgsScaled(-1, flatGrad)
			for i := len(o.oldDirs) - 1; i >= 0; i-- {
				al[i] = o.dot(o.oldStps[i], q) * o.ro[i]
				lbfgsAxpy(-al[i], o.oldDirs[i], q)
			}
			r := lbfgsScaled(o.hDiag, q)
			for i := range o.oldDirs {
				be := o.dot(o.oldDirs[i], r) * o.ro[i]
				lbfgsAxpy(al[i]-be, o.oldStps[i], r)
			}
			o.d = r
		}
		o.prevFlatGrad = append(o.prevFlatGrad[:0], flatGrad...)
		o.prevLoss = loss

		// Step length: the first iteration ever is scaled down by the gradient's L1 norm.
		if o.nIter == 1 {
			o.t = math.Min(1, 1/lbfgsSumAbs(flatGrad)) * cfg.LR
		} else {
			o.t = cfg.LR
		}
		gtd := o.dot(flatGrad, o.d)
		if gtd > -cfg.ToleranceChange {
			break
		}

		lsEvals := 0
		var optCond bool
		if cfg.LineSearchFn == "strong_wolfe" {
			x0 := append([]float64(nil), x...)
			trial := make([]float64, len(x))
			obj := func(t float64) (float64, []float64, error) {
				for i := range trial {
					trial[i] = math.FMA(t, o.d[i], x0[i]) // torch: x.add_(d, alpha=t)
				}
				return eval(trial)
			}
			loss, flatGrad, o.t, lsEvals, err = lbfgsStrongWolfe(obj, o.dot, o.t, o.d, loss, flatGrad, gtd)
			if err != nil {
				return 0, err
			}
			lbfgsAxpy(o.t, o.d, x)
			optCond = lbfgsMaxAbs(flatGrad) <= cfg.ToleranceGrad
		} else {
			lbfgsAxpy(o.t, o.d, x)
			if nIter != cfg.MaxIter {
				// Like torch, no evaluation after the last iteration: the next Step does it.
				if loss, flatGrad, err = eval(x); err != nil {
					return 0, err
				}
				optCond = lbfgsMaxAbs(flatGrad) <= cfg.ToleranceGrad
				lsEvals = 1
			}
		}
		currentEvals += lsEvals
		o.funcEvals += lsEvals

		if nIter == cfg.MaxIter || currentEvals >= cfg.MaxEval || optCond {
			break
		}
		if lbfgsMaxAbs(lbfgsScaled(o.t, o.d)) <= cfg.ToleranceChange { // lack of progress in x
			break
		}
		if math.Abs(loss-o.prevLoss) < cfg.ToleranceChange { // lack of progress in the loss
			break
		}
	}
	return origLoss, nil
}

// Strong-Wolfe constants of torch's _strong_wolfe (LBFGS does not pass its own).
const (
	wolfeC1              = 1e-4
	wolfeC2              = 0.9
	wolfeToleranceChange = 1e-9
	wolfeMaxEvals        = 25
)

// lbfgsStrongWolfe is torch's _strong_wolfe (a port of minFunc/optim's lswolfe): bracket a step
// length satisfying the strong Wolfe conditions along d from f, g (gtd = g·d), then zoom in by
// safeguarded cubic interpolation. It returns the loss, gradient and step of the best point
// found and the number of evaluations.
func lbfgsStrongWolfe(obj func(t float64) (float64, []float64, error), dot func(a, b []float64) float64, t float64, d []float64,
	f float64, g []float64, gtd float64) (float64, []float64, float64, int, error) {
	dNorm := lbfgsMaxAbs(d)
	fNew, gNew, err := obj(t)
	if err != nil {
		return 0, nil, 0, 0, err
	}
	evals := 1
	gtdNew := dot(gNew, d)

	// Bracketing phase.
	tPrev, fPrev, gPrev, gtdPrev := 0.0, f, g, gtd
	var bracket, bracketF, bracketGtd [2]float64
	var bracketG [2][]float64
	single, done := false, false // single: the bracket is one point, t itself
	lsIter := 0
	for lsIter < wolfeMaxEvals {
		if fNew > f+wolfeC1*t*gtd || (lsIter > 1 && fNew >= fPrev) {
			bracket, bracketF, bracketG, bracketGtd = [2]float64{tPrev, t}, [2]float64{fPrev, fNew}, [2][]float64{gPrev, gNew}, [2]float64{gtdPrev, gtdNew}
			break
		}
		if math.Abs(gtdNew) <= -wolfeC2*gtd {
			bracket[0], bracketF[0], bracketG[0] = t, fNew, gNew
			single, done = true, true
			break
		}
		if gtdNew >= 0 {
			bracket, bracketF, bracketG, bracketGtd = [2]float64{tPrev, t}, [2]float64{fPrev, fNew}, [2][]float64{gPrev, gNew}, [2]float64{gtdPrev, gtdNew}
			break
		}
		// Extrapolate: the cubic minimiser, kept within [t + 0.01 (t - tPrev), 10 t].
		minStep := t + 0.01*(t-tPrev)
		maxStep := t * 10
		tmp := t
		t = lbfgsCubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, &[2]float64{minStep, maxStep})
		tPrev, fPrev, gPrev, gtdPrev = tmp, fNew, gNew, gtdNew
		if fNew, gNew, err = obj(t); err != nil {
			return 0, nil, 0, 0, err
		}
		evals++
		gtdNew = dot(gNew, d)
		lsIter++
	}
	if lsIter == wolfeMaxEvals {
		bracket, bracketF, bracketG = [2]float64{0, t}, [2]float64{f, fNew}, [2][]float64{g, gNew}
		single = false
	}

	// Zoom phase: shrink the bracket until a point satisfies the strong Wolfe conditions.
	lowPos, highPos := 0, 1
	if single {
		lowPos = 0 // torch compares bracket_f[0] with bracket_f[-1], the same element
	} else if bracketF[0] > bracketF[1] {
		lowPos, highPos = 1, 0
	}
	insufProgress := false
	for !done && lsIter < wolfeMaxEvals {
		if math.Abs(bracket[1]-bracket[0])*dNorm < wolfeToleranceChange {
			break
		}
		t = lbfgsCubicInterpolate(bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1], nil)

		// A point too close to the bracket's ends makes little progress: after two such
		// points in a row (or one at an end), move it 10% of the bracket inside.
		hi, lo := math.Max(bracket[0], bracket[1]), math.Min(bracket[0], bracket[1])
		eps := 0.1 * (hi - lo)
		if math.Min(hi-t, t-lo) < eps {
			if insufProgress || t >= hi || t <= lo {
				if math.Abs(t-hi) < math.Abs(t-lo) {
					t = hi - eps
				} else {
					t = lo + eps
				}
				insufProgress = false
			} else {
				insufProgress = true
			}
		} else {
			insufProgress = false
		}

		if fNew, gNew, err = obj(t); err != nil {
			return 0, nil, 0, 0, err
		}
		evals++
		gtdNew = dot(gNew, d)
		lsIter++

		if fNew > f+wolfeC1*t*gtd || fNew >= bracketF[lowPos] {
			// Armijo fails or no lower than the low end: t becomes the high end.
			bracket[highPos], bracketF[highPos], bracketG[highPos], bracketGtd[highPos] = t, fNew, gNew, gtdNew
			lowPos, highPos = 0, 1
			if bracketF[0] > bracketF[1] {
				lowPos, highPos = 1, 0
			}
		} else {
			if math.Abs(gtdNew) <= -wolfeC2*gtd {
				done = true
			} else if gtdNew*(bracket[highPos]-bracket[lowPos]) >= 0 {
				bracket[highPos], bracketF[highPos], bracketG[highPos], bracketGtd[highPos] = bracket[lowPos], bracketF[lowPos], bracketG[lowPos], bracketGtd[lowPos]
			}
			bracket[lowPos], bracketF[lowPos], bracketG[lowPos], bracketGtd[lowPos] = t, fNew, gNew, gtdNew
		}
	}
	return bracketF[lowPos], append([]float64(nil), bracketG[lowPos]...), bracket[lowPos], evals, nil
}

// lbfgsCubicInterpolate returns the minimiser of the cubic through (x1, f1) and (x2, f2) with
// slopes g1, g2, clamped to bounds (default: the interval between x1 and x2); when the cubic
// has no real minimiser, the bounds' midpoint. This is torch's _cubic_interpolate.
func lbfgsCubicInterpolate(x1, f1, g1, x2, f2, g2 float64, bounds *[2]float64) float64 {
	var lo, hi float64
	if bounds != nil {
		lo, hi = bounds[0], bounds[1]
	} else if x1 <= x2 {
		lo, hi = x1, x2
	} else {
		lo, hi = x2, x1
	}
	d1 := g1 + g2 - 3*(f1-f2)/(x1-x2)
	d2Square := d1*d1 - g1*g2
	if d2Square < 0 {
		return (lo + hi) / 2
	}
	d2 := math.Sqrt(d2Square)
	var minPos float64
	if x1 <= x2 {
		minPos = x2 - (x2-x1)*((g2+d2-d1)/(g2-g1+2*d2))
	} else {
		minPos = x1 - (x1-x2)*((g1+d2-d1)/(g1-g2+2*d2))
	}
	// Python's min(max(p, lo), hi), NaN handling included.
	return lbfgsPyMin(lbfgsPyMax(minPos, lo), hi)
}

// lbfgsPyMax and pyMin follow Python's max/min on two floats: the first argument wins unless the
// second compares strictly greater (smaller), so a NaN first argument is kept.
func lbfgsPyMax(a, b float64) float64 {
	if b > a {
		return b
	}
	return a
}

func lbfgsPyMin(a, b float64) float64 {
	if b < a {
		return b
	}
	return a
}

// lbfgsDot sums in order, as the reference BLAS's ddot (torch's a.dot(b) in float64) does.
func lbfgsDot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// lbfgsAxpy sets y += alpha*x with one rounding per element (a fused multiply-add), as torch's
// y.add_(x, alpha=alpha) does on the CPU.
func lbfgsAxpy(alpha float64, x, y []float64) {
	for i := range y {
		y[i] = math.FMA(alpha, x[i], y[i])
	}
}

func lbfgsScaled(alpha float64, x []float64) []float64 {
	out := make([]float64, len(x))
	for i := range x {
		out[i] = alpha * x[i]
	}
	return out
}

// lbfgsMaxAbs is torch's x.abs().max(): a NaN anywhere gives NaN.
func lbfgsMaxAbs(x []float64) float64 {
	m := 0.0
	for _, v := range x {
		if math.IsNaN(v) {
			return v
		}
		m = math.Max(m, math.Abs(v))
	}
	return m
}

func lbfgsSumAbs(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += math.Abs(v)
	}
	return s
}

// NewLBFGSFromKwargs builds torch.optim.LBFGS from PyTorch's keyword arguments with PyTorch's
// defaults: lr, max_iter, max_eval (null: max_iter*5/4), tolerance_grad, tolerance_change,
// history_size, line_search_fn (null or "strong_wolfe"). Unknown keywords are errors that list
// the accepted ones.
func NewLBFGSFromKwargs(kwargs map[string]any) (*LBFGS, error) {
	k := NewKwargs(Torch, "LBFGS", kwargs)
	c := DefaultLBFGSConfig()
	c.LR = k.Float("lr", c.LR)
	c.MaxIter = k.Int("max_iter", c.MaxIter)
	c.MaxEval = k.Int("max_eval", 0)
	c.ToleranceGrad = k.Float("tolerance_grad", c.ToleranceGrad)
	c.ToleranceChange = k.Float("tolerance_change", c.ToleranceChange)
	c.HistorySize = k.Int("history_size", c.HistorySize)
	c.LineSearchFn = k.String("line_search_fn", "")
	if err := firstErr(k.Err(), k.checkUnknown()); err != nil {
		return nil, err
	}
	if k.Has("max_eval") && c.MaxEval == 0 {
		return nil, fmt.Errorf("optim: LBFGS max_eval=0: must be >= 1 (null selects max_iter*5/4)")
	}
	return NewLBFGS(c)
}
