package optim

// LAMBConfig is optax.lamb (You et al. 2020, "Large Batch Optimization for Deep Learning:
// Training BERT in 76 minutes", ICLR): AdamW whose step is rescaled per variable (layer) by the
// trust ratio ‖p‖/‖u‖,
//
//	u = m̂/(√(v̂ + eps_root) + eps) + wd·p;  p ← p - lr·‖p‖/‖u‖·u   (ratio 1 if a norm is 0)
type LAMBConfig struct {
	LearningRate, B1, B2, Eps, EpsRoot, WeightDecay float64
}

// DefaultLAMB returns optax.lamb's defaults (learning_rate has none in optax: 1e-3 here).
func DefaultLAMB() LAMBConfig { return LAMBConfig{LearningRate: 1e-3, B1: 0.9, B2: 0.999, Eps: 1e-6} }

// LAMB builds optax.lamb: chain(scale_by_adam, add_decayed_weights, scale_by_trust_ratio,
// scale_by_learning_rate).
func LAMB(c LAMBConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultLAMB(), "DefaultLAMB()")
	return NewOptimizer("lamb",
		ScaleByAdam(NewHyper("b1", c.B1, UnitInterval), NewHyper("b2", c.B2, UnitInterval),
			NewHyper("eps", c.Eps, Positive), NewHyper("eps_root", c.EpsRoot, NonNegative), false),
		AddDecayedWeights(NewHyper("weight_decay", c.WeightDecay, NonNegative)),
		ScaleByTrustRatio(NewHyper("min_norm", 0, NonNegative), NewHyper("trust_coefficient", 1, NonNegative), NewHyper("trust_eps", 0, NonNegative)),
		ScaleByLearningRate(NewHyper("learning_rate", c.LearningRate, NonNegative)))
}

func init() {
	registerOptax("lamb", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultLAMB()
		c.LearningRate = k.RequiredFloat("learning_rate") // optax has no default
		c.B1 = k.Float("b1", c.B1)
		c.B2 = k.Float("b2", c.B2)
		c.Eps = k.Float("eps", c.Eps)
		c.EpsRoot = k.Float("eps_root", c.EpsRoot)
		c.WeightDecay = k.Float("weight_decay", c.WeightDecay)
		if err := rejectGiven(k, "mask", "wrap the optimizer in a mask instead"); err != nil {
			return nil, err
		}
		return LAMB(c)
	})
}
