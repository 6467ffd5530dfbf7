package viz

import (
	"bytes"
	"image/png"
	"math"
	"strings"
	"testing"
)

func ringWeights(n int, directed bool) [][]float64 {
	w := make([][]float64, n)
	for i := range w {
		w[i] = make([]float64, n)
		w[i][i] = 0.5
		w[i][(i+1)%n] = 0.25
		if !directed {
			w[i][(i+n-1)%n] = 0.25
		}
	}
	return w
}

func TestGraphsRender(t *testing.T) {
	x, y := CircleLayout(8)
	gx, gy := GridLayout(3)
	grid := make([][]float64, 9)
	for i := range grid {
		grid[i] = make([]float64, 9)
		grid[i][i] = 1
	}
	grid[0][1], grid[1][0] = 0.5, 0.5
	fig := Graphs(2, Graph{Title: "ring", X: x, Y: y, Weights: ringWeights(8, false)},
		Graph{Title: "directed", X: x, Y: y, Weights: ringWeights(8, true)},
		Graph{Title: "grid", X: gx, Y: gy, Weights: grid})
	img, err := fig.PNG()
	if err != nil {
		t.Fatal(err)
	}
	m, err := png.Decode(bytes.NewReader(img))
	if err != nil {
		t.Fatal(err)
	}
	if b := m.Bounds(); b.Dx() < 500 || b.Dy() < 500 {
		t.Errorf("2 x 2 tiles drawn as %v, want at least 500 x 500 pixels", b)
	}
	// The edge colour must appear: an empty panel (no edges) would not have it.
	edges := 0
	b := m.Bounds()
	for yy := b.Min.Y; yy < b.Max.Y; yy++ {
		for xx := b.Min.X; xx < b.Max.X; xx++ {
			r, g, bl, _ := m.At(xx, yy).RGBA()
			if r>>8 < 0x30 && g>>8 > 0x50 && g>>8 < 0x90 && bl>>8 > 0x90 {
				edges++
			}
		}
	}
	if edges < 200 {
		t.Errorf("found %d edge-coloured pixels, want the edges drawn", edges)
	}
	if math.Abs(x[0]) > 1e-15 || y[0] != 1 || gx[4] != 1 || gy[0] != 2 {
		t.Errorf("layouts: circle node 0 at (%v, %v), grid node 4 at x=%v, node 0 at y=%v", x[0], y[0], gx[4], gy[0])
	}
}

func TestGraphsInvalidInput(t *testing.T) {
	x, y := CircleLayout(3)
	cases := []struct {
		fig  *Figure
		want string
	}{
		{Graphs(1), "at least one graph"},
		{Graphs(1, Graph{X: x, Y: y[:2], Weights: ringWeights(3, false)}), "len(Y) = 2"},
		{Graphs(1, Graph{X: x, Y: y, Weights: [][]float64{{1}, {1}, {1}}}), "row 0 has 1 entries"},
		{Graphs(1, Graph{Title: "t", X: []float64{0, 1, 2}, Y: []float64{0, 1, math.NaN()}, Weights: ringWeights(3, false)}), "node 2"},
	}
	for _, c := range cases {
		if err := c.fig.Err(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want one mentioning %q", err, c.want)
		}
	}
}
