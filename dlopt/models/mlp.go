package models

import (
	"fmt"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/model"
)

// MLP is a multilayer perceptron seen as a feature extractor followed by a linear classifier:
// Features applies, for each width in Hidden, a dense layer (with bias) and the activation;
// Logits applies one more dense layer to Classes scores. Images [N, height, width] are
// flattened first. With no hidden layers it is the linear classifier.
//
// Variables, in the model store: scopes "mlp/hidden0", "mlp/hidden1", ... and "mlp/classifier",
// each holding layers.Dense's "dense/weights" [in, out] and "dense/biases" [out].
type MLP struct {
	Hidden     []int // widths of the hidden layers, each at least 1
	Classes    int   // at least 2
	Activation Activation
}

// Validate reports a class count below 2, a hidden width below 1 or an unknown activation.
func (m MLP) Validate() error {
	if m.Classes < 2 {
		return fmt.Errorf("models.MLP: Classes=%d, need at least 2", m.Classes)
	}
	for i, w := range m.Hidden {
		if w < 1 {
			return fmt.Errorf("models.MLP: Hidden[%d]=%d, widths must be at least 1 (Hidden=%v)", i, w, m.Hidden)
		}
	}
	if err := m.Activation.Validate(); err != nil {
		return fmt.Errorf("models.MLP: %w", err)
	}
	return nil
}

// Features returns the last hidden representation [N, Hidden[last]] (the flattened input
// when there are no hidden layers).
func (m MLP) Features(scope *model.Scope, x *graph.Node) *graph.Node {
	mustValidate(m)
	x = flattenBatch("MLP.Features", x)
	scope = scope.At("mlp") // At: Logits enters it again for the classifier
	for i, width := range m.Hidden {
		x = m.Activation.Apply(layers.Dense(scope.In("hidden%d", i), x, true, width))
	}
	return x
}

// Logits returns the class scores [N, Classes].
func (m MLP) Logits(scope *model.Scope, x *graph.Node) *graph.Node {
	features := m.Features(scope, x)
	return layers.Dense(scope.At("mlp").In("classifier"), features, true, m.Classes)
}
