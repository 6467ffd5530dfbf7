package main

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/dlopt/course/dlopt"
	"github.com/dlopt/course/dlopt/optim"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// updatesPerRep is how many optimizer updates one repetition of adam-*/sgdm-* makes; the
// reported time is per update.
func updatesPerRep(n int) int {
	if n >= 10_000_000 {
		return 10
	}
	return 20
}

// setupUpdate times the optimizer update alone: the parameters and a fixed gradient are
// variables kept on the device, and the graph applies one update of dlopt/optim's torch "Adam"
// (lr 1e-3) or "SGD" (lr 0.01, momentum 0.9), as torch_peer.py times optimizer.step() with
// p.grad set once.
func setupUpdate(kind string, n int) func(config) (*prepared, error) {
	return func(config) (*prepared, error) {
		backend, err := dlopt.Backend()
		if err != nil {
			return nil, err
		}
		var opt *optim.Optimizer
		switch kind {
		case "adam":
			opt, err = optim.New(optim.Torch, "Adam", map[string]any{"lr": 1e-3})
		case "sgdm":
			opt, err = optim.New(optim.Torch, "SGD", map[string]any{"lr": 0.01, "momentum": 0.9})
		default:
			err = fmt.Errorf("unknown optimizer %q", kind)
		}
		if err != nil {
			return nil, err
		}
		gradient := make([]float32, n)
		for i := range gradient {
			gradient[i] = fixedGradient(i)
		}
		store := model.NewStore()
		root := store.RootScope()
		params := root.In("model").VariableWithValue("w", tensors.FromShape(shapeOf(n)))
		gradVar := root.In("gradient").VariableWithValue("g", tensors.FromFlatDataAndDimensions(gradient, n)).SetTrainable(false)
		exec, err := model.NewExec(backend, store, func(scope *model.Scope, g *graph.Graph) *graph.Node {
			opt.Apply(scope, []*model.Variable{params}, []*graph.Node{gradVar.NodeValue(g)})
			// A one-element output: the graph must return something, and nothing big.
			return graph.Slice(params.NodeValue(g), graph.AxisRange(0, 1))
		})
		if err != nil {
			return nil, err
		}
		update := func() error {
			out, err := exec.Call()
			for _, t := range out {
				t.FinalizeAll()
			}
			return err
		}
		if err := update(); err != nil { // compiles
			return nil, err
		}
		units := updatesPerRep(n)
		run := func() (float64, error) {
			for range units {
				if err := update(); err != nil {
					return 0, err
				}
			}
			return meanOf(params.MustValue()), nil
		}
		return &prepared{run: run, units: units, steps: units}, nil
	}
}

// fixedGradient is the gradient's i-th element, the same formula as torch_peer.py's, so that
// both end with the same parameters: values in [-1, 1] that vary from element to element.
func fixedGradient(i int) float32 {
	return float32(float64((i*7919)%2001-1000) / 1000)
}

func shapeOf(n int) shapes.Shape { return shapes.Make(dtypes.Float32, n) }

// meanOf is the mean of a float32 vector (copied to the host once per repetition, outside the
// updates it checks).
func meanOf(t *tensors.Tensor) float64 {
	var sum float64
	for _, v := range tensors.MustCopyFlatData[float32](t) {
		sum += float64(v)
	}
	return sum / float64(t.Shape().Size())
}

// quadraticSteps is the number of optimizer steps of the quadratic workload.
const quadraticSteps = 10_000

// setupQuadratic: 10,000 steps of dlopt/optim's torch "Adam" (lr 0.01) on
// f(x) = (x1² + 10·x2²)/2 from (200, 200) (far enough that 10,000 steps of about lr each do not
// reach the minimum), in float32, with optim.RunFunc: the gradient is computed in the graph and
// one execution runs a chunk of steps, as the notebooks do. Each repetition is a fresh RunFunc,
// so building and compiling its graph is part of the time.
func setupQuadratic(config) (*prepared, error) {
	gradient := func(x *graph.Node) *graph.Node { return graph.Mul(x, graph.Const(x.Graph(), []float32{1, 10})) }
	run := func() (float64, error) {
		opt, err := optim.New(optim.Torch, "Adam", map[string]any{"lr": 0.01})
		if err != nil {
			return 0, err
		}
		traj, err := optim.RunFunc(opt, []float64{200, 200}, []int{2}, gradient, quadraticSteps, dtypes.Float32)
		if err != nil {
			return 0, err
		}
		x := traj.Final()
		if len(x) != 2 {
			return 0, fmt.Errorf("RunFunc returned %d values, want 2", len(x))
		}
		return (x[0]*x[0] + 10*x[1]*x[1]) / 2, nil
	}
	if _, err := run(); err != nil {
		return nil, err
	}
	return &prepared{run: run, units: 1, steps: quadraticSteps}, nil
}

// Matrix product sizes: a batch of 512 through the first dense layer of the MLP.
const matM, matK, matN, matProductsPerRep = 512, 784, 256, 20

// setupMatmul times float32 [512,784]·[784,256] with both operands on the device; the check is
// the GFLOP/s reached.
func setupMatmul(config) (*prepared, error) {
	backend, err := dlopt.Backend()
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(3, 4))
	random := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = rng.Float32()
		}
		return v
	}
	store := model.NewStore()
	root := store.RootScope()
	a := root.VariableWithValue("a", tensors.FromFlatDataAndDimensions(random(matM*matK), matM, matK)).SetTrainable(false)
	b := root.VariableWithValue("b", tensors.FromFlatDataAndDimensions(random(matK*matN), matK, matN)).SetTrainable(false)
	exec, err := model.NewExec(backend, store, func(_ *model.Scope, g *graph.Graph) *graph.Node {
		return graph.Dot(a.NodeValue(g), b.NodeValue(g)).Product()
	})
	if err != nil {
		return nil, err
	}
	product := func() error {
		out, err := exec.Call()
		for _, t := range out {
			t.FinalizeAll()
		}
		return err
	}
	if err := product(); err != nil {
		return nil, err
	}
	run := func() (float64, error) {
		start := time.Now()
		for range matProductsPerRep {
			if err := product(); err != nil {
				return 0, err
			}
		}
		perProduct := time.Since(start).Seconds() / matProductsPerRep
		return 2 * matM * matK * matN / perProduct / 1e9, nil
	}
	return &prepared{run: run, units: matProductsPerRep, steps: matProductsPerRep}, nil
}
