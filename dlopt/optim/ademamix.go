package optim

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// AdEMAMixConfig is optax.contrib.ademamix (Pagliardini, Ablin & Grangier 2024, "The AdEMAMix
// Optimizer: Better, Faster, Older", arXiv:2409.03137): Adam with a second, slow momentum m₂
// (not bias-corrected) mixed in with weight α,
//
//	m₁ ← (1-β₁)·g + β₁·m₁;  m₂ ← (1-β₃)·g + β₃·m₂;  v ← (1-β₂)·g² + β₂·v
//	p ← p - lr·[(m̂₁ + α·m₂)/(√(v̂ + eps_root) + eps) + wd·p]
type AdEMAMixConfig struct {
	LearningRate, B1, B2, B3, Alpha, Eps, EpsRoot, WeightDecay float64
}

// DefaultAdEMAMix returns optax.contrib.ademamix's defaults (learning_rate has none: 1e-3 here).
func DefaultAdEMAMix() AdEMAMixConfig {
	return AdEMAMixConfig{LearningRate: 1e-3, B1: 0.9, B2: 0.999, B3: 0.9999, Alpha: 5, Eps: 1e-8}
}

// ScaleByAdEMAMix is optax.contrib.scale_by_ademamix with constant b3 and alpha.
// nil hyperparameters take DefaultAdEMAMix's values.
func ScaleByAdEMAMix(b1, b2, b3, alpha, eps, epsRoot *Hyper) *Transform {
	b1 = linkHyper(b1, "b1", DefaultAdEMAMix().B1, UnitInterval)
	b2 = linkHyper(b2, "b2", DefaultAdEMAMix().B2, UnitInterval)
	b3 = linkHyper(b3, "b3", DefaultAdEMAMix().B3, UnitInterval)
	alpha = linkHyper(alpha, "alpha", DefaultAdEMAMix().Alpha, NonNegative)
	eps = linkHyper(eps, "eps", DefaultAdEMAMix().Eps, Positive)
	epsRoot = linkHyper(epsRoot, "eps_root", DefaultAdEMAMix().EpsRoot, NonNegative)
	return &Transform{Name: "scale_by_ademamix", Hypers: []*Hyper{b1, b2, b3, alpha, eps, epsRoot}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		for i, g := range u {
			m1v, m2v, nuv := s.State(i, "m1", 0), s.State(i, "m2", 0), s.State(i, "nu", 0)
			m1 := emaUpdate(s.Hyper(b1), g, s.Get(m1v))
			m2 := emaUpdate(s.Hyper(b3), g, s.Get(m2v))
			nu := emaUpdate(s.Hyper(b2), Mul(g, g), s.Get(nuv))
			s.Set(m1v, m1)
			s.Set(m2v, m2)
			s.Set(nuv, nu)
			num := Add(debias(s.Count, s.Hyper(b1), m1), Mul(s.HyperAs(alpha, g), m2))
			out[i] = Div(num, Add(Sqrt(Add(debias(s.Count, s.Hyper(b2), nu), s.HyperAs(epsRoot, g))), s.HyperAs(eps, g)))
		}
		return out
	}}
}

// AdEMAMix builds optax.contrib.ademamix: chain(scale_by_ademamix, add_decayed_weights,
// scale_by_learning_rate).
func AdEMAMix(c AdEMAMixConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultAdEMAMix(), "DefaultAdEMAMix()")
	return NewOptimizer("ademamix",
		ScaleByAdEMAMix(NewHyper("b1", c.B1, UnitInterval), NewHyper("b2", c.B2, UnitInterval), NewHyper("b3", c.B3, UnitInterval),
			NewHyper("alpha", c.Alpha, NonNegative), NewHyper("eps", c.Eps, Positive), NewHyper("eps_root", c.EpsRoot, NonNegative)),
		AddDecayedWeights(NewHyper("weight_decay", c.WeightDecay, NonNegative)),
		ScaleByLearningRate(NewHyper("learning_rate", c.LearningRate, NonNegative)))
}

// SimplifiedAdEMAMixConfig is optax.contrib.simplified_ademamix (Morwani et al. 2025,
// "Connections between Schedule-Free Optimizers, AdEMAMix, and Accelerated SGD Variants",
// arXiv:2502.02431): one undamped momentum plus α times the gradient,
//
//	m ← g + β₁·m;  v ← g² + β₂·(v - g²);  p ← p - lr·[(m + α·g)/(√(v̂ + eps_root) + eps) + wd·p]
type SimplifiedAdEMAMixConfig struct {
	LearningRate, B1, B2, Alpha, Eps, EpsRoot, WeightDecay float64
}

