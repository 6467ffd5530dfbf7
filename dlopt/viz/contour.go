package viz

import (
	"fmt"
	"image/color"
	"math"
	"sort"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Region is the rectangle [XMin, XMax] x [YMin, YMax] a contour plot covers.
type Region struct{ XMin, XMax, YMin, YMax float64 }

// ContourOptions tunes a contour plot. Zero values pick the defaults.
type ContourOptions struct {
	Axes
	// Levels is the number of level sets (default 14).
	Levels int
	// LogLevels spaces the levels geometrically above the minimum (for functions such as
	// Rosenbrock's whose valley is much flatter than its walls); the default spaces them
	// quadratically, which gives evenly spaced ellipses for a quadratic.
	LogLevels bool
	// Resolution is the number of grid points per side when sampling a function (default 120).
	Resolution int
	// Minimiser, when set (2 coordinates: a Rosenbrock's Minimiser(), a Quadratic's XStar), is
	// marked with a star.
	Minimiser []float64
}

// Path is an optimizer trajectory (x_k, y_k), k = 0, 1, ..., drawn over a contour plot in a
// colour, a dash pattern and a marker shape of its own: a line through the iterates with
// about ten markers along it, a ring at the start and a large marker at the end. The legend
// (outside the axes) shows each named path's line and shape, the start ring and the minimiser.
// [PathOf] builds one from a trajectory's iterates.
type Path struct {
	Name string
	X, Y []float64

	err error // set by PathOf for iterates that are not 2-D
}

// Contour samples f on the region and plots its level sets with the paths overlaid in distinct
// colours. Paths that leave the region are clipped at its border.
func Contour(f func(x, y float64) float64, r Region, o ContourOptions, paths ...Path) *Figure {
	if f == nil {
		return failed("Contour: the function is nil")
	}
	if !(r.XMin < r.XMax && r.YMin < r.YMax) || !finite(r.XMin+r.XMax+r.YMin+r.YMax) {
		return failed("Contour: region %+v: need finite XMin < XMax and YMin < YMax", r)
	}
	n := o.Resolution
	if n == 0 {
		n = 120
	}
	if n < 2 || n > 2000 {
		return failed("Contour: Resolution = %d: allowed are 2..2000 (0 for the default 120)", o.Resolution)
	}
	xs, ys := Linspace(r.XMin, r.XMax, n), Linspace(r.YMin, r.YMax, n)
	z, err := sampleGrid(f, xs, ys)
	if err != nil {
		return failed("Contour: %v", err)
	}
	return ContourGrid(xs, ys, z, o, paths...)
}

// sampleGrid returns z[i][j] = f(xs[j], ys[i]). A panic of f (a problem of the wrong dimension
// behind [Surface], say) becomes an error naming the point, so that the figure reports it
// instead of crashing the notebook.
func sampleGrid(f func(x, y float64) float64, xs, ys []float64) (z [][]float64, err error) {
	var x, y float64
	defer func() {
		if r := recover(); r != nil {
			z, err = nil, fmt.Errorf("the function panicked at (x, y) = (%g, %g): %v", x, y, r)
		}
	}()
	z = make([][]float64, len(ys))
	for i := range ys {
		z[i] = make([]float64, len(xs))
		for j := range xs {
			x, y = xs[j], ys[i]
			z[i][j] = f(x, y)
		}
	}
	return z, nil
}

// ContourGrid plots level sets of values z[i][j] given at (xs[j], ys[i]), with paths overlaid.
// xs and ys must be strictly increasing.
func ContourGrid(xs, ys []float64, z [][]float64, o ContourOptions, paths ...Path) *Figure {
	if err := checkGrid(xs, ys, z); err != nil {
		return failed("ContourGrid: %v", err)
	}
	nLevels := o.Levels
	if nLevels == 0 {
		nLevels = 14
	}
	if nLevels < 1 || nLevels > 200 {
		return failed("ContourGrid: Levels = %d: allowed are 1..200 (0 for the default 14)", o.Levels)
	}
	if o.LogX || o.LogY {
		return failed("ContourGrid: log axes are not supported for contour plots")
	}
	levels, err := contourLevels(z, nLevels, o.LogLevels)
	if err != nil {
		return failed("ContourGrid: %v", err)
	}
	if m := o.Minimiser; m != nil && (len(m) != 2 || !finite(m[0]) || !finite(m[1])) {
		return failed("ContourGrid: Minimiser %v: want 2 finite coordinates (x, y), or nil for none", m)
	}
	p := newPlot(o.Axes)
	c := plotter.NewContour(grid{xs, ys, z}, levels, levelPalette(len(levels)))
	c.LineStyles[0].Width = vg.Points(1)
	p.Add(c)
	p.Legend.ThumbnailWidth = vg.Points(30) // long enough to show each path's dashes
	if m := o.Minimiser; m != nil {
		// Under the paths: a path that ends on the minimiser shows its end marker on the star.
		if err := addMinimiser(p, m[0], m[1]); err != nil {
			return failed("ContourGrid: %v", err)
		}
	}
	named := false
	for i, path := range paths {
		if path.err != nil {
			return failed("ContourGrid: path %d: %v", i, path.err)
		}
		if len(path.X) != len(path.Y) {
			return failed("ContourGrid: path %d (%q): len(X) = %d, len(Y) = %d: they must be equal",
				i, path.Name, len(path.X), len(path.Y))
		}
		xys := make(plotter.XYs, 0, len(path.X))
		for k := range path.X {
			if finite(path.X[k]) && finite(path.Y[k]) {
				xys = append(xys, plotter.XY{X: path.X[k], Y: path.Y[k]})
			}
		}
		if len(xys) == 0 {
			continue
		}
		if err := addPath(p, path.Name, xys, i, len(paths)); err != nil {
			return failed("ContourGrid: path %d (%q): %v", i, path.Name, err)
		}
		named = named || path.Name != ""
	}
	if named {
		if err := addStartLegend(p); err != nil {
			return failed("ContourGrid: %v", err)
		}
	}
	// Keep the view on the region even when a path runs off (paths are clipped by the canvas).
	p.X.Min, p.X.Max = xs[0], xs[len(xs)-1]
	p.Y.Min, p.Y.Max = ys[0], ys[len(ys)-1]
	p.Legend.Padding = vg.Points(3)
	return plotFigureLegend(p, legendOutside)
}

// contourLevels picks n levels between the grid's finite minimum and maximum.
func contourLevels(z [][]float64, n int, logSpaced bool) ([]float64, error) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, row := range z {
		for _, v := range row {
			if finite(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if !(lo < hi) {
		return nil, fmt.Errorf("the values are constant or not finite (min %g, max %g): no level sets to draw", lo, hi)
	}
	levels := make([]float64, n)
	for k := range levels {
		t := float64(k+1) / float64(n+1)
		if logSpaced {
			// From 1e-4 to 1 of the range, geometrically.
			levels[k] = lo + (hi-lo)*math.Pow(10, -4*(1-t))
		} else {
			levels[k] = lo + (hi-lo)*t*t
		}
	}
	sort.Float64s(levels)
	return levels, nil
}

// levelPalette shades level sets from dark blue-grey (low) to light grey (high), leaving the
// strong [Colors] to the trajectories.
type levelPalette int

func (n levelPalette) Colors() []color.Color {
	cs := make([]color.Color, int(n))
	for i := range cs {
		t := 0.0
		if n > 1 {
			t = float64(i) / float64(n-1)
		}
		cs[i] = color.RGBA{R: uint8(60 + 140*t), G: uint8(90 + 115*t), B: uint8(140 + 80*t), A: 255}
	}
	return cs
}

// grid adapts row-major values to gonum's GridXYZ (column c is x, row r is y).
type grid struct {
	xs, ys []float64
	z      [][]float64
}

func (g grid) Dims() (c, r int)   { return len(g.xs), len(g.ys) }
func (g grid) Z(c, r int) float64 { return g.z[r][c] }
func (g grid) X(c int) float64    { return g.xs[c] }
func (g grid) Y(r int) float64    { return g.ys[r] }

func checkGrid(xs, ys []float64, z [][]float64) error {
	if len(xs) < 2 || len(ys) < 2 {
		return fmt.Errorf("grid of %d x %d points: at least 2 x 2 are needed", len(xs), len(ys))
	}
	for name, v := range map[string][]float64{"xs": xs, "ys": ys} {
		for i := 1; i < len(v); i++ {
			if !(v[i] > v[i-1]) || !finite(v[i]) {
				return fmt.Errorf("%s[%d] = %g after %g: coordinates must be finite and strictly increasing", name, i, v[i], v[i-1])
			}
		}
	}
	if len(z) != len(ys) {
		return fmt.Errorf("len(z) = %d rows but len(ys) = %d: one row per y", len(z), len(ys))
	}
	for i, row := range z {
		if len(row) != len(xs) {
			return fmt.Errorf("len(z[%d]) = %d but len(xs) = %d: one value per x", i, len(row), len(xs))
		}
	}
	return nil
}

// Linspace returns n evenly spaced values from lo to hi inclusive (n >= 2), or [lo] for n = 1.
func Linspace(lo, hi float64, n int) []float64 {
	if n <= 0 {
		return nil
	}
	if n == 1 {
		return []float64{lo}
	}
	v := make([]float64, n)
	for i := range v {
		v[i] = lo + (hi-lo)*float64(i)/float64(n-1)
	}
	v[n-1] = hi
	return v
}
