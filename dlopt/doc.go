// Package dlopt is the root of the toolkit for the course "Optimization for Deep Learning".
//
// Importing it (directly or through any dlopt sub-package) makes the backends available: GoMLX's
// embedded Go backend (always, nothing to install; AVX-512/AVX2 kernels when built with
// GOEXPERIMENT=simd, see [SIMDKernels]) and the XLA backend (CPU or CUDA through PJRT plugins),
// chosen by [Backend]. Nothing is downloaded unless [InstallXLAPlugins] is called.
//
// Sub-packages: optim (optimizers, schedules, wrappers), models (models, losses, test problems),
// data (datasets) and viz (plots).
package dlopt
