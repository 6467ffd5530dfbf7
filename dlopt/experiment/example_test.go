package experiment_test

import (
	"fmt"

	"github.com/dlopt/course/dlopt/data"
	"github.com/dlopt/course/dlopt/experiment"
)

// Train the linear classifier with PyTorch's SGD on a small synthetic problem (each class a
// noisy version of a prototype image), then classify the test split.
//
// The output below is a regression pin: it was printed by this code (float32, the pure-Go
// backend), not taken from an independent source. TestExampleTrainRecomputed recomputes the
// last epoch's figures and the confusion matrix by hand from the trained weights and raw bytes.
func ExampleTrain() {
	all, err := data.Synthetic(data.SyntheticConfig{N: 360, Height: 8, Width: 8, Classes: 3, Noise: 0.9, Seed: 1})
	if err != nil {
		panic(err)
	}
	indices := make([]int, all.N)
	for i := range indices {
		indices[i] = i
	}
	trainSet, _ := all.Subset("train", indices[:300])
	testSet, _ := all.Subset("test", indices[300:])

	// Backend "go": the pin below is the Go backend's; another backend draws other initial weights
	// from the same seed (ONNX Runtime's random-number generator is its own).
	cfg := experiment.Config{Model: "linear", Optimizer: "torch:SGD", LearningRate: 0.01, Epochs: 3, BatchSize: 30, Seed: 7, Backend: "go"}
	result, err := experiment.Train(cfg, experiment.Datasets{Train: trainSet, Test: testSet}, experiment.Callbacks{})
	if err != nil {
		panic(err)
	}
	for _, m := range result.History {
		fmt.Printf("epoch %d: train loss %.3f, test accuracy %.2f\n", m.Epoch, m.TrainLoss, m.TestAccuracy)
	}
	counts, err := result.ConfusionMatrix(testSet)
	if err != nil {
		panic(err)
	}
	fmt.Println("confusion matrix (rows: true class):", counts)
	// Output:
	// epoch 1: train loss 1.254, test accuracy 0.53
	// epoch 2: train loss 1.033, test accuracy 0.65
	// epoch 3: train loss 0.866, test accuracy 0.68
	// confusion matrix (rows: true class): [[13 6 1] [6 14 0] [5 1 14]]
}
