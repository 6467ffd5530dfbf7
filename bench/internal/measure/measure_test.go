package measure

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
)

func TestMedianAndSpread(t *testing.T) {
	for _, tc := range []struct {
		x              []float64
		median, spread float64
	}{
		{[]float64{3}, 3, 0},
		{[]float64{3, 1, 2}, 2, 1},
		{[]float64{4, 1, 2, 3}, 2.5, 3 / 2.5},
	} {
		if got := Median(tc.x); got != tc.median {
			t.Errorf("Median(%v) = %g, want %g", tc.x, got, tc.median)
		}
		if got := Spread(tc.x); math.Abs(got-tc.spread) > 1e-15 {
			t.Errorf("Spread(%v) = %g, want %g", tc.x, got, tc.spread)
		}
	}
}

func TestMeanStd(t *testing.T) {
	for _, tc := range []struct {
		x         []float64
		mean, std float64
	}{
		{[]float64{84}, 84, 0},
		{[]float64{84, 86}, 85, math.Sqrt2},
		{[]float64{2, 4, 4, 4, 5, 5, 7, 9}, 5, math.Sqrt(32.0 / 7)},
	} {
		mean, std := MeanStd(tc.x)
		if math.Abs(mean-tc.mean) > 1e-12 || math.Abs(std-tc.std) > 1e-12 {
			t.Errorf("MeanStd(%v) = %g, %g; want %g, %g", tc.x, mean, std, tc.mean, tc.std)
		}
	}
	if mean, std := MeanStd(nil); !math.IsNaN(mean) || !math.IsNaN(std) {
		t.Errorf("MeanStd(nil) = %g, %g; want NaN, NaN", mean, std)
	}
}

func TestScalarValue(t *testing.T) {
	for _, tc := range []struct {
		t    *tensors.Tensor
		want float64
	}{
		{tensors.FromValue(float32(1.5)), 1.5},
		{tensors.FromValue(-2.25), -2.25},
	} {
		if got, err := ScalarValue(tc.t); err != nil || got != tc.want {
			t.Errorf("ScalarValue(%s) = %g, %v; want %g", tc.t.Shape(), got, err, tc.want)
		}
	}
	for _, bad := range []*tensors.Tensor{tensors.FromValue(int32(1)), tensors.FromValue([]float32{1, 2})} {
		if _, err := ScalarValue(bad); err == nil {
			t.Errorf("ScalarValue(%s): no error", bad.Shape())
		}
	}
}
