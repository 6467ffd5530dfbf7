package dlopt

import (
	"cmp"
	"runtime"
	"slices"

	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
)

// simplego v0.26.0 runs a DotGeneral with at most smallDotOutput output elements per batch
// example (lhs free size × rhs free size) on its "small" kernel, which spreads work over the cores
// only along the batch axes: softmax regression's [128,784]·[784,10], the [10,128]·[128,784] of
// its gradient and a convolution's kernel gradient run on one core. Bigger products go to its
// blocked kernel, parallel already.
const smallDotOutput = 16 * 32 * 32 // 16 blocks of 32x32, simplego's threshold for float32 and float64

// DotGeneral is graph.DotGeneral, same arguments and same result, tuned for the simplego backend,
// whose two matrix-product kernels fit some shapes badly:
//   - a small product (at most smallDotOutput outputs per batch example) runs on one core unless
//     it has batch axes: DotGeneral cuts a free axis of one operand (broadcasting the other along
//     the cut and reshaping the result back) or a contracting axis of both (summing the partial
//     products) into one slice per core, as a batch axis, which simplego runs in parallel;
//   - a larger one goes to a blocked kernel that pads every dimension to 32: for a thin product
//     such as a convolution's [N·H·W, 9]·[9, 8], DotGeneral cuts a free axis into enough
//     slices that each is small.
//
// It estimates both ways from the kernels' measured speeds (costModel) and the copies the cut
// needs, and cuts only where that is faster. Values are graph.DotGeneral's up to the order of
// float additions. On other backends, and for dtypes other than float32 and float64, it is
// graph.DotGeneral.
//
// dlopt's matrix-product gradient and dlopt/models' linear and convolution layers use it.
func DotGeneral(lhs *graph.Node, lhsContracting, lhsBatch []int, rhs *graph.Node, rhsContracting, rhsBatch []int) *graph.Node {
	_, onSimpleGo := lhs.Graph().Backend().(*simplego.Backend)
	if dt := lhs.DType(); onSimpleGo && (dt == dtypes.Float32 || dt == dtypes.Float64) {
		parts := min(runtime.NumCPU(), runtime.GOMAXPROCS(0))
		l, r := dotOperand{lhs, lhsContracting, lhsBatch}, dotOperand{rhs, rhsContracting, rhsBatch}
		if plan, ok := planSplit(parts, simplegoCosts, l, r); ok {
			return plan.build(l, r)
		}
	}
	return graph.DotGeneral(lhs, lhsContracting, lhsBatch, rhs, rhsContracting, rhsBatch)
}

// dotOperand is one operand of a DotGeneral and its contracting and batch axes.
type dotOperand struct {
	x                  *graph.Node
	contracting, batch []int
}

func (o dotOperand) free() []int { return freeAxes(o.x.Rank(), o.contracting, o.batch) }

func (o dotOperand) size(axes []int) int {
	n := 1
	for _, ax := range axes {
		n *= o.x.Shape().Dimensions[ax]
	}
	return n
}

// cutAxes is the contracting and batch axes of the operand after cut(ax, pieces).
func (o dotOperand) cutAxes(ax int) (contracting, batch []int) {
	after := func(a int) int {
		if a >= ax {
			return a + 1
		}
		return a
	}
	return mapAxes(o.contracting, after), append([]int{ax}, mapAxes(o.batch, after)...)
}

// cut reshapes axis ax (size d) into the two axes (pieces, d/pieces) and makes the first of them
// the leading batch axis; the other axes keep their roles.
func (o dotOperand) cut(ax, pieces int) dotOperand {
	dims := slices.Clone(o.x.Shape().Dimensions)
	dims = slices.Insert(dims, ax, pieces)
	dims[ax+1] /= pieces
	contracting, batch := o.cutAxes(ax)
	return dotOperand{graph.Reshape(o.x, dims...), contracting, batch}
}

// copies is a leading axis of size pieces, the batch axis paired with the other operand's cut.
func (o dotOperand) copies(pieces int) dotOperand {
	dims := append([]int{pieces}, o.x.Shape().Dimensions...)
	next := func(a int) int { return a + 1 }
	return dotOperand{graph.BroadcastToDims(graph.InsertAxes(o.x, 0), dims...), mapAxes(o.contracting, next), append([]int{0}, mapAxes(o.batch, next)...)}
}

