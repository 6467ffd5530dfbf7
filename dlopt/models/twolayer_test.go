package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// twoLayerCase is a small network and batch: weights, inputs and targets.
type twoLayerCase struct {
	net *TwoLayerF64
	xis [][]float64
	ys  [][]float64
}

func newTwoLayerCase(t *testing.T, act Activation, loss OutputLoss, seed uint64) twoLayerCase {
	t.Helper()
	const in, hidden, out, n = 5, 4, 3, 6
	net, err := NewTwoLayerF64(in, hidden, out, act, loss, seed)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 9))
	tc := twoLayerCase{net: net, xis: randMatrix(rng, n, in, 1), ys: randMatrix(rng, n, out, 1)}
	if loss == SoftmaxLoss { // targets must be distributions
		for i := range tc.ys {
			tc.ys[i] = SoftmaxF64(tc.ys[i])
		}
	}
	return tc
}

func rows(flat []float64, r, c int) [][]float64 {
	out := make([][]float64, r)
	for i := range out {
		out[i] = flat[i*c : (i+1)*c]
	}
	return out
}

// TestTwoLayerBackwardMatchesAutodiff compares the hand-written backward pass, in the graph and
// in plain Go, with GoMLX's autodiff, in float64.
func TestTwoLayerBackwardMatchesAutodiff(t *testing.T) {
	b := backend(t)
	for _, act := range Activations {
		for _, loss := range []OutputLoss{SquaredLoss, SoftmaxLoss} {
			t.Run(fmt.Sprintf("%s/%s", act, loss), func(t *testing.T) {
				tc := newTwoLayerCase(t, act, loss, 17)
				net := tc.net
				outs := graph.MustExecOnceN(b, func(x1, x2, xi, y *graph.Node) []*graph.Node {
					p := TwoLayerForward(x1, x2, xi, y, act, loss)
					hand := p.Backward()
					auto := graph.Gradient(p.Loss, x1, x2, p.Yhat, p.Z, p.H)
					return []*graph.Node{p.Loss, hand.DX1, hand.DX2, auto[0], auto[1],
						hand.DYhat, hand.DZ, hand.DH, auto[2], auto[3], auto[4]}
				}, rows(net.X1, net.Hidden, net.In), rows(net.X2, net.Out, net.Hidden), tc.xis, tc.ys)
				names := []string{"dL/dX1", "dL/dX2", "dL/dyhat", "dL/dz", "dL/dh"}
				handIdx, autoIdx := []int{1, 2, 5, 6, 7}, []int{3, 4, 8, 9, 10}
				for k, name := range names {
					assertClose(t, name+" hand vs autodiff", flat64(t, outs[handIdx[k]]), flat64(t, outs[autoIdx[k]]), 1e-12)
				}
				loss64, dX1, dX2 := net.LossAndGradient(tc.xis, tc.ys)
				assertClose(t, "plain-Go loss vs graph", []float64{loss64}, flat64(t, outs[0]), 1e-13)
				assertClose(t, "plain-Go dL/dX1 vs graph", dX1, flat64(t, outs[1]), 1e-13)
				assertClose(t, "plain-Go dL/dX2 vs graph", dX2, flat64(t, outs[2]), 1e-13)
			})
		}
	}
}

// TestTwoLayerF64FiniteDifferences checks the plain-Go gradient against central differences.
func TestTwoLayerF64FiniteDifferences(t *testing.T) {
	for _, act := range Activations {
		for _, loss := range []OutputLoss{SquaredLoss, SoftmaxLoss} {
			tc := newTwoLayerCase(t, act, loss, 23)
			net := tc.net
			_, dX1, dX2 := net.LossAndGradient(tc.xis, tc.ys)
			for _, w := range []struct {
				name    string
				weights []float64
				grad    []float64
			}{{"X1", net.X1, dX1}, {"X2", net.X2, dX2}} {
				const eps = 1e-6
				for i := range w.weights {
					orig := w.weights[i]
					w.weights[i] = orig + eps
					plus, _, _ := net.LossAndGradient(tc.xis, tc.ys)
					w.weights[i] = orig - eps
					minus, _, _ := net.LossAndGradient(tc.xis, tc.ys)
					w.weights[i] = orig
					fd := (plus - minus) / (2 * eps)
					if math.Abs(fd-w.grad[i]) > 1e-7*math.Max(1, math.Abs(fd)) {
						t.Fatalf("%s/%s: dL/d%s[%d] = %.12g, central difference %.12g", act, loss, w.name, i, w.grad[i], fd)
					}
				}
			}
		}
	}
}

