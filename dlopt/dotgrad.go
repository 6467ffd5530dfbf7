package dlopt

import (
	"fmt"
	"reflect"
	"slices"
	"sync"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// DotGradient names an implementation of the reverse-mode gradient (VJP) of GoMLX's two
// matrix-product node types, graph.NodeTypeDot (built by Dot and layers.Dense) and
// graph.NodeTypeDotGeneral (built by DotGeneral, Einsum and MatMul).
type DotGradient int

const (
	// FastDotGradient, the one in use after importing dlopt, builds the gradient of each operand
	// as one DotGeneral of the output cotangent with the other operand, followed (only where the
	// axis order differs) by one Transpose: the cost of a matrix product, like the forward pass.
	// Each DotGeneral goes through [DotGeneral], which spreads small ones over the cores on simplego.
	FastDotGradient DotGradient = iota
	// StockDotGradient is GoMLX v0.26.0's own gradient: a broadcast multiply and a sum, which
	// materialises a tensor of size batch*in*out for a dense layer. Kept for tests and benchmarks.
	StockDotGradient
)

// String implements fmt.Stringer.
func (g DotGradient) String() string {
	switch g {
	case FastDotGradient:
		return "fast"
	case StockDotGradient:
		return "stock"
	}
	return fmt.Sprintf("DotGradient(%d)", int(g))
}

var (
	dotGradientMu      sync.Mutex
	dotGradientInUse   = FastDotGradient
	stockDotVJP        = graph.VJPRegistration[graph.NodeTypeDot]
	stockDotGeneralVJP = graph.VJPRegistration[graph.NodeTypeDotGeneral]
)

func init() {
	// Importing dlopt is enough to get the fast gradient: every dlopt package imports dlopt.
	if _, err := SetDotGradient(FastDotGradient); err != nil {
		panic(err) // unreachable: FastDotGradient is valid.
	}
}

// SetDotGradient selects which gradient GoMLX uses for its matrix-product nodes from now on and
// returns the previous choice. It exists for tests and benchmarks that compare the two; programs
// have no reason to call it.
//
// GoMLX looks the gradient up when a graph is built (on a graph.Exec's first call for each input
// shape), so a choice applies to graphs built afterwards, not to ones already compiled. It
// changes the process-wide graph.VJPRegistration table: do not call it while another goroutine
// builds a graph.
func SetDotGradient(g DotGradient) (previous DotGradient, err error) {
	var dot, dotGeneral graph.VJP
	switch g {
	case FastDotGradient:
		dot, dotGeneral = fastDotVJP, fastDotGeneralVJP
	case StockDotGradient:
		dot, dotGeneral = stockDotVJP, stockDotGeneralVJP
	default:
		return 0, fmt.Errorf("dlopt: unknown DotGradient %d: allowed are FastDotGradient (%d) and StockDotGradient (%d)",
			int(g), int(FastDotGradient), int(StockDotGradient))
	}
	dotGradientMu.Lock()
	defer dotGradientMu.Unlock()
	previous, dotGradientInUse = dotGradientInUse, g
	graph.VJPRegistration[graph.NodeTypeDot] = dot
	graph.VJPRegistration[graph.NodeTypeDotGeneral] = dotGeneral
	return previous, nil
}

// CurrentDotGradient returns the gradient selected by the last [SetDotGradient] (fast by default).
func CurrentDotGradient() DotGradient {
	dotGradientMu.Lock()
	defer dotGradientMu.Unlock()
	return dotGradientInUse
}

// dotAxes is the axis layout of a DotGeneral: Batch[i] of lhs pairs with Batch[i] of rhs, and
// likewise for Contracting. Every other axis is free. The output's axes are the batch axes (in
// the order listed), then lhs's free axes, then rhs's free axes (each in increasing order).
type dotAxes struct {
	lhsContracting, lhsBatch, rhsContracting, rhsBatch []int
}

// fastDotVJP is the gradient of Dot, which contracts lhs's last axis with rhs's first one
// (vector·vector, matrix·vector, matrix·matrix): the DotGeneral gradient with that layout.
func fastDotVJP(node *graph.Node, vjpOutputs []*graph.Node, _ shapes.Shape) []*graph.Node {
	lhs, rhs := node.Inputs()[0], node.Inputs()[1]
	axes := dotAxes{lhsContracting: []int{lhs.Rank() - 1}, rhsContracting: []int{0}}
	return dotGeneralGradients(lhs, rhs, axes, vjpOutputs[0])
}

// fastDotGeneralVJP reads the node's axis layout and returns the gradients of both operands.
// GoMLX v0.26.0 keeps the layout in an unexported field; should a later version store it
// differently, the stock gradient is used instead of failing.
func fastDotGeneralVJP(node *graph.Node, vjpOutputs []*graph.Node, outputShape shapes.Shape) []*graph.Node {
	axes, ok := dotGeneralAxes(node)
	if !ok {
		return stockDotGeneralVJP(node, vjpOutputs, outputShape)
	}
	return dotGeneralGradients(node.Inputs()[0], node.Inputs()[1], axes, vjpOutputs[0])
}

// dotGeneralAxes reads the axes of a DotGeneral node through reflection (read-only): GoMLX stores
// them in node.inputs, a *nodeInputsDotGeneral, with no exported accessor.
func dotGeneralAxes(node *graph.Node) (axes dotAxes, ok bool) {
	v := reflect.ValueOf(node).Elem().FieldByName("inputs")
	if !v.IsValid() || v.Kind() != reflect.Interface || v.IsNil() {
		return axes, false
	}
	v = v.Elem()
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return axes, false
	}
	v = v.Elem()
	read := func(name string) ([]int, bool) {
		f := v.FieldByName(name)
		if !f.IsValid() || f.Kind() != reflect.Slice || f.Type().Elem().Kind() != reflect.Int {
			return nil, false
		}
		out := make([]int, f.Len())
		for i := range out {
			out[i] = int(f.Index(i).Int())
		}
		return out, true
	}
	var ok1, ok2, ok3, ok4 bool
	axes.lhsContracting, ok1 = read("lhsContractingAxes")
	axes.lhsBatch, ok2 = read("lhsBatchAxes")
	axes.rhsContracting, ok3 = read("rhsContractingAxes")
	axes.rhsBatch, ok4 = read("rhsBatchAxes")
	return axes, ok1 && ok2 && ok3 && ok4 && axes.consistentWith(node)
}

