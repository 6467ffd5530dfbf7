package schedule

import (
	"fmt"
	"math"
)

// InverseSqrt is the 1/sqrt(k) decay of SGD theory: gamma0 / sqrt(k + 1) at step k (k = 0
// is the first step, so the lecture's k = 1, 2, ... is step+1). gamma0 must be finite and >= 0.
func InverseSqrt(gamma0 float64) (Schedule, error) {
	if err := checkNonNegative("InverseSqrt", "gamma0", gamma0); err != nil {
		return nil, err
	}
	return Func(func(k int) float64 { return gamma0 / math.Sqrt(float64(k+1)) }), nil
}

// Theorem1StepSize is the constant SGD step size of the lecture's Theorem 1 for an L-smooth
// objective with initial gap Delta0 = F(x0) - F* and gradient noise variance sigma2, run for
// K+1 steps (k = 0..K):
//
//	gamma = [ (2 Delta0 / ((K+1) L sigma2))^{-1/2} + L ]^{-1}
//	      = 1 / ( L + sqrt((K+1) L sigma2 / (2 Delta0)) ).
//
// Limits: sigma2 = 0 (no noise) gives 1/L, the gradient descent step; Delta0 = 0 with
// sigma2 > 0 gives 0 (starting at the optimum, any step only adds noise). The step shrinks like
// sqrt(2 Delta0 / ((K+1) L sigma2)) when K is large. It needs L > 0, Delta0 >= 0,
// sigma2 >= 0 (all finite) and K >= 0.
func Theorem1StepSize(L, delta0, sigma2 float64, K int) (float64, error) {
	const who = "Theorem1StepSize"
	if err := checkFinite(who, "L", L); err != nil {
		return 0, err
	}
	if !(L > 0) {
		return 0, fmt.Errorf("%s: L=%v must be > 0 (the smoothness constant)", who, L)
	}
	if err := checkNonNegative(who, "Delta0", delta0); err != nil {
		return 0, err
	}
	if err := checkNonNegative(who, "sigma^2", sigma2); err != nil {
		return 0, err
	}
	if K < 0 {
		return 0, fmt.Errorf("%s: K=%d must be >= 0", who, K)
	}
	if sigma2 == 0 {
		return 1 / L, nil
	}
	if delta0 == 0 {
		return 0, nil
	}
	return 1 / (L + math.Sqrt(float64(K+1)*L*sigma2/(2*delta0))), nil
}