// splitPlan says how to split one DotGeneral: along a free axis of lhs or rhs (cutLHS), or along
// a contracting axis of both (contracting), into pieces.
type splitPlan struct {
	contracting bool
	cutLHS      bool // free cut: which operand is cut; the other is broadcast
	axis        int  // the cut axis: of the cut operand, or lhs's contracting axis
	pieces      int
	copied      int     // elements copied beyond what the plain product copies
	cost        float64 // estimated ns of the split product
}

// costModel holds simplego v0.26.0's float32 speeds, measured on the course machine: its small
// kernel does a multiply-add in smallMAC ns on one core; its blocked kernel does one in largeMAC ns
// per core but pads every dimension to its 32x32 blocks (a convolution's [N·H·W, 9]·[9, 8] does
// 14 padded multiply-adds per useful one); its transposes, broadcasts and sums move an element in
// copy ns.
type costModel struct {
	smallMAC, largeMAC, copy float64
}

var simplegoCosts = costModel{smallMAC: 0.7, largeMAC: 0.55, copy: 3.4}

// planSplit returns the cheapest split of lhs·rhs when it beats the plain product under costs:
//   - a product simplego would run on its small kernel with fewer batch examples than parts is
//     cut into up to parts slices, which its kernel runs in parallel (wall time compared);
//   - a product it would run on its blocked kernel, where padding costs more than the small
//     kernel, is cut along a free axis into enough slices to go to the small kernel (CPU time).
func planSplit(parts int, costs costModel, lhs, rhs dotOperand) (splitPlan, bool) {
	batch, contracting := lhs.size(lhs.batch), lhs.size(lhs.contracting)
	lhsFree, rhsFree := lhs.size(lhs.free()), rhs.size(rhs.free())
	outSize := batch * lhsFree * rhsFree
	macs := float64(outSize * contracting)
	var candidates []splitPlan
	var plainCost float64
	if lhsFree*rhsFree <= smallDotOutput {
		parts /= max(batch, 1) // simplego already gives each batch example its own core.
		for pieces := parts; pieces >= 2; pieces-- {
			candidates = append(candidates, freeCuts(lhs, rhs, func(int) int { return pieces })...)
			candidates = append(candidates, contractingCuts(lhs, rhs, pieces)...)
		}
		plainCost = macs * costs.smallMAC
		for i := range candidates {
			candidates[i].cost = macs*costs.smallMAC/float64(candidates[i].pieces) + float64(candidates[i].copied)*costs.copy
		}
	} else {
		// Enough slices that each one is small: the smallest divisor of the axis that gets there.
		piecesFor := func(d int) int {
			for p := (lhsFree*rhsFree + smallDotOutput - 1) / smallDotOutput; p <= d; p++ {
				if d%p == 0 {
					return p
				}
			}
			return 0
		}
		candidates = freeCuts(lhs, rhs, piecesFor)
		plainCost = float64(batch*padToBlock(lhsFree)*padToBlock(rhsFree)*padToBlock(contracting)) * costs.largeMAC
		for i := range candidates {
			candidates[i].cost = macs*costs.smallMAC + float64(candidates[i].copied)*costs.copy
		}
	}
	if len(candidates) == 0 {
		return splitPlan{}, false
	}
	best := slices.MinFunc(candidates, func(a, b splitPlan) int { return cmp.Compare(a.cost, b.cost) })
	return best, best.cost < plainCost
}

// padToBlock rounds n up to simplego's 32-wide blocks.
func padToBlock(n int) int { return (n + 31) / 32 * 32 }

// freeCuts lists the cuts of a free axis of either operand: axis of size d into piecesFor(d)
// pieces, where that is at least 2 and divides d.
func freeCuts(lhs, rhs dotOperand, piecesFor func(d int) int) []splitPlan {
	outSize := lhs.size(lhs.batch) * lhs.size(lhs.free()) * rhs.size(rhs.free())
	var plans []splitPlan
	for _, cutLHS := range []bool{true, false} {
		s, o := lhs, rhs
		if !cutLHS {
			s, o = rhs, lhs
		}
		for _, ax := range s.free() {
			d := s.x.Shape().Dimensions[ax]
			pieces := piecesFor(d)
			if pieces < 2 || d%pieces != 0 {
				continue
			}
			plan := splitPlan{cutLHS: cutLHS, axis: ax, pieces: pieces}
			plan.copied = pieces*o.x.Shape().Size() + extraNormalize(s, ax)
			if plan.landing(lhs, rhs) != 0 {
				plan.copied += outSize // the result is transposed to bring the slices back in place
			}
			plans = append(plans, plan)
		}
	}
	return plans
}

