package explore

import (
	"fmt"
	"math"
	"strings"

	"github.com/dlopt/course/dlopt/optim"
	"github.com/dlopt/course/dlopt/viz"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
)

// MomentumConfig sets up [Momentum]: F(x) = (Mu·x₁² + L·x₂²)/2 from X0, and its two sliders.
type MomentumConfig struct {
	Mu, L float64 // the eigenvalues of F's Hessian, 0 < Mu ≤ L
	X0    [2]float64
	// Steps is the number of iterations run at each redraw (the rates are measured on them);
	// Shown the number drawn on the contour plot.
	Steps, Shown int
	// Gamma and Beta are the sliders for the step size γ and the momentum β; their names are
	// what the figure shows.
	Gamma, Beta viz.Control
}

// DefaultMomentum is notebook 6's setting: μ = 1, L = 25, x₀ = (-9, 1.6), 200 steps (40 shown),
// γ from 0.002 to 0.16 (γL up to 4, the edge of heavy ball's stability region) starting at
// 0.04, β from 0 to 0.98 starting at 0.5.
func DefaultMomentum() MomentumConfig {
	return MomentumConfig{Mu: 1, L: 25, X0: [2]float64{-9, 1.6}, Steps: 200, Shown: 40,
		Gamma: viz.Slider("γ", 0.002, 0.16, 0.002, 0.04), Beta: viz.Slider("β", 0, 0.98, 0.02, 0.5)}
}

// Validate reports the first invalid field, naming its value and what is allowed.
func (c MomentumConfig) Validate() error {
	switch {
	case !(c.Mu > 0 && c.Mu <= c.L && c.L < math.Inf(1)):
		return fmt.Errorf("explore: Momentum: μ = %g, L = %g: need 0 < μ ≤ L < ∞", c.Mu, c.L)
	case math.IsNaN(c.X0[0]+c.X0[1]) || math.IsInf(c.X0[0]+c.X0[1], 0) || c.X0 == [2]float64{}:
		return fmt.Errorf("explore: Momentum: x₀ = %v: must be finite and not the minimum 0", c.X0)
	case c.Steps < 20 || c.Steps > 10000:
		return fmt.Errorf("explore: Momentum: Steps = %d: allowed are 20..10000 (the rate is fitted on them)", c.Steps)
	case c.Shown < 1 || c.Shown > c.Steps:
		return fmt.Errorf("explore: Momentum: Shown = %d: allowed are 1..Steps (%d)", c.Shown, c.Steps)
	}
	return nil
}

// Rate is a convergence rate per step: ‖x_k - x*‖ ≈ C·Rate^k.
type Rate struct{ Measured, Theory float64 }

// MomentumRun is one run of the three methods at a given γ and β.
type MomentumRun struct {
	Gamma, Beta float64
	// Iterates x_0..x_Steps of gradient descent (optim.SGD), heavy ball (optim.HeavyBall) and
	// Nesterov (optim.NAG's evaluation iterates).
	GD, HeavyBall, Nesterov [][]float64
	// Rates in the same order: measured on the iterates ([MeasuredRate]) and predicted
	// ([MomentumTheory]).
	Rates [3]Rate
}

// MomentumMethods names the three methods in the order of MomentumRun.Rates.
var MomentumMethods = [3]string{"gradient descent", "heavy ball", "Nesterov"}

