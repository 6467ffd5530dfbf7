package optim

import (
	"fmt"
	"sort"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// This file holds the wrappers: functions that take any optimizer and return an optimizer, in
// the manner of optax's apply_if_finite, MultiSteps, masked and lookahead. A wrapped optimizer
// is consumed: its links move into the new one (same name, so the same scope), and it must not
// be used on its own afterwards.

// detach takes the links out of opt (which must not be used afterwards) and clears the scopes
// NewOptimizer gave them, so that a new optimizer can own them.
func detach(opt *Optimizer) (*Transform, error) {
	if opt == nil || opt.root == nil {
		return nil, errorf("wrapping a nil or already wrapped optimizer")
	}
	var clear func(t *Transform)
	clear = func(t *Transform) {
		t.scope = ""
		for _, h := range t.Hypers {
			h.scope = ""
		}
		for _, c := range t.Children {
			clear(c)
		}
	}
	root := opt.root
	clear(root)
	root.Name = "inner"
	opt.root, opt.hypers = nil, nil
	return root, nil
}

// rewrap builds a new optimizer named like opt from links (which include opt's own links,
// taken beforehand with opt.root) after detaching opt.
func rewrap(opt *Optimizer, links ...*Transform) (*Optimizer, error) {
	name := opt.name
	if _, err := detach(opt); err != nil {
		return nil, err
	}
	return NewOptimizer(name, links...)
}

// hyperNamed returns the first hyperparameter of opt called one of names.
func (o *Optimizer) hyperNamed(names ...string) *Hyper {
	for _, n := range names {
		for _, h := range o.hypers {
			if h.Name == n {
				return h
			}
		}
	}
	return nil
}

// subset returns a copy of s restricted to the variables idx, and their updates.
func (s *Step) subset(idx []int, u []*Node) (*Step, []*Node) {
	sub := *s
	sub.Vars, sub.Params = make([]*context.Variable, len(idx)), make([]*Node, len(idx))
	subU := make([]*Node, len(idx))
	for k, i := range idx {
		sub.Vars[k], sub.Params[k], subU[k] = s.Vars[i], s.Params[i], u[i]
	}
	return &sub, subU
}

// Prepend returns opt with links run before its own (on the gradients): clipping, noise,
// coupled weight decay, ...
func Prepend(opt *Optimizer, links ...*Transform) (*Optimizer, error) {
	if opt == nil || opt.root == nil {
		return nil, errorf("Prepend: nil or already wrapped optimizer")
	}
	root := opt.root
	return rewrap(opt, append(links, root)...)
}

// Append returns opt with links run after its own (on the final steps).
func Append(opt *Optimizer, links ...*Transform) (*Optimizer, error) {
	if opt == nil || opt.root == nil {
		return nil, errorf("Append: nil or already wrapped optimizer")
	}
	return rewrap(opt, append([]*Transform{opt.root}, links...)...)
}

// WithMaximize returns opt ascending instead of descending (torch's maximize=True).
func WithMaximize(opt *Optimizer) (*Optimizer, error) { return Prepend(opt, Negate()) }

// WithWeightDecay adds weight decay wd to opt: coupled (L2, the gradient becomes g + wd·p, so
// the preconditioner sees it) or decoupled (p ← p - lr·wd·p after the step, AdamW's form, with
// opt's learning rate "lr" or "learning_rate" in force).
func WithWeightDecay(opt *Optimizer, wd float64, decoupled bool) (*Optimizer, error) {
	h := NewHyper("weight_decay", wd, NonNegative)
	if !decoupled {
		return Prepend(opt, AddDecayedWeights(h))
	}
	if opt == nil || opt.root == nil {
		return nil, errorf("WithWeightDecay: nil or already wrapped optimizer")
	}
	lr := opt.hyperNamed("lr", "learning_rate")
	if lr == nil {
		return nil, errorf("WithWeightDecay: %s has no hyperparameter lr or learning_rate for decoupled decay; it has %v", opt.name, opt.Hypers())
	}
	return Append(opt, &Transform{Name: "decoupled_weight_decay", Hypers: []*Hyper{h}, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		for i := range u {
			out[i] = Sub(u[i], Mul(As(Mul(s.Hyper(lr), s.Hyper(h)), u[i]), s.ParamAs(i, u[i])))
		}
		return out
	}})
}

// ClipByGlobalNorm scales all updates by maxNorm/‖u‖ when their global norm ‖u‖ (over all
// variables) exceeds maxNorm (optax.clip_by_global_norm).
func ClipByGlobalNorm(maxNorm float64) *Transform {
	h := NewHyper("max_norm", maxNorm, Positive)
	return &Transform{Name: "clip_by_global_norm", Hypers: []*Hyper{h}, Update: func(s *Step, u []*Node) []*Node {
		var sq *Node
		for _, x := range u {
			t := ConvertDType(ReduceAllSum(Square(x)), dtypes.Float64)
			if sq == nil {
				sq = t
			} else {
				sq = Add(sq, t)
			}
		}
		norm := Sqrt(sq)
		m := s.Hyper(h)
		keep := LessThan(norm, m)
		out := make([]*Node, len(u))
		for i, x := range u {
			out[i] = Where(keep, x, Mul(Div(x, As(norm, x)), As(m, x)))
		}
		return out
	}}
}

