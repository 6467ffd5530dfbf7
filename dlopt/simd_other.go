//go:build !(goexperiment.simd && go1.27 && amd64)

package dlopt

// simdBuilt: this binary was built without GOEXPERIMENT=simd (or not for amd64), so the Go
// backend runs its scalar kernels.
const simdBuilt = false

func cpuSIMD() string { return "none" }
