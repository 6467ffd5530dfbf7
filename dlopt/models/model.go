package models

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
)

// Model is a classifier: its configuration validates itself, and Logits builds the graph from
// a batch of inputs to scores [N, Classes], with its variables in the scope it is given.
type Model interface {
	Validate() error
	Logits(scope *model.Scope, x *graph.Node) *graph.Node
}

// ModelFn adapts m to GoMLX's train.ModelFn (inputs[0] is the batch; the spec is ignored).
// It validates m once, now, so that a bad configuration is an error before any graph is built.
func ModelFn(m Model) (train.ModelFn, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return func(scope *model.Scope, _ any, inputs []*graph.Node) []*graph.Node {
		if len(inputs) != 1 {
			panic(fmt.Errorf("models.ModelFn: got %d inputs, want 1 (the batch)", len(inputs)))
		}
		return []*graph.Node{m.Logits(scope, inputs[0])}
	}, nil
}

// mustValidate is called by Logits: a configuration error at graph-build time panics, which
// GoMLX's executors turn into an error.
func mustValidate(m Model) {
	if err := m.Validate(); err != nil {
		panic(err)
	}
}

// flattenBatch reshapes a batch [N, ...] to [N, features]; a rank-2 batch is returned as is.
func flattenBatch(fn string, x *graph.Node) *graph.Node {
	checkFloat(fn, "input", x, 2)
	if x.Rank() == 2 {
		return x
	}
	n := x.Shape().Dimensions[0]
	return graph.Reshape(x, n, x.Shape().Size()/n)
}

// rowsWeight returns the variable name in scope, a matrix [out, in] in the lecture's layout
// (one row per output), created from N(0, 1/in) (LeCun normal). GoMLX's default initializer
// takes the first axis as the fan-in, which in this layout is the output axis.
func rowsWeight(scope *model.Scope, name string, like *graph.Node, out, in int) *graph.Node {
	initializer := func(g *graph.Graph, shape shapes.Shape) *graph.Node {
		return graph.MulScalar(scope.RandomNormal(g, shape), 1/math.Sqrt(float64(in)))
	}
	v := scope.WithInitializer(initializer).VariableWithShape(name, shapes.Make(like.DType(), out, in))
	return v.NodeValue(like.Graph())
}
