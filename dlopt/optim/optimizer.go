package optim

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// RootScope is the model store scope under which optimizers keep their state: "/optim/<name>".
const RootScope = "/optim"

// Optimizer is a chain of transforms ready to train: it implements GoMLX's
// optimizer.Interface (so it drops into train.Trainer on any backend) and
// train.OptimizeWithGradients. One update is one graph: all variables, all links.
type Optimizer struct {
	name   string
	root   *Transform
	hypers []*Hyper
}

var (
	_ optimizer.Interface         = (*Optimizer)(nil)
	_ train.OptimizeWithGradients = (*Optimizer)(nil)
)

// NewOptimizer builds an optimizer named name from links run in order: it is the chain that
// trains (optax's chain of an optimizer's transforms, with a name, hence a scope). [Chain] is
// the same composition as a single link, to nest inside a wrapper or another link.
//
// It gives every link and hyperparameter its scope ("/optim/<name>/<index>_<link>/...") and
// validates every hyperparameter, returning an error naming the bad value and its allowed
// range. The links and their *Hyper values then belong to this optimizer: using one of them in
// another optimizer is an error (build fresh ones), while one *Hyper listed by two links of the
// same optimizer is one shared value (e.g. the learning rate of a decoupled decay). At least
// one link is required.
func NewOptimizer(name string, links ...*Transform) (*Optimizer, error) {
	if name == "" || strings.ContainsAny(name, "/") {
		return nil, errorf("optimizer name %q must be non-empty and contain no '/'", name)
	}
	if len(links) == 0 {
		return nil, errorf("optimizer %q has no links: pass at least one, e.g. ScaleByLearningRate(Value(0.1))", name)
	}
	o := &Optimizer{name: name, root: Chain(links...)}
	b := &builder{name: name, seen: map[*Transform]bool{}, mine: map[*Hyper]bool{}}
	if err := b.assign(o.root, RootScope+"/"+name); err != nil {
		b.rollback()
		return nil, err
	}
	o.hypers = b.hypers
	return o, nil
}

// builder gives scopes to the links and hyperparameters of one optimizer; on error it takes
// them back (rollback), so that the caller may fix the mistake and build again.
type builder struct {
	name   string
	seen   map[*Transform]bool
	mine   map[*Hyper]bool
	hypers []*Hyper
}

