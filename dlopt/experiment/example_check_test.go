package experiment

import (
	"math"
	"slices"
	"testing"

	"github.com/dlopt/course/dlopt/data"
)

// TestExampleTrainRecomputed is the independent check beside ExampleTrain, whose printed
// figures are a regression pin produced by this code. It runs the example's configuration and
// recomputes, by hand in float64 from the trained weights and the raw bytes, the last epoch's
// test loss and accuracy and the confusion matrix; and it requires the accuracy to be well above
// chance (1/3), since the classes are noisy copies of three prototypes.
func TestExampleTrainRecomputed(t *testing.T) {
	all, err := data.Synthetic(data.SyntheticConfig{N: 360, Height: 8, Width: 8, Classes: 3, Noise: 0.9, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	indices := make([]int, all.N)
	for i := range indices {
		indices[i] = i
	}
	trainSet, _ := all.Subset("train", indices[:300])
	testSet, _ := all.Subset("test", indices[300:])
	cfg := Config{Model: "linear", Optimizer: "torch:SGD", LearningRate: 0.01, Epochs: 3, BatchSize: 30, Seed: 7}
	result, err := Train(cfg, Datasets{Train: trainSet, Test: testSet}, Callbacks{})
	if err != nil {
		t.Fatal(err)
	}
	defer result.Close()

	X, b := linearVariables(t, result.Store(), "")
	inputs := standardizedByHand(trainSet, testSet)
	features := len(X[0])
	confusion := make([][]int, 3)
	for c := range confusion {
		confusion[c] = make([]int, 3)
	}
	correct := 0
	for i, label := range testSet.Labels {
		x := inputs[i*features : (i+1)*features]
		best, bestScore := 0, math.Inf(-1)
		for c := range X {
			s := b[c]
			for j, w := range X[c] {
				s += w * x[j]
			}
			if s > bestScore {
				best, bestScore = c, s
			}
		}
		confusion[label][best]++
		if best == int(label) {
			correct++
		}
	}
	final := result.Final()
	accuracy := float64(correct) / float64(testSet.N)
	if math.Abs(final.TestAccuracy-accuracy) > 1e-6 { // the metric is a float32 fraction
		t.Errorf("reported test accuracy %.4f, by hand %.4f", final.TestAccuracy, accuracy)
	}
	// float32 training and evaluation against float64 by hand: agree to float32 rounding.
	if want := crossEntropyByHand(X, b, inputs, testSet.Labels); math.Abs(final.TestLoss-want) > 1e-5*want {
		t.Errorf("reported test loss %.7g, by hand %.7g", final.TestLoss, want)
	}
	got, err := result.ConfusionMatrix(testSet)
	if err != nil {
		t.Fatal(err)
	}
	for c := range confusion {
		if !slices.Equal(got[c], confusion[c]) {
			t.Errorf("confusion matrix %v, by hand %v", got, confusion)
			break
		}
	}
	if accuracy < 0.5 {
		t.Errorf("test accuracy %.2f: barely above chance (0.33) on three well-separated prototypes", accuracy)
	}
}
