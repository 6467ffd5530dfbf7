package torchblas_test

import (
	"fmt"

	"github.com/dlopt/course/internal/torchblas"
)

// A live-torch test logs which BLAS each comparison ran against.
func ExampleConfigs() {
	configs, err := torchblas.Configs(torchblas.DebianPython)
	if err != nil {
		fmt.Println("no python:", err)
		return
	}
	fmt.Println(configs[0].Name)
	// Output: detected
}