func (b *builder) assign(t *Transform, scope string) error {
	if t == nil {
		return errorf("%s: nil transform", b.name)
	}
	if b.seen[t] || t.scope != "" {
		return errorf("%s: transform %q is used twice (build a fresh one for each use)", b.name, t.Name)
	}
	b.seen[t] = true
	t.scope = scope
	for k, h := range t.Hypers {
		switch {
		case h == nil:
			return errorf("%s: link %q: hyperparameter %d is nil and has no default: pass Value(x) or NewHyper(name, x, range)", b.name, t.Name, k)
		case h.missing:
			return errorf("%s: link %q: %s is required (nil given) and has no default: pass Value(x) or NewHyper(%q, x, %s)", b.name, t.Name, h.Name, h.Name, h.Range)
		case b.mine[h]:
			continue // listed by an earlier link of this optimizer: one shared value
		case h.scope != "":
			return errorf("%s: hyperparameter %s = %v of link %q already belongs to the optimizer at %s: a *Hyper serves one optimizer, build a fresh one (NewHyper or Value) for each", b.name, h.Name, h.Value, t.Name, h.scope)
		}
		if err := h.check(h.Value); err != nil {
			return fmt.Errorf("optim: %s: %w", b.name, err)
		}
		h.scope = scope
		b.mine[h] = true
		b.hypers = append(b.hypers, h)
	}
	for i, c := range t.Children {
		if c == nil {
			return errorf("%s: nil transform in %q", b.name, t.Name)
		}
		if err := b.assign(c, fmt.Sprintf("%s/%d_%s", scope, i, c.Name)); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) rollback() {
	for t := range b.seen {
		t.scope = ""
	}
	for h := range b.mine {
		h.scope = ""
	}
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

// SetHyper sets every hyperparameter called name to value in store (a *model.Store or Scope), from the host, between steps
// (e.g. from a schedule). The value is checked against the hyperparameter's range.
func (o *Optimizer) SetHyper(store model.StoreProvider, name string, value float64) error {
	found := false
	for _, h := range o.hypers {
		if h.Name != name {
			continue
		}
		found = true
		if err := h.check(value); err != nil {
			return fmt.Errorf("optim: %s: %w", o.name, err)
		}
		if err := hyperVar(store, h).SetValue(tensors.FromScalar(value)); err != nil {
			return fmt.Errorf("optim: %s: setting %s: %w", o.name, name, err)
		}
	}
	if !found {
		return kindErrorf(ErrUnknownName, "%s has no hyperparameter %q; it has %s", o.name, name, strings.Join(o.Hypers(), ", "))
	}
	return nil
}

// Hyper returns the value in force of the (first) hyperparameter called name.
func (o *Optimizer) Hyper(store model.StoreProvider, name string) (float64, error) {
	for _, h := range o.hypers {
		if h.Name == name {
			t, err := hyperVar(store, h).Value()
			if err != nil {
				return 0, err
			}
			return tensors.ToScalar[float64](t), nil
		}
	}
	return 0, kindErrorf(ErrUnknownName, "%s has no hyperparameter %q; it has %s", o.name, name, strings.Join(o.Hypers(), ", "))
}

// UpdateGraph implements optimizer.Interface: it differentiates loss with respect to the
// trainable variables in use by the graph and applies the update.
func (o *Optimizer) UpdateGraph(scope *model.Scope, g *Graph, loss *Node) {
	if !loss.Shape().IsScalar() {
		panic(fmt.Sprintf("optim: %s: the loss must be a scalar, got shape %s", o.name, loss.Shape()))
	}
	grads := scope.BuildTrainableVariablesGradientsGraph(loss)
	o.UpdateGraphWithGradients(scope, grads, loss.DType())
}

// UpdateGraphWithGradients implements train.OptimizeWithGradients (used for gradient
// accumulation by train.Trainer): grads are in the order of the scope's trainable variables in use.
func (o *Optimizer) UpdateGraphWithGradients(scope *model.Scope, grads []*Node, _ dtypes.DType) {
	if len(grads) == 0 {
		panic(fmt.Sprintf("optim: %s: no gradients: are there trainable variables?", o.name))
	}
	g := grads[0].Graph()
	var vars []*model.Variable
	for v := range scope.IterVariables() {
		if v.Trainable && v.InUseByGraph(g) {
			vars = append(vars, v)
		}
	}
	if len(vars) != len(grads) {
		panic(fmt.Sprintf("optim: %s: %d gradients for %d trainable variables in use", o.name, len(grads), len(vars)))
	}
	_ = optimizer.IncrementGlobalStep(g, dtypes.Int64)
	o.Apply(scope, vars, grads)
}

// Apply builds one update of vars given their gradients, writing the new parameters and state
// into the graph (Variable.SetValueGraph). Calling it several times in one graph runs several
// steps in that graph.
func (o *Optimizer) Apply(scope *model.Scope, vars []*model.Variable, grads []*Node) {
	o.checkUsable()
	if len(vars) != len(grads) {
		panic(fmt.Sprintf("optim: %s: %d gradients for %d variables", o.name, len(grads), len(vars)))
	}
	if len(vars) == 0 {
		return
	}
	g := grads[0].Graph()
	s := o.newStep(scope, g, vars)
	counter := s.Scalar("count", dtypes.Int64, 0)
	n := AddScalar(s.Get(counter), 1)
	s.Set(counter, n)
	s.CountInt = n
	s.Count = ConvertDType(n, dtypes.Float64)
	u := make([]*Node, len(grads))
	for i, gr := range grads {
		if !gr.Shape().Equal(vars[i].Shape()) {
			panic(fmt.Sprintf("optim: %s: gradient of %s has shape %s, the variable %s", o.name, vars[i].Path(), gr.Shape(), vars[i].Shape()))
		}
		u[i] = gr
	}
	u = s.Apply(o.root, u)
	for i, v := range vars {
		v.SetNodeValue(Add(s.Params[i], As(u[i], s.Params[i])))
	}
}

// EvalParamsGraph returns the parameters at which to evaluate the model (see [Transform].Eval),
// in the order of vars, without changing any variable.
func (o *Optimizer) EvalParamsGraph(scope *model.Scope, g *Graph, vars []*model.Variable) []*Node {
	o.checkUsable()
	s := o.newStep(scope, g, vars)
	counter := s.Scalar("count", dtypes.Int64, 0)
	s.CountInt = s.Get(counter)
	s.Count = ConvertDType(s.CountInt, dtypes.Float64)
	return s.EvalParams(o.root, s.Params)
}

func (o *Optimizer) newStep(scope *model.Scope, g *Graph, vars []*model.Variable) *Step {
	s := &Step{Ctx: scope, G: g, Vars: vars, Params: make([]*Node, len(vars)), scope: o.root.scope, writes: new([]stateWrite)}
	for i, v := range vars {
		s.Params[i] = v.NodeValue(g)
	}
	return s
}

// Clear deletes the optimizer's state and hyperparameter variables from scope's store (optimizer.Interface).
func (o *Optimizer) Clear(scope *model.Scope) error {
	if o.root == nil {
		return errorf("%s was consumed by a wrapper: clear the optimizer the wrapper returned", o.name)
	}
	return scope.Store().DeleteVariablesInScope(o.root.scope)
}

// checkUsable panics with an explanation if o was consumed by a wrapper.
func (o *Optimizer) checkUsable() {
	if o.root == nil {
		panic(fmt.Sprintf("optim: optimizer %s was wrapped (WithLookahead, SkipNonFinite, PerGroup, ...): use the optimizer the wrapper returned", o.name))
	}
}
