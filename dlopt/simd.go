package dlopt

// SIMDKernels says which vector kernels the embedded Go backend runs in this binary: "AVX-512",
// "AVX2" or "none". The kernels exist only in binaries built with GOEXPERIMENT=simd on amd64
// (and Go 1.27+); without them a float32 matrix product runs at a twentieth of the speed.
func SIMDKernels() string {
	if !simdBuilt {
		return "none"
	}
	return cpuSIMD()
}

// SIMDWarning is a one-line warning for binaries built without the Go backend's SIMD kernels on
// amd64, and "" where they are built in (or where none exist for this architecture).
func SIMDWarning() string {
	if simdBuilt || !simdArch {
		return ""
	}
	return "warning: this binary was built without GOEXPERIMENT=simd: the Go backend runs its scalar " +
		"kernels (about 20x slower); rebuild with GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd (the Makefile does)"
}
