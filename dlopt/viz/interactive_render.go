package viz

import (
	"bytes"
	"fmt"
	"html"
	"image/color"
	"image/png"
	"regexp"
	"strconv"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// How an interactive figure's images are made: PNG for outputs a notebook keeps, SVG for the
// page while the controls move.

// fastPNG renders the figure as PNG with the fastest compression: for a redraw the encoder's
// default level cost more than drawing the plot (BenchmarkRedrawMomentum in dlopt/explore), for
// files about 30% larger, which never leave the kernel's machine uncompressed anyway.
func (f *Figure) fastPNG() (out []byte, err error) {
	if f.err != nil {
		return nil, f.err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("viz: drawing the figure failed: %v", r)
		}
	}()
	c := vgimg.NewWith(vgimg.UseWH(f.width, f.height), vgimg.UseDPI(f.dpi), vgimg.UseBackgroundColor(color.White))
	f.draw(draw.New(c))
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, c.Image()); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// withFontFallback makes gonum/plot's SVG text keep its layout in any browser. gonum places
// text with Liberation Serif's metrics and names only that font; a browser without it draws its
// default sans-serif, whose wider glyphs run into the legend's lines. So each text element gets
// the width gonum measured (textLength, glyphs scaled to it) and a list of fallback fonts,
// Times New Roman (the same metrics) first.
func withFontFallback(svg []byte) []byte {
	return svgText.ReplaceAllFunc(svg, func(m []byte) []byte {
		g := svgText.FindSubmatch(m) // 1: the attributes, 2: style's start, 3: its rest, 4-6: weight, style, size, 7: text
		size, err := strconv.ParseFloat(string(g[6]), 64)
		if err != nil || string(g[4]) != "normal" || string(g[5]) != "normal" {
			return m // viz writes no bold or italic text
		}
		fnt := font.Font{Typeface: "Liberation", Variant: "Serif"}
		face := font.DefaultCache.Lookup(fnt, vg.Points(size))
		width := face.Width(html.UnescapeString(string(g[7])))
		return fmt.Appendf(nil, `%s textLength="%.2f" lengthAdjust="spacingAndGlyphs" %s'Liberation Serif','Tinos','Times New Roman',Times,serif%s>%s</text>`,
			g[1], width.Points(), g[2], g[3], g[7])
	})
}

// svgText matches a text element as vgsvg writes it: the attributes before the style, the style's
// start up to the family, weight, style, size, the rest of the style, the text.
var svgText = regexp.MustCompile(`(<text x="[^"]*" y="[^"]*" transform="scale\(1, -1\)")\s*(style="font-family:)Liberation Serif(;font-variant:normal;font-weight:(\w+);font-style:(\w+);font-size:([0-9.]+)px[^"]*")>([^<]*)</text>`)
