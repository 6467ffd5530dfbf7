package dlopt_test

import (
	"os"
	"runtime"
	"testing"

	"github.com/dlopt/course/dlopt"
)

// The Makefile builds with GOEXPERIMENT=simd: a test binary without the kernels means an entry
// point lost the export. DLOPT_EXPECT_SIMD=0 turns the check off for deliberate plain builds.
func TestBuiltWithSIMDKernels(t *testing.T) {
	if runtime.GOARCH != "amd64" || os.Getenv("DLOPT_EXPECT_SIMD") == "0" {
		t.Skip("SIMD kernels exist only on amd64; DLOPT_EXPECT_SIMD=0 skips")
	}
	if w := dlopt.SIMDWarning(); w != "" {
		t.Fatalf("%s", w)
	}
	t.Logf("Go backend kernels: %s", dlopt.SIMDKernels())
}
