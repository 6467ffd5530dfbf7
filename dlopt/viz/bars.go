package viz

import (
	"fmt"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// BarGroup is one set of bars, one value per category (for example the predicted probability of
// each class); several groups are drawn side by side.
type BarGroup struct {
	Name   string
	Values []float64
}

// Bars draws a bar chart with the categories on the x axis. Values must be finite. Bars start
// at zero, so log axes are not supported.
func Bars(a Axes, categories []string, groups ...BarGroup) *Figure {
	if len(categories) == 0 || len(groups) == 0 {
		return &Figure{err: fmt.Errorf("%w: Bars needs at least one category and one group", errNoData)}
	}
	if a.LogX || a.LogY {
		return failed("Bars: log axes are not supported (bars start at zero)")
	}
	p := newPlot(a)
	// Category slots are one unit wide; the groups share 80% of a slot's width at notebook size.
	slot := DefaultWidth * 0.75 / vg.Length(len(categories))
	width := slot * 0.8 / vg.Length(len(groups))
	for i, g := range groups {
		if len(g.Values) != len(categories) {
			return failed("Bars: group %d (%q) has %d values for %d categories: one value per category",
				i, g.Name, len(g.Values), len(categories))
		}
		for j, v := range g.Values {
			if !finite(v) {
				return failed("Bars: group %d (%q) value %d is %g: values must be finite",
					i, g.Name, j, v)
			}
		}
		b, err := plotter.NewBarChart(plotter.Values(g.Values), width)
		if err != nil {
			return failed("Bars: group %d (%q): %v", i, g.Name, err)
		}
		b.Color = Color(i)
		b.LineStyle = draw.LineStyle{}
		b.Offset = (vg.Length(i) - vg.Length(len(groups)-1)/2) * width
		p.Add(b)
		if g.Name != "" && len(groups) > 1 {
			p.Legend.Add(g.Name, b)
		}
	}
	p.NominalX(categories...)
	if len(categories) > 6 {
		p.X.Tick.Label.Rotation = 0.6
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YTop
	}
	p.Legend.Top = true
	if len(groups) > 1 {
		// Head room so the legend does not cover the tallest bars.
		p.Y.Max *= 1.15
	}
	return plotFigure(p)
}
