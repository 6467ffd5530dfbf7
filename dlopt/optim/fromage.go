package optim

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// FromageConfig is optax.fromage (Bernstein et al. 2020, "On the distance between two neural
// networks and the stability of learning", arXiv:2002.03432): a trust-ratio step followed by a
// shrink that keeps the parameter norm from growing,
//
//	m = 1/√(1 + lr²);  p ← m·(p - lr·‖p‖/‖g‖·g)   (norms floored at min_norm)
type FromageConfig struct {
	LearningRate, MinNorm float64
}

// DefaultFromage returns optax.fromage's defaults (learning_rate has none in optax: 0.01 here).
func DefaultFromage() FromageConfig { return FromageConfig{LearningRate: 0.01, MinNorm: 1e-6} }

// Fromage builds optax.fromage: chain(scale_by_trust_ratio(min_norm), scale_by_learning_rate(lr·m),
// add_decayed_weights(m - 1)).
func Fromage(c FromageConfig) (opt *Optimizer, err error) {
	defer fromConfig(&opt, &err, c, DefaultFromage(), "DefaultFromage()")
	lr := NewHyper("learning_rate", c.LearningRate, NonNegative)
	// mult is 1/√(1 + lr²), computed in float64 from the rate in force.
	mult := func(s *Step) *Node {
		r := s.Hyper(lr)
		return Inverse(Sqrt(OnePlus(Mul(r, r))))
	}
	return NewOptimizer("fromage",
		ScaleByTrustRatio(NewHyper("min_norm", c.MinNorm, NonNegative), NewHyper("trust_coefficient", 1, NonNegative), NewHyper("eps", 0, NonNegative)),
		Map("scale_by_learning_rate", []*Hyper{lr}, func(s *Step, _ int, u *Node) *Node {
			return Mul(u, As(Neg(Mul(s.Hyper(lr), mult(s))), u))
		}),
		Map("add_decayed_weights", nil, func(s *Step, i int, u *Node) *Node {
			return Add(u, Mul(As(AddScalar(mult(s), -1), u), s.ParamAs(i, u)))
		}))
}

func init() {
	registerOptax("fromage", func(k *Kwargs) (*Optimizer, error) {
		c := DefaultFromage()
		c.LearningRate = k.RequiredFloat("learning_rate") // optax has no default
		c.MinNorm = k.Float("min_norm", c.MinNorm)
		return Fromage(c)
	})
}
