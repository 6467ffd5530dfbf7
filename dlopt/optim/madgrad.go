package optim

import (
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// MADGRADConfig is optax.contrib.madgrad (Defazio & Jelassi 2021, "Adaptivity without
// Compromise: A Momentumized, Adaptive, Dual Averaged Gradient Method for Stochastic
// Optimization", arXiv:2101.11075): dual averaging from x₀ with a cube-root denominator,
// k = 0, 1, ...,
//
//	λ = (lr + eps)·√(k+1);  S ← S + λ·g²;  s ← s + λ·g;  z = x₀ - s/(∛S + eps)
//	p ← (1-μ)·z + μ·p   (with g ← g + wd·p first, L2 weight decay)
//
// As in optax (an int32 step count through jnp.sqrt), λ is a float32 number.
type MADGRADConfig struct {
	LearningRate, Momentum, WeightDecay, Eps float64
}

// DefaultMADGRAD returns optax.contrib.madgrad's defaults (learning_rate has none: 0.01 here).
func DefaultMADGRAD() MADGRADConfig {
	return MADGRADConfig{LearningRate: 0.01, Momentum: 0.9, Eps: 1e-6}
}

// ScaleByMADGRAD is optax.contrib.scale_by_madgrad; its output is the full move to the new
// parameters.
// nil hyperparameters take DefaultMADGRAD's values.
func ScaleByMADGRAD(lr, momentum, eps *Hyper) *Transform {
	lr = linkHyper(lr, "learning_rate", DefaultMADGRAD().LearningRate, NonNegative)
	momentum = linkHyper(momentum, "momentum", DefaultMADGRAD().Momentum, UnitInterval)
	eps = linkHyper(eps, "eps", DefaultMADGRAD().Eps, Positive)
	return &Transform{Name: "scale_by_madgrad", Hypers: []*Hyper{lr, momentum, eps}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		// λ in float32, as optax computes it: float32(lr + eps) · sqrt(float32(k + 1)).
		lam := Mul(ConvertDType(Add(s.Hyper(lr), s.Hyper(eps)), dtypes.Float32), Sqrt(ConvertDType(s.Count, dtypes.Float32)))
		for i, g := range u {
			sqv, sv := s.State(i, "grad_sum_sq", 0), s.State(i, "s", 0)
			x0, setX0 := fromParamAtFirstStep(s, i, "x0")
			setX0(x0)
			l := As(lam, g)
			sq := Add(s.Get(sqv), Mul(l, Mul(g, g)))
			sum := Add(s.Get(sv), Mul(l, g))
			s.Set(sqv, sq)
			s.Set(sv, sum)
			// ∛S for S >= 0 (Pow is exact enough: |ln S|·2⁻⁵⁴ relative).
			sigma := Add(Pow(sq, constLike(sq, 1.0/3)), s.HyperAs(eps, g))
			z := Sub(As(x0, g), Div(sum, sigma))
			mu := s.HyperAs(momentum, g)
			p := s.ParamAs(i, g)
			out[i] = Sub(Add(Mul(OneMinus(mu), z), Mul(mu, p)), p)
		}
		return out
	}}
}

// MADGRAD builds optax.contrib.madgrad: chain(add_decayed_weights, scale_by_madgrad).
func MADGRAD(c MADGRADConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultMADGRAD(), "DefaultMADGRAD()")
	return NewOptimizer("madgrad",
		AddDecayedWeights(NewHyper("weight_decay", c.WeightDecay, NonNegative)),
		ScaleByMADGRAD(NewHyper("learning_rate", c.LearningRate, NonNegative), NewHyper("momentum", c.Momentum, UnitInterval), NewHyper("eps", c.Eps, Positive)))
}

func init() {
	registerOptax("madgrad", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultMADGRAD()
		c.LearningRate = k.RequiredFloat("learning_rate") // optax has no default
		c.Momentum = k.Float("momentum", c.Momentum)
		c.WeightDecay = k.Float("weight_decay", c.WeightDecay)
		c.Eps = k.Float("eps", c.Eps)
		return MADGRAD(c)
	})
}
