package batched

import (
	"fmt"
	"math"

	"github.com/dlopt/course/dlopt/decentral"
	"github.com/dlopt/course/dlopt/models"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
)

// WorkerModel is a dlopt/models classifier replicated over n simulated workers as one batched
// graph: every variable gets a leading worker axis ([n, ...]), worker i's batch goes through
// worker i's slice, and the n models cost one model n times as wide (batched matrix products),
// not n programs. All workers start from the same initial parameters (consensus error 0).
//
// Base is a [models.Linear], a [models.MLP] or a [models.CNN].
// Variables, under scope "workers": Linear's "linear/X" [n, C, d] (N(0, 1/d)) and "linear/b"
// [n, C] (zeros); MLP's "mlp/hidden<i>/weights" [n, in, out] (He: N(0, 2/in)), "biases" [n, out]
// (zeros), and "mlp/classifier/..."; the CNN's "cnn/conv<i>/weights" [n, k, k, Cin, Cout] (He:
// N(0, 2/(k k Cin))), "cnn/conv<i>/biases" [n, Cout] (zeros), then "cnn/hidden" and
// "cnn/classifier" as the MLP's dense layers. The CNN's convolutions take the im2col patches
// (models.Patches) of all n B images at once and multiply each worker's with its own kernel.
type WorkerModel struct {
	Base    models.Model
	Workers int
}

// Validate reports a base model without a worker-batched version, or fewer than 1 worker.
func (m WorkerModel) Validate() error {
	if m.Workers < 1 {
		return fmt.Errorf("%w: %d workers: need at least 1", decentral.ErrInvalidValue, m.Workers)
	}
	switch b := m.Base.(type) {
	case models.Linear, models.MLP, models.CNN:
		return b.Validate()
	case nil:
		return fmt.Errorf("%w: the worker model has no base model", decentral.ErrInvalidValue)
	}
	return fmt.Errorf("%w: model %T has no worker-batched version: allowed are models.Linear, models.MLP and models.CNN", decentral.ErrInvalidValue, m.Base)
}

// Logits implements [models.Model] for evaluation and prediction: the class scores [N, C] of a
// batch x [N, ...] under the workers' average parameters xbar = (1/n) sum_i x_i.
func (m WorkerModel) Logits(scope *model.Scope, x *graph.Node) *graph.Node {
	out := m.build(scope, graph.InsertAxes(x, 0), true)
	return graph.Squeeze(out, 0)
}

// WorkerLogits returns the scores [n, B, C] of the workers' batches x [n, B, ...]: row i of the
// batch through worker i's parameters.
func (m WorkerModel) WorkerLogits(scope *model.Scope, x *graph.Node) *graph.Node {
	if x.Rank() < 2 || x.Shape().Dimensions[0] != m.Workers {
		panic(fmt.Errorf("batched.WorkerModel: input has shape %s, want [workers=%d, batch, ...]", x.Shape(), m.Workers))
	}
	return m.build(scope, x, false)
}

// build runs the base model on x [m, B, ...] with parameters [m, ...]: the workers' own (m = n)
// or, with average, their mean (m = 1).
func (m WorkerModel) build(scope *model.Scope, x *graph.Node, average bool) *graph.Node {
	if err := m.Validate(); err != nil {
		panic(err)
	}
	p := workerParams{scope: scope.At("workers"), workers: m.Workers, average: average, like: x}
	if c, ok := m.Base.(models.CNN); ok {
		return p.cnn(c, x)
	}
	d := x.Shape().Dimensions
	x = graph.Reshape(x, d[0], d[1], x.Shape().Size()/(d[0]*d[1])) // [m, B, features]
	p.like = x
	switch b := m.Base.(type) {
	case models.Linear:
		s := p.at("linear")
		features := x.Shape().Dimensions[2]
		w := s.get("X", 1/math.Sqrt(float64(features)), b.Classes, features) // [m, C, d]
		out := graph.DotGeneral(x, []int{2}, []int{0}, w, []int{2}, []int{0})
		if b.Bias {
			out = graph.Add(out, graph.InsertAxes(s.get("b", 0, b.Classes), 1))
		}
		return out
	case models.MLP:
		s := p.at("mlp")
		for i, width := range b.Hidden {
			x = b.Activation.Apply(s.at("hidden%d", i).dense(x, width))
		}
		return s.at("classifier").dense(x, b.Classes)
	}
	panic(m.Validate())
}

// workerParams creates and reads the variables of a worker-batched model.
type workerParams struct {
	scope   *model.Scope
	workers int
	average bool
	like    *graph.Node // for the graph and dtype
}

func (p workerParams) at(format string, args ...any) workerParams {
	p.scope = p.scope.At(format, args...)
	return p
}

// get returns variable name of per-worker shape dims, as [m, dims...]. A new variable starts at
// N(0, std^2) (zeros for std 0), the same draw for every worker.
func (p workerParams) get(name string, std float64, dims ...int) *graph.Node {
	perWorker := shapes.Make(p.like.DType(), dims...)
	initializer := func(g *graph.Graph, shape shapes.Shape) *graph.Node {
		one := graph.Zeros(g, perWorker)
		if std > 0 {
			one = graph.MulScalar(p.scope.RandomNormal(g, perWorker), std)
		}
		return graph.BroadcastToDims(graph.InsertAxes(one, 0), shape.Dimensions...)
	}
	all := append([]int{p.workers}, dims...)
	v := p.scope.WithInitializer(initializer).VariableWithShape(name, shapes.Make(p.like.DType(), all...))
	value := v.NodeValue(p.like.Graph())
	if p.average {
		return graph.InsertAxes(graph.ReduceMean(value, 0), 0)
	}
	return value
}

// dense is layers.Dense per worker: x [m, B, in] -> [m, B, out], weights [m, out, in] (He
// initialisation, as GoMLX's default) and biases [m, out]. The weights are stored out-major,
// unlike layers.Dense's [in, out]: the Go backend's batched matrix product then needs no
// transpose forward, and the weight gradient transposes the narrower dy [m, B, out] instead
// of x [m, B, in] (an MLP epoch of 8 workers ran about 1.3x faster than with [m, in, out]).
func (p workerParams) dense(x *graph.Node, out int) *graph.Node {
	in := x.Shape().Dimensions[2]
	w := p.get("weights", math.Sqrt(2/float64(max(in, 1))), out, in)
	y := graph.DotGeneral(x, []int{2}, []int{0}, w, []int{2}, []int{0})
	return graph.Add(y, graph.InsertAxes(p.get("biases", 0, out), 1))
}

// ModelFn adapts m to GoMLX's train.ModelFn: in training (the store's IsTraining), the workers'
// scores of a batch [n, B, ...], flattened worker after worker to [n B, C] as the labels
// [n B, 1] are; in evaluation, the scores [N, C] of the workers' average model.
func (m WorkerModel) ModelFn() (train.ModelFn, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return func(scope *model.Scope, _ any, inputs []*graph.Node) []*graph.Node {
		if len(inputs) != 1 {
			panic(fmt.Errorf("batched.WorkerModel: got %d inputs, want 1 (the batch)", len(inputs)))
		}
		x := inputs[0]
		if !scope.Store().IsTraining(x.Graph()) {
			return []*graph.Node{m.Logits(scope, x)}
		}
		scores := m.WorkerLogits(scope, x)
		d := scores.Shape().Dimensions
		return []*graph.Node{graph.Reshape(scores, d[0]*d[1], d[2])}
	}, nil
}
