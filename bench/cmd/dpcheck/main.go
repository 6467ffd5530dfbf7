// Command dpcheck verifies that data-parallel SGD through GoMLX's own distributed execution
// (a DeviceMesh over the backend's devices, the batch sharded along it, AutoSharding) follows
// the same iterates as dlopt's simulated all-reduce workers (package decentral/batched: one
// batched graph with a leading worker axis, W = 11^T/n), which is its one-device reference.
//
//	DLOPT_BACKEND=xla:/path/to/xla_cuda_plugin.so dpcheck -workers 8 -steps 10
//
// Both train the linear classifier with SGD from the same initial weights on the same batches:
// n workers with -batch examples each per step. The distributed run feeds device i the rows of
// workers i n/D .. (i+1) n/D - 1 (D devices, n a multiple of D) and lets GoMLX's
// AutoSharding partition the step; with D = 1 it still goes through the distributed API. With
// D > 1 it also runs experiment.Train's device path (Config.Devices) against its simulated
// workers (the loss of every step, the test loss). It prints what ran, the largest difference of the parameters after every step count, and
// "dpcheck: PASS" or "dpcheck: FAIL" (exit 1); a backend without distributed execution (the
// Go backend, ONNX Runtime) gets "dpcheck: SKIP" and the reason (exit 0), since the reference
// alone proves nothing about devices. bench/gpu/run.sh runs it on the GPU machine.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"

	"github.com/dlopt/course/dlopt"
	"github.com/dlopt/course/dlopt/decentral"
	"github.com/dlopt/course/dlopt/decentral/batched"
	"github.com/dlopt/course/dlopt/models"
	"github.com/dlopt/course/dlopt/optim"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
)

// problem is the shared setup: initial weights and every step's batches.
type problem struct {
	workers, batch, steps, side, classes int
	lr                                   float64
	x0                                   []float32   // [classes, side*side]
	images                               [][]float32 // per step: [workers, batch, side, side]
	labels                               [][]int32   // per step: [workers*batch]
}

func newProblem(workers, batch, steps int, seed uint64) *problem {
	p := &problem{workers: workers, batch: batch, steps: steps, side: 8, classes: 4, lr: 0.1}
	rng := rand.New(rand.NewPCG(seed, 21))
	d := p.side * p.side
	for range p.classes * d {
		p.x0 = append(p.x0, float32(rng.NormFloat64()/math.Sqrt(float64(d))))
	}
	for range steps {
		img := make([]float32, workers*batch*d)
		for i := range img {
			img[i] = float32(rng.NormFloat64())
		}
		lab := make([]int32, workers*batch)
		for i := range lab {
			lab[i] = int32(rng.IntN(p.classes))
		}
		p.images, p.labels = append(p.images, img), append(p.labels, lab)
	}
	return p
}

func main() {
	workers := flag.Int("workers", 0, "simulated workers n (0: the backend's device count, at least 2); a multiple of the devices used")
	batch := flag.Int("batch", 8, "examples per worker and step")
	steps := flag.Int("steps", 10, "training steps")
	tol := flag.Float64("tol", 1e-5, "largest allowed |difference| of a parameter (float32 sums in another order)")
	flag.Parse()
	os.Exit(run(*workers, *batch, *steps, *tol, os.Stdout))
}

func run(workers, batch, steps int, tol float64, out io.Writer) int {
	backend, err := dlopt.Backend()
	if err != nil {
		fmt.Fprintln(out, "dpcheck: FAIL: no backend:", err)
		return 1
	}
	devices := backend.NumDevices()
	if workers == 0 {
		workers = max(devices, 2)
	}
	if workers < 1 || workers%devices != 0 {
		fmt.Fprintf(out, "dpcheck: FAIL: -workers %d must be a positive multiple of the %d devices\n", workers, devices)
		return 1
	}
	fmt.Fprintf(out, "dpcheck: backend %s (%s), %d device(s); %d workers x batch %d, %d SGD steps, float32\n",
		backend.Name(), dlopt.BackendConfig(), devices, workers, batch, steps)
	p := newProblem(workers, batch, steps, 1)
	reference, err := p.simulated(backend)
	if err != nil {
		fmt.Fprintln(out, "dpcheck: FAIL: the simulated workers:", err)
		return 1
	}
	fmt.Fprintf(out, "simulated all-reduce (one batched graph, worker axis %d): ok\n", workers)
	got, err := p.onDevices(backend, devices)
	if err != nil {
		if errors.Is(err, errNoDistribution) {
			fmt.Fprintln(out, "dpcheck: SKIP:", err)
			return 0
		}
		fmt.Fprintf(out, "dpcheck: FAIL: GoMLX distributed execution over %d device(s): %v\n", devices, err)
		return 1
	}
	worst, err := largestDifference(got, reference)
	if err != nil {
		fmt.Fprintln(out, "dpcheck: FAIL:", err)
		return 1
	}
	fmt.Fprintf(out, "distributed (DeviceMesh of %d, batch sharded, AutoSharding): largest parameter difference %.3g after %d steps (tolerance %g)\n",
		devices, worst, steps, tol)
	if !(worst <= tol) {
		fmt.Fprintln(out, "dpcheck: FAIL")
		return 1
	}
	if devices > 1 && !trainBoth(workers, tol, out) { // experiment.Train's device path (Config.Devices)
		return 1
	}
	fmt.Fprintln(out, "dpcheck: PASS")
	return 0
}

