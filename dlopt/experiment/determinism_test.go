package experiment

import (
	"bytes"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/dlopt/course/dlopt"
)

// storeVariables returns a copy of the bytes of every variable of the result's store but GoMLX's
// metrics (their running sums live under /metrics/ with a fresh UUID per run), by path.
func storeVariables(t *testing.T, r *Result) map[string][]byte {
	t.Helper()
	vars := map[string][]byte{}
	for v := range r.Store().IterVariables() {
		if strings.HasPrefix(v.Path(), "/metrics/") {
			continue
		}
		value, err := v.Value()
		if err != nil {
			t.Fatalf("variable %s: %v", v.Path(), err)
		}
		var b []byte
		if err := value.ConstBytes(func(d []byte) { b = slices.Clone(d) }); err != nil {
			t.Fatalf("variable %s: %v", v.Path(), err)
		}
		vars[v.Path()+" "+value.Shape().String()] = b
	}
	return vars
}

// sameStoreVariables reports the first variable (path and shape) that differs between a and b,
// or "" if they hold the same variables with identical bytes.
func sameStoreVariables(a, b map[string][]byte) string {
	for name, va := range a {
		vb, ok := b[name]
		if !ok {
			return name + " (only in the first run)"
		}
		if !bytes.Equal(va, vb) {
			return name
		}
	}
	for name := range b {
		if _, ok := a[name]; !ok {
			return name + " (only in the second run)"
		}
	}
	return ""
}

// sameStepsBits compares per-step metrics bit for bit (a NaN equals the same NaN) and returns
// the index of the first step that differs, or -1.
func sameStepsBits(a, b []StepMetrics) int {
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	for i := range a {
		if a[i].Step != b[i].Step || a[i].Epoch != b[i].Epoch ||
			math.Float64bits(a[i].Loss) != math.Float64bits(b[i].Loss) ||
			math.Float64bits(a[i].LearningRate) != math.Float64bits(b[i].LearningRate) {
			return i
		}
	}
	return -1
}

// TestSameSeedBitIdenticalOnParallelGoBackend: the same seed gives bit-identical training
// results run to run on the Go backend (its SIMD kernels in a GOEXPERIMENT=simd build) with
// parallelism > 1: every step's loss, the test metrics and every variable of the store (the
// weights, Adam's moments, the global step, the RNG state) are equal bit for bit between two runs.
// The MLP's matrix products (128x784 by 784x256) are above the backend's threshold for its
// parallel tiled kernel, and GOMAXPROCS is raised to at least 4 for the test, so that the work
// is split among workers even on a machine of one or two cores. The backends: the Go backend
// with its default options (a fresh one, "simplego", parallelism 2 x GOMAXPROCS), an explicit
// parallelism of 3, and an explicit parallelism of 4 with ops run concurrently (ops_parallel).
func TestSameSeedBitIdenticalOnParallelGoBackend(t *testing.T) {
	t.Logf("Go backend kernels: %s", dlopt.SIMDKernels())
	if procs := runtime.GOMAXPROCS(0); procs < 4 {
		runtime.GOMAXPROCS(4)
		t.Cleanup(func() { runtime.GOMAXPROCS(procs) })
	}
	ds := synthetic(t, 768, 28, 10) // 6 steps of 128
	base := Config{Model: ModelMLP, Optimizer: "Adam", LearningRate: 0.003, Epochs: 1, BatchSize: 128, Seed: 11}
	type outcome struct {
		steps   []StepMetrics
		history []EpochMetrics
		vars    map[string][]byte
	}
	train := func(backend string) outcome {
		cfg := base
		cfg.Backend = backend
		r, err := Train(cfg, ds, Callbacks{})
		if err != nil {
			t.Fatalf("backend %q: %v", backend, err)
		}
		defer r.Close()
		if d := r.backend.Description(); !strings.Contains(d, "parallelism=") || strings.Contains(d, "parallelism=0)") ||
			strings.Contains(d, "parallelism=1)") {
			t.Fatalf("backend %q is %s: want the Go backend at parallelism > 1", backend, d)
		} else {
			t.Logf("backend %q: %s", backend, d)
		}
		return outcome{r.Steps, withoutWallTime(r.History), storeVariables(t, r)}
	}
	var first outcome
	for i, backend := range []string{"simplego", "go:parallelism=3", "go:parallelism=4,ops_parallel"} {
		a, b := train(backend), train(backend)
		if step := sameStepsBits(a.steps, b.steps); step >= 0 {
			t.Errorf("backend %q: step %d differs between two runs with the same seed: %+v vs %+v",
				backend, step+1, a.steps[min(step, len(a.steps)-1)], b.steps[min(step, len(b.steps)-1)])
		}
		if !slices.Equal(a.history, b.history) {
			t.Errorf("backend %q: the epoch metrics differ between two runs with the same seed: %+v vs %+v", backend, a.history, b.history)
		}
		if len(a.vars) < 3 {
			t.Errorf("backend %q: only %d variables in the store", backend, len(a.vars))
		}
		if name := sameStoreVariables(a.vars, b.vars); name != "" {
			t.Errorf("backend %q: variable %s differs between two runs with the same seed", backend, name)
		}
		// Across parallelism settings the results need not be identical (the work is split
		// differently); say whether they are.
		if i == 0 {
			first = a
		} else {
			t.Logf("backend %q vs %q: steps identical %v, variables identical %v", backend, "simplego",
				sameStepsBits(a.steps, first.steps) < 0, sameStoreVariables(a.vars, first.vars) == "")
		}
	}
}

