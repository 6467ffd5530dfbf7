package optim

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// LionConfig is optax.lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms",
// arXiv:2302.06675) with optax's defaults:
//
//	u = sign((1-β₁)·g + β₁·m);  m ← (1-β₂)·g + β₂·m;  p ← p - lr·(u + wd·p)
type LionConfig struct {
	LearningRate, B1, B2, WeightDecay float64
}

// DefaultLion returns optax.lion's defaults (learning_rate has none in optax: 1e-4 here).
func DefaultLion() LionConfig {
	return LionConfig{LearningRate: 1e-4, B1: 0.9, B2: 0.99, WeightDecay: 1e-3}
}

// ScaleByLion is optax.scale_by_lion: the sign of an interpolation between the gradient and
// its momentum, the momentum being updated with a second, slower rate b2.
// nil hyperparameters take optax's defaults: b1 0.9, b2 0.99.
func ScaleByLion(b1, b2 *Hyper) *Transform {
	b1 = linkHyper(b1, "b1", 0.9, ClosedUnitInterval)
	b2 = linkHyper(b2, "b2", 0.99, UnitInterval)
	return &Transform{Name: "scale_by_lion", Hypers: []*Hyper{b1, b2}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		for i, g := range u {
			mv := s.State(i, "mu", 0)
			m := s.Get(mv)
			out[i] = Sign(emaUpdate(s.Hyper(b1), g, m))
			s.Set(mv, emaUpdate(s.Hyper(b2), g, m))
		}
		return out
	}}
}

// Lion builds optax.lion: chain(scale_by_lion, add_decayed_weights, scale_by_learning_rate).
func Lion(c LionConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultLion(), "DefaultLion()")
	return NewOptimizer("lion",
		ScaleByLion(NewHyper("b1", c.B1, ClosedUnitInterval), NewHyper("b2", c.B2, UnitInterval)),
		AddDecayedWeights(NewHyper("weight_decay", c.WeightDecay, NonNegative)),
		ScaleByLearningRate(NewHyper("learning_rate", c.LearningRate, NonNegative)))
}

func init() {
	registerOptax("lion", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultLion()
		c.LearningRate = k.RequiredFloat("learning_rate") // optax has no default
		c.B1 = k.Float("b1", c.B1)
		c.B2 = k.Float("b2", c.B2)
		c.WeightDecay = k.Float("weight_decay", c.WeightDecay)
		k.Ignored("mu_dtype")
		if err := rejectGiven(k, "mask", "wrap the optimizer in a mask instead"); err != nil {
			return nil, err
		}
		return Lion(c)
	})
}
