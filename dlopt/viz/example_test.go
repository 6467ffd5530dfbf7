package viz_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/dlopt/course/dlopt/viz"
)

// Gradient descent on an ill-conditioned quadratic, drawn over its level sets and saved as PNG
// and SVG. In a GoNB notebook the same Show call also displays the plot inline.
func Example() {
	f := func(x, y float64) float64 { return 0.5 * (x*x + 20*y*y) }
	var path viz.Path
	x, y := -4.0, 1.5
	for range 20 {
		path.X, path.Y = append(path.X, x), append(path.Y, y)
		x, y = x-0.09*x, y-0.09*20*y // x_{k+1} = x_k - eta * grad f(x_k)
	}
	path.Name = "gradient descent, η = 0.09"
	dir, _ := os.MkdirTemp("", "viz")
	defer os.RemoveAll(dir)
	fig := viz.Contour(f, viz.Region{XMin: -5, XMax: 5, YMin: -2, YMax: 2},
		viz.ContourOptions{Axes: viz.Axes{Title: "f(x, y) = (x² + 20y²)/2", XLabel: "x", YLabel: "y"}}, path)
	err := fig.Show(filepath.Join(dir, "gd.png"), filepath.Join(dir, "gd.svg"))
	fmt.Println("error:", err)
	st, _ := os.Stat(filepath.Join(dir, "gd.png"))
	fmt.Println("png written:", st.Size() > 0)
	// Output:
	// error: <nil>
	// png written: true
}

// A rate check: a measured quantity against K on log-log axes, with its fitted slope.
func ExampleFitLogLog() {
	var ks, vals []float64
	for k := 10.0; k <= 1e5; k *= 10 {
		ks, vals = append(ks, k), append(vals, 3/math.Sqrt(k))
	}
	slope, _, err := viz.FitLogLog(ks, vals)
	fmt.Printf("slope %.3f, error %v\n", slope, err)
	fig := viz.Lines(viz.Axes{Title: "rate", XLabel: "K", YLabel: "value", LogX: true, LogY: true},
		viz.Series{Name: fmt.Sprintf("measured (slope %.2f)", slope), X: ks, Y: vals, Points: true})
	path := filepath.Join(os.TempDir(), "viz-rate-example.svg")
	defer os.Remove(path)
	fmt.Println("error:", fig.Save(path))
	// Output:
	// slope -0.500, error <nil>
	// error: <nil>
}

// A 1-D loss-landscape slice of L(θ) = ||θ||²/2 around θ* = (1, 2, -1, 0.5) (a 2 x 2 weight
// block) along a filter-normalised random direction, saved as SVG.
func ExampleLandscape() {
	center := []float64{1, 2, -1, 0.5}
	blocks := []viz.ParamBlock{{Name: "w", Shape: []int{2, 2}, FilterAxis: -1}}
	dir, err := viz.FilterNormalizedDirection(center, blocks, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		fmt.Println(err)
		return
	}
	land := viz.Landscape{Center: center, Loss: func(theta []float64) (float64, error) {
		s := 0.0
		for _, v := range theta {
			s += v * v / 2
		}
		return s, nil
	}}
	alphas := viz.Linspace(-1, 1, 5)
	losses, err := land.Slice1D(dir, alphas)
	fmt.Printf("loss at α = 0: %.3f, error %v\n", losses[2], err)
	path := filepath.Join(os.TempDir(), "viz-landscape-example.svg")
	defer os.Remove(path)
	fmt.Println("error:", viz.LandscapeLine("slice", alphas, viz.Series{Name: "loss", Y: losses}).Save(path))
	// Output:
	// loss at α = 0: 3.125, error <nil>
	// error: <nil>
}
