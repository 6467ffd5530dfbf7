//go:build goexperiment.simd && go1.27 && amd64

package dlopt

import "simd/archsimd"

// simdBuilt: this binary carries the Go backend's AVX-512/AVX2 kernels (GOEXPERIMENT=simd).
const simdBuilt = true

// cpuSIMD reports the widest kernel family the Go backend can use on this CPU. The backend
// reads GOMLX_GO_BACKEND_SIMD_* settings too; those only turn kernels off, and [SIMDKernels]
// reports what this CPU and build allow.
func cpuSIMD() string {
	switch {
	case archsimd.X86.AVX512():
		return "AVX-512"
	case archsimd.X86.AVX2():
		return "AVX2"
	}
	return "none"
}
