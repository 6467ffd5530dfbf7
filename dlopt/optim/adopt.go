package optim

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// ADOPTConfig is optax.contrib.adopt (Taniguchi et al. 2024, "ADOPT: Modified Adam Can Converge
// with Any β₂ with the Optimal Rate", NeurIPS): the gradient is normalised by the second moment
// of the previous steps only, before it enters the momentum. With t = 0, 1, ... the number of
// earlier updates (β₁, β₂ act as 1 and 0 at t = 0):
//
//	u = clip(g / max(√v, eps), ±t^¼) (the clip only with use_clipping);  v ← (1-β₂)·g² + β₂·v
//	m ← (1-β₁)·u + β₁·m;  p ← p - lr·m   (with nesterov: p ← p - lr·((1-β₁)·u + β₁·m))
//
// so the very first update, whose clip range is 0, does not move the parameters.
type ADOPTConfig struct {
	LearningRate, B1, B2, Eps float64
	Nesterov, UseClipping     bool
}

// DefaultADOPT returns optax.contrib.adopt's defaults (learning_rate has none: 1e-3 here).
func DefaultADOPT() ADOPTConfig {
	return ADOPTConfig{LearningRate: 1e-3, B1: 0.9, B2: 0.9999, Eps: 1e-6, UseClipping: true}
}

// ScaleByADOPT is optax.contrib.scale_by_adopt with the default clip t^¼.
// nil hyperparameters take DefaultADOPT's values.
func ScaleByADOPT(b1, b2, eps *Hyper, nesterov, useClipping bool) *Transform {
	b1 = linkHyper(b1, "b1", DefaultADOPT().B1, UnitInterval)
	b2 = linkHyper(b2, "b2", DefaultADOPT().B2, UnitInterval)
	eps = linkHyper(eps, "eps", DefaultADOPT().Eps, Positive)
	return &Transform{Name: "scale_by_adopt", Hypers: []*Hyper{b1, b2, eps}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		first := firstStep(s)
		prevCount := AddScalar(s.Count, -1)
		beta1 := Where(first, OnesLike(s.Hyper(b1)), s.Hyper(b1))
		beta2 := Where(first, ZerosLike(s.Hyper(b2)), s.Hyper(b2))
		for i, g := range u {
			mv, vv := s.State(i, "mu", 0), s.State(i, "nu", 0)
			vPrev := s.Get(vv)
			s.Set(vv, emaUpdate(beta2, Mul(g, g), vPrev))
			step := Div(g, Max(Sqrt(vPrev), s.HyperAs(eps, g)))
			if useClipping {
				c := As(Pow(prevCount, Scalar(s.G, prevCount.DType(), 0.25)), g)
				step = Clip(step, Neg(c), c)
			}
			m := emaUpdate(beta1, step, s.Get(mv))
			s.Set(mv, m)
			if nesterov {
				m = emaUpdate(beta1, step, m)
			}
			out[i] = m
		}
		return out
	}}
}

// ADOPT builds optax.contrib.adopt: chain(scale_by_adopt, scale_by_learning_rate).
func ADOPT(c ADOPTConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultADOPT(), "DefaultADOPT()")
	return NewOptimizer("adopt",
		ScaleByADOPT(NewHyper("b1", c.B1, UnitInterval), NewHyper("b2", c.B2, UnitInterval), NewHyper("eps", c.Eps, Positive), c.Nesterov, c.UseClipping),
		ScaleByLearningRate(NewHyper("learning_rate", c.LearningRate, NonNegative)))
}

func init() {
	registerOptax("adopt", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultADOPT()
		c.LearningRate = k.RequiredFloat("learning_rate") // optax has no default
		c.B1 = k.Float("b1", c.B1)
		c.B2 = k.Float("b2", c.B2)
		c.Eps = k.Float("eps", c.Eps)
		c.Nesterov = k.Bool("nesterov", c.Nesterov)
		c.UseClipping = k.Bool("use_clipping", c.UseClipping)
		k.Ignored("mu_dtype")
		if err := rejectGiven(k, "clip_value_fn", "the clip is t^0.25 (optax's default)"); err != nil {
			return nil, err
		}
		return ADOPT(c)
	})
}
