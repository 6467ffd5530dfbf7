package models

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
)

// checkFloat panics at graph-build time unless x is a float tensor of rank >= minRank.
func checkFloat(fn, name string, x *graph.Node, minRank int) {
	if x == nil {
		panic(fmt.Errorf("models.%s: %s is nil", fn, name))
	}
	if !x.DType().IsFloat() || x.Rank() < minRank {
		panic(fmt.Errorf("models.%s: %s has shape %s, want a float tensor of rank >= %d", fn, name, x.Shape(), minRank))
	}
}

// LogSumExp returns log(sum_i exp(s_i)) over the last axis of s, computed as
// m + log(sum_i exp(s_i - m)) with m = max_i s_i so that no exp overflows: the result is
// finite for logits of any finite size. The result drops the last axis.
// The max is held constant for differentiation (its contribution cancels exactly), so the
// gradient is softmax(s).
func LogSumExp(s *graph.Node) *graph.Node {
	checkFloat("LogSumExp", "s", s, 1)
	m := graph.StopGradient(graph.ReduceAndKeep(s, graph.ReduceMax, -1))
	return graph.Add(graph.Squeeze(m, -1), graph.Log(graph.ReduceSum(graph.Exp(graph.Sub(s, m)), -1)))
}

// LogSoftmax returns log softmax(s) = s - LogSumExp(s) over the last axis: finite wherever s is.
func LogSoftmax(s *graph.Node) *graph.Node {
	checkFloat("LogSoftmax", "s", s, 1)
	return graph.Sub(s, graph.InsertAxes(LogSumExp(s), -1))
}

// Softmax returns exp(s_i) / sum_j exp(s_j) over the last axis, computed from s - max(s).
func Softmax(s *graph.Node) *graph.Node {
	checkFloat("Softmax", "s", s, 1)
	m := graph.StopGradient(graph.ReduceAndKeep(s, graph.ReduceMax, -1))
	e := graph.Exp(graph.Sub(s, m))
	return graph.Div(e, graph.ReduceAndKeep(e, graph.ReduceSum, -1))
}

// CrossEntropy returns H(p, q) = -sum_i p_i log q_i over the last axis, in nats, for
// distributions p and q of the same shape (e.g. [N, C] gives [N]). Terms with p_i = 0 count 0
// even where q_i = 0 (the limit of p log q); where both are 0 the gradient is taken as 0 too.
func CrossEntropy(p, q *graph.Node) *graph.Node {
	checkFloat("CrossEntropy", "p", p, 1)
	checkFloat("CrossEntropy", "q", q, 1)
	if !p.Shape().Equal(q.Shape()) {
		panic(fmt.Errorf("models.CrossEntropy: p has shape %s and q has shape %s, want equal shapes", p.Shape(), q.Shape()))
	}
	// log 1 instead of log 0 where p_i = q_i = 0: no 0 * log 0 = NaN in the value or the gradient.
	bothZero := graph.LogicalAnd(graph.Equal(p, graph.ZerosLike(p)), graph.Equal(q, graph.ZerosLike(q)))
	safeQ := graph.Where(bothZero, graph.OnesLike(q), q)
	return graph.Neg(graph.ReduceSum(graph.Mul(p, graph.Log(safeQ)), -1))
}

// CrossEntropyBits is [CrossEntropy] in bits: H(p, q) / ln 2.
func CrossEntropyBits(p, q *graph.Node) *graph.Node {
	return graph.DivScalar(CrossEntropy(p, q), math.Ln2)
}

