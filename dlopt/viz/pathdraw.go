package viz

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Each path of a contour plot gets, besides its colour, a dash pattern and a marker shape of
// its own, so that paths which share a stretch (the same start, the same valley) stay apart
// and the figure reads in grey too.
var (
	pathDashes = [][]vg.Length{
		nil, // solid
		{vg.Points(7), vg.Points(3)},
		{vg.Points(1.5), vg.Points(2.5)},
		{vg.Points(8), vg.Points(2.5), vg.Points(1.5), vg.Points(2.5)},
		{vg.Points(3.5), vg.Points(2)},
	}
	// Filled shapes first: gonum draws the outlined ones with hairlines.
	pathGlyphs = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.PyramidGlyph{}, draw.BoxGlyph{}, diamondGlyph{},
		draw.TriangleGlyph{}, draw.SquareGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{}}
)

// Marker sizes (radii) and the number of markers along a path between its ends.
const (
	pathMarkers      = 10
	pathMarkerRadius = 2.4 // points
	pathEndRadius    = 5
	pathStartRadius  = 5.5
	minimiserRadius  = 8
	haloWidth        = 1.6 // white rim around the end markers and the star, so they stand out on any line
)

// startGlyph marks where every path starts (a ring: the end markers are filled).
var startGlyph = draw.RingGlyph{}

// pathStyle is the line of path i of n: its colour, its dashes, and a width that shrinks with
// i, so that a path drawn over an earlier one leaves the earlier one's edges in sight.
func pathStyle(i, n int) draw.LineStyle {
	return draw.LineStyle{
		Color:  Color(i),
		Width:  vg.Points(1.5 + math.Min(0.6*float64(n-1-i), 2)),
		Dashes: pathDashes[i%len(pathDashes)],
	}
}

// addPath draws the finite points xys of path i of n on p: the line, a marker of the path's
// shape every few points (staggered between paths, so that shared stretches show every
// shape), a ring at the start and a large marker at the end; the legend shows line and shape.
func addPath(p *plot.Plot, name string, xys plotter.XYs, i, n int) error {
	line, err := plotter.NewLine(xys)
	if err != nil {
		return err
	}
	line.LineStyle = pathStyle(i, n)
	glyph := pathGlyphs[i%len(pathGlyphs)]
	clr := Color(i)
	every := max(1, int(math.Ceil(float64(len(xys)-1)/pathMarkers)))
	var along plotter.XYs
	for k := 1 + (i*every)/max(n, 1); k < len(xys)-1; k += every {
		along = append(along, xys[k])
	}
	markers, err := glyphs(along, draw.GlyphStyle{Color: clr, Radius: vg.Points(pathMarkerRadius), Shape: glyph})
	if err != nil {
		return err
	}
	start, err := glyphs(xys[:1], draw.GlyphStyle{Color: clr, Radius: vg.Points(pathStartRadius), Shape: startGlyph})
	if err != nil {
		return err
	}
	endHalo, end, err := haloGlyphs(xys[len(xys)-1:], draw.GlyphStyle{Color: clr, Radius: vg.Points(pathEndRadius), Shape: glyph})
	if err != nil {
		return err
	}
	p.Add(line, markers, start, endHalo, end)
	if name != "" {
		thumb := *markers
		thumb.GlyphStyle.Radius = vg.Points(3.5)
		p.Legend.Add(name, line, &thumb)
	}
	return nil
}

// addMinimiser marks (x, y) with a star and a legend entry.
func addMinimiser(p *plot.Plot, x, y float64) error {
	halo, star, err := haloGlyphs(plotter.XYs{{X: x, Y: y}}, draw.GlyphStyle{Color: color.Black, Radius: vg.Points(minimiserRadius), Shape: starGlyph{}})
	if err != nil {
		return err
	}
	p.Add(halo, star)
	thumb := *star
	thumb.GlyphStyle.Radius = vg.Points(5.5)
	p.Legend.Add("minimiser", &thumb)
	return nil
}

// addStartLegend explains the start ring once for all paths.
func addStartLegend(p *plot.Plot) error {
	ring, err := glyphs(plotter.XYs{{}}, draw.GlyphStyle{Color: color.Gray{Y: 80}, Radius: vg.Points(pathStartRadius), Shape: startGlyph})
	if err != nil {
		return err
	}
	p.Legend.Add("start", ring)
	return nil
}

func glyphs(xys plotter.XYs, style draw.GlyphStyle) (*plotter.Scatter, error) {
	sc, err := plotter.NewScatter(xys)
	if err != nil {
		return nil, err
	}
	sc.GlyphStyle = style
	return sc, nil
}

// haloGlyphs are the glyphs over slightly larger white ones.
func haloGlyphs(xys plotter.XYs, style draw.GlyphStyle) (halo, glyph *plotter.Scatter, err error) {
	white := style
	white.Color, white.Radius = color.White, style.Radius+vg.Points(haloWidth)
	if halo, err = glyphs(xys, white); err != nil {
		return nil, nil, err
	}
	if glyph, err = glyphs(xys, style); err != nil {
		return nil, nil, err
	}
	return halo, glyph, nil
}

// starGlyph is a filled five-pointed star, diamondGlyph a filled diamond (gonum has neither).
type (
	starGlyph    struct{}
	diamondGlyph struct{}
)

func (starGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	fillPolygon(c, pt, 10, func(k int) vg.Length {
		if k%2 == 1 {
			return 0.45 * sty.Radius
		}
		return sty.Radius
	})
}

func (diamondGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	fillPolygon(c, pt, 4, func(int) vg.Length { return 1.15 * sty.Radius })
}

// fillPolygon fills the polygon of n vertices around pt, the first straight above it, vertex
// k at distance radius(k).
func fillPolygon(c *draw.Canvas, pt vg.Point, n int, radius func(k int) vg.Length) {
	var path vg.Path
	for k := range n {
		a := math.Pi/2 + 2*math.Pi*float64(k)/float64(n)
		v := vg.Point{X: pt.X + radius(k)*vg.Length(math.Cos(a)), Y: pt.Y + radius(k)*vg.Length(math.Sin(a))}
		if k == 0 {
			path.Move(v)
		} else {
			path.Line(v)
		}
	}
	path.Close()
	c.Fill(path)
}
