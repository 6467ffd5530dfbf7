package models

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dlopt/course/dlopt"
	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
)

func backend(t testing.TB) compute.Backend {
	t.Helper()
	b, err := dlopt.Backend()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// flat64 copies a float64 or float32 tensor's values to a []float64.
func flat64(t testing.TB, x *tensors.Tensor) []float64 {
	t.Helper()
	switch v := x.Value().(type) {
	case float64:
		return []float64{v}
	case float32:
		return []float64{float64(v)}
	}
	if x.DType().Size() == 8 {
		return tensors.MustCopyFlatData[float64](x)
	}
	f32 := tensors.MustCopyFlatData[float32](x)
	out := make([]float64, len(f32))
	for i, v := range f32 {
		out[i] = float64(v)
	}
	return out
}

// assertClose fails unless |got-want| <= tol*max(1, |want|) elementwise.
func assertClose(t testing.TB, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if !(math.Abs(got[i]-want[i]) <= tol*math.Max(1, math.Abs(want[i]))) {
			t.Fatalf("%s[%d] = %.17g, want %.17g (tolerance %g)", what, i, got[i], want[i], tol)
		}
	}
}

// randMatrix returns rows x cols standard normal values times scale, as [][]float64.
func randMatrix(rng *rand.Rand, rows, cols int, scale float64) [][]float64 {
	m := make([][]float64, rows)
	for i := range m {
		m[i] = make([]float64, cols)
		for j := range m[i] {
			m[i][j] = scale * rng.NormFloat64()
		}
	}
	return m
}

// expectPanic fails unless fn panics with a message containing every one of wants.
func expectPanic(t *testing.T, what string, fn func(), wants ...string) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("%s: no panic", what)
		}
		msg := ""
		switch v := r.(type) {
		case error:
			msg = v.Error()
		case string:
			msg = v
		default:
			t.Fatalf("%s: panic with %T %v", what, r, r)
		}
		for _, w := range wants {
			if !strings.Contains(msg, w) {
				t.Fatalf("%s: panic %q does not mention %q", what, msg, w)
			}
		}
	}()
	fn()
}
