package data

import (
	"testing"

	"github.com/dlopt/course/dlopt"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/loss"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// TestLoaderDrivesGoMLXLoop checks that train.Loop consumes a Loader as it is: the right number
// of steps per epoch, and training on it lowers the loss.
func TestLoaderDrivesGoMLXLoop(t *testing.T) {
	ds, err := Synthetic(SyntheticConfig{N: 90, Height: 4, Width: 4, Classes: 3, Noise: 0.3, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	trainLoader := mustLoader(t, ds, LoaderConfig{BatchSize: 16, Shuffle: true, Seed: 5, Flatten: true})
	evalLoader := mustLoader(t, ds, LoaderConfig{BatchSize: 90, Flatten: true})
	backend := dlopt.MustBackend()
	store := model.NewStore()
	modelFn := func(scope *model.Scope, _ any, inputs []*graph.Node) []*graph.Node {
		return []*graph.Node{layers.Dense(scope, inputs[0], true, ds.NumClasses())}
	}
	trainer := train.NewTrainer(backend, store, modelFn, loss.SparseCategoricalCrossEntropyLogits,
		optimizer.StochasticGradientDescent().WithLearningRate(0.5).WithDecay(false).Done(), nil, nil)
	evalLoss := func() float32 {
		m, err := trainer.Eval(evalLoader)
		if err != nil {
			t.Fatal(err)
		}
		return tensors.MustCopyFlatData[float32](m[0])[0]
	}
	loop := train.NewLoop(trainer)
	if _, err := loop.RunEpochs(trainLoader, 1); err != nil {
		t.Fatal(err)
	}
	before := evalLoss()
	const epochs = 5
	if _, err := loop.RunEpochs(trainLoader, epochs); err != nil {
		t.Fatal(err)
	}
	after := evalLoss()
	if want := (1 + epochs) * trainLoader.BatchesPerEpoch(); loop.LoopStep != want {
		t.Errorf("loop ran %d steps, want %d (%d batches per epoch)", loop.LoopStep, want, trainLoader.BatchesPerEpoch())
	}
	if trainLoader.Epoch() != 1+epochs {
		t.Errorf("loader is at epoch %d after %d epochs", trainLoader.Epoch(), 1+epochs)
	}
	if !(after < 0.5*before) {
		t.Errorf("loss went from %g after one epoch to %g after %d more: want it at least halved", before, after, epochs)
	}
}
