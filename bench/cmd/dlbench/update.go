package main

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/dlopt/course/dlopt"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
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
// variables kept on the device, and the graph applies the update (Adam lr 1e-3, or SGD lr 0.01
// with momentum 0.9 in PyTorch's form buf = 0.9·buf + g, p -= lr·buf), as torch_peer.py times
// optimizer.step() with p.grad set once.
func setupUpdate(kind string, n int) func(config) (*prepared, error) {
	return func(config) (*prepared, error) {
		backend, err := dlopt.Backend()
		if err != nil {
			return nil, err
		}
		gradient := make([]float32, n)
		for i := range gradient {
			gradient[i] = fixedGradient(i)
		}
		ctx := context.New()
		params := ctx.In("model").VariableWithValue("w", tensors.FromShape(shapeOf(n)))
		gradVar := ctx.In("gradient").VariableWithValue("g", tensors.FromFlatDataAndDimensions(gradient, n)).SetTrainable(false)
		var step func(ctx *context.Context, g *graph.Graph) *graph.Node
		switch kind {
		case "adam":
			adam, ok := optimizers.Adam().LearningRate(1e-3).Done().(train.OptimizeWithGradients)
			if !ok {
				return nil, fmt.Errorf("GoMLX's Adam does not take gradients directly")
			}
			step = func(ctx *context.Context, g *graph.Graph) *graph.Node {
				_ = params.ValueGraph(g) // Marks the parameters as used by this graph.
				adam.UpdateGraphWithGradients(ctx, []*graph.Node{gradVar.ValueGraph(g)}, dtypes.Float32)
				return optimizers.GetGlobalStepVar(ctx).ValueGraph(g)
			}
		case "sgdm":
			momentum := ctx.In("sgdm").VariableWithValue("buf", tensors.FromShape(shapeOf(n))).SetTrainable(false)
			step = func(ctx *context.Context, g *graph.Graph) *graph.Node {
				buf := graph.Add(graph.MulScalar(momentum.ValueGraph(g), 0.9), gradVar.ValueGraph(g))
				momentum.SetValueGraph(buf)
				params.SetValueGraph(graph.Sub(params.ValueGraph(g), graph.MulScalar(buf, 0.01)))
				return graph.ReduceAllSum(graph.Slice(buf, graph.AxisRange(0, 1)))
			}
		default:
			return nil, fmt.Errorf("unknown optimizer %q", kind)
		}
		exec, err := context.NewExec(backend, ctx, step)
		if err != nil {
			return nil, err
		}
		update := func() error {
			out, err := exec.Exec()
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

// setupQuadratic: Adam (lr 0.01) on f(x) = (x1² + 10·x2²)/2 from (200, 200), far enough that 10,000 steps of about lr each do not reach the minimum; one graph execution
// per step: what it measures is the per-step cost of running a graph, not arithmetic. Before each
// repetition a fresh context and graph are built and compiled by one untimed step; the timed
// 10,000 steps follow it.
func setupQuadratic(config) (*prepared, error) {
	backend, err := dlopt.Backend()
	if err != nil {
		return nil, err
	}
	var exec *context.Exec
	reset := func() error {
		ctx := context.New()
		x := ctx.In("model").VariableWithValue("x", []float32{200, 200})
		adam := optimizers.Adam().LearningRate(0.01).Done()
		exec, err = context.NewExec(backend, ctx, func(ctx *context.Context, g *graph.Graph) *graph.Node {
			xv := x.ValueGraph(g)
			f := graph.MulScalar(graph.ReduceAllSum(graph.Mul(graph.Const(g, []float32{1, 10}), graph.Square(xv))), 0.5)
			adam.UpdateGraph(ctx, g, f)
			return f
		})
		if err != nil {
			return err
		}
		_, err := exec.Exec()
		return err
	}
	run := func() (float64, error) {
		var last *tensors.Tensor
		for range quadraticSteps {
			out, err := exec.Exec()
			if err != nil {
				return 0, err
			}
			if last != nil {
				last.FinalizeAll()
			}
			last = out[0]
		}
		// Only the last f is read: no per-step transfer to the host.
		return scalarValue(last)
	}
	if err := reset(); err != nil {
		return nil, err
	}
	return &prepared{reset: reset, run: run, units: 1, steps: quadraticSteps}, nil
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
	ctx := context.New()
	a := ctx.VariableWithValue("a", tensors.FromFlatDataAndDimensions(random(matM*matK), matM, matK)).SetTrainable(false)
	b := ctx.VariableWithValue("b", tensors.FromFlatDataAndDimensions(random(matK*matN), matK, matN)).SetTrainable(false)
	exec, err := context.NewExec(backend, ctx, func(ctx *context.Context, g *graph.Graph) *graph.Node {
		return graph.Dot(a.ValueGraph(g), b.ValueGraph(g))
	})
	if err != nil {
		return nil, err
	}
	product := func() error {
		out, err := exec.Exec()
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