// sgd is PyTorch's SGD at the problem's learning rate.
func (p *problem) sgd() (*optim.Optimizer, error) {
	return optim.New(optim.Torch, "SGD", map[string]any{"lr": p.lr})
}

// simulated trains n workers as package batched does (all-reduce, dsgd) and returns worker 0's
// parameters, after checking that every worker holds the same.
func (p *problem) simulated(backend compute.Backend) (map[string][]float32, error) {
	n, d := p.workers, p.side*p.side
	store := model.NewStore()
	x := make([]float32, 0, n*len(p.x0))
	for range n {
		x = append(x, p.x0...)
	}
	store.VariableWithValue("/workers/linear/X", tensors.FromFlatDataAndDimensions(x, n, p.classes, d))
	store.VariableWithValue("/workers/linear/b", tensors.FromFlatDataAndDimensions(make([]float32, n*p.classes), n, p.classes))
	allReduce, err := decentral.AllReduce(n)
	if err != nil {
		return nil, err
	}
	if err := batched.SetMixing(store, allReduce.Mixing(0), dtypes.Float32); err != nil {
		return nil, err
	}
	sgd, err := p.sgd()
	if err != nil {
		return nil, err
	}
	rounds, err := batched.NewRounds(sgd, decentral.DSGD, n)
	if err != nil {
		return nil, err
	}
	wm := batched.WorkerModel{Base: models.Linear{Classes: p.classes, Bias: true}, Workers: n}
	modelFn, err := wm.ModelFn()
	if err != nil {
		return nil, err
	}
	trainer := train.NewTrainer(backend, store, modelFn, models.CrossEntropyLoss, rounds, nil, nil)
	for k := range p.steps {
		batch := train.Batch{
			Inputs: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(p.images[k], n, p.batch, p.side, p.side)},
			Labels: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(p.labels[k], n*p.batch, 1)},
		}
		if _, err := trainer.TrainStep(batch); err != nil {
			return nil, err
		}
	}
	params := map[string][]float32{}
	for _, name := range []string{"X", "b"} {
		all, err := read(store, "/workers/linear/"+name)
		if err != nil {
			return nil, err
		}
		size := len(all) / n
		for i := 1; i < n; i++ {
			for j := range size {
				if all[i*size+j] != all[j] {
					return nil, fmt.Errorf("worker %d's %s differs from worker 0's under all-reduce (%g vs %g)", i, name, all[i*size+j], all[j])
				}
			}
		}
		params[name] = all[:size]
	}
	return params, nil
}

// read copies the float32 values of the store's variable path.
func read(store *model.Store, path string) ([]float32, error) {
	v := store.GetVariable(path)
	if v == nil {
		return nil, fmt.Errorf("no variable %s", path)
	}
	t, err := v.Value()
	if err != nil {
		return nil, err
	}
	return tensors.CopyFlatData[float32](t)
}

// largestDifference returns max |got - want| over all parameters.
func largestDifference(got, want map[string][]float32) (float64, error) {
	worst := 0.0
	for name, ref := range want {
		if len(got[name]) != len(ref) {
			return 0, fmt.Errorf("%s has %d values, %d in the reference", name, len(got[name]), len(ref))
		}
		for i, v := range got[name] {
			worst = max(worst, math.Abs(float64(v)-float64(ref[i])))
		}
	}
	return worst, nil
}
