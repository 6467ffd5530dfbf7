package optim

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// YogiConfig is optax.yogi (Zaheer et al. 2018, "Adaptive Methods for Nonconvex Optimization",
// NeurIPS): Adam whose second moment moves additively, by at most (1-β₂)·g² per step,
//
//	m ← (1-β₁)·g + β₁·m;  v ← v - (1-β₂)·sign(v - g²)·g²   (m, v start at 1e-6)
//	p ← p - lr · m̂ / (√(v̂ + eps_root) + eps)   (m̂, v̂ bias-corrected)
type YogiConfig struct {
	LearningRate, B1, B2, Eps float64
}

// DefaultYogi returns optax.yogi's defaults (learning_rate has none in optax: 0.01 here).
func DefaultYogi() YogiConfig { return YogiConfig{LearningRate: 0.01, B1: 0.9, B2: 0.999, Eps: 1e-3} }

// ScaleByYogi is optax.scale_by_yogi (eps_root 0, initial accumulators 1e-6 as in optax.yogi).
// nil hyperparameters take optax's defaults: b1 0.9, b2 0.999, eps 1e-3.
func ScaleByYogi(b1, b2, eps *Hyper) *Transform {
	b1 = linkHyper(b1, "b1", 0.9, UnitInterval)
	b2 = linkHyper(b2, "b2", 0.999, UnitInterval)
	eps = linkHyper(eps, "eps", 1e-3, Positive)
	const initialAccumulator = 1e-6
	return &Transform{Name: "scale_by_yogi", Hypers: []*Hyper{b1, b2, eps}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		for i, g := range u {
			mv, vv := s.State(i, "mu", initialAccumulator), s.State(i, "nu", initialAccumulator)
			m := emaUpdate(s.Hyper(b1), g, s.Get(mv))
			g2 := Mul(g, g)
			v := s.Get(vv)
			v = Sub(v, Mul(Mul(As(OneMinus(s.Hyper(b2)), g), Sign(Sub(v, g2))), g2))
			s.Set(mv, m)
			s.Set(vv, v)
			out[i] = Div(debias(s.Count, s.Hyper(b1), m), Add(Sqrt(debias(s.Count, s.Hyper(b2), v)), s.HyperAs(eps, g)))
		}
		return out
	}}
}

// Yogi builds optax.yogi: chain(scale_by_yogi, scale_by_learning_rate).
func Yogi(c YogiConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultYogi(), "DefaultYogi()")
	return NewOptimizer("yogi",
		ScaleByYogi(NewHyper("b1", c.B1, UnitInterval), NewHyper("b2", c.B2, UnitInterval), NewHyper("eps", c.Eps, Positive)),
		ScaleByLearningRate(NewHyper("learning_rate", c.LearningRate, NonNegative)))
}

func init() {
	registerOptax("yogi", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultYogi()
		c.LearningRate = k.RequiredFloat("learning_rate") // optax has no default
		c.B1 = k.Float("b1", c.B1)
		c.B2 = k.Float("b2", c.B2)
		c.Eps = k.Float("eps", c.Eps)
		return Yogi(c)
	})
}
