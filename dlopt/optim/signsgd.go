package optim

// SignSGD builds optax.sign_sgd (Bernstein et al. 2018, "signSGD: Compressed Optimisation for
// Non-Convex Problems", ICML): p ← p - lr·sign(g).
func SignSGD(learningRate float64) (*Optimizer, error) {
	return NewOptimizer("sign_sgd", ScaleBySign(), ScaleByLearningRate(NewHyper("learning_rate", learningRate, NonNegative)))
}

// Signum builds optax.signum (same paper): the sign of a momentum,
//
//	m ← (1-β)·g + β·m (from 0, not debiased);  p ← p - lr·sign(m)
func Signum(learningRate, beta float64) (*Optimizer, error) {
	return NewOptimizer("signum", ScaleByEMA(NewHyper("beta", beta, UnitInterval)), ScaleBySign(),
		ScaleByLearningRate(NewHyper("learning_rate", learningRate, NonNegative)))
}

func init() {
	registerOptax("sign_sgd", func(k *Kwargs) (*Optimizer, error) {
		return SignSGD(k.RequiredFloat("learning_rate"))
	})
	registerOptax("signum", func(k *Kwargs) (*Optimizer, error) {
		lr := k.RequiredFloat("learning_rate")
		beta := k.Float("beta", 0.9)
		k.Ignored("accumulator_dtype")
		return Signum(lr, beta)
	})
}