// TestSameSeedBitIdenticalOnONNX: the same on ONNX Runtime, with its default threads (all cores)
// and with two intra-op threads: every step's loss, the epoch metrics and every variable of the
// store equal bit for bit between two runs with the same seed. Skips where no ONNX Runtime
// library is installed (`make setup` provides one).
func TestSameSeedBitIdenticalOnONNX(t *testing.T) {
	if _, err := dlopt.NewBackend("onnx"); dlopt.ONNXRuntimeMissing(err) {
		t.Skipf("skipping: %v", err)
	}
	ds := synthetic(t, 768, 28, 10) // 6 steps of 128
	base := Config{Model: ModelMLP, Optimizer: "Adam", LearningRate: 0.003, Epochs: 1, BatchSize: 128, Seed: 11}
	for _, backend := range []string{"onnx", "onnx:intra_op_num_threads=2"} {
		var runs [2]struct {
			steps   []StepMetrics
			history []EpochMetrics
			vars    map[string][]byte
		}
		for i := range runs {
			cfg := base
			cfg.Backend = backend
			r, err := Train(cfg, ds, Callbacks{})
			if err != nil {
				t.Fatalf("backend %q: %v", backend, err)
			}
			if i == 0 {
				t.Logf("backend %q: %s", backend, r.backend.Description())
			}
			runs[i].steps, runs[i].history, runs[i].vars = r.Steps, withoutWallTime(r.History), storeVariables(t, r)
			r.Close()
		}
		a, b := runs[0], runs[1]
		if step := sameStepsBits(a.steps, b.steps); step >= 0 {
			t.Errorf("backend %q: step %d differs between two runs with the same seed", backend, step+1)
		}
		if !slices.Equal(a.history, b.history) {
			t.Errorf("backend %q: the epoch metrics differ between two runs with the same seed: %+v vs %+v", backend, a.history, b.history)
		}
		if len(a.vars) < 3 {
			t.Errorf("backend %q: only %d variables in the store", backend, len(a.vars))
		}
		if name := sameStoreVariables(a.vars, b.vars); name != "" {
			t.Errorf("backend %q: variable %s differs between two runs with the same seed", backend, name)
		}
	}
}
