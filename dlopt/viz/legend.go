package viz

import (
	"sync"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// legendPlacement says where a plot's legend goes.
type legendPlacement int

const (
	// legendInside: gonum's place, in a corner of the data area (for plots with one or two
	// entries, where it rarely covers anything).
	legendInside legendPlacement = iota
	// legendOutside: to the right of the axes, top-aligned with the data area, which shrinks
	// to make room; below the axes when it would take more than maxLegendShare of the width.
	legendOutside
)

// maxLegendShare is the widest a legend to the right of the axes may be, as a share of the
// figure's width; a wider one (long names) goes below the axes.
const maxLegendShare = 0.35

// legendGap separates the legend from the axes.
const legendGap = 6 // points

// plotLayout is where a drawing put the data area (the axes' inside, where the level sets,
// paths and curves go) and the legend, in the figure's coordinates (points from the bottom
// left). The legend is empty when the plot has none.
type plotLayout struct {
	Data, Legend vg.Rectangle
}

// layoutRecord keeps the layout of a figure's last drawing (for tests, which check that the
// legend stays off the data area). Figures copied by WithSize share it.
type layoutRecord struct {
	mu   sync.Mutex
	last plotLayout
}

func (r *layoutRecord) set(l plotLayout) {
	r.mu.Lock()
	r.last = l
	r.mu.Unlock()
}

func (r *layoutRecord) get() plotLayout {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

// drawPlot draws p on c with its legend placed as asked, and returns where the data area and
// the legend went.
func drawPlot(p *plot.Plot, c draw.Canvas, placement legendPlacement) plotLayout {
	legend := p.Legend
	if placement == legendOutside {
		legend = spaced(legend)
	}
	size := legend.Rectangle(c).Size()
	if placement == legendInside || size.X <= 0 {
		// gonum draws the legend into the axes' inside: report that rectangle.
		data := drawData(p, c)
		return plotLayout{Data: data, Legend: insideLegendRect(legend, data, size)}
	}
	// p.Draw would draw the legend over the data: draw p without it, then the legend beside.
	p.Legend = plot.NewLegend()
	p.Legend.TextStyle = legend.TextStyle
	defer func() { p.Legend = legend }()
	gap := vg.Points(legendGap)
	var plotC, legendC draw.Canvas
	if !legendGoesBelow(size, c.Size().X) {
		plotC = draw.Crop(c, 0, -(size.X + gap), 0, 0)
		data := p.DataCanvas(plotC).Rectangle
		legendC = draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: c.Max.X - size.X, Y: data.Max.Y - size.Y},
			Max: vg.Point{X: c.Max.X, Y: data.Max.Y},
		}}
	} else {
		plotC = draw.Crop(c, 0, 0, size.Y+gap, 0)
		data := p.DataCanvas(plotC).Rectangle
		legendC = draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: data.Min.X, Y: c.Min.Y},
			Max: vg.Point{X: data.Min.X + size.X, Y: c.Min.Y + size.Y},
		}}
	}
	legend.Top, legend.Left = true, true // icons first, then the names, from the top
	return plotLayout{Data: drawData(p, plotC), Legend: drawLegend(legend, legendC)}
}

// spaced returns l with some space between its lines (gonum's 0 sets a long legend too close).
func spaced(l plot.Legend) plot.Legend {
	if l.Padding == 0 {
		l.Padding = vg.Points(2)
	}
	return l
}

// legendGoesBelow reports whether a legend of the given size, outside the axes, goes below
// them (it is too wide for the right of a plot of the given width).
func legendGoesBelow(size vg.Point, width vg.Length) bool {
	return size.X+vg.Points(legendGap) > vg.Length(maxLegendShare)*width
}

// drawData draws p on c and returns where its data area went: measured on the canvas drawn,
// so that the layout a test checks is the one drawn.
func drawData(p *plot.Plot, c draw.Canvas) vg.Rectangle {
	p.Draw(c)
	return p.DataCanvas(c).Rectangle
}

// drawLegend draws l (Top and Left set) on c and returns the rectangle its entries cover.
func drawLegend(l plot.Legend, c draw.Canvas) vg.Rectangle {
	l.Draw(c)
	size := l.Rectangle(c).Size()
	return vg.Rectangle{Min: vg.Point{X: c.Min.X, Y: c.Max.Y - size.Y}, Max: vg.Point{X: c.Min.X + size.X, Y: c.Max.Y}}
}

// insideLegendRect is where gonum's Legend.Draw puts a legend of the given size in the data
// area (its own Rectangle method swaps left and right).
func insideLegendRect(l plot.Legend, data vg.Rectangle, size vg.Point) vg.Rectangle {
	if size.X <= 0 {
		return vg.Rectangle{}
	}
	r := vg.Rectangle{Min: vg.Point{X: data.Max.X - size.X, Y: data.Min.Y}, Max: vg.Point{X: data.Max.X, Y: data.Min.Y + size.Y}}
	if l.Left {
		r.Min.X, r.Max.X = data.Min.X, data.Min.X+size.X
	}
	if l.Top {
		r.Min.Y, r.Max.Y = data.Max.Y-size.Y, data.Max.Y
	}
	r.Min.X, r.Max.X = r.Min.X+l.XOffs, r.Max.X+l.XOffs
	r.Min.Y, r.Max.Y = r.Min.Y+l.YOffs, r.Max.Y+l.YOffs
	return r
}

// overlaps reports whether two rectangles share more than an edge.
func overlaps(a, b vg.Rectangle) bool {
	return a.Min.X < b.Max.X && b.Min.X < a.Max.X && a.Min.Y < b.Max.Y && b.Min.Y < a.Max.Y
}
