package dlopt

import (
	"fmt"
	"sync"

	onnxbackend "github.com/gomlx/compute-onnx"
)

func init() {
	// compute-onnx downloads ONNX Runtime from GitHub when it finds no library: dlopt never
	// downloads behind the user's back (`dlopt backends --install onnx` asks for it).
	onnxbackend.EnableAutoInstall(false)
}

var (
	onnxMu  sync.Mutex
	onnxLib string // the library this process loaded: ONNX Runtime initializes once per process
)

// newONNXBackend creates the ONNX Runtime backend for "onnx:OPTIONS", wrapped so that variables
// stay graph parameters (liveVarsBackend).
func newONNXBackend(options string) (*liveVarsBackend, error) {
	opts, lib, err := onnxOptions(options)
	if err != nil {
		return nil, err
	}
	onnxMu.Lock()
	defer onnxMu.Unlock()
	if onnxLib != "" && onnxLib != lib {
		return nil, fmt.Errorf("dlopt: this process already loaded ONNX Runtime from %q and cannot load %q too "+
			"(ONNX Runtime initializes once per process)", onnxLib, lib)
	}
	b, err := onnxbackend.New(opts)
	if err != nil {
		return nil, err
	}
	onnxLib = lib
	return newLiveVarsBackend(b), nil
}

// ONNXRuntimeVersionOf returns the ONNX Runtime version b runs ("" when b is not ONNX Runtime).
func ONNXRuntimeVersionOf(b any) string {
	if w, ok := b.(*liveVarsBackend); ok {
		b = w.Backend
	}
	if o, ok := b.(*onnxbackend.Backend); ok {
		return o.Version()
	}
	return ""
}
