package optim

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// AdanConfig is optax.adan (Xie et al. 2022, "Adan: Adaptive Nesterov Momentum Algorithm for
// Faster Optimizing Deep Models", arXiv:2208.06677), with Δ = g - g_prev (0 at step 1):
//
//	m ← (1-β₁)·g + β₁·m;  v ← (1-β₂)·Δ + β₂·v;  n ← (1-β₃)·(g + (1-β₂)·Δ)² + β₃·n
//	p ← p - lr·[(m̂ + (1-β₂)·v̂) / (√(n̂ + eps_root) + eps) + wd·p]   (m̂, v̂, n̂ bias-corrected)
type AdanConfig struct {
	LearningRate, B1, B2, B3, Eps, EpsRoot, WeightDecay float64
}

// DefaultAdan returns optax.adan's defaults (learning_rate has none in optax: 1e-3 here).
func DefaultAdan() AdanConfig {
	return AdanConfig{LearningRate: 1e-3, B1: 0.98, B2: 0.92, B3: 0.99, Eps: 1e-8, EpsRoot: 1e-8}
}

// ScaleByAdan is optax.scale_by_adan.
// nil hyperparameters take DefaultAdan's values.
func ScaleByAdan(b1, b2, b3, eps, epsRoot *Hyper) *Transform {
	b1 = linkHyper(b1, "b1", DefaultAdan().B1, UnitInterval)
	b2 = linkHyper(b2, "b2", DefaultAdan().B2, UnitInterval)
	b3 = linkHyper(b3, "b3", DefaultAdan().B3, UnitInterval)
	eps = linkHyper(eps, "eps", DefaultAdan().Eps, Positive)
	epsRoot = linkHyper(epsRoot, "eps_root", DefaultAdan().EpsRoot, NonNegative)
	return &Transform{Name: "scale_by_adan", Hypers: []*Hyper{b1, b2, b3, eps, epsRoot}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		first := firstStep(s)
		for i, g := range u {
			mv, vv, nv, gv := s.State(i, "m", 0), s.State(i, "v", 0), s.State(i, "n", 0), s.State(i, "g", 0)
			diff := Where(first, ZerosLike(g), Sub(g, s.Get(gv)))
			oneMinusB2 := As(OneMinus(s.Hyper(b2)), g)
			m := emaUpdate(s.Hyper(b1), g, s.Get(mv))
			v := emaUpdate(s.Hyper(b2), diff, s.Get(vv))
			sq := Add(g, Mul(oneMinusB2, diff))
			n := emaUpdate(s.Hyper(b3), Mul(sq, sq), s.Get(nv))
			s.Set(mv, m)
			s.Set(vv, v)
			s.Set(nv, n)
			s.Set(gv, g)
			num := Add(debias(s.Count, s.Hyper(b1), m), Mul(oneMinusB2, debias(s.Count, s.Hyper(b2), v)))
			den := Add(Sqrt(Add(debias(s.Count, s.Hyper(b3), n), s.HyperAs(epsRoot, g))), s.HyperAs(eps, g))
			out[i] = Div(num, den)
		}
		return out
	}}
}

// Adan builds optax.adan: chain(scale_by_adan, add_decayed_weights, scale_by_learning_rate).
func Adan(c AdanConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultAdan(), "DefaultAdan()")
	return NewOptimizer("adan",
		ScaleByAdan(NewHyper("b1", c.B1, UnitInterval), NewHyper("b2", c.B2, UnitInterval), NewHyper("b3", c.B3, UnitInterval),
			NewHyper("eps", c.Eps, Positive), NewHyper("eps_root", c.EpsRoot, NonNegative)),
		AddDecayedWeights(NewHyper("weight_decay", c.WeightDecay, NonNegative)),
		ScaleByLearningRate(NewHyper("learning_rate", c.LearningRate, NonNegative)))
}

func init() {
	registerOptax("adan", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultAdan()
		c.LearningRate = k.RequiredFloat("learning_rate") // optax has no default
		c.B1 = k.Float("b1", c.B1)
		c.B2 = k.Float("b2", c.B2)
		c.B3 = k.Float("b3", c.B3)
		c.Eps = k.Float("eps", c.Eps)
		c.EpsRoot = k.Float("eps_root", c.EpsRoot)
		c.WeightDecay = k.Float("weight_decay", c.WeightDecay)
		if err := rejectGiven(k, "mask", "wrap the optimizer in a mask instead"); err != nil {
			return nil, err
		}
		return Adan(c)
	})
}
