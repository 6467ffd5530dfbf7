package experiment_test

import (
	"fmt"

	"github.com/dlopt/course/dlopt/data"
	"github.com/dlopt/course/dlopt/experiment"
)

// Train the linear classifier on a small synthetic dataset (each class a noisy prototype
// image) and classify the test split.
func ExampleTrain() {
	trainSet, err := data.Synthetic(data.SyntheticConfig{N: 300, Height: 8, Width: 8, Classes: 3, Noise: 0.3, Seed: 1})
	if err != nil {
		panic(err)
	}
	testSet, err := data.Synthetic(data.SyntheticConfig{N: 60, Height: 8, Width: 8, Classes: 3, Noise: 0.3, Seed: 1})
	if err != nil {
		panic(err)
	}
	cfg := experiment.Config{Model: "linear", Optimizer: "torch:SGD", LearningRate: 0.1, Epochs: 3, BatchSize: 30, Seed: 7}
	result, err := experiment.Train(cfg, experiment.Datasets{Train: trainSet, Test: testSet}, experiment.Callbacks{})
	if err != nil {
		panic(err)
	}
	for _, m := range result.History {
		fmt.Printf("epoch %d: test accuracy %.2f\n", m.Epoch, m.TestAccuracy)
	}
	counts, err := result.ConfusionMatrix(testSet)
	if err != nil {
		panic(err)
	}
	fmt.Println("confusion matrix:", counts)
	// Output:
	// epoch 1: test accuracy 0.93
	// epoch 2: test accuracy 0.98
	// epoch 3: test accuracy 1.00
	// confusion matrix: [[20 0 0] [0 20 0] [0 0 20]]
}
