package optim

import (
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/ml/model"
)

// This file and wrappers_*.go hold the wrappers: functions that take any optimizer and return
// an optimizer, in the manner of optax's apply_if_finite, MultiSteps, masked and lookahead. A
// wrapped optimizer is consumed: its links move into the new one (same name, so the same
// scope), and it must not be used on its own afterwards. This file: the wrapping mechanism,
// weight decay, maximize and clipping.

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
	sub.Vars, sub.Params = make([]*model.Variable, len(idx)), make([]*Node, len(idx))
	subU := make([]*Node, len(idx))
	for k, i := range idx {
		sub.Vars[k], sub.Params[k], subU[k] = s.Vars[i], s.Params[i], u[i]
	}
	return &sub, subU
}

// Prepend returns opt with links run before its own (on the gradients): clipping, noise,
// coupled weight decay, ... opt is consumed: use the returned optimizer (same name, same
// scope); opt itself can no longer run (its methods panic, Run* and wrappers return errors).
func Prepend(opt *Optimizer, links ...*Transform) (*Optimizer, error) {
	if opt == nil || opt.root == nil {
		return nil, errorf("Prepend: nil or already wrapped optimizer")
	}
	root := opt.root
	return rewrap(opt, append(links, root)...)
}

// Append returns opt with links run after its own (on the final steps). opt is consumed, as
// by [Prepend].
func Append(opt *Optimizer, links ...*Transform) (*Optimizer, error) {
	if opt == nil || opt.root == nil {
		return nil, errorf("Append: nil or already wrapped optimizer")
	}
	return rewrap(opt, append([]*Transform{opt.root}, links...)...)
}

// WithMaximize returns opt ascending instead of descending (torch's maximize=True). opt is
// consumed, as by [Prepend].
func WithMaximize(opt *Optimizer) (*Optimizer, error) { return Prepend(opt, Negate()) }

// WithWeightDecay adds weight decay wd to opt: coupled (L2, the gradient becomes g + wd·p, so
// the preconditioner sees it) or decoupled (p ← p - lr·wd·p after the step, AdamW's form, with
// opt's learning rate "lr" or "learning_rate" in force). opt is consumed, as by [Prepend].
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
// variables) exceeds maxNorm (optax.clip_by_global_norm). maxNorm ("max_norm", > 0) is
// required, e.g. Value(1).
func ClipByGlobalNorm(maxNorm *Hyper) *Transform {
	h := requiredHyper(maxNorm, "max_norm", Positive)
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

// ClipByValue clips every update element to [-limit, limit] (optax.clip). limit ("max_delta",
// > 0) is required, e.g. Value(0.5).
func ClipByValue(limit *Hyper) *Transform {
	h := requiredHyper(limit, "max_delta", Positive)
	return Map("clip", []*Hyper{h}, func(s *Step, _ int, u *Node) *Node {
		l := s.HyperAs(h, u)
		return Min(Max(u, Neg(l)), l)
	})
}

// ClipByNorm scales each variable's update by maxNorm/‖u_i‖ when its own norm exceeds maxNorm
// (per-variable clipping, optax.clip_by_block_rms's norm counterpart). maxNorm ("max_norm",
// > 0) is required, e.g. Value(1).
func ClipByNorm(maxNorm *Hyper) *Transform {
	h := requiredHyper(maxNorm, "max_norm", Positive)
	return Map("clip_by_norm", []*Hyper{h}, func(s *Step, _ int, u *Node) *Node {
		norm := Sqrt(ReduceAllSum(Square(u)))
		m := s.HyperAs(h, u)
		return Where(LessThan(norm, m), u, Mul(Div(u, norm), m))
	})
}

// Renamed returns opt under another name, hence another scope ("/optim/<name>"): two optimizers
// built by the same constructor (two SGDs, say, for the two players of a GAN) need different
// names to keep their state apart in one context. opt is consumed.
func Renamed(opt *Optimizer, name string) (*Optimizer, error) {
	if opt == nil || opt.root == nil {
		return nil, errorf("Renamed: nil or already wrapped optimizer")
	}
	root := opt.root
	if _, err := detach(opt); err != nil {
		return nil, err
	}
	return NewOptimizer(name, root)
}
