package backendtest_test

import (
	"fmt"

	"github.com/dlopt/course/dlopt"
	"github.com/dlopt/course/internal/backendtest"
)

// The pure-Go backend computes float32 products in float32; XLA on a CUDA plugin may not.
func ExampleTF32() {
	b, err := dlopt.NewBackend("go")
	if err != nil {
		panic(err)
	}
	defer b.Finalize()
	fmt.Println(backendtest.TF32(b))
	// Output: false
}
