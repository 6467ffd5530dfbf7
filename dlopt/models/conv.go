package models

import (
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// conv2DSame is a stride-1 2D convolution with "same" zero padding and a bias, on
// x [N, H, W, Cin] (channels last), giving [N, H, W, cout]. Variables in scope: "weights"
// [k, k, Cin, cout] (the layout of GoMLX's layers.Convolution) and "biases" [cout].
//
// It is written as a gather of the k*k neighbours of every pixel (im2col) and one matrix
// product [N*H*W, k*k*Cin] x [k*k*Cin, cout] instead of GoMLX's convolution op because GoMLX
// v0.28.16's Go backend runs that op, forward and backward, about 15x slower than this product
// on its SIMD kernels (BenchmarkConvolution). The gather's gradient is a scatter-add.
func conv2DSame(scope *model.Scope, x *graph.Node, cout, k int) *graph.Node {
	d := x.Shape().Dimensions
	n, h, w, cin := d[0], d[1], d[2], d[3]
	g, dtype := x.Graph(), x.DType()
	patches := Patches(x, k) // [N*H*W, k*k*Cin]
	kernel := scope.VariableWithShape("weights", shapes.Make(dtype, k, k, cin, cout)).NodeValue(g)
	// [N*H*W, cout].
	out := graph.DotGeneral(patches, []int{1}, nil, graph.Reshape(kernel, k*k*cin, cout), []int{0}, nil)
	bias := scope.VariableWithShape("biases", shapes.Make(dtype, cout)).NodeValue(g)
	out = graph.Add(out, graph.Reshape(bias, 1, cout))
	return graph.Reshape(out, n, h, w, cout)
}

// Patches returns the k x k neighbourhoods of every pixel of x [N, H, W, Cin] (channels last)
// with "same" zero padding, as the rows of a matrix [N*H*W, k*k*Cin] (im2col; tap (a, b) of
// pixel (i, j) of image n in row (n*H + i)*W + j, columns (a*k + b)*Cin ...): a stride-1 "same"
// convolution is this matrix times the kernel [k, k, Cin, Cout] seen as [k*k*Cin, Cout].
func Patches(x *graph.Node, k int) *graph.Node {
	d := x.Shape().Dimensions
	n, h, w, cin := d[0], d[1], d[2], d[3]
	g, dtype := x.Graph(), x.DType()
	pixels, taps := h*w, k*k
	// Row (b*H*W + p)*k*k + t of the patch matrix is the source pixel of tap t around pixel p
	// of image b, as an index into x seen as [N*H*W, Cin] with one zero row appended: taps that
	// fall in the padding point at that row. (A gather of zeros costs less than multiplying every
	// patch by a 0/1 mask, forward and backward.)
	zeroRow := int32(n * pixels)
	index := make([]int32, n*pixels*taps)
	r := k / 2
	for i := range h {
		for j := range w {
			for a := range k {
				for b := range k {
					si, sj := i+a-r, j+b-r
					pos := (i*w+j)*taps + a*k + b
					inside := si >= 0 && si < h && sj >= 0 && sj < w
					for img := range n {
						index[img*pixels*taps+pos] = zeroRow
						if inside {
							index[img*pixels*taps+pos] = int32(img*pixels + si*w + sj)
						}
					}
				}
			}
		}
	}
	indices := graph.Reshape(graph.Const(g, index), n*pixels*taps, 1)
	padded := graph.Concatenate([]*graph.Node{graph.Reshape(x, n*pixels, cin), graph.Zeros(g, shapes.Make(dtype, 1, cin))}, 0)
	return graph.Reshape(graph.Gather(padded, indices), n*pixels, taps*cin)
}
