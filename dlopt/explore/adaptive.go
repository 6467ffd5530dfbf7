package explore

import (
	"fmt"
	"math"

	"github.com/dlopt/course/dlopt/models"
	"github.com/dlopt/course/dlopt/optim"
	"github.com/dlopt/course/dlopt/viz"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
)

// The test problems of [Adaptive].
const (
	ProblemRosenbrock      = "Rosenbrock"
	ProblemMatrixQuadratic = "matrix quadratic"
)

// AdaptiveConfig sets up [Adaptive]: Steps updates of the chosen optimizer, named
// "library:name" as optim.New takes them (torch's class names, optax's function names).
type AdaptiveConfig struct {
	Steps                        int
	Problem, Optimizer, LR       viz.Control
	Rosenbrock                   models.Rosenbrock
	RosenbrockStart              [2]float64
	MatrixCurvature, MatrixStart [4]float64 // F(W) = ½ Σ λ_ij W_ij² on a 2×2 W, row-major
}

// DefaultAdaptive is notebook 7's setting: 300 steps; Rosenbrock (B = 100) from (-1.5, 2) or
// the matrix quadratic λ = [[1, 25], [4, 0.5]] from W = ones; PyTorch's SGD, Adagrad, RMSprop,
// Adam, AdamW and optax's lion, adafactor, muon; the learning rate from 10⁻⁴ to 1 (default 0.1).
func DefaultAdaptive() AdaptiveConfig {
	return AdaptiveConfig{
		Steps:   300,
		Problem: viz.Choice("problem", []string{ProblemRosenbrock, ProblemMatrixQuadratic}, ProblemRosenbrock),
		Optimizer: viz.Choice("optimizer", []string{"torch:SGD", "torch:Adagrad", "torch:RMSprop", "torch:Adam", "torch:AdamW",
			"optax:lion", "optax:adafactor", "optax:muon"}, "torch:Adam"),
		LR:              viz.LogSlider("lr", 1e-4, 1, 4, 0.1),
		Rosenbrock:      models.Rosenbrock{Dim: 2, B: 100},
		RosenbrockStart: [2]float64{-1.5, 2},
		MatrixCurvature: [4]float64{1, 25, 4, 0.5},
		MatrixStart:     [4]float64{1, 1, 1, 1},
	}
}

// AdaptiveRun is one run of an optimizer on a problem.
type AdaptiveRun struct {
	Problem, Optimizer string
	LR                 float64
	Iterates           [][]float64 // x_0..x_Steps, flattened
	Loss               []float64   // F(x_k) - F*, k = 0..Steps
	// NonFiniteStep is the first step whose parameters are NaN or ±Inf (the run diverged and
	// went on, see optim.ContinueOnNonFinite); 0 when all are finite.
	NonFiniteStep int
}

// Run runs the optimizer ("torch:Adam", "optax:lion", ... or a bare name, see optim.ParseName) with learning rate lr for c.Steps
// steps on the problem (ProblemRosenbrock or ProblemMatrixQuadratic), the gradient computed in
// the graph. The gradients are written out: GoMLX's graph.Gradient walks the whole graph at each
// call, and a run unrolls up to 128 steps into one graph, which made a redraw several times slower.
func (c AdaptiveConfig) Run(problem, optimizer string, lr float64) (*AdaptiveRun, error) {
	if c.Steps < 1 || c.Steps > 100000 {
		return nil, fmt.Errorf("explore: Adaptive: Steps = %d: allowed are 1..100000", c.Steps)
	}
	n, err := optim.ParseName(optimizer)
	if err != nil {
		return nil, fmt.Errorf("explore: Adaptive: %w", err)
	}
	key := "lr"
	if n.Library == optim.Optax {
		key = "learning_rate"
	}
	opt, err := optim.New(n.Library, n.Name, map[string]any{key: lr})
	if err != nil {
		return nil, err
	}
	var x0 []float64
	var shape []int
	var grad optim.GradFunc
	var loss func(x []float64) float64
	switch problem {
	case ProblemRosenbrock:
		if err := c.Rosenbrock.Validate(); err != nil {
			return nil, err
		}
		if c.Rosenbrock.Dim != 2 {
			return nil, fmt.Errorf("explore: Adaptive: Rosenbrock.Dim = %d: the figure draws the 2-D function only", c.Rosenbrock.Dim)
		}
		x0, shape, grad = c.RosenbrockStart[:], []int{2}, c.rosenbrockGrad
		loss = func(x []float64) float64 { return c.Rosenbrock.Value(x) - c.Rosenbrock.FStar() }
	case ProblemMatrixQuadratic:
		x0, shape = c.MatrixStart[:], []int{2, 2}
		grad = func(w *graph.Node) *graph.Node { // ∇F(W) = λ ⊙ W
			return graph.Mul(w, graph.Const(w.Graph(), [][]float64{c.MatrixCurvature[:2], c.MatrixCurvature[2:]}))
		}
		loss = func(w []float64) float64 {
			f := 0.0
			for i, v := range w {
				f += 0.5 * c.MatrixCurvature[i] * v * v
			}
			return f
		}
	default:
		return nil, fmt.Errorf("explore: Adaptive: problem %q: allowed are %q and %q", problem, ProblemRosenbrock, ProblemMatrixQuadratic)
	}
	// Too large a learning rate diverging is one of the things the figure is for: the run goes
	// on and the readout says where the parameters stopped being finite.
	traj, err := optim.RunFunc(opt, x0, shape, grad, c.Steps, dtypes.Float64, optim.ContinueOnNonFinite())
	if err != nil {
		return nil, err
	}
	r := &AdaptiveRun{Problem: problem, Optimizer: optimizer, LR: lr, Iterates: append([][]float64{x0}, traj.Params...),
		NonFiniteStep: traj.NonFiniteStep}
	for _, x := range r.Iterates {
		r.Loss = append(r.Loss, loss(x))
	}
	return r, nil
}

