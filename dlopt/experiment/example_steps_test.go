package experiment_test

import (
	"fmt"

	"github.com/dlopt/course/dlopt/experiment"
)

// Train the MLP on 2000 Fashion-MNIST images with PyTorch's AdamW (weight decay 0.01; optax's
// "adamw" would decay by 1e-4) and a cosine schedule, then plot the loss of every step: one
// epoch gives a full curve, and Result.Steps shows the learning rate the schedule gave.
func ExampleStepCurve() {
	ds, err := experiment.LoadFashionMNIST()
	if err != nil {
		panic(err)
	}
	cfg := experiment.Config{Model: "mlp", Hidden: []int{64}, Optimizer: "AdamW", LearningRate: 0.003,
		Schedule: "cosine", Epochs: 1, BatchSize: 100, Seed: 1, TrainLimit: 2000, TestLimit: 500}
	result, err := experiment.Train(cfg, ds, experiment.Callbacks{})
	if err != nil {
		panic(err)
	}
	first, last := result.Steps[0], result.Steps[len(result.Steps)-1]
	fmt.Printf("%d steps; learning rate %.4f at step %d, %.6f at step %d\n", len(result.Steps), first.LearningRate, first.Step, last.LearningRate, last.Step)
	fmt.Println("loss fell by more than half:", last.Loss < first.Loss/2)
	png, err := experiment.StepCurve(result.Steps, "MLP, AdamW + cosine, 2000 images", false).PNG()
	if err != nil {
		panic(err)
	}
	fmt.Println("plotted:", len(png) > 0) // in a notebook: gonbui.DisplayPNG(png)
	// Output:
	// 20 steps; learning rate 0.0030 at step 1, 0.000018 at step 20
	// loss fell by more than half: true
	// plotted: true
}
