package viz_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/dlopt/course/dlopt/models"
	"github.com/dlopt/course/dlopt/optim"
	"github.com/dlopt/course/dlopt/viz"
	"github.com/gomlx/compute/dtypes"
)

// Three PyTorch optimizers on a quadratic of condition number 10, their trajectories drawn
// over its level sets: PathOf takes a trajectory's iterates (x0 first), Surface the problem's
// Value, GradGraph is the gradient RunFunc needs, and the star marks the minimiser XStar.
func ExampleContour() {
	q, err := models.NewQuadratic([]float64{1, 10}, 3)
	if err != nil {
		panic(err)
	}
	x0 := []float64{q.XStar[0] - 3, q.XStar[1] + 2}
	var paths []viz.Path
	for _, c := range []struct {
		name   string
		kwargs map[string]any
	}{{"SGD", map[string]any{"lr": 0.05, "momentum": 0.5}}, {"Adam", map[string]any{"lr": 0.3}}, {"RMSprop", map[string]any{"lr": 0.05}}} {
		name := c.name
		opt, err := optim.New("torch", name, c.kwargs)
		if err != nil {
			panic(err)
		}
		traj, err := optim.RunFunc(opt, x0, []int{2}, q.GradGraph, 60, dtypes.Float64)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%-7s f - f* = %.2g after %d steps\n", name, q.Value(traj.Final())-q.FStar, traj.Steps())
		paths = append(paths, viz.PathOf(name, traj.Iterates()))
	}
	region := viz.Region{XMin: q.XStar[0] - 4, XMax: q.XStar[0] + 4, YMin: q.XStar[1] - 3, YMax: q.XStar[1] + 3}
	fig := viz.Contour(viz.Surface(q.Value), region, viz.ContourOptions{Axes: viz.Axes{Title: "κ = 10"}, Minimiser: q.XStar}, paths...)
	file := filepath.Join(os.TempDir(), "viz-three-optimizers.png")
	defer os.Remove(file)
	fmt.Println("saved:", fig.Save(file) == nil)
	// Output:
	// SGD     f - f* = 1.1e-07 after 60 steps
	// Adam    f - f* = 0.0025 after 60 steps
	// RMSprop f - f* = 0.074 after 60 steps
	// saved: true
}
