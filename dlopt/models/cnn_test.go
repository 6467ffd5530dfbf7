package models

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// TestMaxPool2x2MatchesGoMLX compares the reshape-based pooling with graph.MaxPool.
func TestMaxPool2x2MatchesGoMLX(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for _, dims := range [][]int{{2, 6, 4, 3}, {1, 2, 8, 2}} {
		x := make([]float64, dims[0]*dims[1]*dims[2]*dims[3])
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		outs := graph.MustExecOnceN(backend(t), func(g *graph.Graph) (*graph.Node, *graph.Node) {
			in := graph.Reshape(graph.Const(g, x), dims...)
			return MaxPool2x2(in), graph.MaxPool(in).Window(2).Strides(2).Done()
		})
		if !outs[0].Shape().Equal(outs[1].Shape()) {
			t.Fatalf("dims %v: shape %s, graph.MaxPool gives %s", dims, outs[0].Shape(), outs[1].Shape())
		}
		assertClose(t, "MaxPool2x2", flat64(t, outs[0]), flat64(t, outs[1]), 0)
	}
}

func TestCNNShapes(t *testing.T) {
	store := model.NewStore()
	exec := model.MustNewExec(backend(t), store, func(scope *model.Scope, x *graph.Node) *graph.Node {
		return DefaultCNN.Logits(scope, x)
	})
	images := make([][][]float32, 2)
	for i := range images {
		images[i] = make([][]float32, 28)
		for j := range images[i] {
			images[i][j] = make([]float32, 28)
		}
	}
	logits := exec.MustCall1(images)
	if !slices.Equal(logits.Shape().Dimensions, []int{2, 10}) {
		t.Fatalf("logits shape %s, want [2 10]", logits.Shape())
	}
	expectPanic(t, "14x14 images", func() {
		graph.MustExecOnce(backend(t), func(g *graph.Graph) *graph.Node {
			return DefaultCNN.Logits(model.NewStore().RootScope(), graph.Zeros(g, shapes.Make(dtypes.Float32, 1, 14, 14)))
		})
	}, "(Float32)[1, 14, 14, 1]", "multiples of 4")
	// 28 -> 14 -> 7: the dense layer after the convolutions sees 7*7*32 features.
	v := store.GetVariable("/cnn/hidden/dense/weights")
	if v == nil || !slices.Equal(v.Shape().Dimensions, []int{7 * 7 * 32, 128}) {
		t.Fatalf("cnn/hidden weights: %v, want shape [1568 128]", v)
	}
}
