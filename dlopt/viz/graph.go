package viz

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Graph is a communication graph to draw: node i at (X[i], Y[i]), an edge from j to i wherever
// Weights[i][j] > 0 with i != j (a mixing matrix's row i holds what node i receives). An edge
// whose reverse is absent is directed and drawn with an arrowhead at its receiving end.
type Graph struct {
	Title   string
	X, Y    []float64
	Weights [][]float64
}

// CircleLayout places n nodes evenly on the unit circle, node 0 at the top, counter-clockwise.
func CircleLayout(n int) (x, y []float64) {
	for i := range n {
		a := math.Pi/2 + 2*math.Pi*float64(i)/float64(n)
		x, y = append(x, math.Cos(a)), append(y, math.Sin(a))
	}
	return x, y
}

// GridLayout places m*m nodes on a square grid, node r*m+c at row r (top first), column c.
func GridLayout(m int) (x, y []float64) {
	for r := range m {
		for c := range m {
			x, y = append(x, float64(c)), append(y, float64(m-1-r))
		}
	}
	return x, y
}

// Graphs draws the graphs side by side, cols per row (cols <= 0: all in one row). Each panel
// has equal axis scales and no axes; node labels are their indices.
func Graphs(cols int, graphs ...Graph) *Figure {
	if len(graphs) == 0 {
		return &Figure{err: fmt.Errorf("%w: Graphs needs at least one graph", errNoData)}
	}
	if cols <= 0 || cols > len(graphs) {
		cols = len(graphs)
	}
	rows := (len(graphs) + cols - 1) / cols
	plots := make([][]*plot.Plot, rows)
	for r := range plots {
		plots[r] = make([]*plot.Plot, cols)
	}
	for k, g := range graphs {
		p, err := graphPlot(g)
		if err != nil {
			return failed("Graphs: graph %d (%q): %v", k, g.Title, err)
		}
		plots[k/cols][k%cols] = p
	}
	tile := 6 * vg.Centimeter
	return newFigure(vg.Length(cols)*tile, vg.Length(rows)*tile, func(c draw.Canvas) {
		t := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(4), PadY: vg.Points(4),
			PadTop: vg.Points(2), PadBottom: vg.Points(2), PadLeft: vg.Points(2), PadRight: vg.Points(2)}
		canvases := plot.Align(plots, t, c)
		for r := range plots {
			for k, p := range plots[r] {
				if p != nil {
					p.Draw(canvases[r][k])
				}
			}
		}
	})
}

func graphPlot(g Graph) (*plot.Plot, error) {
	n := len(g.X)
	switch {
	case n == 0:
		return nil, fmt.Errorf("no nodes")
	case len(g.Y) != n || len(g.Weights) != n:
		return nil, fmt.Errorf("len(X) = %d, len(Y) = %d, len(Weights) = %d: want one each per node", n, len(g.Y), len(g.Weights))
	}
	for i, row := range g.Weights {
		if len(row) != n {
			return nil, fmt.Errorf("Weights row %d has %d entries, want %d (n x n)", i, len(row), n)
		}
		if !finite(g.X[i]) || !finite(g.Y[i]) {
			return nil, fmt.Errorf("node %d at (%g, %g): positions must be finite", i, g.X[i], g.Y[i])
		}
	}
	p := plot.New()
	p.Title.Text = g.Title
	p.Title.TextStyle.Font.Size = vg.Points(12)
	p.HideAxes()
	xLo, xHi, yLo, yHi := minMax(g.X)[0], minMax(g.X)[1], minMax(g.Y)[0], minMax(g.Y)[1]
	span := math.Max(math.Max(xHi-xLo, yHi-yLo), 1)
	cx, cy := (xLo+xHi)/2, (yLo+yHi)/2
	p.X.Min, p.X.Max = cx-0.6*span, cx+0.6*span
	p.Y.Min, p.Y.Max = cy-0.6*span, cy+0.6*span
	edgeStyle := draw.LineStyle{Color: Color(0), Width: vg.Points(1)}
	head := 0.05 * span
	for i := range n {
		for j := range n {
			if i == j || g.Weights[i][j] <= 0 {
				continue
			}
			directed := g.Weights[j][i] <= 0
			if !directed && j > i {
				continue // undirected: once
			}
			pts := plotter.XYs{{X: g.X[j], Y: g.Y[j]}, {X: g.X[i], Y: g.Y[i]}}
			line, err := plotter.NewLine(pts)
			if err != nil {
				return nil, err
			}
			line.LineStyle = edgeStyle
			p.Add(line)
			if directed {
				if arrow := arrowhead(pts[0], pts[1], head); arrow != nil {
					arrow.LineStyle = edgeStyle
					p.Add(arrow)
				}
			}
		}
	}
	nodes := make(plotter.XYs, n)
	labels := make([]string, n)
	for i := range n {
		nodes[i] = plotter.XY{X: g.X[i], Y: g.Y[i]}
		labels[i] = fmt.Sprint(i)
	}
	sc, err := plotter.NewScatter(nodes)
	if err != nil {
		return nil, err
	}
	sc.GlyphStyle = draw.GlyphStyle{Color: Color(1), Radius: vg.Points(4), Shape: draw.CircleGlyph{}}
	p.Add(sc)
	if n <= 32 {
		lb, err := plotter.NewLabels(plotter.XYLabels{XYs: nodes, Labels: labels})
		if err != nil {
			return nil, err
		}
		for k := range lb.TextStyle {
			lb.TextStyle[k].Font.Size = vg.Points(7)
			lb.Offset = vg.Point{X: vg.Points(5), Y: vg.Points(3)}
		}
		p.Add(lb)
	}
	return p, nil
}

// arrowhead is a V at `to`, pointing along from -> to, stopping short of the node's glyph.
func arrowhead(from, to plotter.XY, size float64) *plotter.Line {
	dx, dy := to.X-from.X, to.Y-from.Y
	l := math.Hypot(dx, dy)
	if l == 0 {
		return nil
	}
	ux, uy := dx/l, dy/l
	tip := plotter.XY{X: to.X - ux*size*0.6, Y: to.Y - uy*size*0.6}
	back := plotter.XY{X: tip.X - ux*size, Y: tip.Y - uy*size}
	left := plotter.XY{X: back.X - uy*size*0.5, Y: back.Y + ux*size*0.5}
	right := plotter.XY{X: back.X + uy*size*0.5, Y: back.Y - ux*size*0.5}
	line, err := plotter.NewLine(plotter.XYs{left, tip, right})
	if err != nil {
		return nil
	}
	return line
}

func minMax(v []float64) [2]float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range v {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return [2]float64{lo, hi}
}
