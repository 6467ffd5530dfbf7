package optim

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// This file holds the small stateless links shared by many optimizers.

// ScaleByLearningRate multiplies the updates by -lr (optax.scale_by_learning_rate): the last
// link of most optimizers, turning a descent direction into a step.
// lr ("learning_rate", >= 0) is required.
func ScaleByLearningRate(lr *Hyper) *Transform {
	lr = requiredHyper(lr, "learning_rate", NonNegative)
	return Map("scale_by_learning_rate", []*Hyper{lr}, func(s *Step, _ int, u *Node) *Node {
		return Mul(u, Neg(s.HyperAs(lr, u)))
	})
}

// ScaleBy multiplies the updates by factor (optax.scale).
// factor ("step_size") is required.
func ScaleBy(factor *Hyper) *Transform {
	factor = requiredHyper(factor, "step_size", AnyReal)
	return Map("scale", []*Hyper{factor}, func(s *Step, _ int, u *Node) *Node {
		return Mul(u, s.HyperAs(factor, u))
	})
}

// Negate flips the sign of the updates: torch's maximize=True as a first link.
func Negate() *Transform {
	return Map("negate", nil, func(_ *Step, _ int, u *Node) *Node { return Neg(u) })
}

// AddDecayedWeights adds wd·p to the updates (optax.add_decayed_weights). Placed before the
// preconditioner it is PyTorch's coupled (L2) weight decay, grad + wd·p; placed after it and
// before the learning rate it is decoupled weight decay (AdamW).
// nil wd is optax's default 0.
func AddDecayedWeights(wd *Hyper) *Transform {
	wd = linkHyper(wd, "weight_decay", 0, NonNegative)
	return Map("add_decayed_weights", []*Hyper{wd}, func(s *Step, i int, u *Node) *Node {
		return Add(u, Mul(s.HyperAs(wd, u), s.ParamAs(i, u)))
	})
}

// DecoupledWeightDecay adds -lr·wd·p to the updates: PyTorch's p ← p·(1 - lr·wd) of AdamW,
// NAdam and RAdam with decoupled_weight_decay=True, written as a last link (after the learning
// rate was applied), so it uses the learning rate in force.
// lr is required; nil wd is torch.optim.AdamW's default 0.01.
func DecoupledWeightDecay(lr, wd *Hyper) *Transform {
	lr = requiredHyper(lr, "lr", NonNegative)
	wd = linkHyper(wd, "weight_decay", 0.01, NonNegative)
	return Map("decoupled_weight_decay", []*Hyper{lr, wd}, func(s *Step, i int, u *Node) *Node {
		factor := As(Mul(s.Hyper(lr), s.Hyper(wd)), u)
		return Sub(u, Mul(factor, s.ParamAs(i, u)))
	})
}

// Trace keeps a momentum trace t ← g + decay·t and returns t, or g + decay·t with nesterov
// (optax.trace).
// decay is required, in [0, 1).
func Trace(decay *Hyper, nesterov bool) *Transform {
	decay = requiredHyper(decay, "decay", UnitInterval)
	return &Transform{Name: "trace", Hypers: []*Hyper{decay}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		for i, g := range u {
			tv := s.State(i, "trace", 0)
			d := s.HyperAs(decay, g)
			t := Add(g, Mul(d, s.Get(tv)))
			s.Set(tv, t)
			if nesterov {
				out[i] = Add(g, Mul(d, t))
			} else {
				out[i] = t
			}
		}
		return out
	}}
}

// firstStep is a boolean scalar, true at the first update (Count == 1).
func firstStep(s *Step) *Node {
	return Equal(s.Count, OnesLike(s.Count))
}

// powCount returns beta^count as a float64 scalar (bias corrections).
func powCount(s *Step, beta *Node) *Node { return Pow(beta, s.Count) }
