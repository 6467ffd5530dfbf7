package viz

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// ParamBlock describes one tensor inside a flattened parameter vector, in order: the vector is
// the concatenation of the blocks' row-major elements.
type ParamBlock struct {
	Name  string
	Shape []int
	// FilterAxis is the axis that indexes filters (output units). 0 is PyTorch's convention
	// (Linear [out, in], Conv2d [out, in, kh, kw]); GoMLX stores dense [in, out] and convolution
	// [kh, kw, in, out] kernels, so use -1 (the last axis) there. Negative values count from
	// the end.
	FilterAxis int
}

func (b ParamBlock) size() int {
	n := 1
	for _, d := range b.Shape {
		n *= d
	}
	return n
}

// FilterNormalizedDirection draws a random direction d ~ N(0, I) with theta's layout and rescales
// each filter so that ||d_filter|| = ||theta_filter|| (Li et al. 2018, "Visualizing the Loss
// Landscape of Neural Nets", section 4). Blocks with fewer than two axes (biases, norm scales)
// get a zero direction, as in the paper's recommended setting (their --xignore biasbn). With
// blocks nil, theta is treated as one filter: d is scaled to ||theta||.
func FilterNormalizedDirection(theta []float64, blocks []ParamBlock, rng *rand.Rand) ([]float64, error) {
	if len(theta) == 0 {
		return nil, fmt.Errorf("viz: FilterNormalizedDirection: theta is empty")
	}
	if rng == nil {
		return nil, fmt.Errorf("viz: FilterNormalizedDirection: rng is nil (use rand.New(rand.NewPCG(seed, 0)))")
	}
	if blocks == nil {
		blocks = []ParamBlock{{Name: "theta", Shape: []int{len(theta), 1}, FilterAxis: -1}}
	}
	total := 0
	for i, b := range blocks {
		for _, d := range b.Shape {
			if d <= 0 {
				return nil, fmt.Errorf("viz: block %d (%q) has shape %v: dimensions must be positive", i, b.Name, b.Shape)
			}
		}
		if r := len(b.Shape); r >= 2 && (b.FilterAxis >= r || b.FilterAxis < -r) {
			return nil, fmt.Errorf("viz: block %d (%q) of shape %v: FilterAxis = %d, allowed are %d..%d",
				i, b.Name, b.Shape, b.FilterAxis, -r, r-1)
		}
		total += b.size()
	}
	if total != len(theta) {
		return nil, fmt.Errorf("viz: the blocks hold %d parameters but len(theta) = %d: they must match", total, len(theta))
	}
	d := make([]float64, len(theta))
	off := 0
	for _, b := range blocks {
		n := b.size()
		if len(b.Shape) >= 2 {
			for i := off; i < off+n; i++ {
				d[i] = rng.NormFloat64()
			}
			normalizeFilters(d[off:off+n], theta[off:off+n], b)
		}
		off += n
	}
	return d, nil
}

// normalizeFilters rescales d so each filter (a slice along the filter axis) has theta's norm.
func normalizeFilters(d, theta []float64, b ParamBlock) {
	axis := b.FilterAxis
	if axis < 0 {
		axis += len(b.Shape)
	}
	// Row-major index = (outer*dim + f)*inner + k, with f the filter index.
	outer, inner := 1, 1
	for _, s := range b.Shape[:axis] {
		outer *= s
	}
	for _, s := range b.Shape[axis+1:] {
		inner *= s
	}
	dim := b.Shape[axis]
	for f := range dim {
		var nd, nt float64
		for o := range outer {
			base := (o*dim + f) * inner
			for k := range inner {
				nd += d[base+k] * d[base+k]
				nt += theta[base+k] * theta[base+k]
			}
		}
		scale := 0.0
		if nd > 0 {
			scale = math.Sqrt(nt / nd)
		}
		for o := range outer {
			base := (o*dim + f) * inner
			for k := range inner {
				d[base+k] *= scale
			}
		}
	}
}

// Landscape evaluates a loss around trained weights: Loss(Center + alpha*d1 + beta*d2).
type Landscape struct {
	// Loss maps a flattened parameter vector (same layout as Center) to the loss.
	Loss func(theta []float64) (float64, error)
	// Center is the trained parameter vector.
	Center []float64
}

// Slice1D returns Loss(Center + alpha*dir) for each alpha.
func (l Landscape) Slice1D(dir, alphas []float64) ([]float64, error) {
	if err := l.check(dir); err != nil {
		return nil, err
	}
	out := make([]float64, len(alphas))
	theta := make([]float64, len(l.Center))
	for i, a := range alphas {
		for k := range theta {
			theta[k] = l.Center[k] + a*dir[k]
		}
		v, err := l.loss(theta)
		if err != nil {
			return nil, fmt.Errorf("viz: landscape loss at alpha = %g: %w", a, err)
		}
		out[i] = v
	}
	return out, nil
}

// Slice2D returns z[i][j] = Loss(Center + alphas[j]*d1 + betas[i]*d2), the layout [ContourGrid]
// and [LandscapeContour] take.
func (l Landscape) Slice2D(d1, d2, alphas, betas []float64) ([][]float64, error) {
	if err := l.check(d1); err != nil {
		return nil, err
	}
	if err := l.check(d2); err != nil {
		return nil, err
	}
	z := make([][]float64, len(betas))
	theta := make([]float64, len(l.Center))
	for i, b := range betas {
		z[i] = make([]float64, len(alphas))
		for j, a := range alphas {
			for k := range theta {
				theta[k] = l.Center[k] + a*d1[k] + b*d2[k]
			}
			v, err := l.loss(theta)
			if err != nil {
				return nil, fmt.Errorf("viz: landscape loss at (alpha, beta) = (%g, %g): %w", a, b, err)
			}
			z[i][j] = v
		}
	}
	return z, nil
}

// loss calls Loss, turning a panic (a model of another size, say) into an error.
func (l Landscape) loss(theta []float64) (v float64, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("Loss panicked: %v", r)
		}
	}()
	return l.Loss(theta)
}

func (l Landscape) check(dir []float64) error {
	if l.Loss == nil {
		return fmt.Errorf("viz: Landscape.Loss is nil")
	}
	if len(l.Center) == 0 {
		return fmt.Errorf("viz: Landscape.Center is empty")
	}
	if len(dir) != len(l.Center) {
		return fmt.Errorf("viz: direction has %d entries but Center has %d: they must match", len(dir), len(l.Center))
	}
	return nil
}

// LandscapeLine plots a 1-D slice: loss against the step alpha along the direction.
func LandscapeLine(title string, alphas []float64, losses ...Series) *Figure {
	for i := range losses {
		if losses[i].X == nil {
			losses[i].X = alphas
		}
	}
	return Lines(Axes{Title: title, XLabel: "α (filter-normalised direction)", YLabel: "loss"}, losses...)
}

// LandscapeContour plots a 2-D slice z (from [Landscape.Slice2D]) with the trained weights
// marked at the origin.
func LandscapeContour(title string, alphas, betas []float64, z [][]float64) *Figure {
	return ContourGrid(alphas, betas, z, ContourOptions{
		Axes:      Axes{Title: title, XLabel: "α (direction 1)", YLabel: "β (direction 2)"},
		Levels:    20,
		LogLevels: true,
	}, Path{Name: "trained weights", X: []float64{0}, Y: []float64{0}})
}
