package optim

// LARSConfig is optax.lars (You, Gitman & Ginsburg 2017, "Large Batch Training of Convolutional
// Networks", arXiv:1708.03888) with optax's defaults: a layer-wise trust ratio on SGD with
// momentum,
//
//	u = g + wd·p;  u ← u · trust·‖p‖/(‖u‖ + eps) (1 if a norm is 0);  t ← -lr·u + μ·t;  p ← p + t
//
// (with nesterov the step is -lr·u + μ·t). WeightDecayMask / TrustRatioMask false turn the
// decay / the trust ratio off (optax's masks, for all variables at once).
type LARSConfig struct {
	LearningRate, WeightDecay, TrustCoefficient, Eps, Momentum float64
	WeightDecayMask, TrustRatioMask, Nesterov                  bool
}

// DefaultLARS returns optax.lars's defaults (learning_rate has none in optax: 0.1 here).
func DefaultLARS() LARSConfig {
	return LARSConfig{LearningRate: 0.1, TrustCoefficient: 1e-3, Momentum: 0.9, WeightDecayMask: true, TrustRatioMask: true}
}

// LARS builds optax.lars: chain(add_decayed_weights, scale_by_trust_ratio, scale_by_learning_rate,
// trace).
func LARS(c LARSConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultLARS(), "DefaultLARS()")
	var links []*Transform
	wd := NewHyper("weight_decay", c.WeightDecay, NonNegative)
	if c.WeightDecayMask {
		links = append(links, AddDecayedWeights(wd))
	} else if err := wd.check(wd.Value); err != nil {
		return nil, errorf("lars: %w", err)
	}
	trust := NewHyper("trust_coefficient", c.TrustCoefficient, NonNegative)
	eps := NewHyper("eps", c.Eps, NonNegative)
	if c.TrustRatioMask {
		links = append(links, ScaleByTrustRatio(NewHyper("min_norm", 0, NonNegative), trust, eps))
	} else if err := firstErr(trust.check(trust.Value), eps.check(eps.Value)); err != nil {
		return nil, errorf("lars: %w", err)
	}
	links = append(links,
		ScaleByLearningRate(NewHyper("learning_rate", c.LearningRate, NonNegative)),
		Trace(NewHyper("momentum", c.Momentum, UnitInterval), c.Nesterov))
	return NewOptimizer("lars", links...)
}

func init() {
	registerOptax("lars", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultLARS()
		c.LearningRate = k.RequiredFloat("learning_rate") // optax has no default
		c.WeightDecay = k.Float("weight_decay", c.WeightDecay)
		c.WeightDecayMask = k.Bool("weight_decay_mask", c.WeightDecayMask)
		c.TrustCoefficient = k.Float("trust_coefficient", c.TrustCoefficient)
		c.Eps = k.Float("eps", c.Eps)
		c.TrustRatioMask = k.Bool("trust_ratio_mask", c.TrustRatioMask)
		c.Momentum = k.Float("momentum", c.Momentum)
		c.Nesterov = k.Bool("nesterov", c.Nesterov)
		return LARS(c)
	})
}
