package models

import (
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// conv2DSame is a stride-1 2D convolution with "same" zero padding and a bias, on
// x [N, H, W, Cin] (channels last), giving [N, H, W, cout]. Variables in ctx: "weights"
// [k, k, Cin, cout] (the layout of GoMLX's layers.Convolution) and "biases" [cout].
//
// It is written as a gather of the k*k neighbours of every pixel (im2col) and one matrix
// product instead of GoMLX's convolution op, because in GoMLX v0.26.0 the gradient of that op
// uses Reverse, which the pure-Go backend lacks. The gather's gradient is a scatter-add, and
// the matrix product gets dlopt's fast gradient.
func conv2DSame(ctx *context.Context, x *graph.Node, cout, k int) *graph.Node {
	d := x.Shape().Dimensions
	n, h, w, cin := d[0], d[1], d[2], d[3]
	g, dtype := x.Graph(), x.DType()
	pixels, taps := h*w, k*k
	// For output pixel p and kernel tap t: the source pixel index (0 where it falls in the
	// padding) and a mask that is 0 there.
	index := make([]int32, pixels*taps)
	mask := make([]float64, pixels*taps)
	r := k / 2
	for i := range h {
		for j := range w {
			for a := range k {
				for b := range k {
					si, sj := i+a-r, j+b-r
					pos := (i*w+j)*taps + a*k + b
					if si >= 0 && si < h && sj >= 0 && sj < w {
						index[pos] = int32(si*w + sj)
						mask[pos] = 1
					}
				}
			}
		}
	}
	// [N, H, W, Cin] -> [H*W, N, Cin]: Gather takes whole [N, Cin] slices by pixel.
	byPixel := graph.Transpose(graph.Reshape(x, n, pixels, cin), 0, 1)
	indices := graph.Reshape(graph.Const(g, index), pixels*taps, 1)
	patches := graph.Gather(byPixel, indices) // [H*W*k*k, N, Cin]
	maskNode := graph.Reshape(graph.ConvertDType(graph.Const(g, mask), dtype), pixels*taps, 1, 1)
	patches = graph.Reshape(graph.Mul(patches, maskNode), pixels, taps, n, cin)
	kernel := ctx.VariableWithShape("weights", shapes.Make(dtype, k, k, cin, cout)).ValueGraph(g)
	out := graph.Einsum("ptnc,tco->npo", patches, graph.Reshape(kernel, taps, cin, cout))
	bias := ctx.VariableWithShape("biases", shapes.Make(dtype, cout)).ValueGraph(g)
	out = graph.Add(out, graph.Reshape(bias, 1, 1, cout))
	return graph.Reshape(out, n, h, w, cout)
}