// Run runs the three library optimizers for c.Steps steps at (gamma, beta) and measures their
// rates. gamma must be positive, beta in [0, 1).
func (c MomentumConfig) Run(gamma, beta float64) (*MomentumRun, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if !(gamma > 0) || math.IsInf(gamma, 0) {
		return nil, fmt.Errorf("explore: Momentum: γ = %g: must be positive and finite", gamma)
	}
	if !(beta >= 0 && beta < 1) {
		return nil, fmt.Errorf("explore: Momentum: β = %g: allowed are 0 ≤ β < 1", beta)
	}
	grad := func(x *graph.Node) *graph.Node { return graph.Mul(x, graph.Const(x.Graph(), []float64{c.Mu, c.L})) }
	run := func(opt *optim.Optimizer, eval bool) ([][]float64, error) {
		// The figure shows methods diverging (the readout marks them): a run that overflows
		// goes on to Steps and its ±Inf/NaN iterates are drawn as far as they are finite.
		traj, err := optim.RunFunc(opt, c.X0[:], []int{2}, grad, c.Steps, dtypes.Float64, optim.ContinueOnNonFinite())
		if err != nil {
			return nil, err
		}
		rows := traj.Params
		if eval {
			rows = traj.Eval // NAG trains the look-ahead point; its iterate x_k is the evaluation parameter
		}
		return append([][]float64{c.X0[:]}, rows...), nil
	}
	gd, err := optim.SGD(optim.SGDConfig{LR: gamma})
	if err != nil {
		return nil, err
	}
	hb, err := optim.HeavyBall(gamma, beta)
	if err != nil {
		return nil, err
	}
	nag, err := optim.NAG(gamma, beta)
	if err != nil {
		return nil, err
	}
	r := &MomentumRun{Gamma: gamma, Beta: beta}
	if r.GD, err = run(gd, false); err != nil {
		return nil, err
	}
	if r.HeavyBall, err = run(hb, false); err != nil {
		return nil, err
	}
	if r.Nesterov, err = run(nag, true); err != nil {
		return nil, err
	}
	theory := MomentumTheory(c.Mu, c.L, gamma, beta)
	for i, xs := range [][][]float64{r.GD, r.HeavyBall, r.Nesterov} {
		r.Rates[i] = Rate{Measured: MeasuredRate(distances(xs)), Theory: theory[i]}
	}
	return r, nil
}

// MomentumTheory is the rate the lecture predicts for gradient descent, heavy ball and Nesterov
// on a quadratic with eigenvalues mu and L: the largest over λ ∈ {μ, L} of |1 - γλ| and of the
// largest root modulus of z² - (1+β-γλ)z + β (heavy ball) and z² - (1+β)(1-γλ)z + β(1-γλ)
// (Nesterov). A rate ≥ 1 means divergence.
func MomentumTheory(mu, L, gamma, beta float64) [3]float64 {
	var r [3]float64
	for _, lam := range []float64{mu, L} {
		a := 1 - gamma*lam
		r[0] = math.Max(r[0], math.Abs(a))
		r[1] = math.Max(r[1], rootRadius(1+beta-gamma*lam, beta))
		r[2] = math.Max(r[2], rootRadius((1+beta)*a, beta*a))
	}
	return r
}

// rootRadius is the largest modulus of the roots of z² - a·z + b.
func rootRadius(a, b float64) float64 {
	d := a*a - 4*b
	if d < 0 {
		return math.Sqrt(b) // complex pair: |z|² = b
	}
	return math.Max(math.Abs(a+math.Sqrt(d)), math.Abs(a-math.Sqrt(d))) / 2
}

func distances(xs [][]float64) []float64 {
	d := make([]float64, len(xs))
	for k, x := range xs {
		d[k] = math.Hypot(x[0], x[1])
	}
	return d
}

// MeasuredRate estimates ρ in d_k ≈ C·ρ^k from d_0..d_K as (peak near K / peak near K/2)^(1/(K/2)),
// each peak the largest d_k over a window of K/5 steps, so that oscillating methods (momentum's
// complex roots) are measured on their envelope. Values that underflow (a fast rate) shorten
// the run used. It needs K ≥ 10 and returns NaN otherwise.
func MeasuredRate(d []float64) float64 {
	K := len(d) - 1
	w := K / 5
	if w < 2 {
		return math.NaN()
	}
	peak := func(k int) float64 {
		m := 0.0
		for _, v := range d[k-w+1 : k+1] {
			m = math.Max(m, v)
		}
		return m
	}
	end := K
	for end > 2*w && !(peak(end) > 1e-250) {
		end--
	}
	start := max(end/2, w-1)
	if start >= end {
		return math.NaN()
	}
	return math.Pow(peak(end)/peak(start), 1/float64(end-start))
}

// Momentum is notebook 6's interactive figure: sliders for γ and β; trajectories of the three
// methods over F's level sets, their distance to the minimum, the stability regions in the
// (γλ, β) plane with the current points λ = μ and λ = L, and a readout of measured against
// theoretical rates. An invalid configuration is the error of its Show.
func Momentum(c MomentumConfig) *viz.Interactive {
	// An invalid configuration fails the first draw, which Show makes before anything else.
	return viz.NewInteractive(func(v viz.Values) (viz.View, error) {
		return c.View(v.Float(c.Gamma.Name()), v.Float(c.Beta.Name()))
	}, c.Gamma, c.Beta)
}

