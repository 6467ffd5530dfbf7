package dlopt

import (
	"fmt"
	"math"
	"time"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// smokeX, smokeY and smokeW are the one-step problem of [SmokeTest]: least squares on 4 examples
// of 3 features, from weights smokeW, with learning rate smokeLR.
var (
	smokeX = [][]float32{{1, 2, 0.5}, {-1, 0.5, 2}, {0.25, -2, 1}, {3, 1, -1}}
	smokeY = []float32{1, -2, 0.5, 3}
	smokeW = []float32{0.1, -0.2, 0.3}
)

const smokeLR = 0.05

// smokeTolerance allows for TF32 matrix products (XLA's default on NVIDIA GPUs: about 1e-3 of
// each product's magnitude) and nothing more: a wrong gradient is off by far more.
const smokeTolerance = 1e-2

// SmokeTest creates the backend config names (as [NewBackend]) and runs one training step on
// it: float32 least squares, its gradient through dlopt's matrix-product gradient and an SGD
// update, compiled and executed. It checks the loss and the new weights against the same step
// computed in Go, releases the backend and returns how long it all took. The error says what
// failed: creating the backend, compiling or running the graph, or a wrong result.
func SmokeTest(config string) (elapsed time.Duration, err error) {
	start := time.Now()
	b, err := NewBackend(config)
	if err != nil {
		return 0, err
	}
	defer b.Finalize()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("dlopt: smoke test on %q panicked: %v", config, r)
		}
	}()
	exec, err := graph.NewExec(b, func(x, y, w *graph.Node) []*graph.Node {
		residual := graph.Sub(graph.Dot(x, w).Product(), y)
		loss := graph.ReduceAllMean(graph.Square(residual))
		grad := graph.Gradient(loss, w)[0]
		return []*graph.Node{loss, graph.Sub(w, graph.MulScalar(grad, smokeLR))}
	})
	if err != nil {
		return 0, fmt.Errorf("dlopt: smoke test on %q: building the graph: %w", config, err)
	}
	defer exec.Finalize()
	out, err := exec.Exec(tensors.FromValue(smokeX), tensors.FromValue(smokeY), tensors.FromValue(smokeW))
	if err != nil {
		return 0, fmt.Errorf("dlopt: smoke test on %q: compiling or running the step: %w", config, err)
	}
	gotLoss := float64(tensors.ToScalar[float32](out[0]))
	gotW := tensors.MustCopyFlatData[float32](out[1])
	wantLoss, wantW := smokeStep()
	if !smokeClose(gotLoss, wantLoss) {
		return 0, fmt.Errorf("dlopt: smoke test on %q: loss %g, want %g", config, gotLoss, wantLoss)
	}
	for i := range wantW {
		if !smokeClose(float64(gotW[i]), wantW[i]) {
			return 0, fmt.Errorf("dlopt: smoke test on %q: weights after one step %v, want %v", config, gotW, wantW)
		}
	}
	return time.Since(start), nil
}

// smokeStep is SmokeTest's step in float64 on the host: the loss at smokeW and the weights after.
func smokeStep() (loss float64, w []float64) {
	n := float64(len(smokeY))
	grad := make([]float64, len(smokeW))
	for i, row := range smokeX {
		r := -float64(smokeY[i])
		for j, v := range row {
			r += float64(v) * float64(smokeW[j])
		}
		loss += r * r / n
		for j, v := range row {
			grad[j] += 2 * r * float64(v) / n
		}
	}
	for j := range smokeW {
		w = append(w, float64(smokeW[j])-smokeLR*grad[j])
	}
	return loss, w
}

func smokeClose(got, want float64) bool {
	return math.Abs(got-want) <= smokeTolerance*math.Max(math.Abs(want), 1)
}
