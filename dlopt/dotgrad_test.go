package dlopt_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/dlopt/course/dlopt"
	"github.com/dlopt/course/internal/backendtest"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// testBackend is the backend $DLOPT_BACKEND selects (`make test-backend`): the gradient is
// checked wherever it runs, in float64 (skipped where the backend has none) and in float32.
func testBackend(t testing.TB) backends.Backend {
	t.Helper()
	b := backendtest.Selected(t)
	backendtest.RequireDType(t, b, dtypes.Float64)
	return b
}

// dotCase is one matrix product: DotGeneral with the given axes, Dot when useDot is set, or a
// named higher-level op (Einsum, MatMul) when op is set.
type dotCase struct {
	lhsDims, rhsDims                   []int
	lhsContracting, lhsBatch           []int
	rhsContracting, rhsBatch           []int
	useDot                             bool
	opName                             string
	op                                 func(lhs, rhs *graph.Node) *graph.Node
	outDims                            []int
	lhsSize, rhsSize, outSize, numAxes int
}

func (c dotCase) String() string {
	if c.op != nil {
		return fmt.Sprintf("%s(%v, %v)", c.opName, c.lhsDims, c.rhsDims)
	}
	if c.useDot {
		return fmt.Sprintf("Dot(%v, %v)", c.lhsDims, c.rhsDims)
	}
	return fmt.Sprintf("DotGeneral(lhs%v contracting=%v batch=%v, rhs%v contracting=%v batch=%v)",
		c.lhsDims, c.lhsContracting, c.lhsBatch, c.rhsDims, c.rhsContracting, c.rhsBatch)
}

// randomDotCase draws a DotGeneral layout: 0-2 batch, contracting and free axes on each side,
// each operand's axes in a random order, dimensions 1-4 (1 is common: size-1 axes are a classic
// source of layout bugs).
func randomDotCase(rng *rand.Rand) dotCase {
	nb, nc, nl, nr := rng.IntN(3), rng.IntN(3), rng.IntN(3), rng.IntN(3)
	dim := func() int { return 1 + rng.IntN(4) }
	batchDims, contractDims := make([]int, nb), make([]int, nc)
	for i := range batchDims {
		batchDims[i] = dim()
	}
	for i := range contractDims {
		contractDims[i] = dim()
	}
	// side places one operand's axes: kinds 'b', 'c', 'f' with their index, in a random order.
	type logical struct {
		kind  byte
		index int
	}
	side := func(numFree int) (dims, contracting, batch, freeDims []int) {
		var axes []logical
		for i := range nb {
			axes = append(axes, logical{'b', i})
		}
		for i := range nc {
			axes = append(axes, logical{'c', i})
		}
		for i := range numFree {
			axes = append(axes, logical{'f', i})
		}
		rng.Shuffle(len(axes), func(i, j int) { axes[i], axes[j] = axes[j], axes[i] })
		contracting, batch = make([]int, nc), make([]int, nb)
		for pos, a := range axes {
			switch a.kind {
			case 'b':
				batch[a.index] = pos
				dims = append(dims, batchDims[a.index])
			case 'c':
				contracting[a.index] = pos
				dims = append(dims, contractDims[a.index])
			default:
				d := dim()
				dims = append(dims, d)
				freeDims = append(freeDims, d) // Free axes reach the output in increasing axis order.
			}
		}
		return dims, contracting, batch, freeDims
	}
	var c dotCase
	var lhsFree, rhsFree []int
	c.lhsDims, c.lhsContracting, c.lhsBatch, lhsFree = side(nl)
	c.rhsDims, c.rhsContracting, c.rhsBatch, rhsFree = side(nr)
	c.outDims = append(append(append([]int{}, batchDims...), lhsFree...), rhsFree...)
	return c.withSizes()
}

