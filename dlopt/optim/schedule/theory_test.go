package schedule

import (
	"math"
	"testing"
)

func TestTheorem1StepSize(t *testing.T) {
	for _, tc := range []struct {
		L, delta0, sigma2 float64
		K                 int
		want              float64
	}{
		{2, 1, 0, 100, 0.5},      // no noise: 1/L
		{1, 2, 1, 3, 0.5},        // sqrt((K+1) L sigma2 / (2 Delta0)) = 1, so 1/(1+1)
		{1, 1, 2, 0, 0.5},        // same with K = 0
		{4, 8, 1, 63, 1.0 / 8},   // sqrt(64*4/16) = 4, so 1/(4+4)
		{1, 0, 1, 10, 0},         // starting at the optimum
		{3, 0, 0, 10, 1.0 / 3.0}, // no noise wins: 1/L
	} {
		got, err := Theorem1StepSize(tc.L, tc.delta0, tc.sigma2, tc.K)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("Theorem1StepSize(L=%v, Delta0=%v, sigma2=%v, K=%d) = %.17g, want %.17g", tc.L, tc.delta0, tc.sigma2, tc.K, got, tc.want)
		}
	}
}

// TestTheorem1StepSizeForms checks the implementation against the lecture's bracket form
// written with a power, its limits and its monotonicity in K and sigma^2.
func TestTheorem1StepSizeForms(t *testing.T) {
	prev := math.Inf(1)
	for K := 0; K <= 1_000_000; K = 2*K + 1 {
		L, d0, s2 := 3.5, 0.7, 0.2
		got, err := Theorem1StepSize(L, d0, s2, K)
		if err != nil {
			t.Fatal(err)
		}
		bracket := math.Pow(2*d0/(float64(K+1)*L*s2), -0.5) + L
		if want := 1 / bracket; math.Abs(got-want) > 1e-14*want {
			t.Errorf("K=%d: %.17g, bracket form %.17g", K, got, want)
		}
		if !(got < prev) || !(got < 1/L) {
			t.Errorf("K=%d: %v is not below the previous step %v and 1/L", K, got, prev)
		}
		prev = got
		// The step is below a = sqrt(2 Delta0 / ((K+1) L sigma2)), its large-K behaviour, by a
		// relative gap less than L a, which vanishes as K grows.
		a := math.Sqrt(2 * d0 / (float64(K+1) * L * s2))
		if gap := 1 - got/a; !(gap > 0 && gap < L*a) {
			t.Errorf("K=%d: 1 - step/a = %v, want in (0, L a = %v)", K, gap, L*a)
		}
	}
	// sigma2 -> 0 tends to 1/L continuously.
	small, _ := Theorem1StepSize(2, 1, 1e-30, 10)
	if math.Abs(small-0.5) > 1e-12 {
		t.Errorf("sigma2=1e-30: %v, want about 1/L = 0.5", small)
	}
}

func TestTheorem1StepSizeErrors(t *testing.T) {
	for _, tc := range []struct {
		L, delta0, sigma2 float64
		K                 int
		want              string
	}{
		{0, 1, 1, 1, "L=0 must be > 0"},
		{-1, 1, 1, 1, "L=-1 must be > 0"},
		{math.Inf(1), 1, 1, 1, "L=+Inf must be a finite number"},
		{1, -1, 1, 1, "Delta0=-1 must be >= 0"},
		{1, 1, -0.5, 1, "sigma^2=-0.5 must be >= 0"},
		{1, math.NaN(), 1, 1, "Delta0=NaN must be a finite number"},
		{1, 1, 1, -1, "K=-1 must be >= 0"},
	} {
		_, err := Theorem1StepSize(tc.L, tc.delta0, tc.sigma2, tc.K)
		if err == nil || !containsStr(err.Error(), tc.want) {
			t.Errorf("Theorem1StepSize(%v, %v, %v, %d): error %v, want %q", tc.L, tc.delta0, tc.sigma2, tc.K, err, tc.want)
		}
	}
}
