package optim

import (
	"fmt"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// SwapInEvalParams sets store's trainable variables to opt's evaluation parameters (the averaged
// weights of WithParamEMA or WithSWA, Lookahead's slow weights, schedule-free's x, ASGD's
// average, NAG's iterate) so that a model can be evaluated at them, e.g. with train.Trainer.Eval.
// It returns a function that puts the trained values back; call it before training on.
// For an optimizer without evaluation parameters it changes nothing. The evaluation parameters
// are computed on backend, the one the store's variables live on.
func SwapInEvalParams(backend compute.Backend, store *model.Store, opt *Optimizer) (restore func() error, err error) {
	if backend == nil || store == nil {
		return nil, errorf("SwapInEvalParams: backend and store are required (got backend %v, store %v)", backend, store)
	}
	var vars []*model.Variable
	var saved []*tensors.Tensor
	for v := range store.IterVariables() {
		if !v.Trainable {
			continue
		}
		t, err := v.Value()
		if err != nil {
			return nil, err
		}
		// A copy: the variable's tensor may be donated to (and reused by) a later execution.
		c, err := t.LocalClone()
		if err != nil {
			return nil, err
		}
		vars = append(vars, v)
		saved = append(saved, c)
	}
	restore = func() error {
		for i, v := range vars {
			if err := v.SetValue(saved[i]); err != nil {
				return err
			}
		}
		return nil
	}
	if len(vars) == 0 || !opt.HasEval() {
		return restore, nil
	}
	outs, err := model.ExecOnceN(backend, store, func(scope *model.Scope, g *Graph) []*Node {
		return opt.EvalParamsGraph(scope, g, vars)
	})
	if err != nil {
		return nil, fmt.Errorf("optim: %s: evaluation parameters: %w", opt.name, err)
	}
	for i, v := range vars {
		if err := v.SetValue(outs[i]); err != nil {
			return nil, err
		}
	}
	return restore, nil
}
