package optim

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// NovogradConfig is optax.novograd (Ginsburg et al. 2019, "Stochastic Gradient Methods with
// Layer-wise Adaptive Moments for Training of Deep Networks", arXiv:1905.11286): the second
// moment is one scalar per variable (layer), the squared gradient norm,
//
//	v ← ‖g‖² at step 1, then (1-β₂)·‖g‖² + β₂·v
//	a = g/(√(v + eps_root) + eps) + wd·p;  m ← a at step 1, then β₁·m + a;  p ← p - lr·m
type NovogradConfig struct {
	LearningRate, B1, B2, Eps, EpsRoot, WeightDecay float64
}

// DefaultNovograd returns optax.novograd's defaults (learning_rate has none in optax: 0.01 here).
func DefaultNovograd() NovogradConfig {
	return NovogradConfig{LearningRate: 0.01, B1: 0.9, B2: 0.25, Eps: 1e-6}
}

// ScaleByNovograd is optax.scale_by_novograd.
// nil hyperparameters take DefaultNovograd's values.
func ScaleByNovograd(b1, b2, eps, epsRoot, wd *Hyper) *Transform {
	b1 = linkHyper(b1, "b1", DefaultNovograd().B1, UnitInterval)
	b2 = linkHyper(b2, "b2", DefaultNovograd().B2, UnitInterval)
	eps = linkHyper(eps, "eps", DefaultNovograd().Eps, Positive)
	epsRoot = linkHyper(epsRoot, "eps_root", DefaultNovograd().EpsRoot, NonNegative)
	wd = linkHyper(wd, "weight_decay", DefaultNovograd().WeightDecay, NonNegative)
	return &Transform{Name: "scale_by_novograd", Hypers: []*Hyper{b1, b2, eps, epsRoot, wd}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		first := firstStep(s)
		for i, g := range u {
			mv := s.State(i, "mu", 0)
			vv := s.Scalar("nu"+s.Vars[i].Scope()+"/"+s.Vars[i].Name(), g.DType(), 0)
			n2 := sumOfSquares(g)
			v := Where(first, n2, emaUpdate(s.Hyper(b2), n2, s.Get(vv)))
			a := Add(Div(g, Add(Sqrt(Add(v, s.HyperAs(epsRoot, g))), s.HyperAs(eps, g))), Mul(s.HyperAs(wd, g), s.ParamAs(i, g)))
			m := Where(first, a, Add(Mul(s.HyperAs(b1, g), s.Get(mv)), a))
			s.Set(vv, v)
			s.Set(mv, m)
			out[i] = m
		}
		return out
	}}
}

// Novograd builds optax.novograd: chain(scale_by_novograd, scale_by_learning_rate).
func Novograd(c NovogradConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultNovograd(), "DefaultNovograd()")
	return NewOptimizer("novograd",
		ScaleByNovograd(NewHyper("b1", c.B1, UnitInterval), NewHyper("b2", c.B2, UnitInterval), NewHyper("eps", c.Eps, Positive),
			NewHyper("eps_root", c.EpsRoot, NonNegative), NewHyper("weight_decay", c.WeightDecay, NonNegative)),
		ScaleByLearningRate(NewHyper("learning_rate", c.LearningRate, NonNegative)))
}

func init() {
	registerOptax("novograd", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultNovograd()
		c.LearningRate = k.RequiredFloat("learning_rate") // optax has no default
		c.B1 = k.Float("b1", c.B1)
		c.B2 = k.Float("b2", c.B2)
		c.Eps = k.Float("eps", c.Eps)
		c.EpsRoot = k.Float("eps_root", c.EpsRoot)
		c.WeightDecay = k.Float("weight_decay", c.WeightDecay)
		return Novograd(c)
	})
}
