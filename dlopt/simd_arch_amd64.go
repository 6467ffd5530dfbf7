package dlopt

// simdArch: the Go backend has SIMD kernels for this architecture.
const simdArch = true