// highLevelCases reach DotGeneral through Einsum and MatMul (which add their own transposes,
// reshapes and broadcasts around it).
var highLevelCases = []dotCase{
	{opName: `Einsum("bij,bjk->bik")`, lhsDims: []int{2, 3, 4}, rhsDims: []int{2, 4, 5}, outDims: []int{2, 3, 5},
		op: func(l, r *graph.Node) *graph.Node { return graph.Einsum("bij,bjk->bik", l, r) }},
	{opName: `Einsum("ij,kj->ik")`, lhsDims: []int{3, 4}, rhsDims: []int{5, 4}, outDims: []int{3, 5},
		op: func(l, r *graph.Node) *graph.Node { return graph.Einsum("ij,kj->ik", l, r) }},
	{opName: `Einsum("bij,jk->bki")`, lhsDims: []int{2, 3, 4}, rhsDims: []int{4, 5}, outDims: []int{2, 5, 3},
		op: func(l, r *graph.Node) *graph.Node { return graph.Einsum("bij,jk->bki", l, r) }},
	{opName: "MatMul", lhsDims: []int{2, 1, 3, 4}, rhsDims: []int{3, 4, 5}, outDims: []int{2, 3, 3, 5},
		op: graph.MatMul},
	{opName: "MatMul", lhsDims: []int{4}, rhsDims: []int{2, 4, 3}, outDims: []int{2, 3},
		op: graph.MatMul},
}

func (c dotCase) withSizes() dotCase {
	c.lhsSize, c.rhsSize, c.outSize = product(c.lhsDims), product(c.rhsDims), product(c.outDims)
	return c
}

func product(dims []int) int {
	p := 1
	for _, d := range dims {
		p *= d
	}
	return p
}

// dotCases are the Dot layouts GoMLX accepts: vector·vector, matrix·vector and matrix·matrix.
var dotCases = []dotCase{
	{useDot: true, lhsDims: []int{5}, rhsDims: []int{5}, outDims: []int{}},
	{useDot: true, lhsDims: []int{1}, rhsDims: []int{1}, outDims: []int{}},
	{useDot: true, lhsDims: []int{3, 4}, rhsDims: []int{4}, outDims: []int{3}},
	{useDot: true, lhsDims: []int{1, 4}, rhsDims: []int{4}, outDims: []int{1}},
	{useDot: true, lhsDims: []int{3, 4}, rhsDims: []int{4, 2}, outDims: []int{3, 2}},
	{useDot: true, lhsDims: []int{1, 1}, rhsDims: []int{1, 1}, outDims: []int{1, 1}},
	{useDot: true, lhsDims: []int{7, 1}, rhsDims: []int{1, 6}, outDims: []int{7, 6}},
}

// objective is f(lhs, rhs, w) = Σ w ⊙ (lhs·rhs), whose output cotangent is w: a random w makes
// every output element count with its own weight.
func (c dotCase) objective(lhs, rhs, w *graph.Node) *graph.Node {
	var out *graph.Node
	if c.op != nil {
		out = c.op(lhs, rhs)
	} else if c.useDot {
		out = graph.Dot(lhs, rhs)
	} else {
		out = graph.DotGeneral(lhs, c.lhsContracting, c.lhsBatch, rhs, c.rhsContracting, c.rhsBatch)
	}
	return graph.ReduceAllSum(graph.Mul(out, w))
}

// evaluation is f and its gradients for one input, plus facts about the graph that computed them.
type evaluation struct {
	f          float64
	dlhs, drhs []float64
	// largestNode is the number of elements of the graph's largest node; transposes counts the
	// graph's Transpose nodes.
	largestNode, transposes int
}

// evaluate builds and runs f and its gradient with the chosen dot gradient, in dtype.
func evaluate(t testing.TB, which dlopt.DotGradient, c dotCase, dtype dtypes.DType, lhs, rhs, w []float64) evaluation {
	t.Helper()
	previous, err := dlopt.SetDotGradient(which)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _, _ = dlopt.SetDotGradient(previous) }()
	var largestNode, transposes int
	exec, err := graph.NewExec(testBackend(t), func(lhs, rhs, w *graph.Node) []*graph.Node {
		f := c.objective(lhs, rhs, w)
		outputs := append([]*graph.Node{f}, graph.Gradient(f, lhs, rhs)...)
		// The graph's nodes are only listed while it is being built.
		for _, n := range lhs.Graph().Nodes() {
			largestNode = max(largestNode, n.Shape().Size())
			if n.Type() == graph.NodeTypeTranspose {
				transposes++
			}
		}
		return outputs
	})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	out, err := exec.Exec(toTensor(dtype, lhs, c.lhsDims), toTensor(dtype, rhs, c.rhsDims), toTensor(dtype, w, c.outDims))
	if err != nil {
		t.Fatalf("%s, %s gradient: %v", c, which, err)
	}
	values := make([][]float64, len(out))
	for i, o := range out {
		values[i] = fromTensor(t, o)
	}
	return evaluation{f: values[0][0], dlhs: values[1], drhs: values[2], largestNode: largestNode, transposes: transposes}
}

