package viz

import (
	"fmt"
	"image/color"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Confusion draws a confusion matrix: counts[i][j] is the number of examples of true class i
// predicted as class j. Cells are shaded by the row-normalised fraction (the recall of each true
// class, so rare and common classes compare) and labelled with the count. True classes run
// down the y axis from the top, predictions along the x axis.
func Confusion(counts [][]int, classes []string, title string) *Figure {
	n := len(classes)
	if n == 0 {
		return &Figure{err: fmt.Errorf("%w: Confusion needs at least one class", errNoData)}
	}
	if len(counts) != n {
		return failed("Confusion: %d rows for %d classes: the matrix must be %d x %d", len(counts), n, n, n)
	}
	for i, row := range counts {
		if len(row) != n {
			return failed("Confusion: row %d has %d entries: the matrix must be %d x %d", i, len(row), n, n)
		}
		for j, v := range row {
			if v < 0 {
				return failed("Confusion: counts[%d][%d] = %d: counts must be non-negative", i, j, v)
			}
		}
	}
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = float64(i)
	}
	// Grid row r shows true class n-1-r, so class 0 is at the top as in a printed matrix.
	frac := make([][]float64, n)
	labels := plotter.XYLabels{}
	var styles []draw.TextStyle
	for r := range frac {
		row := counts[n-1-r]
		total := 0
		for _, v := range row {
			total += v
		}
		frac[r] = make([]float64, n)
		for c, v := range row {
			if total > 0 {
				frac[r][c] = float64(v) / float64(total)
			}
			if v == 0 {
				continue
			}
			labels.XYs = append(labels.XYs, plotter.XY{X: float64(c), Y: float64(r)})
			labels.Labels = append(labels.Labels, strconv.Itoa(v))
			clr := color.Color(color.Black)
			if frac[r][c] > 0.55 {
				clr = color.White
			}
			styles = append(styles, draw.TextStyle{Color: clr, Font: font.From(plot.DefaultFont, cellFont(n)),
				XAlign: draw.XCenter, YAlign: draw.YCenter, Handler: plot.DefaultTextHandler})
		}
	}
	p := newPlot(Axes{Title: title, XLabel: "predicted class", YLabel: "true class"})
	hm := plotter.NewHeatMap(grid{xs, xs, frac}, bluePalette(64))
	hm.Min, hm.Max = 0, 1
	p.Add(hm)
	if len(labels.Labels) > 0 {
		lb, err := plotter.NewLabels(labels)
		if err != nil {
			return failed("Confusion: %v", err)
		}
		lb.TextStyle = styles
		p.Add(lb)
	}
	p.NominalX(classes...)
	reversed := make([]string, n)
	for i, c := range classes {
		reversed[n-1-i] = c
	}
	p.NominalY(reversed...)
	p.X.Tick.Label.Rotation = 0.6
	p.X.Tick.Label.XAlign = draw.XRight
	p.X.Tick.Label.YAlign = draw.YTop
	p.X.Padding, p.Y.Padding = 0, 0
	p.X.Min, p.X.Max = -0.5, float64(n)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(n)-0.5
	return plotFigure(p).WithSize(15, 15*0.92)
}

func cellFont(n int) vg.Length {
	if n > 12 {
		return vg.Points(7)
	}
	return vg.Points(9)
}

// bluePalette runs from white to dark blue.
type bluePalette int

func (n bluePalette) Colors() []color.Color {
	cs := make([]color.Color, int(n))
	for i := range cs {
		t := float64(i) / float64(int(n)-1)
		cs[i] = color.RGBA{R: uint8(247 - 239*t), G: uint8(251 - 203*t), B: uint8(255 - 148*t), A: 255}
	}
	return cs
}
