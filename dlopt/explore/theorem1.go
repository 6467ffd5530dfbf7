package explore

import (
	"fmt"
	"math"

	"github.com/dlopt/course/dlopt/models"
	"github.com/dlopt/course/dlopt/optim"
	"github.com/dlopt/course/dlopt/optim/schedule"
	"github.com/dlopt/course/dlopt/viz"
	"github.com/gomlx/compute/dtypes"
)

// Theorem1Config sets up [Theorem1]: SGD with Theorem 1's step size on a noisy least-squares
// problem (its Sigma2 is set by the slider), from x₀ = x* + (1, ..., 1), averaged over up to
// Seeds runs.
type Theorem1Config struct {
	Problem models.NoisyLeastSquaresConfig
	Seeds   int
	// StepBudget bounds the SGD steps of one redraw: a large K gets fewer runs (at least one),
	// which its average over K+1 iterates needs less. Each step is one graph execution.
	StepBudget int
	// Sigma2 and K are the sliders for the noise variance σ² and the number of steps K.
	Sigma2, K viz.Control
}

// DefaultTheorem1 is notebook 5's problem (d = 10, eigenvalues 0.1 to 1, L = 1), up to 4 runs
// per setting within 4000 steps, σ² from 0 to 4 (default 1) and K from 10 to 10⁴ on a log scale (default 1000).
func DefaultTheorem1() Theorem1Config {
	return Theorem1Config{
		Problem:    models.NoisyLeastSquaresConfig{Dim: 10, Samples: 50, L: 1, Mu: 0.1, Residual: 0.1, Seed: 1},
		Seeds:      4,
		StepBudget: 4000,
		Sigma2:     viz.Slider("σ²", 0, 4, 0.25, 1),
		K:          viz.LogSlider("K", 10, 10000, 3, 1000),
	}
}

// Theorem1Run is SGD with Theorem 1's step at one setting.
type Theorem1Run struct {
	Sigma2       float64
	K            int
	Runs         int     // the number of runs averaged
	Gamma        float64 // Theorem 1's step size
	L, Delta0    float64
	Average      []float64 // Average[k] = (1/(k+1)) Σ_{j≤k} ‖∇F(x_j)‖², mean over the seeds, k = 0..K
	Bound        float64   // Theorem 1's bound on Average[K]'s expectation
	Noise, Drift float64   // its two terms √(8LΔ₀σ²/(K+1)) and 2LΔ₀/(K+1)
}

// Run runs optim.SGD (PyTorch's SGD) for K steps with Theorem 1's step at noise variance
// sigma2, c.Seeds times, with the problem's stochastic gradient oracle.
func (c Theorem1Config) Run(sigma2 float64, K int) (*Theorem1Run, error) {
	if c.Seeds < 1 || c.Seeds > 100 {
		return nil, fmt.Errorf("explore: Theorem1: Seeds = %d: allowed are 1..100", c.Seeds)
	}
	if c.StepBudget < 1 {
		return nil, fmt.Errorf("explore: Theorem1: StepBudget = %d: must be ≥ 1", c.StepBudget)
	}
	if K < 1 || K > 1_000_000 {
		return nil, fmt.Errorf("explore: Theorem1: K = %d: allowed are 1..1000000", K)
	}
	cfg := c.Problem
	cfg.Sigma2 = sigma2
	p, err := models.NewNoisyLeastSquares(cfg)
	if err != nil {
		return nil, fmt.Errorf("explore: Theorem1: %w", err)
	}
	x0 := make([]float64, p.Dim)
	for i := range x0 {
		x0[i] = p.XStar[i] + 1
	}
	r := &Theorem1Run{Sigma2: sigma2, K: K, L: p.L, Delta0: p.Delta0(x0), Average: make([]float64, K+1),
		Runs: min(c.Seeds, max(1, c.StepBudget/K))}
	if r.Gamma, err = schedule.Theorem1StepSize(p.L, r.Delta0, sigma2, K); err != nil {
		return nil, fmt.Errorf("explore: Theorem1: %w", err)
	}
	for seed := range r.Runs {
		opt, err := optim.SGD(optim.SGDConfig{LR: r.Gamma})
		if err != nil {
			return nil, err
		}
		oracle := p.Oracle(uint64(seed + 1))
		traj, err := optim.RunHostFunc(opt, x0, []int{p.Dim}, func(x []float64, _ int) []float64 { return oracle.Grad(x) },
			K, dtypes.Float64)
		if err != nil {
			return nil, err
		}
		sum := 0.0
		for k := 0; k <= K; k++ {
			x := x0
			if k > 0 {
				x = traj.Params[k-1]
			}
			g := p.Grad(x)
			for _, v := range g {
				sum += v * v
			}
			r.Average[k] += sum / float64(k+1) / float64(r.Runs)
		}
	}
	k1 := float64(K + 1)
	r.Noise, r.Drift = math.Sqrt(8*r.L*r.Delta0*sigma2/k1), 2*r.L*r.Delta0/k1
	r.Bound = r.Noise + r.Drift
	return r, nil
}

