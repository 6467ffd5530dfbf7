package optim

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/ml/model"
)

// Transform is one link of an optimizer chain, in the style of optax's GradientTransformation:
// Update maps the updates of every trainable variable (the gradients, for the first link) to new
// updates. Its state lives in context variables under its own scope (see [Step.State]) and its
// numeric hyperparameters are Hypers (see [Step.Hyper]).
//
// The final updates are added to the parameters: a link that scales by a learning rate multiplies
// by -lr (optax's convention).
//
// A Transform belongs to one optimizer: build a fresh one for each [NewOptimizer] call.
type Transform struct {
	// Name is the scope name of the link ("scale_by_adam", "trace", ...).
	Name string
	// Hypers lists the hyperparameters this link owns; they are validated and given a scope by
	// NewOptimizer.
	Hypers []*Hyper
	// Children are links run inside this one (by a chain or a wrapper) through [Step.Apply]; each
	// gets a sub-scope "<index>_<name>" of this link's scope.
	Children []*Transform
	// Update maps updates to updates. It is a graph-building function: it panics on error.
	Update func(s *Step, updates []*Node) []*Node
	// Eval optionally maps the parameters to the parameters a model should be evaluated at
	// (schedule-free methods, averaging); nil means "the parameters themselves". A chain composes
	// the Evals of its children in order.
	Eval func(s *Step, params []*Node) []*Node

	scope string
	// delegatesEval marks an Eval that only passes the question on to the children (chains and
	// wrappers): such a link alone does not give an optimizer evaluation parameters.
	delegatesEval bool
}

// Scope is the absolute context scope of the link (empty before the optimizer is built).
func (t *Transform) Scope() string { return t.scope }

// Chain runs links one after the other, each on the updates of the previous one, as ONE link
// (optax.chain returns a GradientTransformation too). It cannot train by itself: pass it, or
// the links directly, to [NewOptimizer], which is the named chain that trains. Use Chain to
// group links inside another link or a wrapper, e.g. Masked(Chain(a, b), include).
func Chain(links ...*Transform) *Transform {
	return &Transform{
		Name:     "chain",
		Children: links,
		Update: func(s *Step, u []*Node) []*Node {
			for _, c := range links {
				u = s.Apply(c, u)
			}
			return u
		},
		Eval: func(s *Step, p []*Node) []*Node {
			for _, c := range links {
				p = s.EvalParams(c, p)
			}
			return p
		},
		delegatesEval: true,
	}
}

// Unchanged is a link that leaves the updates unchanged (optax.identity).
func Unchanged() *Transform {
	return &Transform{Name: "identity", Update: func(_ *Step, u []*Node) []*Node { return u }}
}

// Map builds a stateless link that applies fn to each variable's update.
func Map(name string, hypers []*Hyper, fn func(s *Step, i int, u *Node) *Node) *Transform {
	return &Transform{Name: name, Hypers: hypers, Update: func(s *Step, u []*Node) []*Node {
		out := make([]*Node, len(u))
		for i := range u {
			out[i] = fn(s, i, u[i])
		}
		return out
	}}
}

// stateWrite records one state assignment so that wrappers can gate it (see Step.Gate).
type stateWrite struct {
	v   *model.Variable
	old *Node
}

// Step is what a [Transform] sees while the graph of one update is built: the graph, the
// trainable variables and their current values, the step count and its own scope.
type Step struct {
	Ctx *model.Scope
	G   *Graph
	// Vars are the trainable variables, in the order of the updates.
	Vars []*model.Variable
	// Params are the values of Vars before this update.
	Params []*Node
	// Count is the number of this update as a float64 scalar: 1 for the first. Wrappers that
	// skip updates give their children their own count (see WithCounter).
	Count *Node
	// CountInt is Count as an int64 scalar.
	CountInt *Node

	scope  string
	writes *[]stateWrite
}

// Scope is the absolute scope of the link being run.
func (s *Step) Scope() string { return s.scope }

// Apply runs link t (a child of the link being run) on updates u, in t's scope.
func (s *Step) Apply(t *Transform, u []*Node) []*Node {
	if t.scope == "" {
		panic(fmt.Sprintf("optim: transform %q used in a graph before NewOptimizer gave it a scope (is it listed in its parent's Children?)", t.Name))
	}
	saved := s.scope
	s.scope = t.scope
	defer func() { s.scope = saved }()
	out := t.Update(s, u)
	if len(out) != len(u) {
		panic(fmt.Sprintf("optim: transform %q returned %d updates for %d variables", t.Name, len(out), len(u)))
	}
	return out
}

// EvalParams runs t's Eval (if any) on params, in t's scope.
func (s *Step) EvalParams(t *Transform, params []*Node) []*Node {
	if t.Eval == nil {
		return params
	}
	saved := s.scope
	s.scope = t.scope
	defer func() { s.scope = saved }()
	return t.Eval(s, params)
}

