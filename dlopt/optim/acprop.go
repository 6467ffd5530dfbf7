package optim

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// ACPropConfig is optax.contrib.acprop (Zhuang et al. 2021, "Momentum Centering and Asynchronous
// Update for Adaptive Gradient Methods", NeurIPS): AdaBelief's centred second moment, used
// asynchronously (the denominator of step t only knows gradients up to t-1):
//
//	step = g / (√ŝ_{t-1} + eps)  (ŝ_0 = 1);  s ← (1-β₂)·(g - m_{t-1})² + β₂·s + eps_root
//	m ← (1-β₁)·g + β₁·m;  p ← p - lr·(step + wd·p)
//
// (optax 0.2.8 forms the deviation with the momentum before its update, as above.)
type ACPropConfig struct {
	LearningRate, B1, B2, Eps, EpsRoot, WeightDecay float64
}

// DefaultACProp returns optax.contrib.acprop's defaults (learning_rate has none: 1e-3 here).
func DefaultACProp() ACPropConfig {
	return ACPropConfig{LearningRate: 1e-3, B1: 0.9, B2: 0.999, Eps: 1e-16, EpsRoot: 1e-16}
}

// ScaleByACProp is optax.contrib.scale_by_acprop.
// nil hyperparameters take DefaultACProp's values.
func ScaleByACProp(b1, b2, eps, epsRoot *Hyper) *Transform {
	b1 = linkHyper(b1, "b1", DefaultACProp().B1, UnitInterval)
	b2 = linkHyper(b2, "b2", DefaultACProp().B2, UnitInterval)
	eps = linkHyper(eps, "eps", DefaultACProp().Eps, Positive)
	epsRoot = linkHyper(epsRoot, "eps_root", DefaultACProp().EpsRoot, NonNegative)
	return &Transform{Name: "scale_by_acprop", Hypers: []*Hyper{b1, b2, eps, epsRoot}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		first := firstStep(s)
		for i, g := range u {
			mv, sv := s.State(i, "mu", 0), s.State(i, "nu", 0)
			mPrev, sPrev := s.Get(mv), s.Get(sv)
			e := Sub(g, mPrev)
			s.Set(mv, emaUpdate(s.Hyper(b1), g, mPrev))
			s.Set(sv, Add(emaUpdate(s.Hyper(b2), Mul(e, e), sPrev), s.HyperAs(epsRoot, g)))
			// ŝ_{t-1} = s_{t-1}/(1-β₂^(t-1)), and 1 at the first step.
			sHat := Where(first, OnesLike(sPrev), debias(AddScalar(s.Count, -1), s.Hyper(b2), sPrev))
			out[i] = Div(g, Add(Sqrt(sHat), s.HyperAs(eps, g)))
		}
		return out
	}}
}

// ACProp builds optax.contrib.acprop: chain(scale_by_acprop, add_decayed_weights,
// scale_by_learning_rate).
func ACProp(c ACPropConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultACProp(), "DefaultACProp()")
	return NewOptimizer("acprop",
		ScaleByACProp(NewHyper("b1", c.B1, UnitInterval), NewHyper("b2", c.B2, UnitInterval),
			NewHyper("eps", c.Eps, Positive), NewHyper("eps_root", c.EpsRoot, NonNegative)),
		AddDecayedWeights(NewHyper("weight_decay", c.WeightDecay, NonNegative)),
		ScaleByLearningRate(NewHyper("learning_rate", c.LearningRate, NonNegative)))
}

func init() {
	registerOptax("acprop", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultACProp()
		c.LearningRate = k.RequiredFloat("learning_rate") // optax has no default
		c.B1 = k.Float("b1", c.B1)
		c.B2 = k.Float("b2", c.B2)
		c.Eps = k.Float("eps", c.Eps)
		c.EpsRoot = k.Float("eps_root", c.EpsRoot)
		c.WeightDecay = k.Float("weight_decay", c.WeightDecay)
		if err := rejectGiven(k, "mask", "wrap the optimizer in a mask instead"); err != nil {
			return nil, err
		}
		return ACProp(c)
	})
}
