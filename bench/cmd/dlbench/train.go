package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/dlopt/course/bench/internal/measure"
	"github.com/dlopt/course/dlopt"
	"github.com/dlopt/course/dlopt/data"
	"github.com/dlopt/course/dlopt/models"
	"github.com/dlopt/course/dlopt/optim"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
)

// batchSize is the batch of every training workload, as in torch_peer.py.
const batchSize = 128

// The models of the training workloads, from dlopt/models.
var (
	// softmaxRegression is the linear classifier 784-10 with bias.
	softmaxRegression = models.Linear{Classes: data.FashionClasses, Bias: true}
	// mlp784 is the MLP 784-256-256-10 with ReLU.
	mlp784 = models.MLP{Hidden: []int{256, 256}, Classes: data.FashionClasses, Activation: models.ReLU}
	// smallCNN: conv3x3(8, same)+ReLU, 2x2 max-pool, conv3x3(16)+ReLU, 2x2 max-pool, dense 10.
	// dlopt/models builds the convolutions from a gather and one matrix product and the pooling
	// from a reshape and ReduceMax: GoMLX v0.26.0's conv and max-pool gradients use ops simplego
	// lacks (Reverse, SelectAndScatterMax).
	smallCNN = models.CNN{Channels: [2]int{8, 16}, Kernel: 3, Classes: data.FashionClasses, Activation: models.ReLU}
)

func setupSoftmax(config) (*prepared, error) {
	return setupTraining(softmaxRegression, "SGD", map[string]any{"lr": 0.1}, true, 0)
}

func setupMLP(config) (*prepared, error) {
	return setupTraining(mlp784, "Adam", map[string]any{"lr": 1e-3}, true, 0)
}

func setupCNN(cfg config) (*prepared, error) {
	return setupTraining(smallCNN, "Adam", map[string]any{"lr": 1e-3}, false, cfg.steps)
}

// setupTraining reads Fashion-MNIST's training set, builds a train.Trainer for model with
// dlopt/models' cross-entropy and the dlopt/optim optimizer that torch.optim calls torchClass,
// and runs one step (building and compiling its graph). A repetition is then one epoch (maxSteps 0) or maxSteps steps, starting a new shuffled
// epoch each time; it returns the mean batch loss.
func setupTraining(model models.Model, torchClass string, kwargs map[string]any, flatten bool, maxSteps int) (*prepared, error) {
	backend, err := dlopt.Backend()
	if err != nil {
		return nil, err
	}
	modelFn, err := models.ModelFn(model)
	if err != nil {
		return nil, err
	}
	optimizer, err := optim.New(optim.Torch, torchClass, kwargs)
	if err != nil {
		return nil, err
	}
	ds, err := data.LoadFashionMNIST(data.Train)
	if err != nil {
		return nil, err
	}
	loader, err := data.NewLoader(ds, data.LoaderConfig{BatchSize: batchSize, Shuffle: true, Seed: 1, DropLast: true, Flatten: flatten})
	if err != nil {
		return nil, err
	}
	ctx := context.New()
	if err := ctx.SetRNGStateFromSeed(1); err != nil {
		return nil, err
	}
	trainer := train.NewTrainer(backend, ctx, modelFn, models.CrossEntropyLoss, optimizer, nil, nil)
	step := func(inputs, labels []*tensors.Tensor) (loss float64, err error) {
		metrics, err := trainer.TrainStep(nil, inputs, labels)
		if err != nil {
			return 0, err
		}
		// The batch loss is metrics[0]; reading it is one scalar per step, as loss.item() is for torch.
		loss, err = measure.ScalarValue(metrics[0])
		for _, m := range metrics {
			m.FinalizeAll()
		}
		for _, t := range append(inputs, labels...) {
			t.FinalizeAll()
		}
		return loss, err
	}
	// Compile: one step on the first batch, then start over on a fresh epoch.
	if _, inputs, labels, err := loader.Yield(); err != nil {
		return nil, err
	} else if _, err := step(inputs, labels); err != nil {
		return nil, err
	}
	loader.Reset()
	steps := loader.BatchesPerEpoch()
	if maxSteps > 0 {
		steps = min(steps, maxSteps)
	}
	run := func() (float64, error) {
		defer loader.Reset()
		var sum float64
		for i := range steps {
			_, inputs, labels, err := loader.Yield()
			if errors.Is(err, io.EOF) {
				return 0, fmt.Errorf("epoch ended after %d of %d steps", i, steps)
			} else if err != nil {
				return 0, err
			}
			loss, err := step(inputs, labels)
			if err != nil {
				return 0, err
			}
			sum += loss
		}
		return sum / float64(steps), nil
	}
	return &prepared{run: run, units: 1, steps: steps}, nil
}