// Adaptive is notebook 7's interactive figure: a problem, an optimizer by its library name and
// its learning rate; the trajectory over Rosenbrock's level sets (or the matrix entries) and
// the loss against the step, with a readout of the final loss.
func Adaptive(c AdaptiveConfig) *viz.Interactive {
	return viz.NewInteractive(func(v viz.Values) (viz.View, error) {
		return c.View(v.Choice(c.Problem.Name()), v.Choice(c.Optimizer.Name()), v.Float(c.LR.Name()))
	}, c.Problem, c.Optimizer, c.LR)
}

// View draws one setting of [Adaptive].
func (c AdaptiveConfig) View(problem, optimizer string, lr float64) (viz.View, error) {
	r, err := c.Run(problem, optimizer, lr)
	if err != nil {
		return viz.View{}, err
	}
	title := fmt.Sprintf("%s, lr %g, %d steps", optimizer, lr, c.Steps)
	ks := make([]float64, len(r.Loss))
	for k := range ks {
		ks[k] = float64(k)
	}
	var left *viz.Figure
	if problem == ProblemRosenbrock {
		p := viz.Path{Name: optimizer}
		for _, x := range r.Iterates {
			p.X, p.Y = append(p.X, x[0]), append(p.Y, x[1])
		}
		f := func(x, y float64) float64 { return c.Rosenbrock.Value([]float64{x, y}) }
		left = viz.Contour(f, viz.Region{XMin: -2, XMax: 2, YMin: -1, YMax: 3},
			viz.ContourOptions{Axes: viz.Axes{Title: title, XLabel: "x₁", YLabel: "x₂"}, LogLevels: true, Resolution: 80,
				Minimiser: c.Rosenbrock.Minimiser()}, p)
	} else {
		var entries []viz.Series
		for i, name := range []string{"W₁₁ (λ = 1)", "W₁₂ (λ = 25)", "W₂₁ (λ = 4)", "W₂₂ (λ = 0.5)"} {
			s := viz.Series{Name: name, X: ks}
			for _, w := range r.Iterates {
				s.Y = append(s.Y, w[i])
			}
			entries = append(entries, s)
		}
		left = viz.Lines(viz.Axes{Title: title, XLabel: "step k", YLabel: "W_ij"}, entries...)
	}
	lossFig := viz.Lines(viz.Axes{Title: "F(x_k) − F*, " + problem, XLabel: "step k", YLabel: "F − F*", LogY: true},
		viz.Series{Name: optimizer, X: ks, Y: positive(r.Loss)})
	return viz.View{Figures: []*viz.Figure{left.WithSize(12, 9), lossFig.WithSize(12, 9)}, Readout: r.Readout()}, nil
}

// positive replaces exact zeros (a minimum reached) by NaN, which a log axis leaves out.
func positive(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = x
		if !(x > 0) {
			out[i] = math.NaN()
		}
	}
	return out
}

// Readout gives the final loss, the best loss and the first step below 10⁻⁶, or, for a run
// that diverged, the step where the parameters stopped being finite.
func (r *AdaptiveRun) Readout() string {
	K := len(r.Loss) - 1
	best, first := math.Inf(1), -1
	for k, l := range r.Loss {
		if l < best { // NaN losses (a diverged run) are not the best
			best = l
		}
		if first < 0 && l < 1e-6 {
			first = k
		}
	}
	reached := "not within the run"
	if first >= 0 {
		reached = fmt.Sprintf("at step %d", first)
	}
	head := fmt.Sprintf("%s on %s, lr %g: ", r.Optimizer, r.Problem, r.LR)
	if r.NonFiniteStep > 0 {
		return head + fmt.Sprintf("diverged: the parameters are not finite from step %d of %d (best F − F* %.3g); below 1e-6 %s",
			r.NonFiniteStep, K, best, reached)
	}
	return head + fmt.Sprintf("F − F* = %.3g after %d steps (best %.3g); below 1e-6 %s", r.Loss[K], K, best, reached)
}

// rosenbrockGrad is ∇f for the 2-D Rosenbrock function in the graph:
// (-2(1 - x₁) - 4B·x₁(x₂ - x₁²), 2B(x₂ - x₁²)).
func (c AdaptiveConfig) rosenbrockGrad(x *graph.Node) *graph.Node {
	x1, x2 := graph.Slice(x, graph.AxisElem(0)), graph.Slice(x, graph.AxisElem(1))
	v := graph.Sub(x2, graph.Square(x1))
	g1 := graph.Sub(graph.MulScalar(graph.OneMinus(x1), -2), graph.MulScalar(graph.Mul(x1, v), 4*c.Rosenbrock.B))
	g2 := graph.MulScalar(v, 2*c.Rosenbrock.B)
	return graph.Concatenate([]*graph.Node{g1, g2}, 0)
}
