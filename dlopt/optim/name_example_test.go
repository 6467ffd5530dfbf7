package optim_test

import (
	"fmt"

	"github.com/dlopt/course/dlopt/optim"
)

// One name, in the form the CLI and experiment configs take, says which library's optimizer
// (and which defaults) to build.
func ExampleNewByName() {
	opt, err := optim.NewByName("optax:lion", map[string]any{"learning_rate": 0.1})
	if err != nil {
		panic(err)
	}
	fmt.Println(opt.Name(), opt.Hypers())

	n, _ := optim.ParseName("AdamW") // a bare PyTorch class name
	fmt.Println(n)
	_, err = optim.ParseName("Adamw") // torch:AdamW or optax:adamw? Not guessed.
	fmt.Println(err)
	// Output:
	// lion [b1 b2 learning_rate weight_decay]
	// torch:AdamW
	// optim: optimizer "Adamw" matches several optimizers only ignoring case: write one of "torch:AdamW" or "optax:adamw"; their defaults differ: weight_decay is 0.01 in torch:AdamW, 0.0001 in optax:adamw
}
