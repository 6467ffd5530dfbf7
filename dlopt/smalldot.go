package dlopt

import (
	"runtime"
	"slices"

	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/graph"
)

// simplego v0.26.0 runs a DotGeneral with at most smallDotOutput output elements per batch
// example (lhs free size × rhs free size) on its "small" kernel, which spreads work over the cores
// only along the batch axes: softmax regression's [128,784]·[784,10], and the [784,128]·[128,10]
// of its gradient, run on one core. Bigger products go to its blocked kernel, parallel already.
const smallDotOutput = 16 * 32 * 32 // 16 blocks of 32x32, simplego's threshold for float32 and float64

// minSplitWork is the number of multiply-adds under which a product is left whole: below it the
// goroutines and copies of a split cost more than the second core gives.
const minSplitWork = 1 << 16

// DotGeneral is graph.DotGeneral, same arguments and same result, tuned for the simplego backend:
// where simplego would run a small product on one core, it cuts the largest free axis of the
// bigger operand into one slice per core and makes the cut a batch axis (broadcasting the
// smaller operand along it), which simplego does run in parallel. The result is reshaped back, so
// callers see graph.DotGeneral's shape and values (float sums in a different order per slice).
// On other backends, and for products that are large or tiny, it is graph.DotGeneral.
//
// dlopt's matrix-product gradient and dlopt/models' linear layers use it.
func DotGeneral(lhs *graph.Node, lhsContracting, lhsBatch []int, rhs *graph.Node, rhsContracting, rhsBatch []int) *graph.Node {
	if _, ok := lhs.Graph().Backend().(*simplego.Backend); ok {
		parts := min(runtime.NumCPU(), runtime.GOMAXPROCS(0))
		if out, ok := splitDotGeneral(parts, minSplitWork, lhs, lhsContracting, lhsBatch, rhs, rhsContracting, rhsBatch); ok {
			return out
		}
	}
	return graph.DotGeneral(lhs, lhsContracting, lhsBatch, rhs, rhsContracting, rhsBatch)
}

// splitDotGeneral builds DotGeneral(lhs, rhs) as up to parts slices along a new batch axis, when
// simplego would run it on its single-core path with fewer batch examples than parts and it does
// at least minWork multiply-adds. It returns ok=false, building nothing, when that does not apply
// or no free axis of the bigger operand divides into two or more equal slices.
func splitDotGeneral(parts, minWork int, lhs *graph.Node, lhsContracting, lhsBatch []int, rhs *graph.Node, rhsContracting, rhsBatch []int) (*graph.Node, bool) {
	lhsFree := freeAxes(lhs.Rank(), lhsContracting, lhsBatch)
	rhsFree := freeAxes(rhs.Rank(), rhsContracting, rhsBatch)
	batch, contracting := axesSize(lhs, lhsBatch), axesSize(lhs, lhsContracting)
	cross := axesSize(lhs, lhsFree) * axesSize(rhs, rhsFree)
	parts /= max(batch, 1) // simplego already gives each batch example its own core.
	if parts < 2 || cross > smallDotOutput || batch*cross*contracting < minWork {
		return nil, false
	}

	// Cut s, the operand with more elements (the other one, o, is copied once per slice).
	cutLHS := lhs.Shape().Size() >= rhs.Shape().Size()
	s, sContracting, sBatch, sFree, o, oContracting, oBatch := lhs, lhsContracting, lhsBatch, lhsFree, rhs, rhsContracting, rhsBatch
	if !cutLHS {
		s, sContracting, sBatch, sFree, o, oContracting, oBatch = rhs, rhsContracting, rhsBatch, rhsFree, lhs, lhsContracting, lhsBatch
	}
	cut, pieces := -1, 0 // the free axis of s to cut, and into how many slices.
	for p := parts; p >= 2 && cut < 0; p-- {
		for _, ax := range sFree {
			if d := s.Shape().Dimensions[ax]; d%p == 0 && (cut < 0 || d > s.Shape().Dimensions[cut]) {
				cut, pieces = ax, p
			}
		}
	}
	if cut < 0 {
		return nil, false
	}

	// s: its axis cut, of size d, becomes the axes (pieces, d/pieces) at positions cut, cut+1,
	// and the first of them is the new leading batch axis.
	sDims := slices.Clone(s.Shape().Dimensions)
	d := sDims[cut]
	sDims = slices.Insert(sDims, cut, pieces)
	sDims[cut+1] = d / pieces
	afterCut := func(ax int) int {
		if ax >= cut {
			return ax + 1
		}
		return ax
	}
	sCut := graph.Reshape(s, sDims...)
	sCutContracting := mapAxes(sContracting, afterCut)
	sCutBatch := append([]int{cut}, mapAxes(sBatch, afterCut)...)
	// o: a new leading axis, the batch axis paired with s's slices.
	oDims := append([]int{pieces}, o.Shape().Dimensions...)
	oCopies := graph.BroadcastToDims(graph.InsertAxes(o, 0), oDims...)
	afterNew := func(ax int) int { return ax + 1 }
	oCopiesContracting := mapAxes(oContracting, afterNew)
	oCopiesBatch := append([]int{0}, mapAxes(oBatch, afterNew)...)

	var out *graph.Node
	if cutLHS {
		out = graph.DotGeneral(sCut, sCutContracting, sCutBatch, oCopies, oCopiesContracting, oCopiesBatch)
	} else {
		out = graph.DotGeneral(oCopies, oCopiesContracting, oCopiesBatch, sCut, sCutContracting, sCutBatch)
	}

	// out is [pieces, batch..., lhsFree..., rhsFree...] with d/pieces in place of d. Move the
	// slices axis next to that one and merge the two: the layout of graph.DotGeneral's result.
	at := len(lhsBatch) + slices.Index(sFree, cut) // position of the d/pieces axis once the slices axis is moved
	if !cutLHS {
		at += len(lhsFree)
	}
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
	outDims := slices.Delete(slices.Clone(out.Shape().Dimensions), at, at+1)
	outDims[at] = d
	return graph.Reshape(out, outDims...), true
}

// axesSize is the number of elements x has along the given axes (1 for none).
func axesSize(x *graph.Node, axes []int) int {
	n := 1
	for _, ax := range axes {
		n *= x.Shape().Dimensions[ax]
	}
	return n
}

func mapAxes(axes []int, f func(int) int) []int {
	out := make([]int, len(axes))
	for i, ax := range axes {
		out[i] = f(ax)
	}
	return out
}
