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
// product [N*H*W, k*k*Cin] x [k*k*Cin, cout] instead of GoMLX's convolution op, because in
// GoMLX v0.26.0 the gradient of that op uses Reverse, which the pure-Go backend lacks. The
// gather's gradient is a scatter-add, and the matrix product gets dlopt's fast gradient.
func conv2DSame(ctx *context.Context, x *graph.Node, cout, k int) *graph.Node {
	d := x.Shape().Dimensions
	n, h, w, cin := d[0], d[1], d[2], d[3]
	g, dtype := x.Graph(), x.DType()
	pixels, taps := h*w, k*k
	// Row (b*H*W + p)*k*k + t of the patch matrix is the source pixel of tap t around pixel p
	// of image b, as an index into x seen as [N*H*W, Cin]; taps that fall in the padding point
	// at pixel p itself and are zeroed by the mask.
	index := make([]int32, n*pixels*taps)
	mask := make([]float64, pixels*taps)
	r := k / 2
	for i := range h {
		for j := range w {
			for a := range k {
				for b := range k {
					si, sj := i+a-r, j+b-r
					pos := (i*w+j)*taps + a*k + b
					src := i*w + j
					if si >= 0 && si < h && sj >= 0 && sj < w {
						src = si*w + sj
						mask[pos] = 1
					}
					for img := range n {
						index[img*pixels*taps+pos] = int32(img*pixels + src)
					}
				}
			}
		}
	}
	indices := graph.Reshape(graph.Const(g, index), n*pixels*taps, 1)
	patches := graph.Gather(graph.Reshape(x, n*pixels, cin), indices) // [N*H*W*k*k, Cin]
	maskNode := graph.Reshape(graph.ConvertDType(graph.Const(g, mask), dtype), 1, pixels*taps, 1)
	patches = graph.Mul(graph.Reshape(patches, n, pixels*taps, cin), maskNode)
	patches = graph.Reshape(patches, n*pixels, taps*cin)
	kernel := ctx.VariableWithShape("weights", shapes.Make(dtype, k, k, cin, cout)).ValueGraph(g)
	out := graph.Dot(patches, graph.Reshape(kernel, taps*cin, cout)) // [N*H*W, cout]
	bias := ctx.VariableWithShape("biases", shapes.Make(dtype, cout)).ValueGraph(g)
	out = graph.Add(out, graph.Reshape(bias, 1, cout))
	return graph.Reshape(out, n, h, w, cout)
}
