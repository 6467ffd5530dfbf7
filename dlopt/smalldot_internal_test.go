package dlopt

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// splitCase is a DotGeneral layout: operand dims and which axes are contracted and batched.
type splitCase struct {
	lhsDims, lhsContracting, lhsBatch []int
	rhsDims, rhsContracting, rhsBatch []int
}

func (c splitCase) String() string {
	return fmt.Sprintf("lhs%v c%v b%v, rhs%v c%v b%v", c.lhsDims, c.lhsContracting, c.lhsBatch, c.rhsDims, c.rhsContracting, c.rhsBatch)
}

// randomSplitCase places batch, contracting and free axes in random order on both operands,
// with free sizes drawn from {1..6, 8, 12} so that many divide into 2, 3 or 4 pieces.
func randomSplitCase(rng *rand.Rand) splitCase {
	sizes := []int{1, 2, 3, 4, 5, 6, 8, 12}
	dim := func() int { return sizes[rng.IntN(len(sizes))] }
	nb, nc := rng.IntN(2), rng.IntN(3)
	batchDims, contractDims := make([]int, nb), make([]int, nc)
	for i := range batchDims {
		batchDims[i] = 1 + rng.IntN(2)
	}
	for i := range contractDims {
		contractDims[i] = dim()
	}
	side := func(numFree int) (dims, contracting, batch []int) {
		kinds := make([]int, 0, nb+nc+numFree) // index into batch (0..), contracting (100..), free (-1)
		for i := range nb {
			kinds = append(kinds, i)
		}
		for i := range nc {
			kinds = append(kinds, 100+i)
		}
		for range numFree {
			kinds = append(kinds, -1)
		}
		rng.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
		contracting, batch = make([]int, nc), make([]int, nb)
		for pos, k := range kinds {
			switch {
			case k < 0:
				dims = append(dims, dim())
			case k >= 100:
				contracting[k-100] = pos
				dims = append(dims, contractDims[k-100])
			default:
				batch[k] = pos
				dims = append(dims, batchDims[k])
			}
		}
		return dims, contracting, batch
	}
	var c splitCase
	c.lhsDims, c.lhsContracting, c.lhsBatch = side(rng.IntN(3))
	c.rhsDims, c.rhsContracting, c.rhsBatch = side(rng.IntN(3))
	return c
}

// evalDot runs dot on random float64 operands and returns its value and the gradients of
// Σ out·w with respect to both operands.
func evalDot(t *testing.T, backend backends.Backend, c splitCase, lhs, rhs []float64,
	dot func(lhs, rhs *graph.Node) *graph.Node) (out, gradLHS, gradRHS []float64) {
	t.Helper()
	exec, err := graph.NewExec(backend, func(l, r *graph.Node) []*graph.Node {
		o := dot(l, r)
		w := graph.OnesLike(o)
		if o.Rank() > 0 {
			w = graph.Add(w, graph.Iota(o.Graph(), o.Shape(), 0)) // each output counts differently
		}
		grads := graph.Gradient(graph.ReduceAllSum(graph.Mul(o, w)), l, r)
		return []*graph.Node{o, grads[0], grads[1]}
	})
	if err != nil {
		t.Fatal(err)
	}
	results, err := exec.Exec(tensors.FromFlatDataAndDimensions(lhs, c.lhsDims...), tensors.FromFlatDataAndDimensions(rhs, c.rhsDims...))
	if err != nil {
		t.Fatalf("%s: %v", c, err)
	}
	flat := func(x *tensors.Tensor) []float64 { return tensors.MustCopyFlatData[float64](x) }
	return flat(results[0]), flat(results[1]), flat(results[2])
}

func maxRelErr(got, want []float64) float64 {
	var worst float64
	for i := range want {
		worst = max(worst, math.Abs(got[i]-want[i])/max(math.Abs(want[i]), 1))
	}
	return worst
}

