package models

import (
	"fmt"

	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Linear is the lecture's linear classifier s = X h (+ b): the weight matrix X has shape
// [C, d] (one row per class), h is an input of dimension d, the scores s have dimension C.
// A batch H of shape [N, d] gets the scores H X^T of shape [N, C]; images [N, height, width]
// are flattened to [N, height*width] first.
//
// Variables, in scope "linear" of the model store: "X" [C, d], initialised from N(0, 1/d), and,
// with Bias, "b" [C], initialised to 0.
type Linear struct {
	Classes int  // C, at least 2
	Bias    bool // add the bias vector b
}

// Validate reports a class count below 2.
func (m Linear) Validate() error {
	if m.Classes < 2 {
		return fmt.Errorf("models.Linear: Classes=%d, need at least 2", m.Classes)
	}
	return nil
}

// Logits returns the scores: [C] for a single input h [d], [N, C] for a batch.
func (m Linear) Logits(scope *model.Scope, h *graph.Node) *graph.Node {
	mustValidate(m)
	checkFloat("Linear.Logits", "input", h, 1)
	if h.Rank() == 1 {
		return graph.Squeeze(m.Logits(scope, graph.InsertAxes(h, 0)), 0)
	}
	h = flattenBatch("Linear.Logits", h)
	d := h.Shape().Dimensions[1]
	scope = scope.At("linear")
	x := rowsWeight(scope, "X", h, m.Classes, d)
	// H Xᵀ, contracting the feature axes of both.
	s := graph.DotGeneral(h, []int{1}, nil, x, []int{1}, nil)
	if m.Bias {
		b := scope.VariableWithShape("b", shapes.Make(h.DType(), m.Classes)).NodeValue(h.Graph())
		s = graph.Add(s, graph.InsertAxes(b, 0))
	}
	return s
}
