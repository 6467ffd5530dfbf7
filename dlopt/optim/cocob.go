package optim

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// COCOBConfig is optax.contrib.cocob (Orabona & Tommasi 2017, "Training Deep Networks without
// Learning Rates Through Coin Betting", NeurIPS; COCOB-Backprop, their Algorithm 2): each
// coordinate bets a fraction of its accumulated reward. With g ← lr·(g + wd·p):
//
//	L ← max(L, |g|) (L₀ = eps);  G ← G + |g|;  R ← max(R - g·(p - p₀), 0);  θ ← θ - g
//	p ← p₀ + θ/(L·max(G + L, α·L))·(L + R)
type COCOBConfig struct {
	LearningRate, Alpha, Eps, WeightDecay float64
}

// DefaultCOCOB returns optax.contrib.cocob's defaults.
func DefaultCOCOB() COCOBConfig { return COCOBConfig{LearningRate: 1, Alpha: 100, Eps: 1e-8} }

// ScaleByCOCOB is optax.contrib.scale_by_cocob; its output is the full move to the new
// parameters.
// nil hyperparameters take DefaultCOCOB's values.
func ScaleByCOCOB(alpha, eps *Hyper) *Transform {
	alpha = linkHyper(alpha, "alpha", DefaultCOCOB().Alpha, Positive)
	eps = linkHyper(eps, "eps", DefaultCOCOB().Eps, Positive)
	return &Transform{Name: "scale_by_cocob", Hypers: []*Hyper{alpha, eps}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		first := firstStep(s)
		for i, g := range u {
			p0, setP0 := fromParamAtFirstStep(s, i, "init_particles")
			setP0(p0)
			p0 = As(p0, g)
			lv, gv, rv, cv := s.State(i, "scale", 0), s.State(i, "subgradients", 0), s.State(i, "reward", 0), s.State(i, "cumulative_gradients", 0)
			scale := Where(first, BroadcastToShape(s.HyperAs(eps, g), g.Shape()), s.Get(lv))
			abs := Abs(g)
			p := s.ParamAs(i, g)
			scale = Max(scale, abs)
			sub := Add(s.Get(gv), abs)
			reward := Max(Sub(s.Get(rv), Mul(g, Sub(p, p0))), ZerosLike(g))
			cum := Sub(s.Get(cv), g)
			s.Set(lv, scale)
			s.Set(gv, sub)
			s.Set(rv, reward)
			s.Set(cv, cum)
			bet := Div(cum, Mul(scale, Max(Add(sub, scale), Mul(s.HyperAs(alpha, g), scale))))
			out[i] = Add(Neg(p), Add(p0, Mul(bet, Add(scale, reward))))
		}
		return out
	}}
}

// COCOB builds optax.contrib.cocob: chain(add_decayed_weights, scale by +lr, scale_by_cocob).
func COCOB(c COCOBConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultCOCOB(), "DefaultCOCOB()")
	return NewOptimizer("cocob",
		AddDecayedWeights(NewHyper("weight_decay", c.WeightDecay, NonNegative)),
		ScaleByPositiveLR(NewHyper("learning_rate", c.LearningRate, NonNegative)),
		ScaleByCOCOB(NewHyper("alpha", c.Alpha, Positive), NewHyper("eps", c.Eps, Positive)))
}

func init() {
	registerOptax("cocob", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultCOCOB()
		c.LearningRate = k.Float("learning_rate", c.LearningRate)
		c.Alpha = k.Float("alpha", c.Alpha)
		c.Eps = k.Float("eps", c.Eps)
		c.WeightDecay = k.Float("weight_decay", c.WeightDecay)
		if err := rejectGiven(k, "mask", "wrap the optimizer in a mask instead"); err != nil {
			return nil, err
		}
		return COCOB(c)
	})
}