// checkSplit plans c's split under costs and, when one applies, checks its values and gradients
// against graph.DotGeneral's (float64, to rounding). It returns the plan's kind, "" if none.
func checkSplit(t *testing.T, backend backends.Backend, rng *rand.Rand, c splitCase, parts int, costs costModel) string {
	t.Helper()
	g := graph.NewGraph(backend, "probe")
	plan, ok := planSplit(parts, costs,
		dotOperand{graph.Parameter(g, "l", shapeOf(c.lhsDims)), c.lhsContracting, c.lhsBatch},
		dotOperand{graph.Parameter(g, "r", shapeOf(c.rhsDims)), c.rhsContracting, c.rhsBatch})
	g.Finalize()
	if !ok {
		return ""
	}
	lhs, rhs := make([]float64, product(c.lhsDims)), make([]float64, product(c.rhsDims))
	for _, x := range [][]float64{lhs, rhs} {
		for j := range x {
			x[j] = rng.NormFloat64()
		}
	}
	split := func(l, r *graph.Node) *graph.Node {
		return plan.build(dotOperand{l, c.lhsContracting, c.lhsBatch}, dotOperand{r, c.rhsContracting, c.rhsBatch})
	}
	plain := func(l, r *graph.Node) *graph.Node {
		return graph.DotGeneral(l, c.lhsContracting, c.lhsBatch, r, c.rhsContracting, c.rhsBatch)
	}
	wantOut, wantL, wantR := evalDot(t, backend, c, lhs, rhs, plain)
	gotOut, gotL, gotR := evalDot(t, backend, c, lhs, rhs, split)
	for _, cmp := range []struct {
		name      string
		got, want []float64
	}{{"value", gotOut, wantOut}, {"lhs gradient", gotL, wantL}, {"rhs gradient", gotR, wantR}} {
		if len(cmp.got) != len(cmp.want) {
			t.Fatalf("%s, %+v: %s has %d elements, want %d", c, plan, cmp.name, len(cmp.got), len(cmp.want))
		}
		if e := maxRelErr(cmp.got, cmp.want); e > 1e-12 {
			t.Errorf("%s, %+v: %s differs from DotGeneral's by %.3g", c, plan, cmp.name, e)
		}
	}
	return plan.kind()
}

// TestSplitDotGeneralEqualsDotGeneral: wherever a split applies to a small product, it gives
// graph.DotGeneral's values and gradients for 2, 3 and 4 pieces over random layouts.
func TestSplitDotGeneralEqualsDotGeneral(t *testing.T) {
	backend, err := NewBackend("go")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(11, 12))
	kinds := map[string]int{}
	for i := range 400 {
		// Copies free: every layout with a divisible axis is split.
		kinds[checkSplit(t, backend, rng, randomSplitCase(rng), 2+i%3, costModel{smallMAC: 1})]++
	}
	for _, kind := range []string{"lhs free axis", "rhs free axis", "contracting axis"} {
		if kinds[kind] < 30 {
			t.Errorf("splits along a %s: %d of 400 random layouts, the test needs at least 30", kind, kinds[kind])
		}
	}
	t.Logf("splits checked: %v", kinds)
}

// TestSplitLargeProducts: products simplego would pad on its blocked kernel are cut into small
// ones (enough pieces for each to be under the threshold) with DotGeneral's values and gradients.
func TestSplitLargeProducts(t *testing.T) {
	backend, err := NewBackend("go")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(13, 14))
	blockedIsCostly := costModel{smallMAC: 1, largeMAC: 100}
	for _, c := range []splitCase{
		{lhsDims: []int{4096, 9}, lhsContracting: []int{1}, rhsDims: []int{9, 8}, rhsContracting: []int{0}},      // a convolution, forward
		{lhsDims: []int{3000, 8}, lhsContracting: []int{1}, rhsDims: []int{9, 8}, rhsContracting: []int{1}},      // its input gradient
		{lhsDims: []int{12, 2, 700}, lhsContracting: []int{0}, rhsDims: []int{12, 30}, rhsContracting: []int{0}}, // cut the rhs-sized side
		{lhsDims: []int{10, 72}, lhsContracting: []int{1}, rhsDims: []int{72, 2048}, rhsContracting: []int{0}},   // cut rhs's free axis
		{lhsDims: []int{2, 2048, 9}, lhsContracting: []int{2}, lhsBatch: []int{0}, rhsDims: []int{9, 2, 16}, rhsContracting: []int{0}, rhsBatch: []int{1}},
	} {
		if kind := checkSplit(t, backend, rng, c, 2, blockedIsCostly); kind == "" {
			t.Errorf("%s: not split", c)
		}
	}
}

// TestDotGeneralSplitsSmallProducts: on simplego with two or more cores, softmax regression's
// products are split and a large product is not.
func TestDotGeneralSplitsSmallProducts(t *testing.T) {
	if min(runtime.NumCPU(), runtime.GOMAXPROCS(0)) < 2 {
		t.Skip("one core: DotGeneral never splits")
	}
	backend, err := NewBackend("go")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		lhs, rhs  []int
		lc, rc    []int
		wantSplit bool
	}{
		{"softmax forward [128,784]·[10,784]ᵀ", []int{128, 784}, []int{10, 784}, []int{1}, []int{1}, true},
		{"softmax weight gradient [128,10]ᵀ·[128,784]", []int{128, 10}, []int{128, 784}, []int{0}, []int{0}, true},
		{"CNN kernel gradient [100352,9]ᵀ·[100352,8]", []int{100352, 9}, []int{100352, 8}, []int{0}, []int{0}, true},
		{"MLP hidden layer [128,784]·[784,256] (blocked kernel, parallel already)", []int{128, 784}, []int{784, 256}, []int{1}, []int{0}, false},
		{"tiny [4,3]·[3,2]", []int{4, 3}, []int{3, 2}, []int{1}, []int{0}, false},
	} {
		g := graph.NewGraph(backend, "split")
		out := DotGeneral(graph.Parameter(g, "l", shapeOf(c.lhs)), c.lc, nil, graph.Parameter(g, "r", shapeOf(c.rhs)), c.rc, nil)
		if split := out.Type() != graph.NodeTypeDotGeneral; split != c.wantSplit {
			t.Errorf("%s: split=%v, want %v", c.name, split, c.wantSplit)
		}
		g.Finalize()
	}
}