// View draws one setting of [Momentum].
func (c MomentumConfig) View(gamma, beta float64) (viz.View, error) {
	r, err := c.Run(gamma, beta)
	if err != nil {
		return viz.View{}, err
	}
	var paths []viz.Path
	var series []viz.Series
	for i, xs := range [][][]float64{r.GD, r.HeavyBall, r.Nesterov} {
		p := viz.Path{Name: MomentumMethods[i]}
		for _, x := range xs[:c.Shown+1] {
			p.X, p.Y = append(p.X, x[0]), append(p.Y, x[1])
		}
		paths = append(paths, p)
		d := distances(xs)
		ks := make([]float64, len(d))
		for k := range ks {
			ks[k] = float64(k)
		}
		series = append(series, viz.Series{Name: MomentumMethods[i], X: ks, Y: d})
	}
	f := func(x, y float64) float64 { return 0.5 * (c.Mu*x*x + c.L*y*y) }
	sx, sy := math.Abs(c.X0[0])*1.15, math.Abs(c.X0[1])*1.4
	contour := viz.Contour(f, viz.Region{XMin: -sx, XMax: sx, YMin: -sy, YMax: sy},
		viz.ContourOptions{Axes: viz.Axes{Title: fmt.Sprintf("%d steps on (%sx₁² + %sx₂²)/2", c.Shown, coefficient(c.Mu), coefficient(c.L)),
			XLabel: "x₁", YLabel: "x₂"}, Resolution: 80, Minimiser: []float64{0, 0}}, paths...).WithSize(12, 9)
	dist := viz.Lines(viz.Axes{Title: "distance to the minimum", XLabel: "iteration k", YLabel: "‖x_k − x*‖", LogY: true},
		series...).WithSize(12, 9)
	return viz.View{Figures: []*viz.Figure{contour, dist, c.stability(gamma, beta)}, Readout: r.Readout()}, nil
}

// stability draws the regions where heavy ball (0 < γλ < 2 + 2β) and Nesterov
// (0 < γλ < (2 + 2β)/(1 + 2β)) converge, with the points (γμ, β) and (γL, β).
func (c MomentumConfig) stability(gamma, beta float64) *viz.Figure {
	var hbX, nagX, bs []float64
	for i := 0; i <= 50; i++ {
		b := float64(i) / 50
		bs, hbX, nagX = append(bs, b), append(hbX, 2+2*b), append(nagX, (2+2*b)/(1+2*b))
	}
	return viz.Lines(viz.Axes{Title: "stable left of each method's line", XLabel: "γλ", YLabel: "β"},
		viz.Series{Name: "gradient descent: γλ < 2", X: []float64{2, 2}, Y: []float64{0, 1}, Dashed: true},
		viz.Series{Name: "heavy ball: γλ < 2 + 2β", X: hbX, Y: bs},
		viz.Series{Name: "Nesterov: γλ < (2+2β)/(1+2β)", X: nagX, Y: bs},
		viz.Series{Name: fmt.Sprintf("λ = μ: (%.3g, %.2f)", gamma*c.Mu, beta), X: []float64{gamma * c.Mu}, Y: []float64{beta}, Points: true},
		viz.Series{Name: fmt.Sprintf("λ = L: (%.3g, %.2f)", gamma*c.L, beta), X: []float64{gamma * c.L}, Y: []float64{beta}, Points: true},
		// Two single points draw nothing but fix the axes: γλ from 0 (the legend is outside).
		viz.Series{X: []float64{0}, Y: []float64{0}}, viz.Series{X: []float64{4.2}, Y: []float64{1.05}},
	).WithSize(12, 9)
}

// Readout lists the measured and predicted rates, one method per line.
func (r *MomentumRun) Readout() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-17s %9s %9s\n", "rate per step", "measured", "theory")
	for i, name := range MomentumMethods {
		fmt.Fprintf(&b, "%-17s %9.4f %9.4f", name, r.Rates[i].Measured, r.Rates[i].Theory)
		if r.Rates[i].Theory >= 1 {
			b.WriteString("  (diverges)")
		}
		b.WriteString("\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// coefficient writes a factor before a variable: "" for 1, "2.5·" otherwise.
func coefficient(a float64) string {
	if a == 1 {
		return ""
	}
	return fmt.Sprintf("%g·", a)
}