// consistentWith checks that the axes read describe node: every axis used once and in range, the
// pairs of equal count, and the output rank what DotGeneral gives for them.
func (a dotAxes) consistentWith(node *graph.Node) bool {
	if len(node.Inputs()) != 2 {
		return false
	}
	lhs, rhs := node.Inputs()[0], node.Inputs()[1]
	if len(a.lhsBatch) != len(a.rhsBatch) || len(a.lhsContracting) != len(a.rhsContracting) {
		return false
	}
	valid := func(rank int, lists ...[]int) bool {
		used := make([]bool, rank)
		for _, l := range lists {
			for _, ax := range l {
				if ax < 0 || ax >= rank || used[ax] {
					return false
				}
				used[ax] = true
			}
		}
		return true
	}
	nb, nc := len(a.lhsBatch), len(a.lhsContracting)
	return valid(lhs.Rank(), a.lhsBatch, a.lhsContracting) && valid(rhs.Rank(), a.rhsBatch, a.rhsContracting) &&
		node.Rank() == lhs.Rank()+rhs.Rank()-nb-2*nc
}

// freeAxes lists, in increasing order, the axes of an operand of the given rank that are neither
// batch nor contracting.
func freeAxes(rank int, contracting, batch []int) []int {
	free := make([]int, 0, rank)
	for ax := range rank {
		if !slices.Contains(contracting, ax) && !slices.Contains(batch, ax) {
			free = append(free, ax)
		}
	}
	return free
}

