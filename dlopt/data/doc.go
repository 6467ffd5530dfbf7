// Package data reads Fashion-MNIST and cuts datasets into batches for GoMLX.
//
// Fashion-MNIST comes from the Debian package dataset-fashion-mnist, which installs the four
// IDX .gz files in [DefaultDir]; $DLOPT_DATA points elsewhere. [LoadFashionMNIST] checks every
// header and size, and malformed files are errors, never panics (the IDX parser [ParseIDX] is
// fuzzed). A [Dataset] keeps the pixels as bytes; a [Loader] shuffles them with a seed,
// normalises them ([UnitRange] or a [Standardization] computed on the training set) and
// converts one batch at a time to float32 or float64 tensors. A Loader is a GoMLX
// train.Dataset, so train.Trainer and train.Loop take it as is; [Loader.Batches] is the same
// stream as a Go iterator for notebooks.
//
// [Synthetic] makes a small learnable dataset in memory, for tests that must run without the
// Debian files.
package data
