package optim

import (
	"fmt"
	"testing"

	"github.com/dlopt/course/dlopt"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// twoVars is a tiny "model" for tests of wrappers that treat variables differently: a weight
// matrix and a bias vector in scope /model/dense, as GoMLX's layers name them.
type twoVars struct {
	ctx      *context.Context
	vars     []*context.Variable
	exec     *context.Exec
	evalExec *context.Exec
}

func newTwoVars(t *testing.T, opt *Optimizer, w0 [][]float64, b0 []float64) *twoVars {
	t.Helper()
	ctx := context.New()
	dense := ctx.In("model").In("dense")
	tv := &twoVars{ctx: ctx, vars: []*context.Variable{
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
	ctx := tv.ctx
	var err error
	tv.exec, err = context.NewExec(backend, ctx, func(ctx *context.Context, gw, gb *Node) []*Node {
		opt.Apply(ctx, tv.vars, []*Node{gw, gb})
		return []*Node{tv.vars[0].ValueGraph(gw.Graph()), tv.vars[1].ValueGraph(gw.Graph())}
	})
	if err != nil {
		t.Fatal(err)
	}
	tv.evalExec, err = context.NewExec(backend, ctx, func(ctx *context.Context, g *Graph) []*Node {
		return opt.EvalParamsGraph(ctx, g, tv.vars)
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
