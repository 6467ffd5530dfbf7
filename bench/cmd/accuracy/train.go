package main

import (
	"fmt"
	"slices"
	"time"

	"github.com/dlopt/course/bench/internal/workload"
	"github.com/dlopt/course/dlopt"
	"github.com/dlopt/course/dlopt/data"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/metric"
)

// evalBatchSize cuts the 10,000 test images into 40 equal batches (one compiled graph); larger
// batches would make the CNN's im2col tensor large on the pure-Go backend.
const evalBatchSize = 250

// trainDlopt trains w for epochs epochs on trainSet with dlopt (GoMLX's train.Loop, dlopt/models,
// dlopt/optim by the torch name), then returns the accuracy on testSet. seed fixes dlopt's
// initialisation and the loader's per-epoch permutations.
func trainDlopt(w workload.Training, epochs int, seed int64, trainSet, testSet *data.Dataset) (seedRun, error) {
	backend, err := dlopt.Backend()
	if err != nil {
		return seedRun{}, err
	}
	trainLoader, err := data.NewLoader(trainSet, data.LoaderConfig{
		BatchSize: workload.BatchSize, Shuffle: true, Seed: uint64(seed), DropLast: true, Flatten: w.Flatten,
		Backend: backend})
	if err != nil {
		return seedRun{}, err
	}
	testLoader, err := data.NewLoader(testSet, data.LoaderConfig{BatchSize: min(evalBatchSize, testSet.N), Flatten: w.Flatten, Backend: backend})
	if err != nil {
		return seedRun{}, err
	}
	accuracy := metric.NewSparseCategoricalAccuracy("Accuracy", "acc")
	trainer, _, err := w.NewTrainer(backend, seed, accuracy)
	if err != nil {
		return seedRun{}, err
	}
	loop := train.NewLoop(trainer)
	// The last epoch's mean batch loss, a sanity figure to set beside PyTorch's.
	var lossSum float64
	var steps int
	loop.OnStep("accuracy: epoch loss", 0, func(_ *train.Loop, stepMetrics []*tensors.Tensor) error {
		lossSum += shapes.ConvertTo[float64](stepMetrics[0].Value())
		steps++
		return nil
	})
	start := time.Now()
	for e := 1; e <= epochs; e++ {
		lossSum, steps = 0, 0
		if _, err := loop.RunEpochs(trainLoader, 1); err != nil {
			return seedRun{}, fmt.Errorf("%s, seed %d, epoch %d: %w", w.Name, seed, e, err)
		}
	}
	seconds := time.Since(start).Seconds()
	evalMetrics, err := trainer.Eval(testLoader)
	if err != nil {
		return seedRun{}, fmt.Errorf("%s, seed %d, evaluation: %w", w.Name, seed, err)
	}
	// Eval's metrics are the trainer's (GoMLX v0.28: the mean loss, then ours): find the accuracy
	// by its object rather than by a position that changed between GoMLX versions.
	accIndex := slices.IndexFunc(trainer.EvalMetrics(), func(m metric.Interface) bool { return m == accuracy })
	if accIndex < 0 || accIndex >= len(evalMetrics) {
		return seedRun{}, fmt.Errorf("%s, seed %d: the accuracy metric is not among the %d evaluation results", w.Name, seed, len(evalMetrics))
	}
	return seedRun{
		Seed:         seed,
		TestAccuracy: shapes.ConvertTo[float64](evalMetrics[accIndex].Value()),
		TrainLoss:    lossSum / float64(steps),
		Seconds:      seconds,
	}, nil
}