// Theorem1 is notebook 5's interactive figure: sliders for σ² and K; the running average of
// ‖∇F(x_k)‖² of SGD with Theorem 1's step against the bound, and the bound's two terms
// against K with the measured point; a readout of the step, the measured average and the bound.
func Theorem1(c Theorem1Config) *viz.Interactive {
	return viz.NewInteractive(func(v viz.Values) (viz.View, error) {
		return c.View(v.Float(c.Sigma2.Name()), v.Int(c.K.Name()))
	}, c.Sigma2, c.K)
}

// View draws one setting of [Theorem1].
func (c Theorem1Config) View(sigma2 float64, K int) (viz.View, error) {
	r, err := c.Run(sigma2, K)
	if err != nil {
		return viz.View{}, err
	}
	ks := make([]float64, K+1)
	for k := range ks {
		ks[k] = float64(k + 1)
	}
	run := viz.Lines(viz.Axes{Title: fmt.Sprintf("SGD, γ = %.4g (Theorem 1), mean of %d runs", r.Gamma, r.Runs),
		XLabel: "k + 1", YLabel: "(1/(k+1)) Σ ‖∇F(x_j)‖²", LogX: true, LogY: true},
		viz.Series{Name: "measured running average", X: ks, Y: r.Average},
		viz.Series{Name: fmt.Sprintf("bound at K = %d", K), X: []float64{1, float64(K + 1)}, Y: []float64{r.Bound, r.Bound}, Dashed: true},
	).WithSize(12, 9)
	var grid, total, noise, drift []float64
	for e := 1.0; e <= 5.0001; e += 0.125 {
		k1 := math.Pow(10, e)
		grid = append(grid, k1)
		noise = append(noise, math.Sqrt(8*r.L*r.Delta0*sigma2/k1))
		drift = append(drift, 2*r.L*r.Delta0/k1)
		total = append(total, noise[len(noise)-1]+drift[len(drift)-1])
	}
	series := []viz.Series{
		{Name: "bound", X: grid, Y: total},
		{Name: "2LΔ₀/(K+1)", X: grid, Y: drift, Dashed: true},
	}
	if sigma2 > 0 {
		series = append(series, viz.Series{Name: "√(8LΔ₀σ²/(K+1))", X: grid, Y: noise, Dashed: true})
	}
	series = append(series, viz.Series{Name: "measured at K", X: []float64{float64(K + 1)}, Y: []float64{r.Average[K]}, Points: true})
	bound := viz.Lines(viz.Axes{Title: fmt.Sprintf("Theorem 1's bound against K, σ² = %g", sigma2),
		XLabel: "K + 1", YLabel: "mean squared gradient norm", LogX: true, LogY: true}, series...).WithSize(12, 9)
	return viz.View{Figures: []*viz.Figure{run, bound}, Readout: r.Readout()}, nil
}

// Readout lists the step, the measured average and the bound with its two terms.
func (r *Theorem1Run) Readout() string {
	return fmt.Sprintf("L = %g, Δ₀ = %.4f, Theorem 1's step γ = %.5f\n"+
		"measured (1/(K+1)) Σ ‖∇F(x_k)‖² = %.5f\n"+
		"bound = %.5f = %.5f (noise, √(8LΔ₀σ²/(K+1))) + %.5f (2LΔ₀/(K+1));  measured/bound = %.2f",
		r.L, r.Delta0, r.Gamma, r.Average[r.K], r.Bound, r.Noise, r.Drift, r.Average[r.K]/r.Bound)
}
