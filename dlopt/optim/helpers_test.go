package optim

import (
	"fmt"
	"testing"

	"github.com/dlopt/course/dlopt"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// twoVars is a tiny "model" for tests of wrappers that treat variables differently: a weight
// matrix and a bias vector in scope /model/dense, as GoMLX's layers name them.
type twoVars struct {
	store    *model.Store
	scope    *model.Scope // store's root scope
	vars     []*model.Variable
	exec     *model.Exec
	evalExec *model.Exec
}

func newTwoVars(t *testing.T, opt *Optimizer, w0 [][]float64, b0 []float64) *twoVars {
	t.Helper()
	store := model.NewStore()
	scope := store.RootScope()
	dense := scope.In("model").In("dense")
	tv := &twoVars{store: store, scope: scope, vars: []*model.Variable{
		dense.VariableWithValue("weights", tensors.FromValue(w0)),
		dense.VariableWithValue("biases", tensors.FromValue(b0)),
	}}
	tv.build(t, opt)
	return tv
}

// build (re)compiles the update and evaluation graphs, e.g. after Optimizer.Clear.
func (tv *twoVars) build(t *testing.T, opt *Optimizer) {
	t.Helper()
	backend := dlopt.MustBackend()
	var err error
	tv.exec, err = model.NewExec(backend, tv.store, func(scope *model.Scope, gw, gb *Node) []*Node {
		opt.Apply(scope, tv.vars, []*Node{gw, gb})
		return []*Node{tv.vars[0].NodeValue(gw.Graph()), tv.vars[1].NodeValue(gw.Graph())}
	})
	if err != nil {
		t.Fatal(err)
	}
	tv.evalExec, err = model.NewExec(backend, tv.store, func(scope *model.Scope, g *Graph) []*Node {
		return opt.EvalParamsGraph(scope, g, tv.vars)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// step applies one update with the given gradients and returns the new weights and biases.
func (tv *twoVars) step(t *testing.T, gw [][]float64, gb []float64) ([][]float64, []float64) {
	t.Helper()
	out, err := tv.exec.Exec(gw, gb)
	if err != nil {
		t.Fatal(err)
	}
	return out[0].Value().([][]float64), out[1].Value().([]float64)
}

// eval returns the evaluation parameters.
func (tv *twoVars) eval(t *testing.T) ([][]float64, []float64) {
	t.Helper()
	out, err := tv.evalExec.Exec()
	if err != nil {
		t.Fatal(err)
	}
	return out[0].Value().([][]float64), out[1].Value().([]float64)
}

func mustOpt(t *testing.T) func(*Optimizer, error) *Optimizer {
	return func(o *Optimizer, err error) *Optimizer {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
}

func sgd(t *testing.T, lr float64) *Optimizer {
	return mustOpt(t)(SGD(SGDConfig{LR: lr}))
}

func itoa(i int) string { return fmtSprint(i) }

func ftoa(x []float64) string { return fmtSprint(x) }

func fmtSprint(x any) string { return fmt.Sprint(x) }