func toTensor(dtype dtypes.DType, values []float64, dims []int) *tensors.Tensor {
	if dtype == dtypes.Float32 {
		v32 := make([]float32, len(values))
		for i, v := range values {
			v32[i] = float32(v)
		}
		return tensors.FromFlatDataAndDimensions(v32, dims...)
	}
	return tensors.FromFlatDataAndDimensions(values, dims...)
}

func fromTensor(t testing.TB, x *tensors.Tensor) []float64 {
	t.Helper()
	switch x.DType() {
	case dtypes.Float64:
		return tensors.MustCopyFlatData[float64](x)
	case dtypes.Float32:
		v32 := tensors.MustCopyFlatData[float32](x)
		out := make([]float64, len(v32))
		for i, v := range v32 {
			out[i] = float64(v)
		}
		return out
	}
	t.Fatalf("unexpected dtype %s", x.DType())
	return nil
}

func randomValues(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

// relativeError is max|got-want| / max|want|.
func relativeError(got, want []float64) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	var diff, scale float64
	for i := range got {
		diff = max(diff, math.Abs(got[i]-want[i]))
		scale = max(scale, math.Abs(want[i]))
	}
	if scale == 0 {
		return diff
	}
	return diff / scale
}

func allCases(rng *rand.Rand, numRandom int) []dotCase {
	cases := make([]dotCase, 0, len(dotCases)+len(highLevelCases)+numRandom)
	for _, c := range append(slices.Clone(dotCases), highLevelCases...) {
		cases = append(cases, c.withSizes())
	}
	for range numRandom {
		cases = append(cases, randomDotCase(rng))
	}
	return cases
}

// TestFastDotGradientEqualsStock compares the fast gradient with GoMLX's own over the Dot layouts,
// Einsum and MatMul cases and 300 random DotGeneral layouts, in float64 (to 1e-12: dimensions of
// at most 4^2 summed terms, each rounding 1.1e-16) and float32 (to 1e-5). The float32 cases are
// left out on a TF32 backend: there the fast gradient's matrix products round their inputs to
// 10-bit mantissas while the stock gradient (a multiply and a sum) stays in float32.
func TestFastDotGradientEqualsStock(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tf32 := backendtest.TF32(testBackend(t))
	if tf32 {
		t.Logf("backend computes float32 products in TF32: float32 cases skipped, float64 cases run")
	}
	for i, c := range allCases(rng, 300) {
		dtype, tol := dtypes.Float64, 1e-12
		if i%10 == 9 {
			dtype, tol = dtypes.Float32, 1e-5
		}
		lhs, rhs, w := randomValues(rng, c.lhsSize), randomValues(rng, c.rhsSize), randomValues(rng, c.outSize)
		if dtype == dtypes.Float32 && tf32 {
			continue // drawn anyway, so the float64 cases are the same on every backend
		}
		stock := evaluate(t, dlopt.StockDotGradient, c, dtype, lhs, rhs, w)
		fast := evaluate(t, dlopt.FastDotGradient, c, dtype, lhs, rhs, w)
		if e := relativeError(fast.dlhs, stock.dlhs); !(e <= tol) {
			t.Errorf("%s %s: d/dlhs relative error %.3g > %g\nfast  %v\nstock %v", c, dtype, e, tol, fast.dlhs, stock.dlhs)
		}
		if e := relativeError(fast.drhs, stock.drhs); !(e <= tol) {
			t.Errorf("%s %s: d/drhs relative error %.3g > %g\nfast  %v\nstock %v", c, dtype, e, tol, fast.drhs, stock.drhs)
		}
	}
}

