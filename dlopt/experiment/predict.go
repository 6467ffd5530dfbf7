package experiment

import (
	"errors"
	"fmt"

	"github.com/dlopt/course/dlopt/data"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// Predict classifies every image of ds with the trained model and returns the predicted
// class indices, in dataset order. The images are normalised as in training.
func (r *Result) Predict(ds *data.Dataset) ([]int, error) {
	if r.backend == nil {
		return nil, errors.New("experiment: Predict after Close")
	}
	if ds == nil {
		return nil, errors.New("experiment: Predict needs a dataset")
	}
	if err := ds.Validate(); err != nil {
		return nil, err
	}
	if ds.Height != r.height || ds.Width != r.width || ds.NumClasses() != len(r.Classes) {
		return nil, fmt.Errorf("experiment: dataset %q has %dx%d images in %d classes, the model was trained on %dx%d in %d",
			ds.Name, ds.Height, ds.Width, ds.NumClasses(), r.height, r.width, len(r.Classes))
	}
	loader, err := data.NewLoader(ds, data.LoaderConfig{BatchSize: min(evalBatchSize, ds.N), DType: r.Config.DType, Norm: r.norm})
	if err != nil {
		return nil, err
	}
	// The graph reads the trained variables of the store (it creates none: they all exist).
	exec, err := model.NewExec(r.backend, r.store, func(scope *model.Scope, images *graph.Node) *graph.Node {
		return graph.ArgMax(r.model.Logits(scope, images), -1)
	})
	if err != nil {
		return nil, err
	}
	defer exec.Finalize()
	predictions := make([]int, 0, ds.N)
	for batch := range loader.Batches(0) {
		classes, err := exec.Exec1(batch.Images)
		batch.Images.MustFinalizeAll()
		batch.Labels.MustFinalizeAll()
		if err != nil {
			return nil, fmt.Errorf("experiment: classifying %q: %w", ds.Name, err)
		}
		flat, err := tensors.CopyFlatData[int32](classes)
		classes.MustFinalizeAll()
		if err != nil {
			return nil, err
		}
		for _, c := range flat {
			predictions = append(predictions, int(c))
		}
	}
	return predictions, nil
}

// ConfusionMatrix classifies ds and counts, for every true class t and predicted class p,
// the images of class t predicted as p: counts[t][p]. The diagonal holds the correct ones.
func (r *Result) ConfusionMatrix(ds *data.Dataset) ([][]int, error) {
	predictions, err := r.Predict(ds)
	if err != nil {
		return nil, err
	}
	return Confusion(ds.Labels, predictions, ds.NumClasses())
}

// Confusion counts labels against predictions: counts[t][p] is the number of examples of true
// class t predicted as p. Both slices must have the same length and hold classes below classes.
func Confusion[L ~uint8 | ~int | ~int32](labels []L, predictions []int, classes int) ([][]int, error) {
	if len(labels) != len(predictions) {
		return nil, fmt.Errorf("experiment: %d labels but %d predictions", len(labels), len(predictions))
	}
	if classes < 1 {
		return nil, fmt.Errorf("experiment: %d classes, need at least 1", classes)
	}
	counts := make([][]int, classes)
	for i := range counts {
		counts[i] = make([]int, classes)
	}
	for i, p := range predictions {
		t := int(labels[i])
		if t < 0 || t >= classes || p < 0 || p >= classes {
			return nil, fmt.Errorf("experiment: example %d has label %d and prediction %d, allowed are 0..%d", i, t, p, classes-1)
		}
		counts[t][p]++
	}
	return counts, nil
}

// Accuracy is the fraction of the diagonal in a confusion matrix.
func Accuracy(counts [][]int) float64 {
	correct, total := 0, 0
	for t, row := range counts {
		for p, n := range row {
			total += n
			if t == p {
				correct += n
			}
		}
	}
	if total == 0 {
		return 0
	}
	return float64(correct) / float64(total)
}
