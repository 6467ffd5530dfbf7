package models

import (
	"fmt"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/model"
)

// CNN is a small convolutional network for images such as Fashion-MNIST's 28x28:
// conv(Kernel x Kernel, Channels[0], same padding, bias) + activation, 2x2 max-pool,
// conv(Channels[1]) + activation, 2x2 max-pool, then a dense layer of Hidden units +
// activation (skipped when Hidden is 0) and the dense classifier. A 28x28 input becomes
// 14x14, then 7x7.
//
// Inputs are [N, height, width] (one channel) or [N, height, width, channels], channels last;
// height and width must be multiples of 4 (two 2x2 poolings).
//
// The convolutions compute what layers.Convolution(...).PadSame() computes, with the same
// kernel layout, and the pooling what graph.MaxPool computes, but both are built from gathers,
// reshapes, reductions and matrix products: in GoMLX v0.26.0 the gradients of the convolution
// and max-pool ops use ops the pure-Go backend lacks (Reverse, SelectAndScatterMax), so the
// stock layers would train only on XLA. The price is memory: each convolution materialises
// its patches, N*height*width*k*k*in values (about 14 MB in float32 for the second layer of
// [DefaultCNN] at N = 128), so evaluate large sets in batches of a few hundred, not all at once.
// Variables live in scopes "cnn/conv0", "cnn/conv1"
// (each "weights" [k, k, in, out] and "biases"), "cnn/hidden" and "cnn/classifier".
type CNN struct {
	Channels   [2]int // output channels of the two convolutions, each at least 1
	Kernel     int    // odd kernel size, at least 1
	Hidden     int    // width of the dense layer before the classifier, 0 for none
	Classes    int    // at least 2
	Activation Activation
}

// MaxPool2x2 is graph.MaxPool(x).Window(2).Strides(2) for x [N, H, W, C] with H and W even,
// written as a reshape and a ReduceMax: GoMLX's MaxPool gradient (SelectAndScatterMax) is
// missing from the pure-Go backend in v0.26.0, and so is Pad, which the gradient of a Slice
// (needed to drop an odd row) would use. One difference: where a window holds several equal
// maxima, ReduceMax's gradient reaches each of them, where MaxPool's reaches one. After a ReLU
// such ties are zeros whose ReLU gradient is 0 anyway.
func MaxPool2x2(x *graph.Node) *graph.Node {
	d := x.Shape().Dimensions
	return graph.ReduceMax(graph.Reshape(x, d[0], d[1]/2, 2, d[2]/2, 2, d[3]), 2, 4)
}

// DefaultCNN is a reasonable Fashion-MNIST configuration: 3x3 convolutions with 16 and 32
// channels, a 128-unit dense layer, ReLU.
var DefaultCNN = CNN{Channels: [2]int{16, 32}, Kernel: 3, Hidden: 128, Classes: 10, Activation: ReLU}

// Validate reports channels below 1, an even or non-positive kernel, a negative Hidden,
// fewer than 2 classes or an unknown activation.
func (m CNN) Validate() error {
	if m.Channels[0] < 1 || m.Channels[1] < 1 {
		return fmt.Errorf("models.CNN: Channels=%v, each must be at least 1", m.Channels)
	}
	if m.Kernel < 1 || m.Kernel%2 == 0 {
		return fmt.Errorf("models.CNN: Kernel=%d, want an odd size >= 1 (same padding keeps the image size)", m.Kernel)
	}
	if m.Hidden < 0 || m.Classes < 2 {
		return fmt.Errorf("models.CNN: Hidden=%d, Classes=%d: need Hidden >= 0 and Classes >= 2", m.Hidden, m.Classes)
	}
	if err := m.Activation.Validate(); err != nil {
		return fmt.Errorf("models.CNN: %w", err)
	}
	return nil
}

// Logits returns the class scores [N, Classes].
func (m CNN) Logits(scope *model.Scope, x *graph.Node) *graph.Node {
	mustValidate(m)
	checkFloat("CNN.Logits", "input", x, 3)
	if x.Rank() == 3 {
		x = graph.InsertAxes(x, -1)
	}
	if d := x.Shape().Dimensions; x.Rank() != 4 || d[1] < 4 || d[2] < 4 || d[1]%4 != 0 || d[2]%4 != 0 {
		panic(fmt.Errorf("models.CNN.Logits: input has shape %s, want [N, height, width] or [N, height, width, channels] "+
			"with height and width positive multiples of 4 (flattened images cannot be used)", x.Shape()))
	}
	scope = scope.At("cnn")
	for i, channels := range m.Channels {
		x = conv2DSame(scope.In("conv%d", i), x, channels, m.Kernel)
		x = m.Activation.Apply(x)
		x = MaxPool2x2(x)
	}
	x = flattenBatch("CNN.Logits", x)
	if m.Hidden > 0 {
		x = m.Activation.Apply(layers.Dense(scope.In("hidden"), x, true, m.Hidden))
	}
	return layers.Dense(scope.In("classifier"), x, true, m.Classes)
}
