package viz

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/janpfeifer/gonb/gonbui"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Default figure size and resolution: 16 cm x 10 cm at 120 dpi is 756 x 472 pixels, the width of
// a Jupyter cell, with 11-13 pt text that stays readable there.
const (
	DefaultWidth  = 16 * vg.Centimeter
	DefaultHeight = 10 * vg.Centimeter
	DefaultDPI    = 120
)

// Figure is a drawing waiting to be rendered. Build it with one of the package's constructors.
type Figure struct {
	width, height vg.Length
	dpi           int
	draw          func(c draw.Canvas)
	err           error
	layout        *layoutRecord // of plots: where the last drawing put the data and the legend
}

// Axes holds the labels and scales common to the 2-D plots.
type Axes struct {
	Title, XLabel, YLabel string
	// LogX and LogY use a base-10 logarithmic axis; every value on it must be positive.
	LogX, LogY bool
}

func failed(format string, args ...any) *Figure {
	return &Figure{err: fmt.Errorf("viz: "+format, args...)}
}

func newFigure(w, h vg.Length, drawFn func(c draw.Canvas)) *Figure {
	return &Figure{width: w, height: h, dpi: DefaultDPI, draw: drawFn}
}

// plotFigure draws p with gonum's legend, inside the data area.
func plotFigure(p *plot.Plot) *Figure { return plotFigureLegend(p, legendInside) }

// plotFigureLegend draws p with its legend placed as asked. A legend that goes below the axes
// makes the figure taller by its height, so that the data area keeps the default size (a
// size set with WithSize is kept, the legend then takes its room from the plot).
func plotFigureLegend(p *plot.Plot, placement legendPlacement) *Figure {
	// A small margin keeps the last tick label and the legend off the image edge.
	left, right, bottom, top := vg.Points(4), vg.Points(10), vg.Points(2), vg.Points(4)
	record := &layoutRecord{}
	f := newFigure(DefaultWidth, DefaultHeight, func(c draw.Canvas) {
		record.set(drawPlot(p, draw.Crop(c, left, -right, bottom, -top), placement))
	})
	f.layout = record
	if placement == legendOutside {
		legend := spaced(p.Legend)
		size := legend.Rectangle(draw.Canvas{}).Size()
		if legendGoesBelow(size, DefaultWidth-left-right) {
			f.height += size.Y + vg.Points(legendGap)
		}
	}
	return f
}

// Err reports why the figure cannot be drawn, or nil.
func (f *Figure) Err() error { return f.err }

// WithSize sets the figure size in centimetres (both must be positive and at most 100).
func (f *Figure) WithSize(widthCm, heightCm float64) *Figure {
	if f.err != nil {
		return f
	}
	if !(widthCm > 0 && widthCm <= 100 && heightCm > 0 && heightCm <= 100) {
		return failed("figure size %g x %g cm: both sides must be in (0, 100]", widthCm, heightCm)
	}
	g := *f
	g.width, g.height = vg.Length(widthCm)*vg.Centimeter, vg.Length(heightCm)*vg.Centimeter
	return &g
}

// Render writes the figure in the given format, "png" or "svg".
func (f *Figure) Render(w io.Writer, format string) (err error) {
	if f.err != nil {
		return f.err
	}
	// The constructors validate their input; this turns any remaining gonum/plot panic (a corner
	// case they missed) into an error instead of crashing the notebook or program.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("viz: drawing the figure failed: %v", r)
		}
	}()
	var wt io.WriterTo
	switch strings.ToLower(format) {
	case "png":
		c := vgimg.NewWith(vgimg.UseWH(f.width, f.height), vgimg.UseDPI(f.dpi),
			vgimg.UseBackgroundColor(color.White))
		f.draw(draw.New(c))
		wt = vgimg.PngCanvas{Canvas: c}
	case "svg":
		c := vgsvg.New(f.width, f.height)
		dc := draw.New(c)
		dc.SetColor(color.White)
		dc.Fill(dc.Rectangle.Path())
		f.draw(dc)
		wt = c
	default:
		return fmt.Errorf("viz: unknown image format %q: allowed are \"png\" and \"svg\"", format)
	}
	_, err = wt.WriteTo(w)
	return err
}

// PNG renders the figure as PNG bytes.
func (f *Figure) PNG() ([]byte, error) {
	var buf bytes.Buffer
	if err := f.Render(&buf, "png"); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Save writes the figure to each path; the extension (.png or .svg) picks the format.
func (f *Figure) Save(paths ...string) error {
	if f.err != nil {
		return f.err
	}
	for _, path := range paths {
		ext := strings.TrimPrefix(filepath.Ext(path), ".")
		if ext != "png" && ext != "svg" {
			return fmt.Errorf("viz: cannot save %q: the extension must be .png or .svg", path)
		}
		var buf bytes.Buffer
		if err := f.Render(&buf, ext); err != nil {
			return err
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("viz: %w", err)
		}
	}
	return nil
}

// Show displays the figure inline when running inside a GoNB notebook (as PNG, which survives
// HTML export and GitHub's renderer) and writes it to each of paths, if any.
func (f *Figure) Show(paths ...string) error {
	if f.err != nil {
		return f.err
	}
	if gonbui.IsNotebook {
		png, err := f.PNG()
		if err != nil {
			return err
		}
		gonbui.DisplayPNG(png)
		// Without a sync a cell whose program exits right after Show can lose the image.
		gonbui.Sync()
	}
	return f.Save(paths...)
}

// MustShow is [Figure.Show] for notebook cells: it panics with the error.
func (f *Figure) MustShow(paths ...string) {
	if err := f.Show(paths...); err != nil {
		panic(err)
	}
}

// errNoData is returned when a plot would be empty.
var errNoData = errors.New("viz: nothing to plot")
