package viz

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strings"
	"unicode/utf8"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Pixel is the element type of an image: raw bytes or scaled floats.
type Pixel interface {
	~uint8 | ~float32 | ~float64
}

// ImageGridOptions describes the tiles of an [ImageGrid].
type ImageGridOptions struct {
	Title string
	// Cols is the number of tiles per row (default 8, at most the number of images).
	Cols int
	// Captions, if set, has one caption per image (for example "Shirt\n→ T-shirt/top"); a
	// caption may have several lines.
	Captions []string
	// Wrong, if set, marks images whose caption is drawn in red (wrong predictions).
	Wrong []bool
}

// ImageGrid draws grey-scale images of height x width pixels (row-major, one slice per image) in
// a grid. Each image is scaled from its own minimum (black) to maximum (white), so bytes in
// [0, 255] and floats in [0, 1] look the same.
func ImageGrid[T Pixel](images [][]T, height, width int, o ImageGridOptions) *Figure {
	if len(images) == 0 {
		return &Figure{err: fmt.Errorf("%w: ImageGrid needs at least one image", errNoData)}
	}
	if height <= 0 || width <= 0 {
		return failed("ImageGrid: image size %d x %d: both must be positive", height, width)
	}
	if o.Captions != nil && len(o.Captions) != len(images) {
		return failed("ImageGrid: %d captions for %d images: one per image (or none)", len(o.Captions), len(images))
	}
	if o.Wrong != nil && len(o.Wrong) != len(images) {
		return failed("ImageGrid: %d Wrong flags for %d images: one per image (or none)", len(o.Wrong), len(images))
	}
	cols := o.Cols
	if cols == 0 {
		cols = 8
	}
	if cols < 0 {
		return failed("ImageGrid: Cols = %d: must be positive (0 for the default 8)", o.Cols)
	}
	cols = min(cols, len(images))
	rows := (len(images) + cols - 1) / cols
	plots := make([][]*plot.Plot, rows)
	for r := range plots {
		plots[r] = make([]*plot.Plot, cols)
	}
	for i, px := range images {
		if len(px) != height*width {
			return failed("ImageGrid: image %d has %d pixels, want %d x %d = %d", i, len(px), height, width, height*width)
		}
		p := plot.New()
		p.HideAxes()
		p.Add(plotter.NewImage(grey(px, height, width), 0, 0, float64(width), float64(height)))
		if o.Captions != nil {
			p.Title.Text = o.Captions[i]
			p.Title.TextStyle.Font.Size = captionSize
			p.Title.Padding = vg.Points(2)
		}
		if o.Wrong != nil && o.Wrong[i] {
			p.Title.TextStyle.Color = rgb(0xC0, 0x10, 0x10)
		}
		plots[i/cols][i%cols] = p
	}
	// 2.1 cm per tile keeps a 28 x 28 image at about 3.5 screen pixels per pixel at 120 dpi;
	// tiles widen for long captions (about 0.55 em per character) and grow for multi-line ones.
	tile := 2.1 * vg.Centimeter
	longest, lines := 0, 0
	for _, c := range o.Captions {
		parts := strings.Split(c, "\n")
		lines = max(lines, len(parts))
		for _, p := range parts {
			longest = max(longest, utf8.RuneCountInString(p))
		}
	}
	tileW := max(tile, vg.Length(longest)*captionSize*0.55+vg.Points(6))
	tileH := tile + vg.Length(lines)*captionSize*1.25
	titleH := vg.Length(0)
	if o.Title != "" {
		titleH = vg.Points(22)
	}
	w := vg.Length(cols) * tileW
	h := vg.Length(rows)*tileH + titleH
	return newFigure(w, h, func(c draw.Canvas) {
		if o.Title != "" {
			sty := draw.TextStyle{Color: color.Black, Font: font.From(plot.DefaultFont, vg.Points(13)),
				XAlign: draw.XCenter, YAlign: draw.YTop, Handler: plot.DefaultTextHandler}
			c.FillText(sty, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: c.Max.Y - vg.Points(3)}, o.Title)
			c.Max.Y -= titleH
		}
		t := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(3), PadY: vg.Points(3),
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

// captionSize is the font size of image captions.
const captionSize = 9 * vg.Inch / 72

// grey converts pixels to an 8-bit grey image, scaling min..max to 0..255 (a constant image is
// drawn black).
func grey[T Pixel](px []T, height, width int) *image.Gray {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range px {
		f := float64(v)
		if finite(f) {
			lo, hi = math.Min(lo, f), math.Max(hi, f)
		}
	}
	img := image.NewGray(image.Rect(0, 0, width, height))
	if !(hi > lo) {
		return img
	}
	for i, v := range px {
		f := (float64(v) - lo) / (hi - lo)
		if !finite(f) {
			f = 0
		}
		img.Pix[i] = uint8(math.Round(255 * f))
	}
	return img
}
