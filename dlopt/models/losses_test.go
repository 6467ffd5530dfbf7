package models

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
)

func TestCrossEntropyBitsLectureExamples(t *testing.T) {
	tests := []struct {
		p, q []float64
		want float64 // bits
	}{
		{[]float64{1, 0, 0, 0}, []float64{0.25, 0.25, 0.25, 0.25}, 2},
		{[]float64{1, 0, 0, 0}, []float64{0.91, 0.03, 0.03, 0.03}, -math.Log2(0.91)}, // 0.136 bits
		{[]float64{0.5, 0.5}, []float64{0.5, 0.5}, 1},
		{[]float64{0, 1}, []float64{0, 1}, 0}, // q_0 = 0 where p_0 = 0 counts nothing
	}
	for _, tc := range tests {
		if got := CrossEntropyBitsF64(tc.p, tc.q); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("CrossEntropyBitsF64(%v, %v) = %.17g, want %.17g", tc.p, tc.q, got, tc.want)
		}
		got := graph.MustExecOnce(backend(t), CrossEntropyBits, tc.p, tc.q)
		assertClose(t, "CrossEntropyBits graph", flat64(t, got), []float64{tc.want}, 1e-15)
		gotNats := graph.MustExecOnce(backend(t), CrossEntropy, tc.p, tc.q)
		assertClose(t, "CrossEntropy graph (nats)", flat64(t, gotNats), []float64{tc.want * math.Ln2}, 1e-15)
	}
	if h := CrossEntropyBitsF64([]float64{1, 0, 0, 0}, []float64{0.91, 0.03, 0.03, 0.03}); math.Round(h*1000) != 136 {
		t.Errorf("lecture's 0.136 bits: got %.6f", h)
	}
}

// TestCrossEntropyGradient checks dH/dp_i = -log q_i and dH/dq_i = -p_i/q_i, including
// p_i = 0 < q_i, and a zero gradient where p_i = q_i = 0.
func TestCrossEntropyGradient(t *testing.T) {
	p, q := []float64{0.5, 0, 0.5, 0}, []float64{0.25, 0.25, 0.5, 0}
	outs := graph.MustExecOnceN(backend(t), func(p, q *graph.Node) (*graph.Node, *graph.Node, *graph.Node) {
		h := CrossEntropy(p, q)
		grads := graph.Gradient(h, p, q)
		return h, grads[0], grads[1]
	}, p, q)
	assertClose(t, "H(p, q)", flat64(t, outs[0]), []float64{CrossEntropyF64(p, q)}, 1e-15)
	assertClose(t, "dH/dp", flat64(t, outs[1]), []float64{-math.Log(0.25), -math.Log(0.25), -math.Log(0.5), 0}, 1e-15)
	assertClose(t, "dH/dq", flat64(t, outs[2]), []float64{-2, 0, -1, 0}, 1e-15)
}

func TestSoftmaxMatchesHost(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	s := randMatrix(rng, 5, 7, 3)
	outs := graph.MustExecOnceN(backend(t), func(x *graph.Node) (*graph.Node, *graph.Node, *graph.Node) {
		return Softmax(x), LogSoftmax(x), LogSumExp(x)
	}, s)
	for i, row := range s {
		assertClose(t, "Softmax", flat64(t, outs[0])[7*i:7*i+7], SoftmaxF64(row), 1e-15)
		assertClose(t, "LogSoftmax", flat64(t, outs[1])[7*i:7*i+7], LogSoftmaxF64(row), 1e-14)
		assertClose(t, "LogSumExp", flat64(t, outs[2])[i:i+1], []float64{LogSumExpF64(row)}, 1e-15)
		var direct float64 // no max subtraction: fine for these small logits
		for _, v := range row {
			direct += math.Exp(v)
		}
		assertClose(t, "LogSumExpF64 vs direct sum", []float64{LogSumExpF64(row)}, []float64{math.Log(direct)}, 1e-14)
	}
}

// closedFormGrad returns (softmax(s_n) - y_n)/N row by row: the gradient of the mean
// softmax cross-entropy with respect to the logits.
func closedFormGrad(s, y [][]float64) []float64 {
	var out []float64
	for n, row := range s {
		p := SoftmaxF64(row)
		for c := range p {
			out = append(out, (p[c]-y[n][c])/float64(len(s)))
		}
	}
	return out
}

func TestSoftmaxCrossEntropyGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n, c = 6, 5
	s := randMatrix(rng, n, c, 2)
	labels := make([]int32, n)
	oneHot := make([][]float64, n)
	soft := make([][]float64, n)
	var wantLoss, wantSoftLoss float64
	for i := range labels {
		labels[i] = int32(rng.IntN(c))
		oneHot[i] = make([]float64, c)
		oneHot[i][labels[i]] = 1
		soft[i] = SoftmaxF64(randMatrix(rng, 1, c, 1)[0])
		loss, _ := SoftmaxCrossEntropyF64(s[i], int(labels[i]))
		wantLoss += loss / n
		wantSoftLoss += CrossEntropyF64(soft[i], SoftmaxF64(s[i])) / n
	}
	b := backend(t)
	outs := graph.MustExecOnceN(b, func(logits, lab *graph.Node) (*graph.Node, *graph.Node) {
		loss := SoftmaxCrossEntropy(logits, lab)
		return loss, graph.Gradient(loss, logits)[0]
	}, s, labels)
	assertClose(t, "loss (integer labels)", flat64(t, outs[0]), []float64{wantLoss}, 1e-14)
	assertClose(t, "gradient (integer labels)", flat64(t, outs[1]), closedFormGrad(s, oneHot), 1e-14)

	for name, targets := range map[string][][]float64{"one-hot": oneHot, "soft": soft} {
		outs = graph.MustExecOnceN(b, func(logits, y *graph.Node) (*graph.Node, *graph.Node) {
			loss := SoftmaxCrossEntropyTargets(logits, y)
			return loss, graph.Gradient(loss, logits)[0]
		}, s, targets)
		want := wantLoss
		if name == "soft" {
			want = wantSoftLoss
		}
		assertClose(t, name+" loss", flat64(t, outs[0]), []float64{want}, 1e-14)
		assertClose(t, name+" gradient", flat64(t, outs[1]), closedFormGrad(s, targets), 1e-14)
	}

	// Labels as [N, 1], GoMLX's layout, through the train.LossFn adapter.
	labels2 := make([][]int32, n)
	for i, l := range labels {
		labels2[i] = []int32{l}
	}
	got := graph.MustExecOnce(b, func(logits, lab *graph.Node) *graph.Node {
		return CrossEntropyLoss([]*graph.Node{lab}, []*graph.Node{logits})
	}, s, labels2)
	assertClose(t, "CrossEntropyLoss with [N,1] labels", flat64(t, got), []float64{wantLoss}, 1e-14)
}

