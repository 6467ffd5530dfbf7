package optim

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// OptimisticGD builds optax.optimistic_gradient_descent (Mokhtari, Ozdaglar & Pattathil 2020,
// "A Unified Analysis of Extra-gradient and Optimistic Gradient Methods for Saddle Point
// Problems", AISTATS), which extrapolates with the previous gradient (g_0 = g_1):
//
//	p ← p - lr·((α + β)·g_t - β·g_{t-1})
func OptimisticGD(learningRate, alpha, beta float64) (*Optimizer, error) {
	return NewOptimizer("optimistic_gradient_descent",
		ScaleByOptimisticGradient(NewHyper("alpha", alpha, NonNegative), NewHyper("beta", beta, NonNegative)),
		ScaleByLearningRate(NewHyper("learning_rate", learningRate, NonNegative)))
}

// ScaleByOptimisticGradient is optax.scale_by_optimistic_gradient: (α + β)·g_t - β·g_{t-1}.
// nil hyperparameters take optax's defaults: alpha 1, beta 1.
func ScaleByOptimisticGradient(alpha, beta *Hyper) *Transform {
	alpha = linkHyper(alpha, "alpha", 1, NonNegative)
	beta = linkHyper(beta, "beta", 1, NonNegative)
	return &Transform{Name: "scale_by_optimistic_gradient", Hypers: []*Hyper{alpha, beta}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		for i, g := range u {
			pv := s.State(i, "previous_gradient", 0)
			prev := Where(firstStep(s), g, s.Get(pv))
			s.Set(pv, g)
			b := s.HyperAs(beta, g)
			out[i] = Sub(Mul(Add(s.HyperAs(alpha, g), b), g), Mul(b, prev))
		}
		return out
	}}
}

func init() {
	registerOptax("optimistic_gradient_descent", func(k *Kwargs) (*Optimizer, error) {
		lr := k.RequiredFloat("learning_rate")
		alpha := k.Float("alpha", 1)
		beta := k.Float("beta", 1)
		return OptimisticGD(lr, alpha, beta)
	})
}
