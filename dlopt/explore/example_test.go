package explore_test

import (
	"fmt"

	"github.com/dlopt/course/dlopt/explore"
)

// Notebook 6's figure at γ = 0.1, β = 0.3: γL = 2.5 is beyond gradient descent's and
// Nesterov's stability limits but inside heavy ball's (γL < 2 + 2β). In a notebook,
// explore.Momentum(explore.DefaultMomentum()).MustShow() shows it with sliders.
func ExampleMomentum() {
	fig := explore.Momentum(explore.DefaultMomentum())
	v, err := fig.At(map[string]any{"γ": 0.1, "β": 0.3})
	if err != nil {
		panic(err)
	}
	r, err := fig.Render(v, "png")
	if err != nil {
		panic(err)
	}
	fmt.Println(v)
	fmt.Println(r.Readout)
	fmt.Println(len(r.Images), "figures")
	// Output:
	// γ = 0.100, β = 0.30
	// rate per step      measured    theory
	// gradient descent     1.5000    1.5000  (diverges)
	// heavy ball           0.8449    0.8449
	// Nesterov             2.1585    2.1585  (diverges)
	// 3 figures
}
