package main

import (
	"fmt"
	"io"
	"math"

	"github.com/dlopt/course/dlopt/data"
	"github.com/dlopt/course/dlopt/experiment"
)

// trainBoth runs experiment.Train for workers all-reduce workers with SGD twice on a synthetic
// problem: on the devices (Config.Devices 0: GoMLX's distributed execution when the backend has
// several) and simulated on one device (Devices 1), and compares what they report: the device
// count used, every step's loss and the final test loss. It returns false on a mismatch.
func trainBoth(workers int, tol float64, out io.Writer) bool {
	all, err := data.Synthetic(data.SyntheticConfig{N: 40*workers + 200, Height: 8, Width: 8, Classes: 4, Noise: 0.8, Seed: 3})
	if err != nil {
		fmt.Fprintln(out, "dpcheck: FAIL:", err)
		return false
	}
	indices := make([]int, all.N)
	for i := range indices {
		indices[i] = i
	}
	trainSet, _ := all.Subset("train", indices[:40*workers])
	testSet, _ := all.Subset("test", indices[40*workers:])
	ds := experiment.Datasets{Train: trainSet, Test: testSet}
	results := make([]*experiment.Result, 2)
	for i, devices := range []int{0, 1} {
		cfg := experiment.Config{Model: "linear", Optimizer: "torch:SGD", LearningRate: 0.05, Epochs: 2, BatchSize: 10, Seed: 1,
			Workers: workers, Topology: "all-reduce", Algorithm: "dsgd", Devices: devices}
		if results[i], err = experiment.Train(cfg, ds, experiment.Callbacks{}); err != nil {
			fmt.Fprintf(out, "dpcheck: FAIL: experiment.Train with Devices %d: %v\n", devices, err)
			return false
		}
	}
	onDevices, simulated := results[0], results[1]
	worst := 0.0
	for k, s := range simulated.Steps {
		worst = max(worst, math.Abs(onDevices.Steps[k].Loss-s.Loss))
	}
	worst = max(worst, math.Abs(onDevices.Final().TestLoss-simulated.Final().TestLoss))
	fmt.Fprintf(out, "experiment.Train, %d all-reduce workers: %d device(s) vs simulated: largest loss difference %.3g over %d steps and the test loss\n",
		workers, onDevices.Devices, worst, len(simulated.Steps))
	if onDevices.Devices < 2 || !(worst <= 100*tol) {
		fmt.Fprintf(out, "dpcheck: FAIL: Train used %d device(s) (want several) or its losses differ by more than %g\n", onDevices.Devices, 100*tol)
		return false
	}
	return true
}
