package viz

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Series is one curve of a line plot.
type Series struct {
	Name string
	// X holds the abscissae; nil means 1, 2, ..., len(Y) (steps or epochs counted from one, which
	// a log axis accepts).
	X, Y []float64
	// Dashed draws a dashed line (bounds, references); Points marks each point.
	Dashed, Points bool
}

// Lines plots several series on one pair of axes with a legend. Points whose value is NaN or
// infinite (a diverged run) are left out, so the rest of the curve still shows. Series beyond
// the number of [Colors] reuse the colours with dotted lines. With more than two
// named series the legend goes outside the axes (inside it would cover curves), and from five
// series on each named curve of more than two points carries a few
// markers of its own shape (an unnamed series, such as a point that only fixes the axes, none).
func Lines(a Axes, series ...Series) *Figure {
	if len(series) == 0 {
		return &Figure{err: fmt.Errorf("%w: Lines needs at least one series", errNoData)}
	}
	p := newPlot(a)
	anyPoint, named := false, 0
	xLo, xHi, yLo, yHi := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for i, s := range series {
		xys, err := seriesPoints(s, a)
		if err != nil {
			return failed("series %d (%q): %v", i, s.Name, err)
		}
		if len(xys) == 0 {
			continue
		}
		anyPoint = true
		for _, pt := range xys {
			xLo, xHi, yLo, yHi = math.Min(xLo, pt.X), math.Max(xHi, pt.X), math.Min(yLo, pt.Y), math.Max(yHi, pt.Y)
		}
		style := draw.LineStyle{Color: Color(i), Width: vg.Points(1.8)}
		switch {
		case s.Dashed:
			style.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		case i >= len(Colors):
			// Colours repeat after len(Colors) series: a dotted line keeps the repeats apart.
			style.Dashes = []vg.Length{vg.Points(1.5), vg.Points(2)}
		}
		line, err := plotter.NewLine(xys)
		if err != nil {
			return failed("series %d (%q): %v", i, s.Name, err)
		}
		line.LineStyle = style
		p.Add(line)
		var thumbs []plot.Thumbnailer = []plot.Thumbnailer{line}
		if len(series) >= linesMarkedFrom && !s.Points && s.Name != "" && len(xys) > 2 {
			marks, err := sparseMarkers(xys, i, len(series))
			if err != nil {
				return failed("series %d (%q): %v", i, s.Name, err)
			}
			p.Add(marks)
			thumbs = append(thumbs, marks)
		}
		if s.Points {
			sc, err := plotter.NewScatter(xys)
			if err != nil {
				return failed("series %d (%q): %v", i, s.Name, err)
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: Color(i), Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}
			p.Add(sc)
			thumbs = append(thumbs, sc)
		}
		if s.Name != "" {
			p.Legend.Add(s.Name, thumbs...)
			named++
		}
	}
	if !anyPoint {
		return &Figure{err: fmt.Errorf("%w: every point of every series is NaN or infinite", errNoData)}
	}
	// gonum widens a zero-width range by ±1, which crosses zero on a log axis: widen by a factor.
	if a.LogX && xLo == xHi {
		p.X.Min, p.X.Max = xLo/2, xHi*2
	}
	if a.LogY && yLo == yHi {
		p.Y.Min, p.Y.Max = yLo/2, yHi*2
	}
	p.Legend.Top = true
	if named > linesLegendInside {
		return plotFigureLegend(p, legendOutside)
	}
	return plotFigure(p)
}

// Above linesLegendInside named series the legend of [Lines] goes outside the axes; from
// linesMarkedFrom series on, curves carry markers (colours alone get hard to tell apart).
const (
	linesLegendInside = 2
	linesMarkedFrom   = 5
)

// sparseMarkers puts about pathMarkers markers of series i's shape along its points, staggered
// between the n series so that curves on top of each other still show every shape.
func sparseMarkers(xys plotter.XYs, i, n int) (*plotter.Scatter, error) {
	every := max(1, int(math.Ceil(float64(len(xys))/pathMarkers)))
	var at plotter.XYs
	for k := (i * every) / n; k < len(xys); k += every {
		at = append(at, xys[k])
	}
	return glyphs(at, draw.GlyphStyle{Color: Color(i), Radius: vg.Points(pathMarkerRadius + 0.4), Shape: pathGlyphs[i%len(pathGlyphs)]})
}

// seriesPoints validates a series and returns its finite points.
func seriesPoints(s Series, a Axes) (plotter.XYs, error) {
	if s.X != nil && len(s.X) != len(s.Y) {
		return nil, fmt.Errorf("len(X) = %d but len(Y) = %d: they must be equal", len(s.X), len(s.Y))
	}
	xys := make(plotter.XYs, 0, len(s.Y))
	for j, y := range s.Y {
		x := float64(j + 1)
		if s.X != nil {
			x = s.X[j]
		}
		if !finite(x) || !finite(y) {
			continue
		}
		if a.LogX && x <= 0 {
			return nil, fmt.Errorf("X[%d] = %g on a log axis: values must be positive", j, x)
		}
		if a.LogY && y <= 0 {
			return nil, fmt.Errorf("Y[%d] = %g on a log axis: values must be positive", j, y)
		}
		xys = append(xys, plotter.XY{X: x, Y: y})
	}
	return xys, nil
}

// FitLogLog fits log10(y) = slope*log10(x) + intercept by least squares, the slope a rate check
// reports (about -1/2 for SGD's O(1/sqrt(K)), -1 for gradient descent's O(1/K)). It needs at
// least two distinct positive x and positive y.
func FitLogLog(x, y []float64) (slope, intercept float64, err error) {
	if len(x) != len(y) {
		return 0, 0, fmt.Errorf("viz: FitLogLog: len(x) = %d, len(y) = %d: they must be equal", len(x), len(y))
	}
	if len(x) < 2 {
		return 0, 0, fmt.Errorf("viz: FitLogLog: %d points: at least 2 are needed", len(x))
	}
	var sx, sy, sxx, sxy float64
	for i := range x {
		if !(x[i] > 0) || !(y[i] > 0) || !finite(x[i]) || !finite(y[i]) {
			return 0, 0, fmt.Errorf("viz: FitLogLog: point %d is (%g, %g): both must be positive and finite", i, x[i], y[i])
		}
		lx, ly := math.Log10(x[i]), math.Log10(y[i])
		sx, sy, sxx, sxy = sx+lx, sy+ly, sxx+lx*lx, sxy+lx*ly
	}
	n := float64(len(x))
	den := n*sxx - sx*sx
	if den <= 1e-12*n*sxx {
		return 0, 0, fmt.Errorf("viz: FitLogLog: all x are equal (%g): the slope is undefined", x[0])
	}
	slope = (n*sxy - sx*sy) / den
	intercept = (sy - slope*sx) / n
	return slope, intercept, nil
}
