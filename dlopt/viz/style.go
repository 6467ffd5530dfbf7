package viz

import (
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Colors are the series colours, in order: the Okabe-Ito palette (distinguishable with the
// common colour-vision deficiencies) followed by a few darker tones.
var Colors = []color.Color{
	rgb(0x00, 0x72, 0xB2), // blue
	rgb(0xD5, 0x5E, 0x00), // vermillion
	rgb(0x00, 0x9E, 0x73), // bluish green
	rgb(0xCC, 0x79, 0xA7), // reddish purple
	rgb(0xE6, 0x9F, 0x00), // orange
	rgb(0x56, 0xB4, 0xE9), // sky blue
	rgb(0x00, 0x00, 0x00), // black
	rgb(0x8C, 0x56, 0x4B), // brown (instead of Okabe-Ito yellow, faint on white)
	rgb(0x88, 0x22, 0x55), // wine
	rgb(0x44, 0x77, 0x33), // dark green
}

// Color returns the i-th series colour, cycling through [Colors].
func Color(i int) color.Color { return Colors[((i%len(Colors))+len(Colors))%len(Colors)] }

func rgb(r, g, b uint8) color.RGBA { return color.RGBA{R: r, G: g, B: b, A: 255} }

// newPlot returns a plot with the axes' labels, log scales and notebook-sized fonts.
func newPlot(a Axes) *plot.Plot {
	p := plot.New()
	p.Title.Text = a.Title
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.X.Label.Text = a.XLabel
	p.Y.Label.Text = a.YLabel
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font.Size = vg.Points(12)
		ax.Tick.Label.Font.Size = vg.Points(10.5)
	}
	p.Legend.TextStyle.Font = font.From(p.Legend.TextStyle.Font, vg.Points(10.5))
	if a.LogX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = logTicks{}
	}
	if a.LogY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
	}
	grid := plotter.NewGrid()
	grid.Vertical.Color = color.Gray{Y: 225}
	grid.Horizontal.Color = color.Gray{Y: 225}
	p.Add(grid)
	return p
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// logTicks labels powers of ten (every second or third one over a wide range, so that at most
// about 8 labels show), with unlabelled minor ticks at 2..9 times a power over short ranges.
// gonum's LogTicks prints labels such as 9.999999999999998e-05 for 1e-4.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi >= lo) {
		return nil
	}
	kLo, kHi := int(math.Floor(math.Log10(lo))), int(math.Ceil(math.Log10(hi)))
	step := (kHi-kLo)/8 + 1
	var ticks []plot.Tick
	for k := kLo; k <= kHi; k++ {
		v := math.Pow(10, float64(k))
		if v >= lo*(1-1e-9) && v <= hi*(1+1e-9) {
			label := ""
			if (k-kLo)%step == 0 {
				label = strconv.FormatFloat(v, 'g', -1, 64)
			}
			ticks = append(ticks, plot.Tick{Value: v, Label: label})
		}
		if kHi-kLo <= 4 {
			for m := 2; m <= 9; m++ {
				if mv := float64(m) * v; mv >= lo && mv <= hi {
					ticks = append(ticks, plot.Tick{Value: mv})
				}
			}
		}
	}
	if len(ticks) < 2 {
		// Less than a decade: fall back to gonum's linear ticks, which label the ends.
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	return ticks
}
