package backendtest

import (
	"strings"
	"testing"

	"github.com/dlopt/course/dlopt"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
)

// Selected returns dlopt.Backend(), the process-wide backend $DLOPT_BACKEND (else $GOMLX_BACKEND,
// else the Go backend) selects, or fails the test with the reason it cannot be created.
func Selected(t testing.TB) compute.Backend {
	t.Helper()
	b, err := dlopt.Backend()
	if err != nil {
		t.Fatalf("backend %q: %v", dlopt.BackendConfig(), err)
	}
	return b
}

// RequireDType skips the test when b cannot compute in dt (float64 on some accelerators).
func RequireDType(t testing.TB, b compute.Backend, dt dtypes.DType) {
	t.Helper()
	if !b.Capabilities().DTypes[dt] {
		t.Skipf("skipping: backend %s has no %s", b.Description(), dt)
	}
}

// TF32 reports whether b may compute float32 matrix products in TF32: XLA does on NVIDIA GPUs
// by default (inputs rounded to 10-bit mantissas: a relative error up to about 1e-3 per
// product, where float32 gives 6e-8), and GoMLX's "tf32" plugin option asks for it anywhere.
func TF32(b compute.Backend) bool {
	if b.Name() != "xla" {
		return false
	}
	d := strings.ToLower(b.Description() + " " + dlopt.BackendConfig())
	return strings.Contains(d, "cuda") || strings.Contains(d, "tf32")
}

// SkipOnTF32 skips a comparison that needs float32 matrix products at float32 precision when b
// computes them in TF32; what names the comparison.
func SkipOnTF32(t testing.TB, b compute.Backend, what string) {
	t.Helper()
	if TF32(b) {
		t.Skipf("skipping %s: backend %s computes float32 matrix products in TF32 (relative error ~1e-3, "+
			"beyond this float32 tolerance); the float64 checks still run", what, b.Description())
	}
}

// ONNX reports whether b is ONNX Runtime (DLOPT_BACKEND=onnx).
func ONNX(b compute.Backend) bool { return b.Name() == dlopt.ONNXBackendName }

// SkipOnONNX skips a test that cannot hold on ONNX Runtime (compute-onnx v0.1.13, ONNX Runtime
// 1.30); why says what differs there (an op it lacks, an op it computes in float32 only, its own
// random-number stream). README.md's backend table lists every such skip.
func SkipOnONNX(t testing.TB, b compute.Backend, why string) {
	t.Helper()
	if ONNX(b) {
		t.Skipf("skipping on %s: %s", b.Description(), why)
	}
}