// TestFastDotGradientFiniteDifferences checks the fast gradient against central differences of f
// along random directions, independently of GoMLX's stock gradient.
func TestFastDotGradientFiniteDifferences(t *testing.T) {
	const h = 1e-4
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range allCases(rng, 60) {
		lhs, rhs, w := randomValues(rng, c.lhsSize), randomValues(rng, c.rhsSize), randomValues(rng, c.outSize)
		at := evaluate(t, dlopt.FastDotGradient, c, dtypes.Float64, lhs, rhs, w)
		f := func(lhs, rhs []float64) float64 {
			return evaluate(t, dlopt.FastDotGradient, c, dtypes.Float64, lhs, rhs, w).f
		}
		for _, operand := range []struct {
			name string
			x    []float64
			grad []float64
			f    func(x []float64) float64
		}{
			{"lhs", lhs, at.dlhs, func(x []float64) float64 { return f(x, rhs) }},
			{"rhs", rhs, at.drhs, func(x []float64) float64 { return f(lhs, x) }},
		} {
			d := randomValues(rng, len(operand.x))
			plus, minus := make([]float64, len(d)), make([]float64, len(d))
			var analytic, scale float64
			for i := range d {
				plus[i], minus[i] = operand.x[i]+h*d[i], operand.x[i]-h*d[i]
				analytic += operand.grad[i] * d[i]
				scale += math.Abs(operand.grad[i] * d[i])
			}
			numeric := (operand.f(plus) - operand.f(minus)) / (2 * h)
			if diff := math.Abs(numeric - analytic); diff > 1e-8*max(scale, 1) {
				t.Errorf("%s: d/d%s along a random direction: gradient gives %.15g, central differences %.15g (diff %.3g)",
					c, operand.name, analytic, numeric, diff)
			}
		}
	}
}

// TestFastDotGradientGraphSize checks what makes the fast gradient fast: for a dense layer
// x[batch,in]·W[in,out] no node of the gradient graph is bigger than the largest of x, W and the
// output (stock GoMLX materialises [batch,in,out]), and no transpose is needed.
func TestFastDotGradientGraphSize(t *testing.T) {
	const batch, in, out = 8, 6, 5
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range []dotCase{
		{useDot: true, lhsDims: []int{batch, in}, rhsDims: []int{in, out}, outDims: []int{batch, out}},
		{lhsDims: []int{batch, in}, rhsDims: []int{in, out}, outDims: []int{batch, out},
			lhsContracting: []int{1}, rhsContracting: []int{0}},
	} {
		c = c.withSizes()
		lhs, rhs, w := randomValues(rng, c.lhsSize), randomValues(rng, c.rhsSize), randomValues(rng, c.outSize)
		limit := max(c.lhsSize, c.rhsSize, c.outSize)
		for _, which := range []dlopt.DotGradient{dlopt.FastDotGradient, dlopt.StockDotGradient} {
			e := evaluate(t, which, c, dtypes.Float64, lhs, rhs, w)
			largest, transposes := e.largestNode, e.transposes
			switch which {
			case dlopt.FastDotGradient:
				if largest > limit || transposes > 0 {
					t.Errorf("%s, fast gradient: largest node has %d elements (limit %d), %d transposes (want 0)",
						c, largest, limit, transposes)
				}
			case dlopt.StockDotGradient:
				// Guards this test itself: it must be able to tell the two gradients apart.
				if largest != batch*in*out {
					t.Errorf("%s, stock gradient: largest node has %d elements, expected GoMLX v0.26.0's %d",
						c, largest, batch*in*out)
				}
			}
		}
	}
}

func TestSetDotGradient(t *testing.T) {
	if got := dlopt.CurrentDotGradient(); got != dlopt.FastDotGradient {
		t.Fatalf("after importing dlopt CurrentDotGradient() = %s, want fast", got)
	}
	previous, err := dlopt.SetDotGradient(dlopt.StockDotGradient)
	if err != nil || previous != dlopt.FastDotGradient {
		t.Fatalf("SetDotGradient(stock) = %s, %v; want fast, nil", previous, err)
	}
	if got := dlopt.CurrentDotGradient(); got != dlopt.StockDotGradient {
		t.Errorf("CurrentDotGradient() = %s after selecting stock", got)
	}
	if _, err := dlopt.SetDotGradient(dlopt.DotGradient(7)); err == nil {
		t.Errorf("SetDotGradient(7) gave no error")
	}
	if got := dlopt.CurrentDotGradient(); got != dlopt.StockDotGradient {
		t.Errorf("a rejected SetDotGradient changed the selection to %s", got)
	}
	if previous, err := dlopt.SetDotGradient(dlopt.FastDotGradient); err != nil || previous != dlopt.StockDotGradient {
		t.Errorf("SetDotGradient(fast) = %s, %v; want stock, nil", previous, err)
	}
}
