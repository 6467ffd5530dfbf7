package dlopt_test

import (
	"math"
	"testing"

	"github.com/dlopt/course/dlopt"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// The ops dlopt composes where ONNX Runtime's backend lacks them (livevars_wrap.go) give the Go
// backend's bits, in float32 and float64, scalars and tensors, NaN and ±Inf included.
func TestComposedOpsMatchGoBackend(t *testing.T) {
	onnx, err := dlopt.NewBackend("onnx")
	if err != nil {
		if dlopt.ONNXRuntimeMissing(err) {
			t.Skipf("skipping: %v", err)
		}
		t.Fatal(err)
	}
	goBackend, err := dlopt.NewBackend("go")
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{0.25, 2, 1e-30, 7, math.NaN(), math.Inf(1), math.Inf(-1), -3, 0}
	fn := func(x, lo *graph.Node) []*graph.Node {
		// Clamp of NaN: the Go backend gives lo in float32 (SIMD) and NaN in float64; ONNX NaN.
		xc := graph.Where(graph.IsNaN(x), graph.ZerosLike(x), x)
		outs := []*graph.Node{
			graph.Rsqrt(graph.Abs(x)), graph.Rsqrt(graph.ReduceAllSum(graph.Abs(graph.Where(graph.IsFinite(x), x, graph.ZerosLike(x))))),
			graph.ConvertDType(graph.IsNaN(x), x.DType()), graph.ConvertDType(graph.IsFinite(x), x.DType()),
			graph.Clamp(lo, xc, graph.AddScalar(lo, 4)), graph.Clamp(graph.MulScalar(xc, 0.5), xc, graph.AddScalar(graph.Abs(xc), 1)),
		}
		for i := range outs {
			outs[i] = graph.ConvertDType(outs[i], dtypes.Float64)
		}
		return outs
	}
	for _, dt := range []string{"float32", "float64"} {
		var in, lo any = x, -1.5
		if dt == "float32" {
			x32 := make([]float32, len(x))
			for i, v := range x {
				x32[i] = float32(v)
			}
			in, lo = x32, float32(-1.5)
		}
		want := graph.MustExecOnceN(goBackend, fn, in, lo)
		got := graph.MustExecOnceN(onnx, fn, in, lo)
		for i := range want {
			w, g := tensors.MustCopyFlatData[float64](want[i]), tensors.MustCopyFlatData[float64](got[i])
			for j := range w {
				if math.Float64bits(w[j]) != math.Float64bits(g[j]) && !(math.IsNaN(w[j]) && math.IsNaN(g[j])) {
					t.Errorf("%s output %d[%d]: ONNX Runtime %v, Go backend %v", dt, i, j, g[j], w[j])
				}
			}
		}
	}
}
