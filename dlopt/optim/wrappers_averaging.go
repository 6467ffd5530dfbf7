package optim

import (
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// This file holds the wrappers with evaluation parameters: parameter EMA, SWA and Lookahead.

// afterStep returns the parameters after inner's update u (p + u, as Optimizer.Apply computes).
func afterStep(s *Step, u []*Node) []*Node {
	out := make([]*Node, len(u))
	for i := range u {
		out[i] = Add(s.Params[i], As(u[i], s.Params[i]))
	}
	return out
}

// averaging builds a wrapper that keeps an average of the parameters after each update as
// state, and evaluates the model at it. update gets the running average (nil at the first
// update), the new parameters and the number of updates averaged so far.
func averaging(opt *Optimizer, name string, hypers []*Hyper, update func(s *Step, avg, p, n *Node) (newAvg, averaged *Node)) (*Optimizer, error) {
	if opt == nil || opt.root == nil {
		return nil, errorf("%s: nil or already wrapped optimizer", name)
	}
	inner := opt.root
	return rewrap(opt, &Transform{Name: name, Hypers: hypers, Children: []*Transform{inner}, Update: func(s *Step, u []*Node) []*Node {
		u = s.Apply(inner, u)
		nV := s.Scalar("n_averaged", dtypes.Int64, 0)
		n := s.Get(nV)
		var averagedAny *Node
		for i, p := range afterStep(s, u) {
			avgV := s.State(i, "average", 0)
			avg, averaged := update(s, s.Get(avgV), p, n)
			s.Set(avgV, avg)
			averagedAny = averaged
		}
		s.Set(nV, Add(n, ConvertDType(averagedAny, dtypes.Int64)))
		return u
	}, Eval: func(s *Step, p []*Node) []*Node {
		n := s.Get(s.Scalar("n_averaged", dtypes.Int64, 0))
		started := GreaterThan(n, ZerosLike(n))
		out := make([]*Node, len(p))
		for i := range p {
			out[i] = Where(started, s.Get(s.State(i, "average", 0)), p[i])
		}
		return out
	}})
}

// WithParamEMA keeps an exponential moving average of the parameters, a ← d·a + (1-d)·p after
// each update (a = p after the first, as torch.optim.swa_utils.AveragedModel with an EMA), and
// evaluates the model at it (Optimizer.EvalParamsGraph, Trajectory.Eval). opt is consumed, as
// by [Prepend].
func WithParamEMA(opt *Optimizer, decay float64) (*Optimizer, error) {
	d := NewHyper("ema_decay", decay, UnitInterval)
	return averaging(opt, "param_ema", []*Hyper{d}, func(s *Step, avg, p, n *Node) (*Node, *Node) {
		first := Equal(n, ZerosLike(n))
		dd := s.Hyper(d)
		ema := Add(Mul(As(dd, p), avg), Mul(As(OneMinus(dd), p), p))
		return Where(first, p, ema), ScalarOne(s.G, dtypes.Bool)
	})
}

// WithSWA keeps the stochastic weight average of the parameters after updates start, start+every,
// start+2·every, ...: a ← a + (p - a)/(n + 1) (torch.optim.swa_utils.AveragedModel's default),
// and evaluates the model at it once it has started. opt is consumed, as by [Prepend].
func WithSWA(opt *Optimizer, start, every int) (*Optimizer, error) {
	if start < 1 || every < 1 {
		return nil, errorf("WithSWA: start = %d and every = %d must both be >= 1", start, every)
	}
	return averaging(opt, "swa", nil, func(s *Step, avg, p, n *Node) (*Node, *Node) {
		c := s.CountInt
		due := LogicalAnd(GreaterOrEqual(c, Scalar(s.G, dtypes.Int64, start)),
			Equal(ModScalar(SubScalar(c, int64(start)), int64(every)), ZerosLike(c)))
		nf := As(ConvertDType(n, dtypes.Float64), p)
		next := Add(avg, Div(Sub(p, avg), OnePlus(nf)))
		return Where(due, next, avg), due
	})
}

// WithLookahead wraps opt as the fast optimizer of Lookahead (Zhang et al. 2019; optax.lookahead):
// every syncPeriod updates the slow weights move towards the fast ones, s ← s + α(f - s), and
// the fast weights restart from them. The model is evaluated at the slow weights. opt is
// consumed, as by [Prepend].
func WithLookahead(opt *Optimizer, syncPeriod int, alpha float64) (*Optimizer, error) {
	if syncPeriod < 1 {
		return nil, errorf("WithLookahead: syncPeriod = %d is invalid: must be >= 1", syncPeriod)
	}
	if opt == nil || opt.root == nil {
		return nil, errorf("WithLookahead: nil or already wrapped optimizer")
	}
	a := NewHyper("slow_step_size", alpha, ClosedUnitInterval)
	inner := opt.root
	return rewrap(opt, &Transform{Name: "lookahead", Hypers: []*Hyper{a}, Children: []*Transform{inner}, Update: func(s *Step, u []*Node) []*Node {
		u = s.Apply(inner, u)
		sync := Equal(ModScalar(s.CountInt, int64(syncPeriod)), ZerosLike(s.CountInt))
		out := make([]*Node, len(u))
		for i, fast := range afterStep(s, u) {
			slowV := s.State(i, "slow", 0)
			slow := Where(firstStep(s), s.Params[i], s.Get(slowV))
			moved := Add(slow, Mul(As(s.Hyper(a), fast), Sub(fast, slow)))
			newSlow := Where(sync, moved, slow)
			s.Set(slowV, newSlow)
			out[i] = Sub(Where(sync, newSlow, fast), s.Params[i])
		}
		return out
	}, Eval: func(s *Step, p []*Node) []*Node {
		started := GreaterThan(s.CountInt, ZerosLike(s.CountInt))
		out := make([]*Node, len(p))
		for i := range p {
			out[i] = Where(started, s.Get(s.State(i, "slow", 0)), p[i])
		}
		return out
	}})
}
