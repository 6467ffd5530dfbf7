package optim

import (
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/ml/model"
)

// This file holds the wrappers that decide whether an update happens: gradient accumulation and
// skipping non-finite updates. Both run the wrapped optimizer under Step.Gate.

// AccumulateGradients applies opt once every k calls, to the mean of the k gradients received
// (optax.MultiSteps): in between, the parameters and opt's state do not change. opt is
// consumed, as by [Prepend].
func AccumulateGradients(opt *Optimizer, k int) (*Optimizer, error) {
	if k < 1 {
		return nil, errorf("AccumulateGradients: k = %d is invalid: must be >= 1", k)
	}
	if opt == nil || opt.root == nil {
		return nil, errorf("AccumulateGradients: nil or already wrapped optimizer")
	}
	inner := opt.root
	return rewrap(opt, &Transform{Name: "accumulate", Children: []*Transform{inner}, Update: func(s *Step, u []*Node) []*Node {
		last := Equal(ModScalar(s.CountInt, int64(k)), ZerosLike(s.CountInt))
		mean := make([]*Node, len(u))
		for i, g := range u {
			accV := s.State(i, "acc", 0)
			sum := Add(s.Get(accV), g)
			s.Set(accV, Where(last, ZerosLike(sum), sum))
			mean[i] = DivScalar(sum, float64(k))
		}
		var res []*Node
		s.Gate(last, func() { res = s.WithCounter("inner_count").Apply(inner, mean) })
		out := make([]*Node, len(u))
		for i := range u {
			out[i] = Where(last, res[i], ZerosLike(res[i]))
		}
		return out
	}, Eval: func(s *Step, p []*Node) []*Node { return s.EvalParams(inner, p) }, delegatesEval: true})
}

// SkipNonFinite skips every update whose gradients hold a NaN or an infinity
// (optax.apply_if_finite): the parameters and opt's state stay as they were. The skipped
// updates are counted (see NonFiniteCounts); after maxConsecutive skips in a row the update is
// applied anyway, so that a diverged run does not silently stall. opt is consumed, as by
// [Prepend].
func SkipNonFinite(opt *Optimizer, maxConsecutive int) (*Optimizer, error) {
	if maxConsecutive < 0 {
		return nil, errorf("SkipNonFinite: maxConsecutive = %d is invalid: must be >= 0", maxConsecutive)
	}
	if opt == nil || opt.root == nil {
		return nil, errorf("SkipNonFinite: nil or already wrapped optimizer")
	}
	inner := opt.root
	return rewrap(opt, &Transform{Name: "skip_non_finite", Children: []*Transform{inner}, Update: func(s *Step, u []*Node) []*Node {
		var finite *Node
		for _, g := range u {
			f := LogicalAll(IsFinite(g))
			if finite == nil {
				finite = f
			} else {
				finite = LogicalAnd(finite, f)
			}
		}
		consecutiveV := s.Scalar("notfinite_count", dtypes.Int64, 0)
		totalV := s.Scalar("total_notfinite", dtypes.Int64, 0)
		zero := ScalarZero(s.G, dtypes.Int64)
		consecutive := Where(finite, zero, AddScalar(s.Get(consecutiveV), 1))
		s.Set(consecutiveV, consecutive)
		s.Set(totalV, Add(s.Get(totalV), Where(finite, zero, ScalarOne(s.G, dtypes.Int64))))
		apply := LogicalOr(finite, GreaterThan(consecutive, Scalar(s.G, dtypes.Int64, maxConsecutive)))
		var res []*Node
		s.Gate(apply, func() { res = s.WithCounter("inner_count").Apply(inner, u) })
		out := make([]*Node, len(u))
		for i := range u {
			out[i] = Where(apply, res[i], ZerosLike(res[i]))
		}
		return out
	}, Eval: func(s *Step, p []*Node) []*Node { return s.EvalParams(inner, p) }, delegatesEval: true})
}

// NonFiniteCounts reads the counters of a SkipNonFinite optimizer from scope's store: the number of
// updates skipped in total and in a row up to now.
func NonFiniteCounts(scope *model.Scope, opt *Optimizer) (total, consecutive int64, err error) {
	found := 0
	for v := range scope.Store().Scope(opt.Scope()).IterVariables() {
		switch v.Name() {
		case "total_notfinite", "notfinite_count":
			t, err := v.Value()
			if err != nil {
				return 0, 0, err
			}
			n := t.Value().(int64)
			if v.Name() == "total_notfinite" {
				total = n
			} else {
				consecutive = n
			}
			found++
		}
	}
	if found != 2 {
		return 0, 0, errorf("%s: no SkipNonFinite counters in the store (not wrapped, or no step run yet)", opt.name)
	}
	return total, consecutive, nil
}