// DefaultSimplifiedAdEMAMix returns optax.contrib.simplified_ademamix's defaults (learning_rate
// has none: 1e-3 here).
func DefaultSimplifiedAdEMAMix() SimplifiedAdEMAMixConfig {
	return SimplifiedAdEMAMixConfig{LearningRate: 1e-3, B1: 0.99, B2: 0.95, Eps: 1e-8}
}

// ScaleBySimplifiedAdEMAMix is optax.contrib.scale_by_simplified_ademamix with constant alpha.
// nil hyperparameters take DefaultSimplifiedAdEMAMix's values.
func ScaleBySimplifiedAdEMAMix(b1, b2, alpha, eps, epsRoot *Hyper) *Transform {
	b1 = linkHyper(b1, "b1", DefaultSimplifiedAdEMAMix().B1, UnitInterval)
	b2 = linkHyper(b2, "b2", DefaultSimplifiedAdEMAMix().B2, UnitInterval)
	alpha = linkHyper(alpha, "alpha", DefaultSimplifiedAdEMAMix().Alpha, NonNegative)
	eps = linkHyper(eps, "eps", DefaultSimplifiedAdEMAMix().Eps, Positive)
	epsRoot = linkHyper(epsRoot, "eps_root", DefaultSimplifiedAdEMAMix().EpsRoot, NonNegative)
	return &Transform{Name: "scale_by_simplified_ademamix", Hypers: []*Hyper{b1, b2, alpha, eps, epsRoot}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		for i, g := range u {
			mv, nv := s.State(i, "m", 0), s.State(i, "n", 0)
			m := Add(g, Mul(s.HyperAs(b1, g), s.Get(mv)))
			g2 := Mul(g, g)
			n := Add(g2, Mul(s.HyperAs(b2, g), Sub(s.Get(nv), g2)))
			s.Set(mv, m)
			s.Set(nv, n)
			num := Add(m, Mul(s.HyperAs(alpha, g), g))
			out[i] = Div(num, Add(Sqrt(Add(debias(s.Count, s.Hyper(b2), n), s.HyperAs(epsRoot, g))), s.HyperAs(eps, g)))
		}
		return out
	}}
}

// SimplifiedAdEMAMix builds optax.contrib.simplified_ademamix.
func SimplifiedAdEMAMix(c SimplifiedAdEMAMixConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultSimplifiedAdEMAMix(), "DefaultSimplifiedAdEMAMix()")
	return NewOptimizer("simplified_ademamix",
		ScaleBySimplifiedAdEMAMix(NewHyper("b1", c.B1, UnitInterval), NewHyper("b2", c.B2, UnitInterval),
			NewHyper("alpha", c.Alpha, NonNegative), NewHyper("eps", c.Eps, Positive), NewHyper("eps_root", c.EpsRoot, NonNegative)),
		AddDecayedWeights(NewHyper("weight_decay", c.WeightDecay, NonNegative)),
		ScaleByLearningRate(NewHyper("learning_rate", c.LearningRate, NonNegative)))
}

func init() {
	registerOptax("ademamix", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultAdEMAMix()
		c.LearningRate = k.RequiredFloat("learning_rate") // optax has no default
		c.B1 = k.Float("b1", c.B1)
		c.B2 = k.Float("b2", c.B2)
		c.B3 = k.Float("b3", c.B3)
		c.Alpha = k.Float("alpha", c.Alpha)
		c.Eps = k.Float("eps", c.Eps)
		c.EpsRoot = k.Float("eps_root", c.EpsRoot)
		c.WeightDecay = k.Float("weight_decay", c.WeightDecay)
		k.Ignored("mu_dtype")
		if err := rejectGiven(k, "mask", "wrap the optimizer in a mask instead"); err != nil {
			return nil, err
		}
		return AdEMAMix(c)
	})
	registerOptax("simplified_ademamix", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultSimplifiedAdEMAMix()
		c.LearningRate = k.RequiredFloat("learning_rate") // optax has no default
		c.B1 = k.Float("b1", c.B1)
		c.B2 = k.Float("b2", c.B2)
		c.Alpha = k.Float("alpha", c.Alpha)
		c.Eps = k.Float("eps", c.Eps)
		c.EpsRoot = k.Float("eps_root", c.EpsRoot)
		c.WeightDecay = k.Float("weight_decay", c.WeightDecay)
		if err := rejectGiven(k, "mask", "wrap the optimizer in a mask instead"); err != nil {
			return nil, err
		}
		return SimplifiedAdEMAMix(c)
	})
}