// Hyper returns the current value of h, a float64 scalar read from its context variable.
func (s *Step) Hyper(h *Hyper) *Node {
	return hyperVar(s.Ctx, h).NodeValue(s.G)
}

// HyperAs returns the value of h converted to the dtype of x, ready to combine with it.
func (s *Step) HyperAs(h *Hyper, x *Node) *Node { return As(s.Hyper(h), x) }

// As converts scalar to the dtype of x (no-op if they match). Scalar arithmetic (bias
// corrections, schedules) is done in float64, as PyTorch and optax do on the host, and converted
// at the point where it meets a tensor.
func As(scalar, x *Node) *Node {
	if scalar.DType() == x.DType() {
		return scalar
	}
	return ConvertDType(scalar, x.DType())
}

func hyperVar(store model.StoreProvider, h *Hyper) *model.Variable {
	if h.scope == "" {
		panic(fmt.Sprintf("optim: hyperparameter %q is not owned by any transform of the optimizer (list it in its transform's Hypers)", h.Name))
	}
	return store.Store().VariableWithValue(model.JoinPath(h.scope, h.Name), h.Value).SetTrainable(false)
}

// State returns the state variable name of variable i for the running link: shaped and typed
// like the parameter, initialized to init, stored at "<link scope>/<name><variable scope>".
func (s *Step) State(i int, name string, init float64) *model.Variable {
	return s.StateShaped(i, name, s.Vars[i].Shape(), init)
}

// StateShaped is like State with another shape (e.g. factored second moments).
func (s *Step) StateShaped(i int, name string, shape shapes.Shape, init float64) *model.Variable {
	v := s.Vars[i]
	return s.variable(model.JoinPath(s.scope, name, v.Scope()), v.Name(), shape, init)
}

// Scalar returns a scalar state variable of the running link (e.g. a count or a running norm),
// initialized to init and of the given dtype.
func (s *Step) Scalar(name string, dtype dtypes.DType, init float64) *model.Variable {
	return s.variable(s.scope, name, shapes.Make(dtype), init)
}

func (s *Step) variable(scope, name string, shape shapes.Shape, init float64) *model.Variable {
	path := model.JoinPath(scope, name)
	if existing := s.Ctx.Store().GetVariable(path); existing != nil {
		if !existing.Shape().Equal(shape) {
			panic(fmt.Sprintf("optim: state %s has shape %s, wanted %s", path, existing.Shape(), shape))
		}
		// A variable restored from a checkpoint comes back marked trainable: state never is.
		return existing.SetTrainable(false)
	}
	fill := func(g *Graph, shape shapes.Shape) *Node {
		return BroadcastToDims(Scalar(g, shape.DType, init), shape.Dimensions...)
	}
	return s.Ctx.Store().VariableWithShape(path, shape, fill).SetTrainable(false)
}

// Get reads a state variable (its latest value in this graph).
func (s *Step) Get(v *model.Variable) *Node { return v.NodeValue(s.G) }

// Set writes a state variable. Writes go through Set (not Variable.SetValueGraph) so that
// wrappers can undo them (see Gate).
func (s *Step) Set(v *model.Variable, value *Node) {
	if value.DType() != v.DType() {
		value = ConvertDType(value, v.DType())
	}
	*s.writes = append(*s.writes, stateWrite{v: v, old: v.NodeValue(s.G)})
	v.SetNodeValue(value)
}

// Gate runs fn and then keeps the state it wrote only where keep (a boolean scalar) is true:
// otherwise every variable written inside fn keeps the value it had before. This is how
// wrappers skip steps (non-finite gradients, accumulation) without control flow in the graph.
func (s *Step) Gate(keep *Node, fn func()) {
	start := len(*s.writes)
	fn()
	before := map[*model.Variable]*Node{}
	var order []*model.Variable
	for _, w := range (*s.writes)[start:] {
		if _, seen := before[w.v]; !seen {
			before[w.v] = w.old
			order = append(order, w.v)
		}
	}
	for _, v := range order {
		v.SetNodeValue(Where(keep, v.NodeValue(s.G), before[v]))
	}
}

// WithCounter returns a copy of s whose Count comes from a counter of the running link,
// incremented (through Set, so it can be gated) at each call. Wrappers that skip updates use it
// so that their children count only the updates they really make.
func (s *Step) WithCounter(name string) *Step {
	c := s.Scalar(name, dtypes.Int64, 0)
	n := AddScalar(s.Get(c), 1)
	s.Set(c, n)
	sub := *s
	sub.CountInt = n
	sub.Count = ConvertDType(n, dtypes.Float64)
	return &sub
}

// ParamAs returns the parameter i converted to the dtype of x.
func (s *Step) ParamAs(i int, x *Node) *Node { return As(s.Params[i], x) }
