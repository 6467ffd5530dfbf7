package dlopt_test

import (
	"fmt"

	"github.com/dlopt/course/dlopt"
)

// NewBackend never panics: a configuration it cannot satisfy is an error saying what to do.
func ExampleNewBackend() {
	if _, err := dlopt.NewBackend("tpu"); err != nil {
		fmt.Println(err)
	}
	backend, err := dlopt.NewBackend("go")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(backend.Name())
	// Output:
	// dlopt: unknown backend "tpu" in configuration "tpu": allowed are "go" (pure Go, the default), "xla:PLUGIN" with PLUGIN one of cpu, cuda or an absolute path to a PJRT plugin .so, and "onnx" (ONNX Runtime) or "onnx:/abs/path/libonnxruntime.so.1"
	// Go Backend
}
