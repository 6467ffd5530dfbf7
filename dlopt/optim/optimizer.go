package optim

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
)

// RootScope is the context scope under which optimizers keep their state: "/optim/<name>".
const RootScope = "/optim"

// Optimizer is a chain of transforms ready to train: it implements GoMLX's
// optimizers.Interface (so it drops into train.Trainer on any backend) and
// train.OptimizeWithGradients. One update is one graph: all variables, all links.
type Optimizer struct {
	name   string
	root   *Transform
	hypers []*Hyper
}

var (
	_ optimizers.Interface        = (*Optimizer)(nil)
	_ train.OptimizeWithGradients = (*Optimizer)(nil)
)

// NewOptimizer builds an optimizer named name from links run in order. It gives every link and
// hyperparameter its scope ("/optim/<name>/<index>_<link>/...") and validates every
// hyperparameter, returning an error naming the bad value and its allowed range.
func NewOptimizer(name string, links ...*Transform) (*Optimizer, error) {
	if name == "" || strings.ContainsAny(name, "/") {
		return nil, errorf("optimizer name %q must be non-empty and contain no '/'", name)
	}
	o := &Optimizer{name: name, root: Chain(links...)}
	seen := map[*Transform]bool{}
	var assign func(t *Transform, scope string) error
	assign = func(t *Transform, scope string) error {
		if t == nil {
			return fmt.Errorf("optim: %s: nil transform", name)
		}
		if seen[t] || t.scope != "" {
			return fmt.Errorf("optim: %s: transform %q is used twice (build a fresh one for each use)", name, t.Name)
		}
		seen[t] = true
		t.scope = scope
		for _, h := range t.Hypers {
			if err := h.check(h.Value); err != nil {
				return fmt.Errorf("optim: %s: %w", name, err)
			}
			if h.scope == "" {
				h.scope = scope
				o.hypers = append(o.hypers, h)
			}
		}
		for i, c := range t.Children {
			if c == nil {
				return fmt.Errorf("optim: %s: nil transform in %q", name, t.Name)
			}
			if err := assign(c, fmt.Sprintf("%s/%d_%s", scope, i, c.Name)); err != nil {
				return err
			}
		}
		return nil
	}
	if err := assign(o.root, RootScope+"/"+name); err != nil {
		return nil, err
	}
	return o, nil
}

// Name of the optimizer (also its scope under [RootScope]).
func (o *Optimizer) Name() string { return o.name }

// Scope is the absolute context scope of the optimizer's state.
func (o *Optimizer) Scope() string {
	o.checkUsable()
	return o.root.scope
}

// HasEval reports whether the optimizer evaluates the model at other parameters than the ones it
// trains (schedule-free methods, averaging wrappers).
func (o *Optimizer) HasEval() bool {
	o.checkUsable()
	var has func(t *Transform) bool
	has = func(t *Transform) bool {
		if t.Eval != nil && !t.delegatesEval {
			return true
		}
		for _, c := range t.Children {
			if has(c) {
				return true
			}
		}
		return false
	}
	return has(o.root)
}

