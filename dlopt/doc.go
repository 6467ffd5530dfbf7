// Package dlopt is the root of the toolkit for the course "Optimization for Deep Learning".
//
// Importing it (directly or through any dlopt sub-package) does two things:
//
//   - it makes the backends available: the pure-Go simplego backend (always, nothing to install)
//     and the XLA backend (CPU or CUDA through PJRT plugins), chosen by [Backend];
//   - it registers a reverse-mode gradient for GoMLX's matrix-product nodes that is itself made
//     of matrix products, which makes training 10x faster or more than with stock GoMLX v0.26.0
//     (see [SetDotGradient] to compare it with GoMLX's own, and BenchmarkMLPTrainStep).
//
// Sub-packages: optim (optimizers, schedules, wrappers), models (models, losses, test problems),
// data (datasets) and viz (plots).
package dlopt
