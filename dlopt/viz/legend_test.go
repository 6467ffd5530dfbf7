package viz

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/dlopt/course/dlopt/models"
	"github.com/dlopt/course/dlopt/optim"
	"github.com/gomlx/compute/dtypes"
	"gonum.org/v1/plot/vg"
)

// rosenbrockPaths runs four classic optimizers from (-1.5, 2) on the Rosenbrock banana.
func rosenbrockPaths(t *testing.T, r models.Rosenbrock) []Path {
	t.Helper()
	var paths []Path
	for _, c := range []struct {
		name   string
		kwargs map[string]any
	}{
		{"SGD", map[string]any{"lr": 1e-3}},
		{"heavy ball", map[string]any{"lr": 1e-3, "momentum": 0.9}},
		{"Nesterov", map[string]any{"lr": 1e-3, "momentum": 0.9, "nesterov": true}},
		{"Adam", map[string]any{"lr": 0.05}},
	} {
		name := "SGD"
		if c.name == "Adam" {
			name = "Adam"
		}
		opt, err := optim.New("torch", name, c.kwargs)
		if err != nil {
			t.Fatal(err)
		}
		traj, err := optim.RunHostFunc(opt, []float64{-1.5, 2}, []int{2}, r.GradStep, 300, dtypes.Float64)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s ends at %v", c.name, traj.Final())
		paths = append(paths, PathOf(c.name, traj.Iterates()))
	}
	return paths
}

// TestContourLegendOutsideData renders four optimizers' paths over Rosenbrock's level sets and
// checks, from where the drawing put them, that the legend covers no part of the data area
// and stays on the image; then that a line plot with many series does the same, and that
// one with a single series keeps gonum's legend in its corner.
func TestContourLegendOutsideData(t *testing.T) {
	r := models.Rosenbrock{Dim: 2, B: 100}
	region := Region{XMin: -2, XMax: 2, YMin: -1, YMax: 3}
	opts := ContourOptions{Axes: Axes{Title: "Rosenbrock", XLabel: "x₁", YLabel: "x₂"}, LogLevels: true, Minimiser: r.Minimiser()}
	contour := Contour(Surface(r.Value), region, opts, rosenbrockPaths(t, r)...)
	var many []Series
	for i := range 7 {
		y := make([]float64, 50)
		for k := range y {
			y[k] = float64(i+1) / float64(k+1)
		}
		many = append(many, Series{Name: fmt.Sprintf("run %d, lr %g", i, 0.1/float64(i+1)), Y: y})
	}
	lines := Lines(Axes{Title: "seven runs", LogY: true}, many...)
	for name, fig := range map[string]*Figure{"contour": contour, "lines": lines} {
		t.Run(name, func(t *testing.T) {
			png, err := fig.PNG()
			if err != nil {
				t.Fatal(err)
			}
			if dir := os.Getenv("DLOPT_VIZ_OUT"); dir != "" { // to look at the figure
				if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			l := fig.layout.get()
			image := vg.Rectangle{Max: vg.Point{X: fig.width, Y: fig.height}}
			t.Logf("data area %v, legend %v, image %v", l.Data, l.Legend, image.Max)
			if l.Legend.Size().X <= 0 || l.Legend.Size().Y <= 0 {
				t.Fatalf("no legend drawn: %v", l.Legend)
			}
			if l.Data.Size().X < fig.width/2 || l.Data.Size().Y < fig.height/2 {
				t.Errorf("the data area %v is less than half the figure (%v x %v)", l.Data, fig.width, fig.height)
			}
			if overlaps(l.Legend, l.Data) {
				t.Errorf("the legend %v covers part of the data area %v", l.Legend, l.Data)
			}
			if l.Legend.Min.X < image.Min.X || l.Legend.Min.Y < image.Min.Y || l.Legend.Max.X > image.Max.X || l.Legend.Max.Y > image.Max.Y {
				t.Errorf("the legend %v leaves the image %v", l.Legend, image)
			}
		})
	}
	// One series: the legend stays in gonum's corner, where overlaps sees it.
	one := Lines(Axes{}, Series{Name: "loss", Y: []float64{3, 2, 1}})
	if _, err := one.PNG(); err != nil {
		t.Fatal(err)
	}
	if l := one.layout.get(); !overlaps(l.Legend, l.Data) {
		t.Errorf("one series: legend %v outside the data area %v; want gonum's corner", l.Legend, l.Data)
	}
}

// TestContourMinimiserValidated: a minimiser that is not a finite 2-D point is an error naming it.
func TestContourMinimiserValidated(t *testing.T) {
	f := func(x, y float64) float64 { return x*x + y*y }
	r := Region{XMin: -1, XMax: 1, YMin: -1, YMax: 1}
	for _, m := range [][]float64{{1}, {1, 2, 3}, {0, math.NaN()}} {
		if _, err := Contour(f, r, ContourOptions{Minimiser: m}).PNG(); err == nil {
			t.Errorf("Minimiser %v: no error", m)
		}
	}
	if _, err := Contour(f, r, ContourOptions{Minimiser: []float64{0, 0}}).PNG(); err != nil {
		t.Errorf("Minimiser (0, 0): %v", err)
	}
}
