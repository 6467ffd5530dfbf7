// Package viz draws the course's plots with gonum/plot: one call shows a plot inline in a GoNB
// notebook and writes it to a file, so notebooks and programs share the same code.
//
// Every constructor returns a [*Figure]; nothing is drawn until [Figure.Show] (inline PNG when
// running inside GoNB, plus any files named, .png or .svg) or [Figure.Save]. Invalid input
// (mismatched lengths, non-positive values on a log axis, an empty grid) does not panic: the
// figure carries the error and Show/Save return it. [Figure.MustShow] panics instead, for
// notebook cells.
//
// Plots:
//   - [Lines]: several series, legend, optional log axes (loss curves, rate checks);
//     [FitLogLog] fits the slope a rate check reports.
//   - [Contour] and [ContourGrid]: level sets of a 2-D function with optimizer trajectories
//     overlaid in distinct colours; [PathOf] makes a path of an optim Trajectory's Iterates()
//     (x0 first) and [Surface] adapts a test problem's Value to the f(x, y) Contour samples.
//   - [Bars]: grouped bar charts (class probabilities).
//   - [ImageGrid]: a grid of grey-scale images (Fashion-MNIST samples) with captions, wrong
//     predictions in red.
//   - [Confusion]: a confusion-matrix heat map with counts.
//   - [Graphs]: communication graphs (nodes and edges of a mixing matrix, arrowheads on directed
//     edges) side by side, laid out with [CircleLayout] or [GridLayout].
//   - [Landscape]: 1-D and 2-D loss-landscape slices around trained weights along random,
//     filter-normalised directions (Li et al. 2018, "Visualizing the Loss Landscape of Neural
//     Nets"), drawn with [LandscapeLine] and [LandscapeContour]. The loss is any function of a
//     flat parameter vector; for a GoMLX model, [NewStoreParams] flattens the trainable
//     variables under a scope and [StoreLandscape] evaluates a graph loss at any vector.
//
// Interactive figures: [NewInteractive] turns a function of a few parameters into a figure with
// [Slider], [LogSlider] and [Choice] controls that a GoNB notebook page redraws at every change
// (GoNB's widgets), with a readout of computed numbers and a Stop button; without a page
// (nbconvert, a program) it draws the default setting once and returns.
//
// For notebooks: [Check] prints a "CHECK <claim>" line or panics when the claim is false (the
// headless notebook runner fails on the panic), and [Table] shows a table as HTML.
//
// Examples (`go doc` does not print them; see example_test.go and example_optimizers_test.go,
// or `go test -run Example -v ./dlopt/viz`): the package example (gradient descent over level
// sets, saved as PNG and SVG), [Contour] (three optimizers on a quadratic, from
// optim.RunFunc to PathOf), [FitLogLog] with [Lines], and [Landscape].
package viz
