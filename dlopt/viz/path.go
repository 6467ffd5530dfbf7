package viz

import "fmt"

// PathOf makes the path of a 2-D trajectory from its iterates x0, x1, ... (each [x, y]), such
// as optim's Trajectory.Iterates(), which starts at x0:
//
//	viz.PathOf("adam", traj.Iterates())
//
// An iterate that does not have exactly 2 coordinates makes the path invalid: the figure it
// is drawn in reports the error (naming the path and the iterate) instead of drawing it.
// Non-finite iterates are kept and, like every path's, skipped when drawn.
func PathOf(name string, iterates [][]float64) Path {
	p := Path{Name: name, X: make([]float64, len(iterates)), Y: make([]float64, len(iterates))}
	for k, it := range iterates {
		if len(it) != 2 {
			p.err = fmt.Errorf("PathOf(%q): iterate %d has %d coordinates, a 2-D path needs 2 (x, y)", name, k, len(it))
			return p
		}
		p.X[k], p.Y[k] = it[0], it[1]
	}
	return p
}

// Err reports why the path is invalid (see [PathOf]), or nil.
func (p Path) Err() error { return p.err }

// Surface adapts f of a 2-vector (a test problem's Value, say) to the f(x, y) that [Contour]
// samples: viz.Contour(viz.Surface(problem.Value), region, options, paths...). The problem must
// be 2-D: the Value of a problem of another dimension panics on the 2-vector, and Contour's
// figure then carries the error (with the problem's message naming its dimension) instead of
// drawing.
func Surface(f func(x []float64) float64) func(x, y float64) float64 {
	if f == nil {
		return nil // Contour reports the nil function
	}
	return func(x, y float64) float64 {
		defer func() {
			if r := recover(); r != nil {
				panic(fmt.Sprintf("viz.Surface: f of the 2-vector (x, y) panicked (a contour needs a 2-D problem): %v", r))
			}
		}()
		return f([]float64{x, y})
	}
}
