package experiment_test

import (
	"fmt"

	"github.com/dlopt/course/dlopt/data"
	"github.com/dlopt/course/dlopt/experiment"
)

// Warmup then cosine, as most recipes do: the learning rate rises from 0 to 0.1 over 2 steps
// and decays to 0 over the other 6 (optax.warmup_cosine_decay_schedule(0, 0.1, 2, 8, 0)).
// Result.Steps holds the rate each step used.
func ExampleConfig_warmupCosine() {
	all, err := data.Synthetic(data.SyntheticConfig{N: 100, Height: 4, Width: 4, Classes: 2, Noise: 0.5, Seed: 1})
	if err != nil {
		panic(err)
	}
	indices := make([]int, all.N)
	for i := range indices {
		indices[i] = i
	}
	trainSet, _ := all.Subset("train", indices[:80])
	testSet, _ := all.Subset("test", indices[80:])
	cfg := experiment.Config{Model: "linear", Optimizer: "adam", LearningRate: 0.1, Schedule: experiment.ScheduleWarmupCosine,
		Warmup: 2, Epochs: 2, BatchSize: 20}
	result, err := experiment.Train(cfg, experiment.Datasets{Train: trainSet, Test: testSet}, experiment.Callbacks{})
	if err != nil {
		panic(err)
	}
	defer result.Close()
	fmt.Println(experiment.ScheduleDescription(result.Config))
	for _, s := range result.Steps {
		fmt.Printf("step %d: lr %.4f\n", s.Step, s.LearningRate)
	}
	// Output:
	// warmup_cosine schedule (peak lr 0.1, 2 warmup steps)
	// step 1: lr 0.0000
	// step 2: lr 0.0500
	// step 3: lr 0.1000
	// step 4: lr 0.0933
	// step 5: lr 0.0750
	// step 6: lr 0.0500
	// step 7: lr 0.0250
	// step 8: lr 0.0067
}