// kind names the axis a plan cuts, for the test's tally.
func (p splitPlan) kind() string {
	switch {
	case p.contracting:
		return "contracting axis"
	case p.cutLHS:
		return "lhs free axis"
	}
	return "rhs free axis"
}

func shapeOf(dims []int) shapes.Shape { return shapes.Make(dtypes.Float64, dims...) }

func product(dims []int) int {
	n := 1
	for _, d := range dims {
		n *= d
	}
	return n
}

// TestNeedsNormalize: simplego's small kernel wants [batch..., free..., contracting...], each
// group in the order the DotGeneral lists it; anything else is copied first.
func TestNeedsNormalize(t *testing.T) {
	for _, c := range []struct {
		rank               int
		contracting, batch []int
		want               bool
	}{
		{2, []int{1}, nil, false},            // [n, d]·… contracting d: the forward of a dense layer
		{2, []int{0}, nil, true},             // contracting the leading axis: a weight gradient
		{3, []int{2}, []int{0}, false},       // [b, n, d]
		{3, []int{1}, []int{0}, true},        // [b, d, n]: contracting before free
		{3, []int{2}, []int{1}, true},        // batch after a free axis
		{3, []int{1, 2}, nil, false},         // free then two contracting axes in order
		{3, []int{2, 1}, nil, true},          // contracting axes listed out of order
		{4, []int{3}, []int{1, 0}, true},     // batch axes listed out of order
		{4, []int{2, 3}, []int{0, 1}, false}, // [b, b, c, c]
		{1, []int{0}, nil, false},            // a vector
		{2, nil, []int{0}, false},            // [b, free]
	} {
		if got := needsNormalize(c.rank, c.contracting, c.batch); got != c.want {
			t.Errorf("rank %d contracting %v batch %v: needsNormalize = %v, want %v", c.rank, c.contracting, c.batch, got, c.want)
		}
	}
}

// notSimplego is simplego under another type: to DotGeneral, any backend but simplego.
type notSimplego struct{ *simplego.Backend }

// TestDotGeneralIsPlainOffSimplego: on any backend other than simplego (the one
// $DLOPT_BACKEND selects, else simplego disguised as another), DotGeneral is graph.DotGeneral
// itself: one DotGeneral node on the operands, for the products it splits on simplego too.
func TestDotGeneralIsPlainOffSimplego(t *testing.T) {
	selected, err := Backend()
	if err != nil {
		t.Fatal(err)
	}
	backend := selected
	if sg, ok := selected.(*simplego.Backend); ok {
		backend = notSimplego{sg}
	}
	t.Logf("backend %T (%s)", backend, backend.Name())
	for _, c := range []struct {
		lhs, rhs []int
		lc, rc   []int
	}{
		{[]int{128, 784}, []int{10, 784}, []int{1}, []int{1}},
		{[]int{128, 10}, []int{128, 784}, []int{0}, []int{0}},
		{[]int{100352, 9}, []int{100352, 8}, []int{0}, []int{0}},
		{[]int{4096, 9}, []int{9, 8}, []int{1}, []int{0}},
	} {
		for _, dt := range []dtypes.DType{dtypes.Float32, dtypes.Float64} {
			g := graph.NewGraph(backend, "plain")
			l, r := graph.Parameter(g, "l", shapes.Make(dt, c.lhs...)), graph.Parameter(g, "r", shapes.Make(dt, c.rhs...))
			out := DotGeneral(l, c.lc, nil, r, c.rc, nil)
			if in := out.Inputs(); out.Type() != graph.NodeTypeDotGeneral || len(in) != 2 || in[0] != l || in[1] != r {
				t.Errorf("%v·%v %s: DotGeneral built a %s node on %d inputs, want graph.DotGeneral's on the operands",
					c.lhs, c.rhs, dt, out.Type(), len(in))
			}
			g.Finalize()
		}
	}
}
