package viz_test

import (
	"fmt"
	"math"

	"github.com/dlopt/course/dlopt/viz"
)

// An interactive figure in a few lines: gradient descent x ← x - γ·λx on f(x) = λx²/2, with
// sliders for the step size γ and the curvature λ and a readout of the rate |1 - γλ|. In a
// notebook page MustShow adds the sliders and a Stop button and redraws at every move; here,
// as under nbconvert, it draws the default setting once and returns.
func ExampleNewInteractive() {
	fig := viz.NewInteractive(func(v viz.Values) (viz.View, error) {
		gamma, lambda := v.Float("γ"), v.Float("λ")
		if gamma*lambda >= 2 {
			return viz.View{}, fmt.Errorf("γλ = %g ≥ 2: gradient descent diverges", gamma*lambda)
		}
		x := []float64{1}
		for k := 1; k <= 30; k++ {
			x = append(x, x[k-1]-gamma*lambda*x[k-1])
		}
		dist := make([]float64, len(x))
		for k := range x {
			dist[k] = math.Abs(x[k])
		}
		return viz.View{
			Figures: []*viz.Figure{viz.Lines(viz.Axes{Title: "|x_k|", LogY: true}, viz.Series{Y: dist})},
			Readout: fmt.Sprintf("rate |1 - γλ| = %.2f", math.Abs(1-gamma*lambda)),
		}, nil
	}, viz.Slider("γ", 0.05, 1, 0.05, 0.3), viz.Slider("λ", 0.5, 3, 0.5, 1))
	fig.MustShow()

	// The same figure at another setting, as a test or a benchmark draws it.
	v, _ := fig.At(map[string]any{"γ": 0.9, "λ": 2.5})
	_, err := fig.Render(v, "png")
	fmt.Println(err)
	// Output:
	// γ = 0.30, λ = 1.0
	// rate |1 - γλ| = 0.70
	// viz: at γ = 0.90, λ = 2.5: γλ = 2.25 ≥ 2: gradient descent diverges
}
