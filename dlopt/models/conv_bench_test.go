package models

import (
	"math/rand/v2"
	"testing"

	"github.com/dlopt/course/dlopt"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// BenchmarkConvolution times the forward and backward pass of the CNN's second convolution
// (batch 128, 14x14, 16 -> 32 channels, 3x3, same padding) written as conv2DSame does it (a
// gather and one matrix product) and as GoMLX's own convolution op, in the same run, on the
// backend dlopt.Backend() picks:
//
//	go test -run '^$' -bench Convolution ./dlopt/models/
//
// conv2DSame exists only while it wins: on GoMLX v0.28.16's Go backend (AVX-512, 2 cores) it
// took 44-70 ms against 870-1000 ms for graph.Convolve.
func BenchmarkConvolution(b *testing.B) {
	const n, h, w, cin, cout, k = 128, 14, 14, 16, 32, 3
	backend, err := dlopt.Backend()
	if err != nil {
		b.Fatal(err)
	}
	x := make([]float32, n*h*w*cin)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range x {
		x[i] = rng.Float32()
	}
	input := tensors.FromFlatDataAndDimensions(x, n, h, w, cin)
	convs := map[string]func(scope *model.Scope, x *graph.Node) *graph.Node{
		"im2col": func(scope *model.Scope, x *graph.Node) *graph.Node { return conv2DSame(scope, x, cout, k) },
		"gomlx": func(scope *model.Scope, x *graph.Node) *graph.Node {
			kernel := scope.VariableWithShape("weights", shapes.Make(x.DType(), k, k, cin, cout)).NodeValue(x.Graph())
			return graph.Convolve(x, kernel).PadSame().Done()
		},
	}
	for _, name := range []string{"im2col", "gomlx"} {
		b.Run(name, func(b *testing.B) {
			store := model.NewStore()
			exec, err := model.NewExec(backend, store, func(scope *model.Scope, x *graph.Node) *graph.Node {
				loss := graph.ReduceAllSum(graph.Square(convs[name](scope.In("conv"), x)))
				var params []*graph.Node
				for v := range store.IterVariables() {
					if v.Trainable {
						params = append(params, v.NodeValue(x.Graph()))
					}
				}
				grads := graph.Gradient(loss, params...)
				return graph.Add(loss, graph.ReduceAllSum(grads[0]))
			})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := exec.Call1(input); err != nil { // compile outside the timed loop
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				if _, err := exec.Call1(input); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