// contractingCuts lists the cuts of a contracting axis (of both operands) into pieces.
func contractingCuts(lhs, rhs dotOperand, pieces int) []splitPlan {
	outSize := lhs.size(lhs.batch) * lhs.size(lhs.free()) * rhs.size(rhs.free())
	var plans []splitPlan
	for i, ax := range lhs.contracting {
		if lhs.x.Shape().Dimensions[ax]%pieces != 0 {
			continue
		}
		copied := pieces*outSize + // the sum of the partial products
			extraNormalize(lhs, ax) + extraNormalize(rhs, rhs.contracting[i])
		plans = append(plans, splitPlan{contracting: true, axis: ax, pieces: pieces, copied: copied})
	}
	return plans
}

// extraNormalize is the copy simplego makes of operand o cut at axis ax to put its axes in
// [batch, free, contracting] order, when the uncut operand needed none.
func extraNormalize(o dotOperand, ax int) int {
	contracting, batch := o.cutAxes(ax)
	if needsNormalize(o.x.Rank(), o.contracting, o.batch) || !needsNormalize(o.x.Rank()+1, contracting, batch) {
		return 0
	}
	return o.x.Shape().Size()
}

// build adds the split product to the graph: the result has graph.DotGeneral's shape and axes.
func (p splitPlan) build(lhs, rhs dotOperand) *graph.Node {
	if p.contracting {
		i := slices.Index(lhs.contracting, p.axis)
		l, r := lhs.cut(p.axis, p.pieces), rhs.cut(rhs.contracting[i], p.pieces)
		return graph.ReduceSum(graph.DotGeneral(l.x, l.contracting, l.batch, r.x, r.contracting, r.batch), 0)
	}
	s := lhs
	if !p.cutLHS {
		s = rhs
	}
	sCut := s.cut(p.axis, p.pieces)
	var out *graph.Node
	if p.cutLHS {
		o := rhs.copies(p.pieces)
		out = graph.DotGeneral(sCut.x, sCut.contracting, sCut.batch, o.x, o.contracting, o.batch)
	} else {
		o := lhs.copies(p.pieces)
		out = graph.DotGeneral(o.x, o.contracting, o.batch, sCut.x, sCut.contracting, sCut.batch)
	}
	// out is [pieces, batch..., lhsFree..., rhsFree...] with d/pieces in place of the cut axis d.
	// Move the pieces axis next to that one and merge the two.
	at := p.landing(lhs, rhs)
	permutation := make([]int, 0, out.Rank())
	for ax := 1; ax < out.Rank(); ax++ {
		if ax-1 == at {
			permutation = append(permutation, 0)
		}
		permutation = append(permutation, ax)
	}
	if !isIdentity(permutation) {
		out = graph.TransposeAllAxes(out, permutation...)
	}
	dims := slices.Delete(slices.Clone(out.Shape().Dimensions), at, at+1)
	dims[at] *= p.pieces
	return graph.Reshape(out, dims...)
}

// landing is, for a free cut, the axis of the result where the cut axis lands: the pieces axis,
// which DotGeneral puts first, moves there.
func (p splitPlan) landing(lhs, rhs dotOperand) int {
	if p.cutLHS {
		return len(lhs.batch) + slices.Index(lhs.free(), p.axis)
	}
	return len(lhs.batch) + len(lhs.free()) + slices.Index(rhs.free(), p.axis)
}

// needsNormalize reports whether simplego's small kernel copies the operand to put its axes in
// [batch..., free..., contracting...] order, each group in the order the DotGeneral lists it
// (the rule of simplego v0.26.0's dgNormalizeShape).
func needsNormalize(rank int, contractingAxes, batchAxes []int) bool {
	const free, contracting, batch = 0, 1, 2
	kind := make([]int, rank)
	for _, group := range []struct {
		axes []int
		kind int
	}{{contractingAxes, contracting}, {batchAxes, batch}} {
		for i, ax := range group.axes {
			kind[ax] = group.kind
			if i > 0 && ax < group.axes[i-1] {
				return true
			}
		}
	}
	current := batch
	for _, k := range kind {
		if k == current {
			continue
		}
		if k == batch || current == contracting {
			return true
		}
		current = k
	}
	return false
}

func mapAxes(axes []int, f func(int) int) []int {
	out := make([]int, len(axes))
	for i, ax := range axes {
		out[i] = f(ax)
	}
	return out
}
