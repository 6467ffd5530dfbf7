package dlopt_test

import (
	"os"
	"strings"
	"testing"

	"github.com/dlopt/course/dlopt"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// An Exec compiled once and called again after a variable changed must see the new value, for
// graphs not built for training too (an evaluation between training steps). Without dlopt's
// livevars.go the Go backend bakes the value into the compiled graph and this reads 20 three times.
//
// On ONNX Runtime (compute-onnx sets the same preference in its Capabilities method) the fix is
// dlopt's liveVarsBackend wrapper (livevars_wrap.go); the ONNX case skips where no ONNX Runtime
// library is found (`make setup` provides one).
func TestEvaluationSeesNewWeights(t *testing.T) {
	for _, config := range []string{"go", "onnx"} {
		t.Run(config, func(t *testing.T) {
			backend, err := dlopt.NewBackend(config)
			if err != nil {
				if config == "onnx" && dlopt.ONNXRuntimeMissing(err) {
					t.Skipf("skipping: %v", err)
				}
				t.Fatal(err)
			}
			if config == "onnx" && !backend.Capabilities().DTypes[dtypes.Float32] {
				t.Fatal("ONNX Runtime backend without float32")
			}
			evaluationSeesNewWeights(t, backend)
		})
	}
}

func evaluationSeesNewWeights(t *testing.T, backend compute.Backend) {
	store := model.NewStore()
	w := store.RootScope().VariableWithValue("w", float32(1))
	exec, err := model.NewExec(backend, store, func(_ *model.Scope, x *graph.Node) *graph.Node {
		return graph.Mul(x, w.NodeValue(x.Graph()))
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, weight := range []float32{10, 11, 12} {
		w.MustSetValue(tensors.FromValue(weight))
		got, err := exec.Call1(tensors.FromValue(float32(2)))
		if err != nil {
			t.Fatal(err)
		}
		if v := tensors.ToScalar[float32](got); v != 2*weight {
			t.Fatalf("with w = %g the compiled graph computed 2w = %g: it used a stale weight", weight, v)
		}
	}
}

// A bad ONNX Runtime library is an error naming it, before anything is loaded.
func TestONNXBadLibrary(t *testing.T) {
	for _, tc := range []struct{ config, want string }{
		{"onnx:/nonexistent/libonnxruntime.so.1", `"/nonexistent/libonnxruntime.so.1"`},
		{"onnx:relative/libonnxruntime.so.1", "not an absolute path"},
		{"onnx:/tmp", "not a regular file"},
		{"onnx:/a/lib.so,/b/lib.so", "two ONNX Runtime libraries"},
	} {
		_, err := dlopt.NewBackend(tc.config)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewBackend(%q) = %v, want an error containing %s", tc.config, err, tc.want)
		}
	}
	t.Setenv(dlopt.ONNXRuntimeLibraryEnv, "/nonexistent/env/lib.so")
	if _, err := dlopt.NewBackend("onnx"); err == nil || !strings.Contains(err.Error(), "/nonexistent/env/lib.so") ||
		!strings.Contains(err.Error(), "$"+dlopt.ONNXRuntimeLibraryEnv) {
		t.Errorf("NewBackend(onnx) with a bad $%s = %v, want an error naming it", dlopt.ONNXRuntimeLibraryEnv, err)
	}
}

// make setup (scripts/install.sh) provides the ONNX Runtime version dlopt names, with a recorded SHA-256.
func TestONNXRuntimeVersionPinned(t *testing.T) {
	script, err := os.ReadFile("../scripts/install.sh")
	if err != nil {
		t.Fatal(err)
	}
	if want := "\nonnx_version=" + dlopt.ONNXRuntimeVersion + "\n"; !strings.Contains(string(script), want) {
		t.Errorf("scripts/install.sh lacks the line %q (dlopt.ONNXRuntimeVersion)", strings.TrimSpace(want))
	}
	sum, err := os.ReadFile("../scripts/onnxruntime-" + dlopt.ONNXRuntimeVersion + ".sha256")
	if err != nil {
		t.Fatal(err)
	}
	if f := strings.Fields(string(sum)); len(f) != 2 || len(f[0]) != 64 || f[1] != "libonnxruntime.so.1" {
		t.Errorf("scripts/onnxruntime-%s.sha256 = %q, want \"<64 hex digits>  libonnxruntime.so.1\"", dlopt.ONNXRuntimeVersion, sum)
	}
}
