package optim

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// This file holds the lecture's own forms of momentum, written as the lecture writes them (not
// as compositions), so that tests can show the equalities the lecture states.

// HeavyBall is Polyak's heavy-ball method in the lecture's form:
//
//	x_{k+1} = x_k - γ∇F(x_k) + β(x_k - x_{k-1}),   x_{-1} = x_0.
//
// Its state is the previous iterate x_{k-1}.
func HeavyBall(gamma, beta float64) (*Optimizer, error) {
	g, b := NewHyper("gamma", gamma, NonNegative), NewHyper("beta", beta, UnitInterval)
	return NewOptimizer("heavy_ball", &Transform{Name: "heavy_ball", Hypers: []*Hyper{g, b}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		first := firstStep(s)
		for i, grad := range u {
			x := s.ParamAs(i, grad)
			prevV := s.State(i, "x_prev", 0)
			velocity := Where(first, ZerosLike(x), Sub(x, s.Get(prevV)))
			s.Set(prevV, x)
			out[i] = Add(Neg(Mul(s.HyperAs(g, grad), grad)), Mul(s.HyperAs(b, grad), velocity))
		}
		return out
	}})
}

// MomentumPyTorchForm is momentum as PyTorch writes it (torch.optim.SGD with dampening 0):
//
//	m_k = β m_{k-1} + ∇F(x_k),  m_{-1} = 0;   x_{k+1} = x_k - γ m_k.
//
// In exact arithmetic it is the heavy-ball method with the same γ and β, since
// x_{k+1} - x_k = -γ m_k = -γ∇F(x_k) + β(-γ m_{k-1}) = -γ∇F(x_k) + β(x_k - x_{k-1}).
func MomentumPyTorchForm(gamma, beta float64) (*Optimizer, error) {
	return NewOptimizer("momentum_pytorch_form",
		Trace(NewHyper("beta", beta, UnitInterval), false),
		ScaleByLearningRate(NewHyper("gamma", gamma, NonNegative)))
}

// NAG is Nesterov's accelerated gradient in the lecture's form, with the gradient taken at the
// look-ahead point:
//
//	y_{k-1} = x_{k-1} + β(x_{k-1} - x_{k-2}),   x_k = y_{k-1} - γ∇F(y_{k-1}),   x_{-1} = x_0.
//
// The trained parameter is the look-ahead point y (where the gradient must be evaluated, so a
// trainer's gradient is the right one); the iterate x is state, and it is the evaluation
// parameter (Optimizer.EvalParamsGraph, Trajectory.Eval). The sequence y_k is exactly what
// torch.optim.SGD(nesterov=True) produces with momentum β and lr γ (see TestNAGIsTorchNesterov).
func NAG(gamma, beta float64) (*Optimizer, error) {
	g, b := NewHyper("gamma", gamma, NonNegative), NewHyper("beta", beta, UnitInterval)
	return NewOptimizer("nag", &Transform{Name: "nag", Hypers: []*Hyper{g, b}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		first := firstStep(s)
		for i, grad := range u {
			y := s.ParamAs(i, grad)
			xV := s.State(i, "x", 0)
			xPrev := Where(first, y, s.Get(xV)) // y_0 = x_0 at the first step
			x := Sub(y, Mul(s.HyperAs(g, grad), grad))
			s.Set(xV, x)
			yNext := Add(x, Mul(s.HyperAs(b, grad), Sub(x, xPrev)))
			out[i] = Sub(yNext, y)
		}
		return out
	}, Eval: func(s *Step, params []*Node) []*Node {
		out := make([]*Node, len(params))
		for i, p := range params {
			// Before the first step the iterate is the starting point itself.
			out[i] = Where(Equal(s.CountInt, ZerosLike(s.CountInt)), p, s.Get(s.State(i, "x", 0)))
		}
		return out
	}})
}
