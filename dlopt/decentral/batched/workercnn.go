package batched

import (
	"math"

	"github.com/dlopt/course/dlopt/models"
	"github.com/gomlx/gomlx/core/graph"
)

// cnn runs models.CNN per worker on x [m, B, H, W] or [m, B, H, W, C] with parameters [m, ...]:
// the convolutions are the model's im2col (models.Patches) of all m B images at once, then one
// batched matrix product per worker with its kernel [m, k*k*Cin, Cout]; pooling and the dense
// layers as the single model's. Variables (under "cnn"): "conv<i>/weights" [m, k, k, Cin, Cout]
// (He: N(0, 2/(k k Cin)), GoMLX's default for a kernel), "conv<i>/biases" [m, Cout] (zeros),
// then "hidden" and "classifier" as the MLP's dense layers ([m, out, in] weights).
func (p workerParams) cnn(c models.CNN, x *graph.Node) *graph.Node {
	d := x.Shape().Dimensions
	m, b := d[0], d[1]
	if x.Rank() == 4 {
		x = graph.InsertAxes(x, -1)
	}
	x = graph.Reshape(x, append([]int{m * b}, x.Shape().Dimensions[2:]...)...) // [m B, H, W, C]
	s := p.at("cnn")
	for i, cout := range c.Channels {
		x = c.Activation.Apply(s.at("conv%d", i).conv(x, m, cout, c.Kernel))
		x = models.MaxPool2x2(x)
	}
	x = graph.Reshape(x, m, b, x.Shape().Size()/(m*b)) // [m, B, features]
	if c.Hidden > 0 {
		x = c.Activation.Apply(s.at("hidden").dense(x, c.Hidden))
	}
	return s.at("classifier").dense(x, c.Classes)
}

// conv is the stride-1 "same" convolution of x [m B, H, W, Cin] with worker i's kernel for its
// B images, giving [m B, H, W, cout].
func (p workerParams) conv(x *graph.Node, m, cout, k int) *graph.Node {
	d := x.Shape().Dimensions
	images, h, w, cin := d[0], d[1], d[2], d[3]
	taps := k * k * cin
	patches := graph.Reshape(models.Patches(x, k), m, images/m*h*w, taps)                                 // [m, B H W, k k Cin]
	kernel := graph.Reshape(p.get("weights", math.Sqrt(2/float64(taps)), k, k, cin, cout), m, taps, cout) // [m, k k Cin, cout]
	out := graph.DotGeneral(patches, []int{2}, []int{0}, kernel, []int{1}, []int{0})                      // [m, B H W, cout]
	out = graph.Add(out, graph.InsertAxes(p.get("biases", 0, cout), 1))
	return graph.Reshape(out, images, h, w, cout)
}