// ClipByValue clips every update element to [-limit, limit] (optax.clip).
func ClipByValue(limit float64) *Transform {
	h := NewHyper("max_delta", limit, Positive)
	return Map("clip", []*Hyper{h}, func(s *Step, _ int, u *Node) *Node {
		l := s.HyperAs(h, u)
		return Min(Max(u, Neg(l)), l)
	})
}

// ClipByNorm scales each variable's update by maxNorm/‖u_i‖ when its own norm exceeds maxNorm
// (per-variable clipping, optax.clip_by_block_rms's norm counterpart).
func ClipByNorm(maxNorm float64) *Transform {
	h := NewHyper("max_norm", maxNorm, Positive)
	return Map("clip_by_norm", []*Hyper{h}, func(s *Step, _ int, u *Node) *Node {
		norm := Sqrt(ReduceAllSum(Square(u)))
		m := s.HyperAs(h, u)
		return Where(LessThan(norm, m), u, Mul(Div(u, norm), m))
	})
}

// AccumulateGradients applies opt once every k calls, to the mean of the k gradients received
// (optax.MultiSteps): in between, the parameters and opt's state do not change.
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
	}, Eval: func(s *Step, p []*Node) []*Node { return s.EvalParams(inner, p) }})
}

// SkipNonFinite skips every update whose gradients hold a NaN or an infinity
// (optax.apply_if_finite): the parameters and opt's state stay as they were. The skipped
// updates are counted (see NonFiniteCounts); after maxConsecutive skips in a row the update is
// applied anyway, so that a diverged run does not silently stall.
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
	}, Eval: func(s *Step, p []*Node) []*Node { return s.EvalParams(inner, p) }})
}

// NonFiniteCounts reads the counters of a SkipNonFinite optimizer from ctx: the number of
// updates skipped in total and in a row up to now.
func NonFiniteCounts(ctx *context.Context, opt *Optimizer) (total, consecutive int64, err error) {
	found := 0
	for v := range ctx.InAbsPath(opt.Scope()).IterVariablesInScope() {
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
		return 0, 0, errorf("%s: no SkipNonFinite counters in the context (not wrapped, or no step run yet)", opt.name)
	}
	return total, consecutive, nil
}

// Masked runs link only on the variables for which include is true; the other variables'
// updates pass through unchanged (optax.masked). E.g. weight decay without the biases:
// Masked(AddDecayedWeights(wd), func(v) bool { return v.Name() != "biases" }).
func Masked(link *Transform, include func(v *context.Variable) bool) *Transform {
	return &Transform{Name: "masked", Children: []*Transform{link}, Update: func(s *Step, u []*Node) []*Node {
		var idx []int
		for i, v := range s.Vars {
			if include(v) {
				idx = append(idx, i)
			}
		}
		out := append([]*Node(nil), u...)
		if len(idx) == 0 {
			return out
		}
		sub, subU := s.subset(idx, u)
		res := sub.Apply(link, subU)
		for k, i := range idx {
			out[i] = res[k]
		}
		return out
	}}
}

// PerGroup trains each variable with the optimizer of its group, as label names it (optax's
// multi_transform, PyTorch's parameter groups): e.g. no weight decay on biases, or another
// learning rate for the classifier. Each group keeps its own state and hyperparameters (set
// them with SetHyper on the returned optimizer: the name reaches every group that has it).
func PerGroup(name string, label func(v *context.Variable) string, groups map[string]*Optimizer) (*Optimizer, error) {
	if len(groups) == 0 {
		return nil, errorf("PerGroup: no groups")
	}
	labels := make([]string, 0, len(groups))
	for l := range groups {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	children := make([]*Transform, len(labels))
	for k, l := range labels {
		root, err := detach(groups[l])
		if err != nil {
			return nil, fmt.Errorf("optim: PerGroup: group %q: %w", l, err)
		}
		root.Name = l
		children[k] = root
	}
	return NewOptimizer(name, &Transform{Name: "groups", Children: children, Update: func(s *Step, u []*Node) []*Node {
		byLabel := map[string][]int{}
		for i, v := range s.Vars {
			l := label(v)
			if _, ok := groups[l]; !ok {
				panic(fmt.Sprintf("optim: PerGroup %s: variable %s has label %q; the groups are %v", name, v.ScopeAndName(), l, labels))
			}
			byLabel[l] = append(byLabel[l], i)
		}
		out := make([]*Node, len(u))
		for k, l := range labels {
			idx := byLabel[l]
			if len(idx) == 0 {
				continue
			}
			sub, subU := s.subset(idx, u)
			res := sub.Apply(children[k], subU)
			for j, i := range idx {
				out[i] = res[j]
			}
		}
		return out
	}})
}

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
// evaluates the model at it (Optimizer.EvalParamsGraph, Trajectory.Eval).
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
// and evaluates the model at it once it has started.
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
// the fast weights restart from them. The model is evaluated at the slow weights.
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
