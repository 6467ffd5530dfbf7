package viz

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// decode renders f to PNG and decodes it.
func decode(t *testing.T, f *Figure) image.Image {
	t.Helper()
	b, err := f.PNG()
	if err != nil {
		t.Fatalf("PNG: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decoding the PNG: %v", err)
	}
	return img
}

// countPixels returns how many pixels are not white and how many are close to want.
func countPixels(img image.Image, want color.Color) (nonWhite, near int) {
	wr, wg, wb, _ := want.RGBA()
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if r < 0xF000 || g < 0xF000 || b < 0xF000 {
				nonWhite++
			}
			if absDiff(r, wr) < 0x1800 && absDiff(g, wg) < 0x1800 && absDiff(b, wb) < 0x1800 {
				near++
			}
		}
	}
	return nonWhite, near
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

func quadratic(x, y float64) float64 { return 0.5 * (x*x + 10*y*y) }

func TestFiguresRender(t *testing.T) {
	gd := Path{Name: "GD", X: []float64{-4, -3, -2.5, -1, 0}, Y: []float64{2, -1.5, 1, -0.5, 0}}
	hb := Path{Name: "heavy ball", X: []float64{-4, -2, 0.5, 0.2}, Y: []float64{2, 0.5, -0.2, 0}}
	imgs := make([][]float32, 12)
	for i := range imgs {
		imgs[i] = make([]float32, 28*28)
		for k := range imgs[i] {
			imgs[i][k] = float32((k*(i+1))%28) / 27
		}
	}
	captions := make([]string, len(imgs))
	wrong := make([]bool, len(imgs))
	for i := range captions {
		captions[i] = "Sneaker\n→ Sandal"
		wrong[i] = i%3 == 0
	}
	cm := [][]int{{50, 3, 1}, {4, 40, 6}, {0, 2, 61}}
	z := [][]float64{{3, 2, 3}, {2, 0.1, 2}, {3, 2, 4}}
	tests := []struct {
		name      string
		fig       *Figure
		wantW     int
		wantH     int
		minInk    int         // non-white pixels at least
		colour    color.Color // a colour that must appear ...
		minColour int         // ... on at least this many pixels
	}{
		{"lines log-log", Lines(Axes{Title: "rate", XLabel: "K", YLabel: "E||grad||^2", LogX: true, LogY: true},
			Series{Name: "measured", X: []float64{1, 10, 100, 1000}, Y: []float64{1, 0.3, 0.1, 0.03}, Points: true},
			Series{Name: "bound", X: []float64{1, 10, 100, 1000}, Y: []float64{2, 0.6, 0.2, 0.06}, Dashed: true}),
			756, 472, 3000, Color(1), 150},
		{"lines with NaN tail", Lines(Axes{Title: "loss"},
			Series{Name: "diverged", Y: []float64{1, 2, math.NaN(), math.Inf(1)}},
			Series{Name: "ok", Y: []float64{1, 0.5, 0.25, 0.125}}),
			756, 472, 3000, Color(0), 100},
		{"contour with paths", Contour(quadratic, Region{-5, 5, -3, 3}, ContourOptions{Axes: Axes{Title: "f"}}, gd, hb),
			756, 472, 5000, Color(1), 150},
		{"contour log levels", Contour(func(x, y float64) float64 { return (1-x)*(1-x) + 100*(y-x*x)*(y-x*x) },
			Region{-2, 2, -1, 3}, ContourOptions{LogLevels: true, Levels: 10}),
			756, 472, 3000, nil, 0},
		{"bars", Bars(Axes{Title: "p", YLabel: "probability"}, []string{"a", "b", "c"},
			BarGroup{Name: "model", Values: []float64{0.2, 0.7, 0.1}}),
			756, 472, 20000, Color(0), 20000},
		{"grouped bars many categories", Bars(Axes{}, []string{"0", "1", "2", "3", "4", "5", "6", "7"},
			BarGroup{Name: "x", Values: []float64{1, 2, 3, 4, 5, 6, 7, 8}}, BarGroup{Name: "y", Values: []float64{8, 7, 6, 5, 4, 3, 2, 1}}),
			756, 472, 20000, Color(1), 10000},
		{"image grid", ImageGrid(imgs, 28, 28, ImageGridOptions{Title: "samples", Cols: 6, Captions: captions, Wrong: wrong}),
			595, 310, 20000, rgb(0xC0, 0x10, 0x10), 50},
		{"confusion", Confusion(cm, []string{"cat", "dog", "bird"}, "confusion"),
			709, 652, 30000, nil, 0},
		{"landscape contour", LandscapeContour("landscape", []float64{-1, 0, 1}, []float64{-1, 0, 1}, z),
			756, 472, 3000, Color(0), 10},
		{"single point log-log", Lines(Axes{LogX: true, LogY: true}, Series{X: []float64{10}, Y: []float64{0.1}, Points: true}),
			756, 472, 500, Color(0), 10},
		{"sized", Lines(Axes{}, Series{Y: []float64{1, 2}}).WithSize(8, 5), 378, 236, 500, nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img := decode(t, tc.fig)
			if d := os.Getenv("VIZ_DUMP"); d != "" {
				_ = tc.fig.Save(filepath.Join(d, strings.ReplaceAll(tc.name, " ", "_")+".png"))
			}
			if b := img.Bounds(); b.Dx() != tc.wantW || b.Dy() != tc.wantH {
				t.Errorf("size %d x %d, want %d x %d", b.Dx(), b.Dy(), tc.wantW, tc.wantH)
			}
			want := tc.colour
			if want == nil {
				want = color.Black
			}
			ink, near := countPixels(img, want)
			if ink < tc.minInk {
				t.Errorf("%d non-white pixels, want at least %d: the plot looks blank", ink, tc.minInk)
			}
			if near < tc.minColour {
				t.Errorf("%d pixels near colour %v, want at least %d", near, want, tc.minColour)
			}
		})
	}
}