func TestTwoLayerValidation(t *testing.T) {
	if _, err := NewTwoLayerF64(3, 0, 2, ReLU, SquaredLoss, 1); err == nil {
		t.Error("Hidden=0 accepted")
	}
	if _, err := NewTwoLayerF64(3, 2, 2, "softplus", SquaredLoss, 1); err == nil {
		t.Error("unknown activation accepted")
	}
	if _, err := NewTwoLayerF64(3, 2, 2, ReLU, "hinge", 1); err == nil {
		t.Error("unknown loss accepted")
	}
	net, _ := NewTwoLayerF64(3, 2, 2, ReLU, SquaredLoss, 1)
	expectPanic(t, "short input", func() { net.Forward([]float64{1, 2}, []float64{0, 1}) }, "len(xi)=2", "In=3")
	b := backend(t)
	expectPanic(t, "graph shapes", func() {
		graph.MustExecOnceN(b, func(x1, x2, xi, y *graph.Node) []*graph.Node {
			return []*graph.Node{TwoLayerForward(x1, x2, xi, y, ReLU, SquaredLoss).Loss}
		}, rows(make([]float64, 6), 2, 3), rows(make([]float64, 4), 2, 2), rows(make([]float64, 4), 2, 2), rows(make([]float64, 4), 2, 2))
	}, "xi has shape (Float64)[2, 2]", "want (Float64)[2, 3]")
}

// TestTwoLayerModelMatchesForward checks that the Model's logits are the explicit forward
// pass's yhat for the same weights.
func TestTwoLayerModelMatchesForward(t *testing.T) {
	tc := newTwoLayerCase(t, GELU, SquaredLoss, 31)
	net := tc.net
	m := TwoLayer{Hidden: net.Hidden, Classes: net.Out, Activation: GELU}
	store := model.NewStore()
	tl := store.RootScope().In("twolayer")
	tl.VariableWithValue("X1", rows(net.X1, net.Hidden, net.In))
	tl.VariableWithValue("X2", rows(net.X2, net.Out, net.Hidden))
	logits := model.MustCallOnce(backend(t), store, func(scope *model.Scope, xi *graph.Node) *graph.Node {
		return m.Logits(scope, xi)
	}, tc.xis)
	var want []float64
	for n := range tc.xis {
		want = append(want, net.Forward(tc.xis[n], tc.ys[n]).Yhat...)
	}
	assertClose(t, "TwoLayer.Logits vs TwoLayerF64 yhat", flat64(t, logits), want, 1e-13)
}

// TestLectureLayoutInitScale checks that [out, in] weights start from N(0, 1/in), whatever
// the number of outputs: GoMLX's default would take the output count as the fan-in.
func TestLectureLayoutInitScale(t *testing.T) {
	const classes, d = 10, 2000
	store := model.NewStore()
	model.MustCallOnce(backend(t), store, func(scope *model.Scope, g *graph.Graph) *graph.Node {
		return Linear{Classes: classes}.Logits(scope, graph.Zeros(g, shapes.Make(dtypes.Float64, 1, d)))
	})
	x := tensors.MustCopyFlatData[float64](store.GetVariable("/linear/X").MustValue())
	var sumSq float64
	for _, v := range x {
		sumSq += v * v
	}
	// The sample variance of 20000 N(0, 1/d) draws is within 5% of 1/d with overwhelming probability.
	if variance := sumSq / float64(len(x)); math.Abs(variance*d-1) > 0.05 {
		t.Fatalf("X has variance %g, want 1/d = %g", variance, 1.0/d)
	}
}