// Hypers lists the names of the optimizer's hyperparameters, sorted, without duplicates.
func (o *Optimizer) Hypers() []string {
	set := map[string]bool{}
	for _, h := range o.hypers {
		set[h.Name] = true
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// SetHyper sets every hyperparameter called name to value in ctx, from the host, between steps
// (e.g. from a schedule). The value is checked against the hyperparameter's range.
func (o *Optimizer) SetHyper(ctx *context.Context, name string, value float64) error {
	found := false
	for _, h := range o.hypers {
		if h.Name != name {
			continue
		}
		found = true
		if err := h.check(value); err != nil {
			return fmt.Errorf("optim: %s: %w", o.name, err)
		}
		if err := hyperVar(ctx, h).SetValue(tensors.FromScalar(value)); err != nil {
			return fmt.Errorf("optim: %s: setting %s: %w", o.name, name, err)
		}
	}
	if !found {
		return kindErrorf(ErrUnknownName, "%s has no hyperparameter %q; it has %s", o.name, name, strings.Join(o.Hypers(), ", "))
	}
	return nil
}

// Hyper returns the value in force of the (first) hyperparameter called name.
func (o *Optimizer) Hyper(ctx *context.Context, name string) (float64, error) {
	for _, h := range o.hypers {
		if h.Name == name {
			t, err := hyperVar(ctx, h).Value()
			if err != nil {
				return 0, err
			}
			return tensors.ToScalar[float64](t), nil
		}
	}
	return 0, kindErrorf(ErrUnknownName, "%s has no hyperparameter %q; it has %s", o.name, name, strings.Join(o.Hypers(), ", "))
}

// UpdateGraph implements optimizers.Interface: it differentiates loss with respect to the
// trainable variables in use by the graph and applies the update.
func (o *Optimizer) UpdateGraph(ctx *context.Context, g *Graph, loss *Node) {
	if !loss.Shape().IsScalar() {
		panic(fmt.Sprintf("optim: %s: the loss must be a scalar, got shape %s", o.name, loss.Shape()))
	}
	grads := ctx.BuildTrainableVariablesGradientsGraph(loss)
	o.UpdateGraphWithGradients(ctx, grads, loss.DType())
}

// UpdateGraphWithGradients implements train.OptimizeWithGradients (used for gradient
// accumulation by train.Trainer): grads are in the order of ctx's trainable variables in use.
func (o *Optimizer) UpdateGraphWithGradients(ctx *context.Context, grads []*Node, _ dtypes.DType) {
	if len(grads) == 0 {
		panic(fmt.Sprintf("optim: %s: no gradients: are there trainable variables?", o.name))
	}
	g := grads[0].Graph()
	var vars []*context.Variable
	for v := range ctx.IterVariables() {
		if v.Trainable && v.InUseByGraph(g) {
			vars = append(vars, v)
		}
	}
	if len(vars) != len(grads) {
		panic(fmt.Sprintf("optim: %s: %d gradients for %d trainable variables in use", o.name, len(grads), len(vars)))
	}
	_ = optimizers.IncrementGlobalStepGraph(ctx, g, dtypes.Int64)
	o.Apply(ctx, vars, grads)
}

// Apply builds one update of vars given their gradients, writing the new parameters and state
// into the graph (Variable.SetValueGraph). Calling it several times in one graph runs several
// steps in that graph.
func (o *Optimizer) Apply(ctx *context.Context, vars []*context.Variable, grads []*Node) {
	o.checkUsable()
	if len(vars) != len(grads) {
		panic(fmt.Sprintf("optim: %s: %d gradients for %d variables", o.name, len(grads), len(vars)))
	}
	if len(vars) == 0 {
		return
	}
	g := grads[0].Graph()
	s := o.newStep(ctx, g, vars)
	counter := s.Scalar("count", dtypes.Int64, 0)
	n := AddScalar(s.Get(counter), 1)
	s.Set(counter, n)
	s.CountInt = n
	s.Count = ConvertDType(n, dtypes.Float64)
	u := make([]*Node, len(grads))
	for i, gr := range grads {
		if !gr.Shape().Equal(vars[i].Shape()) {
			panic(fmt.Sprintf("optim: %s: gradient of %s has shape %s, the variable %s", o.name, vars[i].ScopeAndName(), gr.Shape(), vars[i].Shape()))
		}
		u[i] = gr
	}
	u = s.Apply(o.root, u)
	for i, v := range vars {
		v.SetValueGraph(Add(s.Params[i], As(u[i], s.Params[i])))
	}
}

// EvalParamsGraph returns the parameters at which to evaluate the model (see [Transform].Eval),
// in the order of vars, without changing any variable.
func (o *Optimizer) EvalParamsGraph(ctx *context.Context, g *Graph, vars []*context.Variable) []*Node {
	o.checkUsable()
	s := o.newStep(ctx, g, vars)
	counter := s.Scalar("count", dtypes.Int64, 0)
	s.CountInt = s.Get(counter)
	s.Count = ConvertDType(s.CountInt, dtypes.Float64)
	return s.EvalParams(o.root, s.Params)
}

func (o *Optimizer) newStep(ctx *context.Context, g *Graph, vars []*context.Variable) *Step {
	s := &Step{Ctx: ctx, G: g, Vars: vars, Params: make([]*Node, len(vars)), scope: o.root.scope, writes: new([]stateWrite)}
	for i, v := range vars {
		s.Params[i] = v.ValueGraph(g)
	}
	return s
}

// Clear deletes the optimizer's state and hyperparameter variables from ctx (optimizers.Interface).
func (o *Optimizer) Clear(ctx *context.Context) error {
	if o.root == nil {
		return errorf("%s was consumed by a wrapper: clear the optimizer the wrapper returned", o.name)
	}
	return ctx.InAbsPath(o.root.scope).DeleteVariablesInScope()
}

// checkUsable panics with an explanation if o was consumed by a wrapper.
func (o *Optimizer) checkUsable() {
	if o.root == nil {
		panic(fmt.Sprintf("optim: optimizer %s was wrapped (WithLookahead, SkipNonFinite, PerGroup, ...): use the optimizer the wrapper returned", o.name))
	}
}
