// Package experiment trains a classifier end to end: the one place the command line
// (`dlopt train`), the notebooks and the benchmarks call to train.
//
// A [Config] names the model (linear, mlp, cnn from dlopt/models), the optimizer (by its
// PyTorch or optax name through dlopt/optim, or one of GoMLX's own), the learning rate and its
// schedule, epochs, batch size, seed, dtype and backend. [Train] validates it (errors name the
// bad value and what is allowed), feeds the training split through GoMLX's train.Trainer and
// train.Loop in batches shuffled by the seed (dlopt/data), evaluates the test split after every
// epoch and returns the per-epoch [EpochMetrics]: mean training loss over the epoch, test loss,
// test accuracy and wall time. [Callbacks] report progress while it runs.
//
// A run is repeatable: the seed fixes the initial weights and every batch.
//
// The trained model stays usable: [Result.Predict] and [Result.ConfusionMatrix] classify more
// data for notebooks; [WriteCSV] and [Curves] save and plot the history.
//
// Importing experiment imports github.com/dlopt/course/dlopt, which registers the fast
// matrix-product gradient.
package experiment

import _ "github.com/dlopt/course/dlopt" // registers the matrix-product gradient
