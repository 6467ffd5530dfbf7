package models

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dlopt/course/internal/backendtest"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/model"
)

func randTensor(rng *rand.Rand, dims ...int) *tensors.Tensor {
	size := 1
	for _, d := range dims {
		size *= d
	}
	v := make([]float64, size)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return tensors.FromFlatDataAndDimensions(v, dims...)
}

// TestConv2DSameMatchesGoMLX compares the gather-based convolution with layers.Convolution
// (same kernel and bias) on the forward pass, for odd and even image sizes and kernels 1, 3, 5.
func TestConv2DSameMatchesGoMLX(t *testing.T) {
	backendtest.SkipOnONNX(t, backend(t), "GoMLX's convolution (ConvGeneral) runs float64 in float32 there "+
		"(compute-onnx v0.1.13 casts), beyond this float64 comparison's 1e-13")
	rng := rand.New(rand.NewPCG(4, 4))
	for _, tc := range []struct{ n, h, w, cin, cout, k int }{
		{2, 5, 4, 3, 2, 3}, {1, 6, 6, 1, 4, 5}, {3, 4, 7, 2, 3, 1},
	} {
		kernel := randTensor(rng, tc.k, tc.k, tc.cin, tc.cout)
		bias := randTensor(rng, tc.cout)
		x := randTensor(rng, tc.n, tc.h, tc.w, tc.cin)
		store := model.NewStore()
		for _, name := range []string{"ours", "gomlx"} {
			sub := store.Scope("/" + name)
			sub.VariableWithValue("weights", kernel)
			sub.VariableWithValue("biases", bias)
		}
		exec := model.MustNewExec(backend(t), store, func(scope *model.Scope, x *graph.Node) (*graph.Node, *graph.Node) {
			ours := conv2DSame(scope.In("ours"), x, tc.cout, tc.k)
			// layers.Convolution adds its own "conv" sub-scope unless told to stay in this one.
			stock := layers.Convolution(scope.In("gomlx"), x).CurrentScope().Channels(tc.cout).KernelSize(tc.k).PadSame().Done()
			return ours, stock
		})
		ours, stock := exec.MustCall2(x)
		if !ours.Shape().Equal(stock.Shape()) {
			t.Fatalf("%+v: shape %s, layers.Convolution gives %s", tc, ours.Shape(), stock.Shape())
		}
		assertClose(t, "conv2DSame vs layers.Convolution", flat64(t, ours), flat64(t, stock), 1e-13)
	}
}

// TestConv2DSameGradient checks the gradients with respect to the input and the kernel against
// central differences of sum(conv(x) * probe), in float64.
func TestConv2DSameGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	const n, h, w, cin, cout, k = 2, 4, 3, 2, 3, 3
	kernel := randTensor(rng, k, k, cin, cout)
	x := tensors.MustCopyFlatData[float64](randTensor(rng, n, h, w, cin))
	kflat := tensors.MustCopyFlatData[float64](kernel)
	probe := randTensor(rng, n, h, w, cout)
	build := func(scope *model.Scope, x, kern, probe *graph.Node) (*graph.Node, *graph.Node, *graph.Node) {
		conv := scope.In("conv")
		conv.VariableWithNodeValue("weights", kern)
		out := conv2DSame(conv, x, cout, k)
		loss := graph.ReduceAllSum(graph.Mul(out, probe))
		grads := graph.Gradient(loss, x, kern)
		return loss, grads[0], grads[1]
	}
	exec := model.MustNewExec(backend(t), model.NewStore(), build)
	value := func(xv, kv []float64) float64 {
		out := exec.MustCall(tensors.FromFlatDataAndDimensions(xv, n, h, w, cin),
			tensors.FromFlatDataAndDimensions(kv, k, k, cin, cout), probe)
		return flat64(t, out[0])[0]
	}
	outs := exec.MustCall(tensors.FromFlatDataAndDimensions(x, n, h, w, cin), kernel, probe)
	for _, v := range []struct {
		name   string
		values []float64
		grad   []float64
	}{{"input", x, flat64(t, outs[1])}, {"kernel", kflat, flat64(t, outs[2])}} {
		const eps = 1e-5
		for i := range v.values {
			orig := v.values[i]
			v.values[i] = orig + eps
			plus := value(x, kflat)
			v.values[i] = orig - eps
			minus := value(x, kflat)
			v.values[i] = orig
			// The loss is linear in each argument: central differences are exact up to rounding.
			if fd := (plus - minus) / (2 * eps); math.Abs(fd-v.grad[i]) > 1e-8*math.Max(1, math.Abs(fd)) {
				t.Fatalf("d loss/d %s[%d] = %.12g, central difference %.12g", v.name, i, v.grad[i], fd)
			}
		}
	}
}
