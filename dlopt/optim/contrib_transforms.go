package optim

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
)

// This file holds the links and graph helpers shared by the optimizers of lion.go, lamb.go,
// lars.go, ..., lbfgs.go (the "contrib" half of the suite): trust ratios, sign, plain EMAs,
// partitions by rank, and small helpers for optax's moment updates and bias corrections.

// emaUpdate returns (1-b)·g + b·m, optax's update_moment of order 1. b is a float64 scalar:
// 1-b is formed in float64 before meeting g, so that float32 runs do not lose the digits of
// 1-β that float32(β) has no room for.
func emaUpdate(b, g, m *Node) *Node { return Add(Mul(As(OneMinus(b), g), g), Mul(As(b, m), m)) }

// debias returns m / (1 - b^count), optax's bias_correction; b is a float64 scalar and count is
// the link's step count (1 for the first update), as in s.Count.
func debias(count, b, m *Node) *Node { return Div(m, As(OneMinus(Pow(b, count)), m)) }

// sumOfSquares returns Σ x², a scalar of x's dtype.
func sumOfSquares(x *Node) *Node { return ReduceAllSum(Mul(x, x)) }

// frobeniusNorm returns ‖x‖₂ over all elements (jnp.linalg.norm of the flattened array).
func frobeniusNorm(x *Node) *Node { return Sqrt(sumOfSquares(x)) }

// constLike returns v as a scalar constant of x's dtype.
func constLike(x *Node, v float64) *Node { return Scalar(x.Graph(), x.DType(), v) }

// fromParamAtFirstStep returns the state variable name of variable i together with its value
// before this update, which at the first update is the parameter itself (optax states such as
// init_params or z that start as a copy of the parameters).
func fromParamAtFirstStep(s *Step, i int, name string) (*Node, func(*Node)) {
	v := s.State(i, name, 0)
	val := Where(firstStep(s), s.Params[i], s.Get(v))
	return val, func(x *Node) { s.Set(v, x) }
}

// float64Scalar is a float64 scalar state of the running link: the learning-rate-free methods
// keep their running norms and estimates there (optax keeps them in the parameters' dtype; in
// float64 runs the two agree, in float32 runs float64 is closer to the reference).
func float64Scalar(s *Step, name string, init float64) (*Node, func(*Node)) {
	v := s.Scalar(name, dtypes.Float64, init)
	return s.Get(v), func(x *Node) { s.Set(v, x) }
}

// safeNorm is optax's numerics.safe_norm: ‖x‖₂, or minNorm where ‖x‖₂ <= minNorm.
func safeNorm(x, minNorm *Node) *Node {
	n := frobeniusNorm(x)
	mn := As(minNorm, n)
	return Where(LessOrEqual(n, mn), mn, n)
}

// ScaleByTrustRatio scales each variable's update u by trust·‖p‖/(‖u‖ + eps), with both norms
// floored at minNorm, and by 1 where either norm is 0 (optax.scale_by_trust_ratio; the layer-wise
// ratio of LARS, LAMB and Fromage).
// nil hyperparameters take optax's defaults: min_norm 0, trust_coefficient 1, eps 0.
func ScaleByTrustRatio(minNorm, trust, eps *Hyper) *Transform {
	minNorm = linkHyper(minNorm, "min_norm", 0, NonNegative)
	trust = linkHyper(trust, "trust_coefficient", 1, NonNegative)
	eps = linkHyper(eps, "eps", 0, NonNegative)
	return Map("scale_by_trust_ratio", []*Hyper{minNorm, trust, eps}, func(s *Step, i int, u *Node) *Node {
		p := s.ParamAs(i, u)
		pn := safeNorm(p, s.HyperAs(minNorm, u))
		un := safeNorm(u, s.HyperAs(minNorm, u))
		ratio := Div(Mul(s.HyperAs(trust, u), pn), Add(un, s.HyperAs(eps, u)))
		zero := LogicalOr(Equal(pn, ZerosLike(pn)), Equal(un, ZerosLike(un)))
		return Mul(u, Where(zero, OnesLike(ratio), ratio))
	})
}

// ScaleBySign replaces each update by its sign (-1, 0 or 1): optax.scale_by_sign.
func ScaleBySign() *Transform {
	return Map("scale_by_sign", nil, func(_ *Step, _ int, u *Node) *Node { return Sign(u) })
}

// ScaleByEMA keeps e ← (1-decay)·g + decay·e (from 0, no debiasing) and returns e: optax.ema with
// debias=False, the momentum of Signum.
func ScaleByEMA(decay *Hyper) *Transform { return scaleByEMAStoredAs(decay, dtypes.InvalidDType) }

// scaleByEMAStoredAs is ScaleByEMA whose accumulator is stored in dtype (InvalidDType: the
// parameter's), optax's accumulator_dtype: the step uses the full-precision value, the state keeps
// the rounded one (optax.adafactor keeps its momentum in float32 even in float64 runs).
func scaleByEMAStoredAs(decay *Hyper, dtype dtypes.DType) *Transform {
	decay = requiredHyper(decay, "decay", UnitInterval)
	return &Transform{Name: "ema", Hypers: []*Hyper{decay}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		for i, g := range u {
			stored := dtype
			if stored == dtypes.InvalidDType {
				stored = g.DType()
			}
			ev := s.StateShaped(i, "ema", shapes.Make(stored, g.Shape().Dimensions...), 0)
			out[i] = emaUpdate(s.Hyper(decay), g, As(s.Get(ev), g))
			s.Set(ev, out[i])
		}
		return out
	}}
}

// ScaleByPositiveLR multiplies the updates by +lr (optax.scale_by_learning_rate with
// flip_sign=False): COCOB and Adafactor apply the rate before the link that forms the step.
// lr ("learning_rate", >= 0) is required.
func ScaleByPositiveLR(lr *Hyper) *Transform {
	lr = requiredHyper(lr, "learning_rate", NonNegative)
	return Map("scale_by_learning_rate", []*Hyper{lr}, func(s *Step, _ int, u *Node) *Node {
		return Mul(u, s.HyperAs(lr, u))
	})
}

// PartitionByRank runs matrices (rank-2 variables) through one link and every other variable
// through another, each with its own state: optax.partition with the labels of optax.muon.
func PartitionByRank(matrices, others *Transform) *Transform {
	return &Transform{Name: "partition", Children: []*Transform{matrices, others}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		for _, part := range []struct {
			link   *Transform
			matrix bool
		}{{matrices, true}, {others, false}} {
			var idx []int
			for i, g := range u {
				if (g.Rank() == 2) == part.matrix {
					idx = append(idx, i)
				}
			}
			if len(idx) == 0 {
				continue
			}
			sub := *s
			sub.Vars, sub.Params = nil, nil
			subU := make([]*Node, len(idx))
			for k, i := range idx {
				sub.Vars = append(sub.Vars, s.Vars[i])
				sub.Params = append(sub.Params, s.Params[i])
				subU[k] = u[i]
			}
			res := sub.Apply(part.link, subU)
			for k, i := range idx {
				out[i] = res[k]
			}
		}
		return out
	}}
}

// rejectGiven returns an error if keyword key was given a non-null value: used for optax
// arguments that take Python callables or pytrees (masks, clip functions), which a JSON
// configuration cannot express. It marks the keyword as accepted.
func rejectGiven(k *Kwargs, key, instead string) error {
	if k.Has(key) {
		return fmt.Errorf("optim: %s %s: keyword %q is only supported as null (its default); %s", k.Library, k.Name, key, instead)
	}
	return nil
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// posInf is +∞, the open upper end of unbounded ranges.
var posInf = math.Inf(1)