// SoftmaxCrossEntropy returns the mean over the batch of H(e_y, softmax(s)) =
// LogSumExp(s) - s_y, for logits [N, C] and integer labels [N] or [N, 1] (GoMLX's layout).
// The gradient with respect to the logits is (softmax(s) - onehot(y)) / N; the value and the
// gradient are finite for logits of any finite size (see [LogSumExp]).
//
// Labels are checked at run time: a label outside 0..C-1 makes the loss NaN instead of
// silently contributing nothing.
func SoftmaxCrossEntropy(logits, labels *graph.Node) *graph.Node {
	checkFloat("SoftmaxCrossEntropy", "logits", logits, 2)
	if logits.Rank() != 2 {
		panic(fmt.Errorf("models.SoftmaxCrossEntropy: logits have shape %s, want [N, C]", logits.Shape()))
	}
	n, c := logits.Shape().Dimensions[0], logits.Shape().Dimensions[1]
	labelsShape := labels.Shape()
	if !labelsShape.DType.IsInt() {
		panic(fmt.Errorf("models.SoftmaxCrossEntropy: labels have shape %s, want an integer dtype (use SoftmaxCrossEntropyTargets "+
			"for float targets)", labelsShape))
	}
	if labels.Rank() == 2 && labelsShape.Dimensions[1] == 1 {
		labels = graph.Squeeze(labels, -1)
	}
	if !labels.Shape().Equal(shapes.Make(labels.DType(), n)) {
		panic(fmt.Errorf("models.SoftmaxCrossEntropy: labels have shape %s for logits %s, want [%d] or [%d, 1]",
			labelsShape, logits.Shape(), n, n))
	}
	dtype := logits.DType()
	oneHot := graph.OneHot(labels, c, dtype)
	perExample := graph.Sub(LogSumExp(logits), graph.ReduceSum(graph.Mul(oneHot, logits), -1))
	// OneHot of an out-of-range label is all zeros: poison that example with NaN.
	valid := graph.Equal(graph.ReduceSum(oneHot, -1), graph.OnesLike(perExample))
	perExample = graph.Where(valid, perExample, graph.Add(perExample, graph.Scalar(logits.Graph(), dtype, math.NaN())))
	return graph.ReduceAllMean(perExample)
}

// SoftmaxCrossEntropyTargets returns the mean over the batch of H(y, softmax(s)) =
// sum_i y_i (LogSumExp(s) - s_i) for logits [N, C] and float targets y [N, C] (one-hot or soft;
// each row should sum to 1). The gradient with respect to the logits is
// (softmax(s) * sum_i y_i - y) / N, that is (softmax(s) - y) / N for rows summing to 1.
func SoftmaxCrossEntropyTargets(logits, targets *graph.Node) *graph.Node {
	checkFloat("SoftmaxCrossEntropyTargets", "logits", logits, 2)
	checkFloat("SoftmaxCrossEntropyTargets", "targets", targets, 2)
	if logits.Rank() != 2 || !targets.Shape().Equal(logits.Shape()) {
		panic(fmt.Errorf("models.SoftmaxCrossEntropyTargets: logits %s and targets %s, want both [N, C] with the same dtype",
			logits.Shape(), targets.Shape()))
	}
	// Written with the logits, not log q, so that targets with zeros never meet log 0.
	lse := graph.InsertAxes(LogSumExp(logits), -1)
	return graph.ReduceAllMean(graph.ReduceSum(graph.Mul(targets, graph.Sub(lse, logits)), -1))
}

// CrossEntropyLoss adapts the softmax cross-entropy to GoMLX's train.LossFn: predictions[0]
// are logits [N, C]; labels[0] are integer labels ([N] or [N, 1], see [SoftmaxCrossEntropy])
// or float targets [N, C] (see [SoftmaxCrossEntropyTargets]). Extra labels are not supported.
func CrossEntropyLoss(labels, predictions []*graph.Node) *graph.Node {
	if len(labels) != 1 || len(predictions) != 1 {
		panic(fmt.Errorf("models.CrossEntropyLoss: got %d labels and %d predictions, want 1 and 1", len(labels), len(predictions)))
	}
	if labels[0].DType().IsInt() {
		return SoftmaxCrossEntropy(predictions[0], labels[0])
	}
	return SoftmaxCrossEntropyTargets(predictions[0], labels[0])
}
