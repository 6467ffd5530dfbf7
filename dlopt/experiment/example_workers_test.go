package experiment_test

import (
	"fmt"

	"github.com/dlopt/course/dlopt/data"
	"github.com/dlopt/course/dlopt/experiment"
)

// Train 8 simulated workers (one batched graph) with D-SGD over a ring, each on a label-skewed
// shard holding about 2 of the 4 classes, and evaluate their average model. With Fashion-MNIST
// (experiment.LoadFashionMNIST) the same Config with a TrainLimit of a few thousand examples
// trains a few hundred steps in seconds; the all-reduce topology makes it data-parallel SGD.
//
// The output is a regression pin printed by this code on the pure-Go backend (float32).
func ExampleTrain_workers() {
	all, err := data.Synthetic(data.SyntheticConfig{N: 800, Height: 8, Width: 8, Classes: 4, Noise: 0.9, Seed: 1})
	if err != nil {
		panic(err)
	}
	indices := make([]int, all.N)
	for i := range indices {
		indices[i] = i
	}
	trainSet, _ := all.Subset("train", indices[:640])
	testSet, _ := all.Subset("test", indices[640:])

	cfg := experiment.Config{Model: "mlp", Hidden: []int{16}, Optimizer: "torch:SGD", LearningRate: 0.05, Epochs: 3, BatchSize: 10,
		Seed: 7, Backend: "go", Workers: 8, Topology: "ring", Algorithm: "dsgd", Sharding: "label-skew"}
	result, err := experiment.Train(cfg, experiment.Datasets{Train: trainSet, Test: testSet}, experiment.Callbacks{})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d steps of 8 workers x %d examples\n", len(result.Steps), cfg.BatchSize)
	for _, m := range result.History {
		fmt.Printf("epoch %d: train loss %.3f, test accuracy of the average model %.2f, consensus error %.2f\n",
			m.Epoch, m.TrainLoss, m.TestAccuracy, m.ConsensusError)
	}
	// Output:
	// 24 steps of 8 workers x 10 examples
	// epoch 1: train loss 1.726, test accuracy of the average model 0.31, consensus error 0.46
	// epoch 2: train loss 1.240, test accuracy of the average model 0.44, consensus error 0.45
	// epoch 3: train loss 1.001, test accuracy of the average model 0.54, consensus error 0.40
}