func TestSoftmaxCrossEntropyExtremeLogits(t *testing.T) {
	// LogSumExp(1e4, -1e4, 0) = 1e4 exactly in floating point, so the loss of label 1 is 2e4
	// and of label 0 is 0; softmax is (1, 0, 0) to the last bit.
	s := [][]float64{{1e4, -1e4, 0}, {1e4, -1e4, 0}}
	labels := []int32{1, 0}
	wantGrad := closedFormGrad(s, [][]float64{{0, 1, 0}, {1, 0, 0}})
	for _, dtype := range []dtypes.DType{dtypes.Float32, dtypes.Float64} {
		outs := graph.MustExecOnceN(backend(t), func(logits, lab *graph.Node) (*graph.Node, *graph.Node) {
			logits = graph.ConvertDType(logits, dtype)
			loss := SoftmaxCrossEntropy(logits, lab)
			return loss, graph.Gradient(loss, logits)[0]
		}, s, labels)
		assertClose(t, dtype.String()+" loss", flat64(t, outs[0]), []float64{1e4}, 1e-7)
		assertClose(t, dtype.String()+" gradient", flat64(t, outs[1]), wantGrad, 1e-7)
		outs = graph.MustExecOnceN(backend(t), func(logits, y *graph.Node) (*graph.Node, *graph.Node) {
			logits, y = graph.ConvertDType(logits, dtype), graph.ConvertDType(y, dtype)
			loss := SoftmaxCrossEntropyTargets(logits, y)
			return loss, graph.Gradient(loss, logits)[0]
		}, s, [][]float64{{0, 1, 0}, {1, 0, 0}})
		assertClose(t, dtype.String()+" loss (targets)", flat64(t, outs[0]), []float64{1e4}, 1e-7)
		assertClose(t, dtype.String()+" gradient (targets)", flat64(t, outs[1]), wantGrad, 1e-7)
	}
}

func TestSoftmaxCrossEntropyOutOfRangeLabelIsNaN(t *testing.T) {
	for _, label := range []int32{-1, 3} {
		got := graph.MustExecOnce(backend(t), SoftmaxCrossEntropy, [][]float64{{1, 2, 3}, {0, 0, 0}}, []int32{0, label})
		if v := flat64(t, got)[0]; !math.IsNaN(v) {
			t.Errorf("label %d with 3 classes: loss %g, want NaN", label, v)
		}
	}
}

func TestLossValidation(t *testing.T) {
	g := graph.NewGraph(backend(t), "validation")
	logits := graph.Parameter(g, "logits", shapes.Make(dtypes.Float32, 4, 3))
	tests := []struct {
		name  string
		build func()
		wants []string
	}{
		{"float labels", func() { SoftmaxCrossEntropy(logits, graph.Parameter(g, "fl", shapes.Make(dtypes.Float32, 4))) }, []string{"(Float32)[4]", "integer"}},
		{"wrong batch", func() { SoftmaxCrossEntropy(logits, graph.Parameter(g, "l5", shapes.Make(dtypes.Int32, 5))) }, []string{"(Int32)[5]", "(Float32)[4, 3]", "[4] or [4, 1]"}},
		{"rank-3 logits", func() {
			SoftmaxCrossEntropy(graph.Parameter(g, "l3", shapes.Make(dtypes.Float32, 4, 3, 1)), graph.Parameter(g, "i4", shapes.Make(dtypes.Int32, 4)))
		}, []string{"(Float32)[4, 3, 1]", "[N, C]"}},
		{"targets shape", func() {
			SoftmaxCrossEntropyTargets(logits, graph.Parameter(g, "t", shapes.Make(dtypes.Float32, 4, 2)))
		}, []string{"(Float32)[4, 2]", "(Float32)[4, 3]"}},
		{"cross-entropy shapes", func() {
			CrossEntropy(graph.Parameter(g, "p", shapes.Make(dtypes.Float64, 3)), graph.Parameter(g, "q", shapes.Make(dtypes.Float64, 4)))
		}, []string{"(Float64)[3]", "(Float64)[4]"}},
		{"integer logits", func() { Softmax(graph.Parameter(g, "il", shapes.Make(dtypes.Int32, 3))) }, []string{"(Int32)[3]", "float"}},
	}
	for _, tc := range tests {
		expectPanic(t, tc.name, tc.build, tc.wants...)
	}
	expectPanic(t, "host label out of range", func() { SoftmaxCrossEntropyF64([]float64{1, 2}, 2) }, "label 2", "[0, 2)")
	expectPanic(t, "host lengths", func() { CrossEntropyF64([]float64{1}, []float64{0.5, 0.5}) }, "len(p) = 1")
}
