package main

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/dlopt/course/dlopt"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func TestRunRejectsBadFlags(t *testing.T) {
	for _, tc := range []struct {
		name       string
		reps, step int
		want       string
	}{
		{"nope", 1, 10, `unknown -workload "nope"`},
		{"matmul", 0, 10, "-reps 0"},
		{"matmul", 101, 10, "-reps 101"},
		{"cnn", 1, 0, "-steps 0"},
		{"cnn", 1, 470, "-steps 470"},
	} {
		err := run(&bytes.Buffer{}, tc.name, tc.reps, config{steps: tc.step}, "")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run(%q, reps %d, steps %d) = %v, want an error containing %q", tc.name, tc.reps, tc.step, err, tc.want)
		}
	}
}

// TestRunWritesResult runs the two quick workloads once and checks what they report.
func TestRunWritesResult(t *testing.T) {
	for _, name := range []string{"matmul", "sgdm-1m"} {
		var out bytes.Buffer
		if err := run(&out, name, 2, config{steps: 1}, ""); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var res result
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatalf("%s: output %q: %v", name, out.String(), err)
		}
		if res.Workload != name || res.Impl != "dlopt" || len(res.Seconds) != 2 || res.PeakRSSMB <= 0 || res.Steps <= 0 {
			t.Errorf("%s: incomplete result %+v", name, res)
		}
		for _, s := range res.Seconds {
			if !(s > 0) {
				t.Errorf("%s: non-positive time %g", name, s)
			}
		}
	}
}

// TestSGDMomentumCheck: after 1+2·20 updates from 0 with buf = 0.9·buf + g and p −= 0.01·buf,
// p = −0.01·g·Σ_{k=1..41} (1−0.9^k)/0.1, so the mean parameter is that factor times mean(g).
func TestSGDMomentumCheck(t *testing.T) {
	p, err := setupUpdate("sgdm", 1000)(config{})
	if err != nil {
		t.Fatal(err)
	}
	var got float64
	for range 2 {
		if got, err = p.run(); err != nil {
			t.Fatal(err)
		}
	}
	var factor, meanG float64
	for k := 1; k <= 1+2*p.units; k++ {
		factor += (1 - math.Pow(0.9, float64(k))) / 0.1
	}
	for i := range 1000 {
		meanG += float64(fixedGradient(i)) / 1000
	}
	want := -0.01 * factor * meanG
	if math.Abs(got-want) > 1e-5*math.Abs(want) {
		t.Errorf("mean parameter %g, want %g", got, want)
	}
}

// TestIm2colMatchesConvolution: im2col followed by a product with the flattened kernel equals
// GoMLX's own convolution with "same" padding.
func TestIm2colMatchesConvolution(t *testing.T) {
	const batch, height, width, channels, filters = 2, 5, 4, 3, 2
	x := make([]float64, batch*height*width*channels)
	for i := range x {
		x[i] = math.Sin(float64(i))
	}
	kernel := make([]float64, 9*channels*filters)
	for i := range kernel {
		kernel[i] = math.Cos(float64(3 * i))
	}
	backend := dlopt.MustBackend()
	outs := graph.MustExecOnceN(backend, func(x, kernel *graph.Node) []*graph.Node {
		viaIm2col := graph.Dot(graph.Reshape(im2col3x3(x), -1, 9*channels), graph.Reshape(kernel, 9*channels, filters))
		viaConv := graph.Convolve(x, kernel).Strides(1).PadSame().Done()
		return []*graph.Node{graph.Reshape(viaIm2col, -1), graph.Reshape(viaConv, -1)}
	}, tensors.FromFlatDataAndDimensions(x, batch, height, width, channels), tensors.FromFlatDataAndDimensions(kernel, 3, 3, channels, filters))
	a, b := tensors.MustCopyFlatData[float64](outs[0]), tensors.MustCopyFlatData[float64](outs[1])
	if len(a) != len(b) {
		t.Fatalf("sizes %d vs %d", len(a), len(b))
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-12 {
			t.Fatalf("element %d: im2col %g, convolution %g", i, a[i], b[i])
		}
	}
}

func TestMaxPool2x2(t *testing.T) {
	// One image 4x2, one channel: windows {1,5,2,0}→5 and {3,-1,7,4}→7.
	in := []float32{1, 5, 2, 0, 3, -1, 7, 4}
	out := graph.MustExecOnce(dlopt.MustBackend(), func(x *graph.Node) *graph.Node {
		return maxPool2x2(graph.Reshape(x, 1, 4, 2, 1))
	}, in)
	got := tensors.MustCopyFlatData[float32](out)
	if len(got) != 2 || got[0] != 5 || got[1] != 7 {
		t.Errorf("maxPool2x2 = %v, want [5 7]", got)
	}
}
