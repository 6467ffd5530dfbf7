package optim

import (
	"fmt"

	"github.com/dlopt/course/dlopt"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// SwapInEvalParams sets ctx's trainable variables to opt's evaluation parameters (the averaged
// weights of WithParamEMA or WithSWA, Lookahead's slow weights, schedule-free's x, ASGD's
// average, NAG's iterate) so that a model can be evaluated at them, e.g. with train.Trainer.Eval.
// It returns a function that puts the trained values back; call it before training on.
// For an optimizer without evaluation parameters it changes nothing.
func SwapInEvalParams(ctx *context.Context, opt *Optimizer) (restore func() error, err error) {
	var vars []*context.Variable
	var saved []*tensors.Tensor
	for v := range ctx.IterVariables() {
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
	backend, err := dlopt.Backend()
	if err != nil {
		return nil, err
	}
	outs, err := context.ExecOnceN(backend, ctx, func(ctx *context.Context, g *Graph) []*Node {
		return opt.EvalParamsGraph(ctx, g, vars)
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