func TestInvalidInputIsAnError(t *testing.T) {
	tests := []struct {
		name string
		fig  *Figure
		want string // part of the error message
	}{
		{"no series", Lines(Axes{}), "at least one series"},
		{"length mismatch", Lines(Axes{}, Series{X: []float64{1, 2}, Y: []float64{1}}), "len(X) = 2 but len(Y) = 1"},
		{"zero on log axis", Lines(Axes{LogY: true}, Series{Y: []float64{1, 0}}), "Y[1] = 0 on a log axis"},
		{"all NaN", Lines(Axes{}, Series{Y: []float64{math.NaN()}}), "NaN or infinite"},
		{"empty region", Contour(quadratic, Region{1, 1, 0, 1}, ContourOptions{}), "XMin < XMax"},
		{"bad resolution", Contour(quadratic, Region{0, 1, 0, 1}, ContourOptions{Resolution: 1}), "Resolution = 1"},
		{"constant function", Contour(func(x, y float64) float64 { return 3 }, Region{0, 1, 0, 1}, ContourOptions{}), "constant"},
		{"path mismatch", Contour(quadratic, Region{0, 1, 0, 1}, ContourOptions{}, Path{X: []float64{1}}), "len(X) = 1, len(Y) = 0"},
		{"decreasing grid", ContourGrid([]float64{1, 0}, []float64{0, 1}, [][]float64{{1, 2}, {3, 4}}, ContourOptions{}), "strictly increasing"},
		{"ragged grid", ContourGrid([]float64{0, 1}, []float64{0, 1}, [][]float64{{1, 2}, {3}}, ContourOptions{}), "len(z[1]) = 1"},
		{"bars count", Bars(Axes{}, []string{"a", "b"}, BarGroup{Values: []float64{1}}), "1 values for 2 categories"},
		{"bars log", Bars(Axes{LogY: true}, []string{"a"}, BarGroup{Values: []float64{1}}), "log axes are not supported"},
		{"bars NaN", Bars(Axes{}, []string{"a"}, BarGroup{Values: []float64{math.NaN()}}), "must be finite"},
		{"image size", ImageGrid([][]uint8{{1, 2, 3}}, 2, 2, ImageGridOptions{}), "has 3 pixels, want 2 x 2 = 4"},
		{"captions", ImageGrid([][]uint8{{1}}, 1, 1, ImageGridOptions{Captions: []string{"a", "b"}}), "2 captions for 1 images"},
		{"confusion shape", Confusion([][]int{{1, 2}}, []string{"a", "b"}, ""), "1 rows for 2 classes"},
		{"confusion negative", Confusion([][]int{{1, -2}, {0, 0}}, []string{"a", "b"}, ""), "counts[0][1] = -2"},
		{"size", Lines(Axes{}, Series{Y: []float64{1}}).WithSize(0, 5), "(0, 100]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.fig.Show()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if _, err := tc.fig.PNG(); err == nil {
				t.Fatalf("PNG succeeded on an invalid figure")
			}
		})
	}
	if err := Lines(Axes{}).Err(); !errors.Is(err, errNoData) {
		t.Errorf("Lines() error %v, want errNoData", err)
	}
}

