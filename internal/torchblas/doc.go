// Package torchblas tells which BLAS, and which OpenBLAS kernel ("core"), Debian's PyTorch runs
// on, and lists the BLAS configurations of this machine a live-torch test can compare against.
//
// The BLAS changes torch's float64 results in the last bits (each kernel sums a dot product in
// its own order), so a live-torch comparison states the configuration it ran against and holds
// on every one of [Configs]. The logic lives in torchblas.py (embedded), which the benchmark
// peers import too.
package torchblas
