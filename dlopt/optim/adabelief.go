package optim

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// AdaBeliefConfig is optax.adabelief (Zhuang et al. 2020, "AdaBelief Optimizer: Adapting
// Stepsizes by the Belief in Observed Gradients", NeurIPS): Adam whose second moment tracks the
// squared deviation of the gradient from its running mean,
//
//	m ← (1-β₁)·g + β₁·m;  s ← (1-β₂)·(g - m)² + β₂·s + eps_root
//	p ← p - lr · m̂ / (√ŝ + eps)   (bias-corrected; with nesterov m̂ = β₁·m̂' + (1-β₁)·ĝ as in NAdam)
type AdaBeliefConfig struct {
	LearningRate, B1, B2, Eps, EpsRoot float64
	Nesterov                           bool
}

// DefaultAdaBelief returns optax.adabelief's defaults (learning_rate has none in optax: 1e-3 here).
func DefaultAdaBelief() AdaBeliefConfig {
	return AdaBeliefConfig{LearningRate: 1e-3, B1: 0.9, B2: 0.999, Eps: 1e-16, EpsRoot: 1e-16}
}

// nesterovMoment is optax's Nesterov form of a debiased first moment:
// β₁·m/(1-β₁^(t+1)) + (1-β₁)·g/(1-β₁^t).
func nesterovMoment(s *Step, b1, m, g *Node) *Node {
	return Add(Mul(As(b1, m), debias(OnePlus(s.Count), b1, m)), Mul(As(OneMinus(b1), g), debias(s.Count, b1, g)))
}

// ScaleByBelief is optax.scale_by_belief.
// nil hyperparameters take DefaultAdaBelief's values.
func ScaleByBelief(b1, b2, eps, epsRoot *Hyper, nesterov bool) *Transform {
	b1 = linkHyper(b1, "b1", DefaultAdaBelief().B1, UnitInterval)
	b2 = linkHyper(b2, "b2", DefaultAdaBelief().B2, UnitInterval)
	eps = linkHyper(eps, "eps", DefaultAdaBelief().Eps, Positive)
	epsRoot = linkHyper(epsRoot, "eps_root", DefaultAdaBelief().EpsRoot, NonNegative)
	return &Transform{Name: "scale_by_belief", Hypers: []*Hyper{b1, b2, eps, epsRoot}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		for i, g := range u {
			mv, sv := s.State(i, "mu", 0), s.State(i, "nu", 0)
			m := emaUpdate(s.Hyper(b1), g, s.Get(mv))
			e := Sub(g, m)
			v := Add(emaUpdate(s.Hyper(b2), Mul(e, e), s.Get(sv)), s.HyperAs(epsRoot, g))
			s.Set(mv, m)
			s.Set(sv, v)
			mHat := debias(s.Count, s.Hyper(b1), m)
			if nesterov {
				mHat = nesterovMoment(s, s.Hyper(b1), m, g)
			}
			out[i] = Div(mHat, Add(Sqrt(debias(s.Count, s.Hyper(b2), v)), s.HyperAs(eps, g)))
		}
		return out
	}}
}

// AdaBelief builds optax.adabelief: chain(scale_by_belief, scale_by_learning_rate).
func AdaBelief(c AdaBeliefConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultAdaBelief(), "DefaultAdaBelief()")
	return NewOptimizer("adabelief",
		ScaleByBelief(NewHyper("b1", c.B1, UnitInterval), NewHyper("b2", c.B2, UnitInterval),
			NewHyper("eps", c.Eps, Positive), NewHyper("eps_root", c.EpsRoot, NonNegative), c.Nesterov),
		ScaleByLearningRate(NewHyper("learning_rate", c.LearningRate, NonNegative)))
}

func init() {
	registerOptax("adabelief", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultAdaBelief()
		c.LearningRate = k.RequiredFloat("learning_rate") // optax has no default
		c.B1 = k.Float("b1", c.B1)
		c.B2 = k.Float("b2", c.B2)
		c.Eps = k.Float("eps", c.Eps)
		c.EpsRoot = k.Float("eps_root", c.EpsRoot)
		c.Nesterov = k.Bool("nesterov", c.Nesterov)
		return AdaBelief(c)
	})
}
