package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/dlopt/course/bench/internal/measure"
	"github.com/dlopt/course/bench/internal/workload"
	"github.com/dlopt/course/dlopt"
	"github.com/dlopt/course/dlopt/data"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/train"
)

func setupSoftmax(config) (*prepared, error) { return setupTraining(workload.Softmax, 0) }

func setupMLP(config) (*prepared, error) { return setupTraining(workload.MLP, 0) }

func setupCNN(cfg config) (*prepared, error) { return setupTraining(workload.CNN, cfg.steps) }

// setupTraining reads Fashion-MNIST's training set, builds the workload's train.Trainer (seed 1)
// and runs one step (building and compiling its graph). A repetition is then one epoch
// (maxSteps 0) or maxSteps steps, starting a new shuffled epoch each time; it returns the mean
// batch loss.
func setupTraining(w workload.Training, maxSteps int) (*prepared, error) {
	backend, err := dlopt.Backend()
	if err != nil {
		return nil, err
	}
	ds, err := data.LoadFashionMNIST(data.Train)
	if err != nil {
		return nil, err
	}
	loader, err := data.NewLoader(ds, data.LoaderConfig{BatchSize: workload.BatchSize, Shuffle: true, Seed: 1, DropLast: true, Flatten: w.Flatten,
		Backend: backend})
	if err != nil {
		return nil, err
	}
	trainer, _, err := w.NewTrainer(backend, 1)
	if err != nil {
		return nil, err
	}
	step := func(inputs, labels []*tensors.Tensor) (loss float64, err error) {
		// The trainer takes the batch's tensors and finalizes them after the step.
		metrics, err := trainer.TrainStep(train.Batch{Inputs: inputs, Labels: labels})
		if err != nil {
			return 0, err
		}
		// The batch loss is metrics[0]; reading it is one scalar per step, as loss.item() is for torch.
		loss, err = measure.ScalarValue(metrics[0])
		for _, m := range metrics {
			m.FinalizeAll()
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