// dotGeneralGradients returns the gradients of lhs and rhs for out = DotGeneral(lhs, rhs) with
// the given axes and output cotangent v, laid out as [batch..., lhsFree..., rhsFree...].
//
// With b, l, r, c for batch, lhs-free, rhs-free and contracting indices,
// out[b,l,r] = Σ_c lhs[b,l,c]·rhs[b,c,r], so
//
//	dlhs[b,l,c] = Σ_r v[b,l,r]·rhs[b,c,r]   and   drhs[b,c,r] = Σ_l lhs[b,l,c]·v[b,l,r]:
//
// each one DotGeneral (contracting over the other operand's free axes) and a transpose back to
// the operand's own axis order.
func dotGeneralGradients(lhs, rhs *graph.Node, a dotAxes, v *graph.Node) []*graph.Node {
	nb := len(a.lhsBatch)
	lhsFree := freeAxes(lhs.Rank(), a.lhsContracting, a.lhsBatch)
	rhsFree := freeAxes(rhs.Rank(), a.rhsContracting, a.rhsBatch)
	vBatch := axisRange(0, nb)
	vLhsFree := axisRange(nb, len(lhsFree))
	vRhsFree := axisRange(nb+len(lhsFree), len(rhsFree))

	// Gradient of lhs: pair v with rhs over rhs's free axes and the batch axes. What remains of
	// rhs are its contracting axes, each standing for the lhs contracting axis it pairs with.
	gradLHS := contractAndTranspose(
		operandSide{node: v, contracting: vRhsFree, batch: vBatch, targetOf: func(vAx int) int {
			return lhsFree[vAx-nb] // v's lhs-free axes, in order.
		}},
		operandSide{node: rhs, contracting: rhsFree, batch: a.rhsBatch, targetOf: func(rhsAx int) int {
			return a.lhsContracting[slices.Index(a.rhsContracting, rhsAx)]
		}},
		a.lhsBatch, lhs.Rank())

	// Gradient of rhs: pair lhs with v over lhs's free axes and the batch axes. What remains of
	// lhs are its contracting axes, standing for the paired rhs contracting axes.
	gradRHS := contractAndTranspose(
		operandSide{node: lhs, contracting: lhsFree, batch: a.lhsBatch, targetOf: func(lhsAx int) int {
			return a.rhsContracting[slices.Index(a.lhsContracting, lhsAx)]
		}},
		operandSide{node: v, contracting: vLhsFree, batch: vBatch, targetOf: func(vAx int) int {
			return rhsFree[vAx-nb-len(lhsFree)] // v's rhs-free axes, in order.
		}},
		a.rhsBatch, rhs.Rank())
	return []*graph.Node{gradLHS, gradRHS}
}

// operandSide is one operand of a gradient DotGeneral: which of its axes are contracted and
// batched, and, for each of its remaining (free) axes, the axis of the target gradient it becomes.
type operandSide struct {
	node               *graph.Node
	contracting, batch []int
	targetOf           func(axis int) int
}

// contractAndTranspose computes DotGeneral(x, y) and transposes the result to the target's axis
// order, where the result's batch axes are targetBatch. Both operand orders give the same
// numbers: the one whose result is already in target order is used, saving the transpose.
func contractAndTranspose(x, y operandSide, targetBatch []int, targetRank int) *graph.Node {
	// layout returns, for each result axis of DotGeneral(first, second), the target axis it is.
	layout := func(first, second operandSide) []int {
		axes := slices.Clone(targetBatch)
		for _, side := range []operandSide{first, second} {
			for _, ax := range freeAxes(side.node.Rank(), side.contracting, side.batch) {
				axes = append(axes, side.targetOf(ax))
			}
		}
		return axes
	}
	first, second := x, y
	resultToTarget := layout(x, y)
	if !isIdentity(resultToTarget) {
		if swapped := layout(y, x); isIdentity(swapped) {
			first, second, resultToTarget = y, x, swapped
		}
	}
	if len(resultToTarget) != targetRank {
		panic(fmt.Sprintf("dlopt: matrix-product gradient: result rank %d, want %d (bug)", len(resultToTarget), targetRank))
	}
	grad := DotGeneral(first.node, first.contracting, first.batch, second.node, second.contracting, second.batch)
	if isIdentity(resultToTarget) {
		return grad
	}
	// Transpose: target axis t takes result axis permutation[t].
	permutation := make([]int, targetRank)
	for resultAx, targetAx := range resultToTarget {
		permutation[targetAx] = resultAx
	}
	return graph.TransposeAllAxes(grad, permutation...)
}

func axisRange(start, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = start + i
	}
	return out
}

func isIdentity(perm []int) bool {
	for i, p := range perm {
		if i != p {
			return false
		}
	}
	return true
}
