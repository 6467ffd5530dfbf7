package models

import (
	"fmt"

	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// OutputLoss is the loss L(yhat, y) on the two-layer network's output.
type OutputLoss string

const (
	// SquaredLoss is 1/2 ||yhat - y||^2, with dL/dyhat = yhat - y.
	SquaredLoss OutputLoss = "squared"
	// SoftmaxLoss is H(y, softmax(yhat)) for a target distribution y, with
	// dL/dyhat = softmax(yhat) - y (for y summing to 1).
	SoftmaxLoss OutputLoss = "softmax-cross-entropy"
)

// Validate reports an unknown loss.
func (l OutputLoss) Validate() error {
	if l != SquaredLoss && l != SoftmaxLoss {
		return fmt.Errorf("models: unknown output loss %q, allowed are %q and %q", string(l), SquaredLoss, SoftmaxLoss)
	}
	return nil
}

// TwoLayer is the lecture's two-layer network f(X1, X2; xi) = L(X2 sigma(X1 xi)), without
// biases: X1 has shape [Hidden, d], X2 has shape [Classes, Hidden]. As a [Model] its Logits
// are yhat = X2 sigma(X1 xi) (a batch [N, d] gives sigma(Xi X1^T) X2^T); for the explicit
// forward and hand-written backward passes see [TwoLayerForward] and, in plain Go, [TwoLayerF64].
//
// Variables, in scope "twolayer" of the model store: "X1" and "X2", initialised from N(0, 1/fan_in)
// like [NewTwoLayerF64].
type TwoLayer struct {
	Hidden, Classes int
	Activation      Activation
}

// Validate reports sizes below 1 (Classes below 2) or an unknown activation.
func (m TwoLayer) Validate() error {
	if m.Hidden < 1 || m.Classes < 2 {
		return fmt.Errorf("models.TwoLayer: Hidden=%d, Classes=%d: need Hidden >= 1 and Classes >= 2", m.Hidden, m.Classes)
	}
	if err := m.Activation.Validate(); err != nil {
		return fmt.Errorf("models.TwoLayer: %w", err)
	}
	return nil
}

// Weights returns the graph values of X1 [Hidden, d] and X2 [Classes, Hidden] for inputs of
// dimension d and dtype of like, creating the variables on first use.
func (m TwoLayer) Weights(scope *model.Scope, like *graph.Node, d int) (x1, x2 *graph.Node) {
	mustValidate(m)
	scope = scope.At("twolayer") // At: the weights are re-entered by every caller that needs them
	return rowsWeight(scope, "X1", like, m.Hidden, d), rowsWeight(scope, "X2", like, m.Classes, m.Hidden)
}

// Logits returns yhat = X2 sigma(X1 xi) for a batch [N, d] (images are flattened), shape [N, Classes].
func (m TwoLayer) Logits(scope *model.Scope, x *graph.Node) *graph.Node {
	x = flattenBatch("TwoLayer.Logits", x)
	x1, x2 := m.Weights(scope, x, x.Shape().Dimensions[1])
	return graph.Einsum("nm,cm->nc", m.Activation.Apply(graph.Einsum("nd,md->nm", x, x1)), x2)
}

// TwoLayerPass is the forward pass of f(X1, X2; xi) = L(X2 sigma(X1 xi)) over a batch of N
// inputs held as rows (so X1 xi is a row of Xi X1^T), keeping every intermediate the
// backward pass needs.
type TwoLayerPass struct {
	X1, X2     *graph.Node // [m, d], [C, m]
	Xi, Y      *graph.Node // inputs [N, d], targets [N, C]
	H          *graph.Node // h = X1 xi, [N, m]
	Z          *graph.Node // z = sigma(h), [N, m]
	Yhat       *graph.Node // yhat = X2 z, [N, C]
	Loss       *graph.Node // mean over the batch of L(yhat, y), scalar
	Activation Activation
	OutputLoss OutputLoss
}

// TwoLayerGrads are the gradients of the mean loss, from the slide's formulas.
type TwoLayerGrads struct {
	DYhat *graph.Node // dL/dyhat, [N, C] (each row divided by N for the mean)
	DX2   *graph.Node // dL/dX2 = dL/dyhat z^T summed over the batch, [C, m]
	DZ    *graph.Node // dL/dz = X2^T dL/dyhat, [N, m]
	DH    *graph.Node // dL/dh = dL/dz * sigma'(h), [N, m]
	DX1   *graph.Node // dL/dX1 = dL/dh xi^T summed over the batch, [m, d]
}

// TwoLayerForward builds the forward pass for weights x1 [m, d], x2 [C, m], inputs xi [N, d]
// and targets y [N, C] of one float dtype. Shapes that do not fit panic, naming them.
func TwoLayerForward(x1, x2, xi, y *graph.Node, act Activation, loss OutputLoss) TwoLayerPass {
	for _, err := range []error{act.Validate(), loss.Validate()} {
		if err != nil {
			panic(fmt.Errorf("models.TwoLayerForward: %w", err))
		}
	}
	for name, x := range map[string]*graph.Node{"X1": x1, "X2": x2, "xi": xi, "y": y} {
		checkFloat("TwoLayerForward", name, x, 2)
	}
	m, d := x1.Shape().Dimensions[0], x1.Shape().Dimensions[1]
	c, n := x2.Shape().Dimensions[0], xi.Shape().Dimensions[0]
	dtype := x1.DType()
	want := map[string][2]shapes.Shape{
		"X2": {x2.Shape(), shapes.Make(dtype, c, m)},
		"xi": {xi.Shape(), shapes.Make(dtype, n, d)},
		"y":  {y.Shape(), shapes.Make(dtype, n, c)},
	}
	for name, s := range want {
		if !s[0].Equal(s[1]) {
			panic(fmt.Errorf("models.TwoLayerForward: %s has shape %s, want %s (X1 %s, X2 %s, xi %s, y %s)",
				name, s[0], s[1], x1.Shape(), x2.Shape(), xi.Shape(), y.Shape()))
		}
	}
	p := TwoLayerPass{X1: x1, X2: x2, Xi: xi, Y: y, Activation: act, OutputLoss: loss}
	p.H = graph.Einsum("nd,md->nm", xi, x1)
	p.Z = act.Apply(p.H)
	p.Yhat = graph.Einsum("nm,cm->nc", p.Z, x2)
	if loss == SquaredLoss {
		diff := graph.Sub(p.Yhat, y)
		p.Loss = graph.MulScalar(graph.ReduceAllMean(graph.ReduceSum(graph.Mul(diff, diff), -1)), 0.5)
	} else {
		p.Loss = SoftmaxCrossEntropyTargets(p.Yhat, y)
	}
	return p
}

// Backward builds the slide's backward pass: dL/dyhat, then dL/dX2 = dL/dyhat z^T,
// dL/dz = X2^T dL/dyhat, dL/dh = dL/dz * sigma'(h), dL/dX1 = dL/dh xi^T, for the mean loss.
func (p TwoLayerPass) Backward() TwoLayerGrads {
	n := p.Xi.Shape().Dimensions[0]
	var grads TwoLayerGrads
	if p.OutputLoss == SquaredLoss {
		grads.DYhat = graph.Sub(p.Yhat, p.Y)
	} else {
		// softmax(yhat) * sum(y) - y: exactly softmax(yhat) - y for targets summing to 1.
		grads.DYhat = graph.Sub(graph.Mul(Softmax(p.Yhat), graph.ReduceAndKeep(p.Y, graph.ReduceSum, -1)), p.Y)
	}
	grads.DYhat = graph.DivScalar(grads.DYhat, float64(n))
	grads.DX2 = graph.Einsum("nc,nm->cm", grads.DYhat, p.Z)
	grads.DZ = graph.Einsum("nc,cm->nm", grads.DYhat, p.X2)
	grads.DH = graph.Mul(grads.DZ, p.Activation.Derivative(p.H))
	grads.DX1 = graph.Einsum("nm,nd->md", grads.DH, p.Xi)
	return grads
}