func TestSaveFormats(t *testing.T) {
	dir := t.TempDir()
	fig := Bars(Axes{Title: "p"}, []string{"a", "b"}, BarGroup{Values: []float64{0.3, 0.7}})
	pngPath, svgPath := filepath.Join(dir, "p.png"), filepath.Join(dir, "p.svg")
	if err := fig.Save(pngPath, svgPath); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(pngPath)
	if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Errorf("%s is not a PNG (err %v)", pngPath, err)
	}
	s, err := os.ReadFile(svgPath)
	if err != nil || !bytes.Contains(s, []byte("<svg")) || !bytes.Contains(s, []byte("<path")) {
		t.Errorf("%s is not an SVG with paths (err %v)", svgPath, err)
	}
	if err := fig.Save(filepath.Join(dir, "p.gif")); err == nil || !strings.Contains(err.Error(), ".png or .svg") {
		t.Errorf("saving a .gif: error %v, want one naming the allowed extensions", err)
	}
}

func TestFitLogLog(t *testing.T) {
	tests := []struct {
		name             string
		slope, intercept float64
	}{{"sqrt rate", -0.5, 1.3}, {"1/K", -1, 0}, {"growth", 2, -3}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var x, y []float64
			for k := 1.0; k <= 1e5; k *= 3 {
				x = append(x, k)
				y = append(y, math.Pow(10, tc.intercept)*math.Pow(k, tc.slope))
			}
			s, c, err := FitLogLog(x, y)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(s-tc.slope) > 1e-12 || math.Abs(c-tc.intercept) > 1e-12 {
				t.Errorf("fit slope %v intercept %v, want %v %v", s, c, tc.slope, tc.intercept)
			}
		})
	}
	for _, bad := range []struct{ x, y []float64 }{
		{[]float64{1}, []float64{1}}, {[]float64{1, 2}, []float64{1}}, {[]float64{1, 2}, []float64{1, 0}}, {[]float64{2, 2}, []float64{1, 3}},
	} {
		if _, _, err := FitLogLog(bad.x, bad.y); err == nil {
			t.Errorf("FitLogLog(%v, %v) succeeded, want an error", bad.x, bad.y)
		}
	}
}

func TestLogTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		labels []string
	}{
		{1e-11, 1e12, []string{"1e-11", "1e-08", "1e-05", "0.01", "10", "10000", "1e+07", "1e+10"}},
		{0.05, 300, []string{"0.1", "1", "10", "100"}},
		{1, 1000, []string{"1", "10", "100", "1000"}},
	}
	for _, tc := range tests {
		var labels []string
		for _, tk := range (logTicks{}).Ticks(tc.lo, tc.hi) {
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
		}
		if strings.Join(labels, " ") != strings.Join(tc.labels, " ") {
			t.Errorf("Ticks(%g, %g) labels %q, want %q", tc.lo, tc.hi, labels, tc.labels)
		}
	}
	if ticks := (logTicks{}).Ticks(2, 3); len(ticks) < 2 {
		t.Errorf("Ticks(2, 3) gave %d ticks: a range within a decade still needs labelled ends", len(ticks))
	}
}
