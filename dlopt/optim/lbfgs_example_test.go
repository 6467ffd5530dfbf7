package optim_test

import (
	"fmt"

	"github.com/dlopt/course/dlopt/optim"
)

// torch.optim.LBFGS with strong-Wolfe line search, ported verbatim, on the Rosenbrock function
// f(x, y) = (1 - x)² + 100 (y - x²)²: one Step runs up to max_iter iterations.
func ExampleLBFGS() {
	opt, err := optim.NewLBFGSFromKwargs(map[string]any{"line_search_fn": "strong_wolfe", "max_iter": 100})
	if err != nil {
		panic(err)
	}
	rosenbrock := func(p []float64) (float64, []float64) {
		x, y := p[0], p[1]
		f := (1-x)*(1-x) + 100*(y-x*x)*(y-x*x)
		return f, []float64{-2*(1-x) - 400*x*(y-x*x), 200 * (y - x*x)}
	}
	p := []float64{-1.2, 1}
	loss, err := opt.Step(p, rosenbrock)
	if err != nil {
		panic(err)
	}
	final, _ := rosenbrock(p)
	fmt.Printf("loss %.1f, then below 1e-8: %v, at (%.4f, %.4f) after %d evaluations\n", loss, final < 1e-8, p[0], p[1], opt.FuncEvals())
	// Output:
	// loss 24.2, then below 1e-8: true, at (1.0000, 1.0000) after 43 evaluations
}
